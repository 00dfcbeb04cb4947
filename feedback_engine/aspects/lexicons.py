"""Read the aspect, effort and emotion lexicons, naming the file and line of any mistake.

Formats (all editable; see docs/aspects.md):

- ``aspects.yaml``: ``aspects: [{id, label, description, patterns, examples}]``, plus
  ``patterns_zh`` / ``patterns_ru`` / ``patterns_de`` (and ``examples_<lang>``): the terms in
  those languages (:mod:`.languages`);
- ``effort.tsv``: ``cue<TAB>weight(-3..3)<TAB>source<TAB>note``;
- ``emotions.tsv``: ``term<TAB>emotion<TAB>intensity(0..1)<TAB>source<TAB>note``, plus
  ``@negated<TAB>emotion<TAB>target<TAB>factor`` lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import error
from ..resources import read_extended, resolve_lexicon
from .modifiers import cue_regex

# Languages an aspect may have terms in (``patterns_zh`` ...); English terms are ``patterns``.
TERM_LANGUAGES = ("zh", "ru", "de")
_LANGUAGE_KEY = re.compile(r"^(patterns|examples)_(\w+)$")
_EXTEND = ("patterns", "examples",
           *(f"{k}_{lang}" for k in ("patterns", "examples") for lang in TERM_LANGUAGES))

DEFAULT_ASPECTS = "aspects.yaml"
DEFAULT_EFFORT = "effort.tsv"
DEFAULT_EMOTIONS = "emotions.tsv"
ASPECT_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def resolve(name_or_path: str | Path) -> Path:
    """A user path when it exists, else a bundled lexicon name."""
    return resolve_lexicon(name_or_path, str(name_or_path))


@dataclass(frozen=True)
class Aspect:
    """One entry of the aspect vocabulary."""

    id: str
    label: str
    description: str = ""
    patterns: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    language_patterns: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    language_examples: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in TERM_LANGUAGES if self.language_patterns.get(lang))


def _language_terms(entry: dict, where: str, aspect_id: str,
                    ) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """An aspect's ``patterns_zh`` style keys, checked: (terms, examples) per language."""
    terms: dict[str, tuple[str, ...]] = {}
    examples: dict[str, tuple[str, ...]] = {}
    for key, value in entry.items():
        match = _LANGUAGE_KEY.match(str(key))
        if not match:
            continue
        kind, language = match.groups()
        if language not in TERM_LANGUAGES:
            raise error("FE561", where=f"{where} ({aspect_id})", language=language,
                        languages=", ".join(TERM_LANGUAGES))
        if not isinstance(value, list) or not all(isinstance(p, str) and p.strip()
                                                  for p in value):
            raise error("FE483", where=f"{where}, {key}", aspect_id=aspect_id)
        if kind == "patterns":
            for term in value:
                if "*" in term.strip()[1:-1] or (language == "zh" and "*" in term):
                    raise error("FE562", where=f"{where}, {key}", aspect_id=aspect_id,
                                term=term)
            terms[language] = tuple(p.strip().lower() for p in value)
        else:
            examples[language] = tuple(str(e) for e in value)
    return terms, examples


def _check_cue(cue: str, where: str) -> None:
    try:
        re.compile(cue_regex(cue))
    except re.error as exc:
        raise error("FE239", where=where, cue=cue, problem=exc) from None


def load_aspects(source: str | Path = DEFAULT_ASPECTS) -> list[Aspect]:
    """Read an aspects YAML file.

    Raises:
        ConfigError: naming the file and entry of a malformed aspect.
    """
    path = resolve(source)
    data = read_extended(path, "aspects", "extend_aspects", _EXTEND)
    entries = data.get("aspects") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise error("FE480", path=path)
    out: list[Aspect] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        where = f"{path}: aspect #{number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise error("FE481", where=where)
        aspect_id = entry["id"]
        if not ASPECT_ID.match(aspect_id) or aspect_id in seen:
            raise error("FE482", where=where, aspect_id=aspect_id)
        patterns = entry.get("patterns")
        if not isinstance(patterns, list) or not all(isinstance(p, str) and p.strip()
                                                     for p in patterns):
            raise error("FE483", where=where, aspect_id=aspect_id)
        for pattern in patterns:
            _check_cue(pattern, f"{where} ({aspect_id})")
        seen.add(aspect_id)
        terms, examples = _language_terms(entry, where, aspect_id)
        out.append(Aspect(aspect_id, str(entry.get("label") or aspect_id),
                          str(entry.get("description") or ""),
                          tuple(p.strip().lower() for p in patterns),
                          tuple(str(e) for e in entry.get("examples") or ()),
                          terms, examples))
    return out


def _rows(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            yield number, [part.strip() for part in line.split("\t")]


def load_effort(source: str | Path = DEFAULT_EFFORT) -> dict[str, float]:
    """Read ``cue<TAB>weight`` rows (weight −3…3; positive = effort for the customer)."""
    path = resolve(source)
    cues: dict[str, float] = {}
    for number, parts in _rows(path):
        try:
            cue, weight = parts[0], float(parts[1])
        except (IndexError, ValueError):
            raise error("FE484", where=f"{path}:{number}") from None
        if not cue or not -3.0 <= weight <= 3.0:
            raise error("FE485", where=f"{path}:{number}")
        _check_cue(cue, f"{path}:{number}")
        cues[cue if cue.startswith("re:") else cue.lower()] = weight
    return cues


@dataclass
class EmotionLexicon:
    """Emotion cues and what their negation turns into."""

    cues: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    negated: dict[str, tuple[str, float]] = field(default_factory=dict)

    @property
    def emotions(self) -> list[str]:
        names = {e for pairs in self.cues.values() for e, _ in pairs}
        return sorted(names | {t for t, _ in self.negated.values()})


def load_emotions(source: str | Path = DEFAULT_EMOTIONS) -> EmotionLexicon:
    """Read ``term<TAB>emotion<TAB>intensity`` rows and ``@negated`` lines."""
    path = resolve(source)
    lexicon = EmotionLexicon()
    for number, parts in _rows(path):
        where = f"{path}:{number}"
        if parts[0] == "@negated":
            try:
                emotion, target, factor = parts[1], parts[2], float(parts[3])
            except (IndexError, ValueError):
                raise error("FE486", where=where) from None
            lexicon.negated[emotion] = (target, factor)
            continue
        try:
            term, emotion, intensity = parts[0].lower(), parts[1].lower(), float(parts[2])
        except (IndexError, ValueError):
            raise error("FE487", where=where) from None
        if not term or not emotion or not 0.0 < intensity <= 1.0:
            raise error("FE488", where=where)
        _check_cue(term, where)
        lexicon.cues.setdefault(term, []).append((emotion, intensity))
    return lexicon

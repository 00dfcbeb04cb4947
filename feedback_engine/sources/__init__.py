"""Sources: turn input paths (files, folders, globs) into raw chunks and a column mapping."""

from __future__ import annotations

import fnmatch
import glob
import itertools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import error
from ..records import SPEAKERS, SourceInfo
from .base import Source
from .mapping import detect_mapping, guess_channel_kind
from .tabular import CsvSource, JsonlSource, ParquetSource, XlsxSource
from .transcripts import TURNS_TEXT, TranscriptFolderSource, load_speakers

TABULAR = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}
TRANSCRIPT = {".txt", ".json"}
SUPPORTED = sorted({*TABULAR, *TRANSCRIPT})

__all__ = ["OpenedSource", "Source", "discover", "open_sources", "SUPPORTED"]


@dataclass
class OpenedSource:
    """A source ready to read: the reader plus how its columns map to the record."""

    source: Source
    info: SourceInfo
    # The stored name of each input file (relative to its input root, PII redacted).
    file_names: dict[str, str] = field(default_factory=dict)

    def file_hashes(self) -> dict[str, str]:
        """``{stored file name: sha256}``, for run provenance (no absolute path is stored)."""
        return {self.file_names.get(path, path): digest
                for path, digest in self.source.file_hashes().items()}


def discover(inputs: list[str | Path]) -> list[Path]:
    """Expand files, folders (recursively) and globs into a sorted list of supported files.

    Raises:
        NoInputError: an input matches nothing.
        UnsupportedFormatError: a file named explicitly has an unknown extension.
    """
    return sorted(_discover_named(inputs))


def _discover_named(inputs: list[str | Path]) -> dict[Path, str]:
    """``{resolved file: its path relative to the input root}`` for every supported file.

    The input root is the argument that found the file: a file argument keeps its name, a
    folder argument its own name and the path below it (``exports/2026/survey.csv``), a glob
    the path below its fixed part (``data/*/x.csv`` gives ``a/x.csv``). The first argument
    that finds a file names it.
    """
    found: dict[Path, str] = {}
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            files = [p for p in sorted(path.rglob("*"))
                     if p.is_file() and p.suffix.lower() in SUPPORTED]
            if not files:
                raise error("FE104", path=text, supported=", ".join(SUPPORTED))
            base = path.resolve().name
            named = [(p, "/".join(x for x in (base, p.relative_to(path).as_posix()) if x))
                     for p in files]
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED:
                raise error("FE105", path=path, supported=", ".join(SUPPORTED))
            named = [(path, path.name)]
        elif any(ch in text for ch in "*?["):
            files = [Path(p) for p in sorted(glob.glob(text, recursive=True))
                     if Path(p).is_file() and Path(p).suffix.lower() in SUPPORTED]
            if not files:
                raise error("FE106", pattern=text)
            fixed = Path(*[part for part in itertools.takewhile(
                lambda part: not any(ch in part for ch in "*?["), path.parts)])
            named = [(p, _relative(p, fixed)) for p in files]
        else:
            raise error("FE107", path=text)
        for file, name in named:
            found.setdefault(file.resolve(), name)
    return found


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _source_config(path: Path, sources: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Return the first ``[sources.NAME]`` table whose ``match`` glob fits the path."""
    for table in sources.values():
        pattern = table.get("match")
        if pattern and (fnmatch.fnmatch(path.name, pattern)
                        or fnmatch.fnmatch(path.as_posix(), pattern)
                        or fnmatch.fnmatch(path.as_posix(), f"*/{pattern}")):
            return dict(table)
    return {}


def open_sources(inputs: list[str | Path], config: Mapping[str, Any]) -> list[OpenedSource]:
    """Discover the inputs, open each source and resolve its column mapping.

    Text and JSON files under one folder form one transcript source named after the folder;
    every other file is a source of its own. A source is named by its path relative to the
    input root (see :func:`_discover_named`; a transcript folder by that folder plus ``/``),
    never by its absolute path, with any PII in it redacted (``[EMAIL_ADDRESS]_….csv``); two
    sources that would share a name get a keyed token of their full path appended.
    """
    speakers = load_speakers()
    for alias, speaker in config["transcripts"]["speakers"].items():
        if speaker not in SPEAKERS:
            raise error("FE220", alias=alias, speaker=speaker, speakers=", ".join(SPEAKERS))
        speakers[alias.lower()] = speaker
    named = _discover_named(inputs)
    namer = _Namer(config)
    transcripts: dict[Path, list[Path]] = defaultdict(list)
    opened: list[OpenedSource] = []
    for path in sorted(named):
        suffix = path.suffix.lower()
        if suffix in TRANSCRIPT:
            transcripts[path.parent].append(path)
            continue
        table = _source_config(path, config["sources"])
        fmt = TABULAR[suffix]
        name = namer.source(named[path], path)
        if fmt == "csv":
            source: Source = CsvSource.open(path, name)
        elif fmt == "jsonl":
            source = JsonlSource.open(path, name, speakers)
        elif fmt == "parquet":
            source = ParquetSource.open(path, name)
        else:
            source = XlsxSource.open(path, name, table.get("sheet"))
        opened.append(_resolve(source, table, config, named[path],
                               {str(path): namer.file(named[path])}))
    for folder, paths in sorted(transcripts.items()):
        table = _source_config(folder, config["sources"]) or _source_config(
            paths[0], config["sources"])
        relative = (named[paths[0]].rpartition("/")[0] or folder.name) + "/"
        source = TranscriptFolderSource.open(paths, namer.source(relative, folder), speakers)
        opened.append(_resolve(source, table, config, relative,
                               {str(p): namer.file(named[p]) for p in paths}))
    return opened


class _Namer:
    """Stored names for sources and files: relative paths with PII redacted, kept unique."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        from ..privacy import Redactor

        options = config.get("stages", {}).get("redact", {})
        types = options.get("types")
        # [TYPE] tokens, never pseudonyms: names must not depend on $FEEDBACK_PII_KEY.
        self.redactor = Redactor(options.get("lexicon"), tuple(types) if types else None)
        self.taken: set[str] = set()

    def file(self, relative: str) -> str:
        from ..stages.redact import scrub_label

        return scrub_label(self.redactor, relative)

    def source(self, relative: str, path: Path) -> str:
        from ..stages.redact import exact_pseudonym, id_key

        name = self.file(relative)
        if name in self.taken:
            name = f"{name}#{exact_pseudonym(path.as_posix(), 'source', id_key(), 8)}"
        self.taken.add(name)
        return name


def _resolve(source: Source, table: Mapping[str, Any], config: Mapping[str, Any],
             relative: str, file_names: dict[str, str]) -> OpenedSource:
    columns = source.columns()
    configured = {**config["columns"], **table.get("columns", {})}
    # [sources.NAME] require_timestamp = false loads an undated source beside dated ones.
    dated = table.get("require_timestamp", config["input"]["require_timestamp"])
    required = ("text", "timestamp") if dated else ("text",)
    mapping = detect_mapping(columns, configured, source.name, required)
    # Channel and kind are guessed from the name as written: the stored one may hold tokens
    # such as [EMAIL_ADDRESS], which would read as the email channel.
    channel, kind = guess_channel_kind(Path(relative.rstrip("/")).name or relative,
                                       TURNS_TEXT in columns)
    info = SourceInfo(name=source.name, mapping=mapping,
                      channel=table.get("channel", channel), kind=table.get("kind", kind))
    return OpenedSource(source=source, info=info, file_names=file_names)

"""Sources: turn input paths (files, folders, globs) into raw chunks and a column mapping."""

from __future__ import annotations

import fnmatch
import glob
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, NoInputError, UnsupportedFormatError
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


def discover(inputs: list[str | Path]) -> list[Path]:
    """Expand files, folders (recursively) and globs into a sorted list of supported files.

    Raises:
        NoInputError: an input matches nothing.
        UnsupportedFormatError: a file named explicitly has an unknown extension.
    """
    found: dict[Path, None] = {}
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            files = [p for p in sorted(path.rglob("*"))
                     if p.is_file() and p.suffix.lower() in SUPPORTED]
            if not files:
                raise NoInputError(f"folder {text} holds no supported files "
                                   f"({', '.join(SUPPORTED)})")
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED:
                raise UnsupportedFormatError(
                    f"{path.name}: unsupported format '{path.suffix}'; "
                    f"supported: {', '.join(SUPPORTED)}")
            files = [path]
        elif any(ch in text for ch in "*?["):
            files = [Path(p) for p in sorted(glob.glob(text, recursive=True))
                     if Path(p).is_file() and Path(p).suffix.lower() in SUPPORTED]
            if not files:
                raise NoInputError(f"no supported file matches {text}")
        else:
            raise NoInputError(f"input not found: {text}")
        found.update(dict.fromkeys(p.resolve() for p in files))
    return sorted(found)


def _source_config(path: Path, sources: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Return the first ``[sources.NAME]`` table whose ``match`` glob fits the path."""
    for _, table in sources.items():
        pattern = table.get("match")
        if pattern and (fnmatch.fnmatch(path.name, pattern)
                        or fnmatch.fnmatch(path.as_posix(), pattern)
                        or fnmatch.fnmatch(path.as_posix(), f"*/{pattern}")):
            return dict(table)
    return {}


def open_sources(inputs: list[str | Path], config: Mapping[str, Any]) -> list[OpenedSource]:
    """Discover the inputs, open each source and resolve its column mapping.

    Text and JSON files under one folder form one transcript source named after the folder;
    every other file is a source of its own, named by its path.
    """
    speakers = load_speakers()
    for alias, speaker in config["transcripts"]["speakers"].items():
        if speaker not in SPEAKERS:
            raise ConfigError(f"transcripts.speakers.{alias} = {speaker!r}; "
                              f"use one of {', '.join(SPEAKERS)}")
        speakers[alias.lower()] = speaker
    transcripts: dict[Path, list[Path]] = defaultdict(list)
    opened: list[OpenedSource] = []
    for path in discover(inputs):
        suffix = path.suffix.lower()
        if suffix in TRANSCRIPT:
            transcripts[path.parent].append(path)
            continue
        table = _source_config(path, config["sources"])
        fmt = TABULAR[suffix]
        name = path.as_posix()
        if fmt == "csv":
            source: Source = CsvSource.open(path, name)
        elif fmt == "jsonl":
            source = JsonlSource.open(path, name, speakers)
        elif fmt == "parquet":
            source = ParquetSource.open(path, name)
        else:
            source = XlsxSource.open(path, name, table.get("sheet"))
        opened.append(_resolve(source, table, config))
    for folder, paths in sorted(transcripts.items()):
        table = _source_config(folder, config["sources"]) or _source_config(
            paths[0], config["sources"])
        source = TranscriptFolderSource.open(paths, folder.as_posix() + "/", speakers)
        opened.append(_resolve(source, table, config))
    return opened


def _resolve(source: Source, table: Mapping[str, Any], config: Mapping[str, Any]):
    columns = source.columns()
    configured = {**config["columns"], **table.get("columns", {})}
    required = ("text", "timestamp") if config["input"]["require_timestamp"] else ("text",)
    mapping = detect_mapping(columns, configured, source.name, required)
    has_turns = TURNS_TEXT in columns
    channel, kind = guess_channel_kind(Path(source.name).name or source.name, has_turns)
    info = SourceInfo(name=source.name, mapping=mapping,
                      channel=table.get("channel", channel), kind=table.get("kind", kind))
    return OpenedSource(source=source, info=info)

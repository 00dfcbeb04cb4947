"""Tabular sources: CSV/TSV (with encoding and delimiter sniffing), JSONL, Parquet, XLSX."""

from __future__ import annotations

import codecs
import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import SourceError
from ..records import OVERFLOW, RAW_LINE, ROW, SOURCE_REJECT
from .base import MAX_JSON_DEPTH, Source, json_value_problem
from .transcripts import TURNS_TEXT, normalize_turns, turns_text

# Fields longer than the csv module's default limit (128 KiB) are valid CSV; the validator
# rejects oversize text with a reason instead of the reader failing on the whole file.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

DELIMITERS = ",;\t|"


def sniff_encoding(path: Path) -> tuple[str, str | None]:
    """Return ``(encoding, warning)``: utf-8-sig with a BOM, utf-8, else cp1252 with a warning.

    The whole file is checked incrementally, since one bad byte deep in a large export would
    otherwise surface as a decode error half way through a run.
    """
    with open(path, "rb") as handle:
        head = handle.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig", None
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
            return "utf-8", None
        except UnicodeDecodeError as exc:
            position = exc.start
    handle_bytes = path.read_bytes()
    try:
        handle_bytes.decode("cp1252")
        encoding = "cp1252"
    except UnicodeDecodeError:
        encoding = "latin-1"  # cp1252 leaves five bytes undefined; latin-1 maps every byte
    return encoding, (
        f"{path.name} is not valid UTF-8 (first bad byte near offset {position}); "
        f"read as {encoding}. Re-export as UTF-8 to be sure accents are right."
    )


def unique_names(header: list[Any]) -> list[str]:
    """Strip header names, name blanks ``column_N`` and suffix repeats (``score.2``)."""
    seen: dict[str, int] = {}
    names = []
    for index, raw in enumerate(header):
        name = str(raw).strip() if raw is not None else ""
        name = name or f"column_{index + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}.{seen[name]}")
    return names


def sniff_delimiter(sample: str) -> str:
    """Return the delimiter of a CSV sample among ``, ; TAB |``."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return max(DELIMITERS, key=header.count)


@dataclass
class CsvSource(Source):
    encoding: str = "utf-8"
    delimiter: str = ","
    _header: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path, name: str) -> CsvSource:
        encoding, warning = sniff_encoding(path)
        with open(path, encoding=encoding, newline="") as handle:
            sample = handle.read(64 * 1024)
        if not sample.strip():
            raise SourceError(f"{path.name} is empty; expected a header row and data rows")
        delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(sample)
        with open(path, encoding=encoding, newline="") as handle:
            header = next(csv.reader(handle, delimiter=delimiter))
        return cls(name=name, paths=[path], format="csv", warnings=[warning] if warning else [],
                   encoding=encoding, delimiter=delimiter, _header=unique_names(header))

    def columns(self) -> list[str]:
        return list(self._header)

    def rows(self) -> Iterator[list[Any]]:
        width = len(self._header)
        with open(self.paths[0], encoding=self.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            next(reader)
            line = reader.line_num
            for fields in reader:
                start, line = line + 1, reader.line_num
                if not any(f.strip() for f in fields):
                    continue  # blank lines are not rows
                problem, overflow = "", None
                if len(fields) != width:
                    problem = f"expected {width} fields, found {len(fields)}"
                    overflow = fields[width:] or None  # kept in the reject's raw values
                    fields = (fields + [None] * width)[:width]
                yield [*fields, start, problem, overflow]

    def frame(self, batch: list[list[Any]]) -> pd.DataFrame:
        return pd.DataFrame(batch, columns=[*self._header, ROW, SOURCE_REJECT, OVERFLOW],
                            dtype=object)


@dataclass
class JsonlSource(Source):
    speakers: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8-sig"
    _keys: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path, name: str, speakers: dict[str, str]) -> JsonlSource:
        keys: dict[str, None] = {}
        # Sniffed like CSV: a non-UTF-8 export is read (with a warning), not a traceback.
        encoding, warning = sniff_encoding(path)
        with open(path, encoding=encoding) as handle:
            for number, line in enumerate(handle):
                if number >= 200:
                    break
                try:
                    obj = json.loads(line)
                except (json.JSONDecodeError, RecursionError):
                    continue
                if isinstance(obj, dict):
                    keys.update(dict.fromkeys(obj))
        if "turns" in keys:
            keys[TURNS_TEXT] = None
        return cls(name=name, paths=[path], format="jsonl", warnings=[warning] if warning else [],
                   speakers=speakers, encoding=encoding, _keys=list(keys))

    def columns(self) -> list[str]:
        return list(self._keys)

    def rows(self) -> Iterator[dict[str, Any]]:
        with open(self.paths[0], encoding=self.encoding, errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield parse_json_row(line, number, self.speakers)

    def frame(self, batch: list[dict[str, Any]]) -> pd.DataFrame:
        return rows_frame(batch, self._keys)


def parse_json_row(line: str, number: int, speakers: dict[str, str]) -> dict[str, Any]:
    """Parse one JSON line into a raw row; a broken line becomes a row flagged malformed."""
    try:
        obj = json.loads(line)
        problem = None if isinstance(obj, dict) else "is not a JSON object"
    except json.JSONDecodeError as exc:
        problem = f"is not valid JSON ({exc.msg})"
    except RecursionError:
        problem = f"is JSON nested deeper than {MAX_JSON_DEPTH} levels"
    if problem is None:
        problem = json_value_problem(obj)
    if problem is not None:
        return {ROW: number, RAW_LINE: line.rstrip("\r\n").encode(
                    "utf-8", "backslashreplace").decode("utf-8"),
                SOURCE_REJECT: f"line {number} {problem}"}
    return json_object_row(obj, number, speakers)


def json_object_row(obj: dict[str, Any], number: int, speakers: dict[str, str]) -> dict:
    """Flatten a JSON record: nested values become JSON text, turns are normalised."""
    row: dict[str, Any] = {ROW: number, SOURCE_REJECT: ""}
    for key, value in obj.items():
        if key == "turns":
            continue
        row[key] = json.dumps(value, ensure_ascii=False) if isinstance(
            value, dict | list) else value
    if "turns" in obj:
        try:
            turns = normalize_turns(obj["turns"], speakers)
        except ValueError as exc:
            row[SOURCE_REJECT] = f"row {number}: {exc}"
            turns = []
        row["turns"] = turns
        row[TURNS_TEXT] = turns_text(turns)
    return row


def rows_frame(batch: list[dict[str, Any]], keys: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(batch)
    for key in [*keys, SOURCE_REJECT]:
        if key not in frame:
            frame[key] = None
    frame[SOURCE_REJECT] = frame[SOURCE_REJECT].fillna("")
    return frame.astype(object)


@dataclass
class ParquetSource(Source):
    @classmethod
    def open(cls, path: Path, name: str) -> ParquetSource:
        return cls(name=name, paths=[path], format="parquet")

    def columns(self) -> list[str]:
        import pyarrow.parquet as pq

        try:
            return list(pq.ParquetFile(self.paths[0]).schema_arrow.names)
        except Exception as exc:  # pyarrow raises several types for a corrupt file
            raise SourceError(
                f"{self.paths[0].name} is not a readable Parquet file: {exc}") from None

    def chunks(self, chunk_size: int) -> Iterator[pd.DataFrame]:
        import pyarrow.parquet as pq

        offset = 0
        for batch in pq.ParquetFile(self.paths[0]).iter_batches(batch_size=chunk_size):
            frame = batch.to_pandas().astype(object)
            frame[ROW] = range(offset + 1, offset + 1 + len(frame))
            frame[SOURCE_REJECT] = ""
            offset += len(frame)
            yield frame


@dataclass
class XlsxSource(Source):
    sheet: str | None = None
    _header: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path, name: str, sheet: str | None = None) -> XlsxSource:
        source = cls(name=name, paths=[path], format="xlsx", sheet=sheet)
        for _, values in source._sheet_rows():
            source._header = unique_names(list(values))
            break
        if not source._header:
            raise SourceError(f"{path.name} has no header row in its first sheet")
        return source

    def _sheet_rows(self) -> Iterator[tuple[int, tuple]]:
        from openpyxl import load_workbook

        try:
            book = load_workbook(self.paths[0], read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zip, key and value errors on bad files
            raise SourceError(
                f"{self.paths[0].name} is not a readable XLSX file: {exc}") from None
        try:
            if self.sheet and self.sheet not in book.sheetnames:
                raise SourceError(f"sheet '{self.sheet}' not in {self.paths[0].name}; "
                                  f"sheets: {', '.join(book.sheetnames)}")
            sheet = book[self.sheet] if self.sheet else book.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if any(v is not None and str(v).strip() for v in values):
                    yield number, values
        finally:
            book.close()

    def columns(self) -> list[str]:
        return list(self._header)

    def rows(self) -> Iterator[list[Any]]:
        width = len(self._header)
        rows = self._sheet_rows()
        next(rows, None)  # the header
        for number, cells in rows:
            values = list(cells)
            problem = ""
            if len(values) > width and any(v is not None for v in values[width:]):
                problem = f"row {number} has values beyond the {width} header columns"
            yield [*(values + [None] * width)[:width], number, problem]

    def frame(self, batch: list[list[Any]]) -> pd.DataFrame:
        return pd.DataFrame(batch, columns=[*self._header, ROW, SOURCE_REJECT], dtype=object)

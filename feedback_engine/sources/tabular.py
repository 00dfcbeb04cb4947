"""Tabular sources: CSV/TSV (with encoding and delimiter sniffing), JSONL, Parquet, XLSX."""

from __future__ import annotations

import codecs
import csv
import json
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import error
from ..records import OVERFLOW, RAW_LINE, ROW, SOURCE_REJECT
from .base import MAX_JSON_DEPTH, Source, json_value_problem
from .transcripts import TURNS_TEXT, normalize_turns, turns_text

# Fields longer than the csv module's default limit (128 KiB) are valid CSV; the validator
# rejects oversize text with a reason instead of the reader failing on the whole file.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

DELIMITERS = ",;\t|"


# Magic numbers of binary formats people rename or pick by mistake: named in the error.
BINARY_MAGIC = ((b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"%PDF-", "a PDF document"),
                (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook with another name?)"),
                (b"\x1f\x8b", "a gzip archive"), (b"GIF8", "a GIF image"),
                (b"\xff\xd8\xff", "a JPEG image"), (b"SQLite format 3\x00", "an SQLite database"),
                (b"PAR1", "a Parquet file (name it .parquet)"))
# C0 control bytes that no text export holds (tab, newlines and form feed excepted).
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_FALLBACK_ERRORS = "feedback-cp1252"


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode error handler: read the bytes that are not UTF-8 as cp1252 (latin-1 for the five
    bytes cp1252 leaves undefined)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in bad), exc.end


codecs.register_error(_FALLBACK_ERRORS, _cp1252_fallback)


@dataclass(frozen=True)
class TextEncoding:
    """How a text file is decoded.

    ``encoding`` is ``utf-8``, ``utf-8-sig``, ``cp1252``/``latin-1`` (a whole legacy file),
    or ``utf-16``/``utf-16-le``/``utf-16-be``/``utf-32``. ``fallback_lines`` counts the lines
    of a UTF-8 file that are not UTF-8: each is decoded on its own, its bad bytes as cp1252,
    so the accents of every other line stay right.
    """

    encoding: str
    fallback_lines: int = 0
    first_fallback: int | None = None
    warning: str | None = None


def safe_name(name: str) -> str:
    """A file or column name fit for a message: control characters become ``?``."""
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cf") and c != " " else c
                   for c in str(name))


def _binary_kind(head: bytes) -> str | None:
    """What a file's first bytes say it is when it is not text, or None."""
    for magic, kind in BINARY_MAGIC:
        if head.startswith(magic):
            return kind
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    if controls > max(1, len(head) // 100):
        return f"{controls} control bytes in its first {len(head):,}"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when NUL bytes fill every other position, else None."""
    sample = head[:min(len(head), 4096) // 2 * 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    nul_even, nul_odd = even.count(0) / half, odd.count(0) / half
    if nul_odd > 0.3 and nul_even < 0.05:
        return "utf-16-le"
    if nul_even > 0.3 and nul_odd < 0.05:
        return "utf-16-be"
    return None


def raw_lines(path: Path) -> Iterator[bytes]:
    """The file's physical lines as bytes, split like universal newlines (``\r\n``, ``\r``,
    ``\n``), endings kept. Latin-1 maps every byte to one character, so this is lossless."""
    with open(path, encoding="latin-1", newline="") as handle:
        for line in handle:
            yield line.encode("latin-1")


def detect_text(path: Path) -> TextEncoding:
    """Decide how to decode a text export, or refuse a file that is not text.

    UTF-32/UTF-16 are found by their BOM or, for UTF-16, the NUL byte of every other position;
    UTF-8 (with or without BOM) is checked whole. A file that is not UTF-8 is checked line by
    line: when no line holds valid non-ASCII UTF-8 it is a legacy cp1252 file, read whole as
    cp1252 (latin-1 if cp1252 cannot decode it); otherwise only its bad lines fall back.

    Raises:
        SourceError: a binary file (no byte of it is shown), or invalid UTF-16/UTF-32.
    """
    name = safe_name(path.name)
    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return _checked_wide(path, encoding)
    if b"\x00" in head and not head.startswith(codecs.BOM_UTF8):
        wide = _utf16_without_bom(head)
        if wide is not None:
            return _checked_wide(path, wide)
    kind = _binary_kind(head)
    if kind is not None:
        raise error("FE111", name=name, kind=kind)
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    if _first_bad_byte(path, encoding) is None:
        return TextEncoding(encoding)
    bad, utf8_lines, first, legacy = 0, 0, None, "cp1252"
    for number, line in enumerate(raw_lines(path), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError:
            bad += 1
            first = first or number
            if legacy == "cp1252":
                try:
                    line.decode("cp1252")
                except UnicodeDecodeError:
                    legacy = "latin-1"  # cp1252 leaves five bytes undefined; latin-1 maps all
    if utf8_lines == 0 and encoding == "utf-8":  # no line is UTF-8: a legacy export
        return TextEncoding(legacy, bad, first, (
            f"{name} is not valid UTF-8 (first bad line {first}); read as {legacy}. "
            "Re-export as UTF-8 to be sure accents are right."))
    return TextEncoding(encoding, bad, first, (
        f"{name} is not valid UTF-8 on {bad:,} line{'s' if bad != 1 else ''} (first: line "
        f"{first}); those lines were read as cp1252, the other {utf8_lines:,} non-ASCII lines "
        "as UTF-8. Re-export as UTF-8 to be sure accents are right."))


def _first_bad_byte(path: Path, encoding: str) -> int | None:
    """The offset near which the file stops decoding as ``encoding``, or None if it decodes."""
    with open(path, "rb") as handle:
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = 0
        try:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
                offset += len(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return offset + exc.start
    return None


def _checked_wide(path: Path, encoding: str) -> TextEncoding:
    """A UTF-16/UTF-32 file, checked to decode whole (else a coded error, not garbage)."""
    offset = _first_bad_byte(path, encoding)
    if offset is not None:
        raise error("FE112", name=safe_name(path.name), encoding=encoding.upper(),
                    offset=offset)
    return TextEncoding(encoding)


def text_lines(path: Path, text: TextEncoding) -> Iterator[str]:
    """The decoded physical lines of a file, endings kept (see :func:`detect_text`)."""
    if text.fallback_lines == 0 or text.encoding not in ("utf-8", "utf-8-sig"):
        # errors="replace": only a file changed since it was checked could need it
        with open(path, encoding=text.encoding, errors="replace", newline="") as handle:
            yield from handle
        return
    for number, line in enumerate(raw_lines(path), start=1):
        if number == 1 and text.encoding == "utf-8-sig" and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8):]
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            yield line.decode("utf-8", _FALLBACK_ERRORS)


def read_text(path: Path) -> tuple[str, TextEncoding]:
    """The whole decoded text of a file and how it was decoded (for small tables)."""
    text = detect_text(path)
    return "".join(text_lines(path, text)), text


# The labelled tables that training and evaluation commands read whole, by extension.
TABLE_READERS = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl",
                 ".ndjson": "jsonl", ".parquet": "parquet", ".xlsx": "xlsx"}


def read_table(path: str | Path, columns: list[str]) -> pd.DataFrame:
    """Read a labelled CSV/TSV/JSONL/Parquet/XLSX table whole and check that ``columns`` exist.

    Raises:
        UnsupportedFormatError: an extension outside :data:`TABLE_READERS`.
        ColumnNotFoundError: a named column is missing (the message lists those seen).
    """
    file = Path(path)
    kind = TABLE_READERS.get(file.suffix.lower())
    if kind is None:
        raise error("FE374", name=file.name, formats=", ".join(sorted(TABLE_READERS)))
    if kind in ("csv", "tsv", "jsonl"):
        frame = _read_text_table(file, kind)
    elif kind == "parquet":
        frame = pd.read_parquet(file)
    else:
        frame = pd.read_excel(file, dtype=str)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        from .mapping import shown_names

        shown = shown_names([str(c) for c in frame.columns])
        raise error("FE375", column=missing[0], name=file.name, seen=", ".join(shown.values()))
    return frame


def _read_text_table(file: Path, kind: str) -> pd.DataFrame:
    """A CSV/TSV/JSONL table decoded like ``analyze`` decodes it (UTF-8, UTF-16, a legacy
    cp1252 export, or a UTF-8 file with some cp1252 lines); the decoding warning is logged."""
    import io
    import logging

    text, encoding = read_text(file)
    if encoding.warning:
        logging.getLogger(__name__).warning(encoding.warning)
    if kind == "jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except (ValueError, RecursionError):
                raise error("FE376", name=safe_name(file.name), number=number) from None
            if not isinstance(row, dict):
                raise error("FE377", name=safe_name(file.name), number=number) from None
            rows.append(row)
        return pd.DataFrame(rows, dtype=object)
    try:
        return pd.read_csv(io.StringIO(text), sep="," if kind == "csv" else "\t", dtype=str,
                           keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "no columns"
        raise error("FE378", name=safe_name(file.name), kind=kind.upper(), reason=reason) from None


def unique_names(header: list[Any]) -> list[str]:
    """Strip header names, name blanks ``column_N`` and suffix repeats (``score.2``)."""
    seen: dict[str, int] = {}
    names = []
    for index, raw in enumerate(header):
        name = (str(raw).strip() if raw is not None else "") or f"column_{index + 1}"
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


class _LineFeed:
    """Feeds a file's physical lines to ``csv.reader``: remembers the lines of the record being
    parsed (:attr:`taken`) and takes lines back, to be read again after a broken record."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._back: list[str] = []  # a stack: the next line to hand out is last
        self.taken: list[str] = []
        self.number = 0  # physical lines handed out
        self.at_end = False

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self._back:
            line = self._back.pop()
        else:
            try:
                line = next(self._lines)
            except StopIteration:
                self.at_end = True
                raise
        self.number += 1
        self.taken.append(line)
        return line

    def give_back(self, lines: list[str]) -> None:
        self._back.extend(reversed(lines))
        self.number -= len(lines)
        self.at_end = False


# Lines re-read after broken quotes, at most: past it a broken record is one reject, as
# before, so a file of many unclosed quotes cannot make reading quadratic.
MAX_REREAD_LINES = 1_000_000


@dataclass
class CsvSource(Source):
    encoding: str = "utf-8"
    delimiter: str = ","
    text: TextEncoding | None = None
    _header: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path, name: str) -> CsvSource:
        text = detect_text(path)
        sample = ""
        for line in text_lines(path, text):
            sample += line
            if len(sample) >= 64 * 1024:
                break
        sample = sample[:64 * 1024]
        if not sample.strip():
            raise error("FE113", name=safe_name(path.name))
        delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(sample)
        header = next(csv.reader(text_lines(path, text), delimiter=delimiter))
        return cls(name=name, paths=[path], format="csv",
                   warnings=[text.warning] if text.warning else [], encoding=text.encoding,
                   delimiter=delimiter, text=text, _header=unique_names(header))

    def columns(self) -> list[str]:
        return list(self._header)

    def rows(self) -> Iterator[list[Any]]:
        """Yield ``[*fields, first line, problem, overflow]`` per record.

        A quote that never closes makes ``csv`` swallow the lines after it into one field.
        When a record spans several physical lines, has the wrong field count (or ran into
        the end of the file inside its quote) and most of the lines it swallowed read as
        rows of the right width on their own, its first line alone is rejected and the lines
        after it are parsed again; a warning counts such rows.
        """
        width = len(self._header)
        feed = _LineFeed(text_lines(self.paths[0], self.text or TextEncoding(self.encoding)))
        reader = csv.reader(feed, delimiter=self.delimiter)
        next(reader, None)  # the header
        feed.taken = []
        line = feed.number
        broken: list[int] = []
        reread = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            taken, feed.taken = feed.taken, []
            start, line = line + 1, feed.number
            if (len(taken) > 1 and reread + len(taken) <= MAX_REREAD_LINES
                    and self._swallowed(fields, taken, feed.at_end)):
                feed.give_back(taken[1:])
                reread += len(taken) - 1
                line = start
                reader = csv.reader(feed, delimiter=self.delimiter)
                broken.append(start)
                fields = next(csv.reader([taken[0].rstrip("\r\n")],
                                         delimiter=self.delimiter), [])
                overflow = fields[width:] or None
                yield [*(fields + [None] * width)[:width], start,
                       f"line {start} opens a quote that is not closed on that line, and the "
                       f"{len(taken) - 1:,} lines after it read as rows; the line was "
                       "rejected and the lines after it read again", overflow]
                continue
            if not any(f.strip() for f in fields):
                continue  # blank lines are not rows
            problem, overflow = "", None
            if len(fields) != width:
                problem = f"expected {width} fields, found {len(fields)}"
                overflow = fields[width:] or None  # kept in the reject's raw values
                fields = (fields + [None] * width)[:width]
            yield [*fields, start, problem, overflow]
        if broken:
            rows = "1 row opens" if len(broken) == 1 else f"{len(broken):,} rows open"
            warning = (f"{safe_name(self.paths[0].name)}: {rows} a quote that never closes "
                       f"(first: line {broken[0]}); each was rejected (malformed_row) and "
                       "the lines it swallowed were read again as rows. Check the export's "
                       "quoting.")
            if warning not in self.warnings:  # rows are read again by a rerun
                self.warnings.append(warning)

    def _swallowed(self, fields: list[str], taken: list[str], at_end: bool) -> bool:
        """Whether a multi-line record is a broken quote that swallowed the rows after it."""
        width = len(self._header)
        if len(fields) == width and not at_end:
            return False  # a multi-line quoted field that closes
        rest = taken[1:]
        if len(rest) < 2 and not at_end:
            return False  # one extra line: a record with a wrong field count, as it is
        rows = sum(1 for piece in rest
                   if len(next(csv.reader([piece.rstrip("\r\n")], delimiter=self.delimiter),
                               [])) == width)
        return rows >= 1 and 2 * rows >= len(rest)

    def frame(self, batch: list[list[Any]]) -> pd.DataFrame:
        return pd.DataFrame(batch, columns=[*self._header, ROW, SOURCE_REJECT, OVERFLOW],
                            dtype=object)


@dataclass
class JsonlSource(Source):
    speakers: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8-sig"
    text: TextEncoding | None = None
    _keys: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path, name: str, speakers: dict[str, str]) -> JsonlSource:
        """Open a JSONL file; its columns are the keys of every object in it, in the order
        first seen (one streaming pass, so a key first seen on line 500 is still mapped)."""
        # Sniffed like CSV: a non-UTF-8 export is read (with a warning), not a traceback.
        text = detect_text(path)
        keys: dict[str, None] = {}
        for line in text_lines(path, text):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                continue
            if isinstance(obj, dict):
                keys.update(dict.fromkeys(obj))
        if "turns" in keys:
            keys[TURNS_TEXT] = None
        return cls(name=name, paths=[path], format="jsonl",
                   warnings=[text.warning] if text.warning else [], speakers=speakers,
                   encoding=text.encoding, text=text, _keys=list(keys))

    def columns(self) -> list[str]:
        return list(self._keys)

    def rows(self) -> Iterator[dict[str, Any]]:
        text = self.text or TextEncoding(self.encoding)
        for number, line in enumerate(text_lines(self.paths[0], text), start=1):
            if line.strip():
                yield parse_json_row(line, number, self.speakers)


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
    row: dict[str, Any] = {ROW: number, SOURCE_REJECT: "", **{
        key: json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
        for key, value in obj.items() if key != "turns"}}
    if "turns" in obj:
        try:
            turns = normalize_turns(obj["turns"], speakers)
        except ValueError as exc:
            row[SOURCE_REJECT] = f"row {number}: {exc}"
            turns = []
        row["turns"] = turns
        row[TURNS_TEXT] = turns_text(turns)
    return row


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
            raise error("FE114", name=self.paths[0].name, detail=exc) from None

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
        first = next(source._sheet_rows(), None)
        if first is None:
            raise error("FE115", name=path.name)
        source._header = unique_names(list(first[1]))
        return source

    def _sheet_rows(self) -> Iterator[tuple[int, tuple]]:
        from openpyxl import load_workbook

        try:
            book = load_workbook(self.paths[0], read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zip, key and value errors on bad files
            raise error("FE116", name=self.paths[0].name, detail=exc) from None
        try:
            if self.sheet and self.sheet not in book.sheetnames:
                raise error("FE117", sheet=self.sheet, path=self.paths[0],
                            sheets=", ".join(book.sheetnames))
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

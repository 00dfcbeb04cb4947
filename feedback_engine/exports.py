"""Safe exports: CSV/JSONL writing that spreadsheet programs cannot be tricked by."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import error

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
# (OWASP "CSV injection"); prefixing a quote makes it plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Lookalikes of the triggers (fullwidth ＝ U+FF1D, ＋, －, ＠, small ﹦ U+FE66 …) fold to the
# ASCII ones under NFKC, which is how the first character is compared.


def guard_cell(value: Any) -> Any:
    """Return ``value`` made inert for spreadsheets when it is a string that looks like a formula.

    >>> guard_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> guard_cell(-3)
    -3
    """
    if isinstance(value, str) and _looks_like_formula(value):
        return "'" + value
    return value


def _looks_like_formula(value: str) -> bool:
    """Whether a spreadsheet could run ``value``: it starts with a trigger, or its first
    character that is not blank (spaces, tab, CR, NBSP, zero-width and other format
    characters, which spreadsheets skip or users cannot see) folds (NFKC) to one."""
    if value.startswith(FORMULA_PREFIXES):
        return True
    first = next((c for c in value if not (c.isspace() or unicodedata.category(c) == "Cf")),
                 "")
    return bool(first) and unicodedata.normalize("NFKC", first)[:1] in FORMULA_PREFIXES


def _plain(value: Any) -> Any:
    """Return a JSON/CSV-ready value: numpy scalars as Python ones, missing values as None.

    Nullable score columns (``Int8``) yield numpy integers, which ``json`` would write as
    strings; list cells (keywords, aspects) are kept rather than tested with ``pd.isna``.
    """
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic) and not isinstance(value, np.datetime64 | np.timedelta64):
        value = value.item()
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return value


class RowWriter:
    """Append DataFrames to a CSV (formula-guarded) or JSONL file, by the file's extension.

    Rows go to a temporary file beside the target, renamed over it by :meth:`close`: a run
    that fails half-way (or :meth:`abort`) leaves neither a half-written file nor a
    destroyed earlier one.
    """

    def __init__(self, path: str | Path, columns: list[str]) -> None:
        self.path = Path(path)
        self.columns = columns
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.jsonl = self.path.suffix.lower() in (".jsonl", ".ndjson", ".json")
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part",
                                    dir=self.path.parent)
        self.temp = Path(temp)
        # Closed by close() / abort() / __exit__: the writer is itself the context manager.
        self.handle = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115
        if not self.jsonl:
            self.writer = csv.writer(self.handle)
            self.writer.writerow(columns)
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        for row in frame[self.columns].itertuples(index=False):
            values = [_plain(v) for v in row]
            if self.jsonl:
                self.handle.write(json.dumps(dict(zip(self.columns, values, strict=True)),
                                             ensure_ascii=False, default=str) + "\n")
            else:
                self.writer.writerow([guard_cell(json.dumps(v, ensure_ascii=False, default=str)
                                                 if isinstance(v, dict | list) else v)
                                      for v in values])
            self.rows += 1

    def close(self) -> None:
        """Finish the file: flush it to disk and rename it over the target."""
        if self.handle.closed:
            return
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self.temp, self.path)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Drop what was written; the target is left as it was."""
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(OSError):
            self.temp.unlink()

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file renamed over it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return target


def check_outputs(inputs: list[Path], outputs: dict[str, str | Path | None]) -> None:
    """Refuse, before anything is read or written, outputs that would destroy an input.

    Args:
        inputs: the resolved input files.
        outputs: option name (``--rejects``, ``--out``, ``-o``, ``--db``) to its path, or None.

    Raises:
        OutputPathError: an output is an input file, an input lies inside an output folder,
            or the output's folder does not exist or cannot be written.
    """
    files = [p.resolve() for p in inputs]
    for option, value in outputs.items():
        if value is None:
            continue
        target = Path(value).resolve()
        for file in files:
            if target == file or (target.exists() and os.path.samefile(target, file)):
                raise error("FE142", option=option, path=value)
            if file.is_relative_to(target):
                raise error("FE143", option=option, path=value, name=file.name)
        parent = target.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent  # folders that do not exist yet are created
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            raise error("FE144", option=option, path=value, parent=parent)
        if target.is_dir() and option not in ("--out",):
            raise error("FE145", option=option, path=value)


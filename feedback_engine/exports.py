"""Safe exports: CSV/JSONL writing that spreadsheet programs cannot be tricked by."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
# (OWASP "CSV injection"); prefixing a quote makes it plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: Any) -> Any:
    """Return ``value`` made inert for spreadsheets when it is a string that looks like a formula.

    >>> guard_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> guard_cell(-3)
    -3
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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
    """Append DataFrames to a CSV (formula-guarded) or JSONL file, by the file's extension."""

    def __init__(self, path: str | Path, columns: list[str]) -> None:
        self.path = Path(path)
        self.columns = columns
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.jsonl = self.path.suffix.lower() in (".jsonl", ".ndjson", ".json")
        # Closed by close() / __exit__: the writer is itself the context manager.
        self.handle = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
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
        self.handle.close()

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

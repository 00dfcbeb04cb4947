"""What every source offers the runner: a name, the columns it has, and raw chunks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from ..artifacts import sha256_file
from ..records import SOURCE_REJECT


@dataclass
class Source:
    """One logical input: a file, or a folder of transcript files read as one table.

    Subclasses implement :meth:`columns` (cheap: the header) and :meth:`chunks`, which
    yields DataFrames of raw values with the 1-based source row in ``__row__``.
    """

    name: str
    paths: list[Path]
    format: str
    warnings: list[str] = field(default_factory=list)

    def columns(self) -> list[str]:
        raise NotImplementedError

    def chunks(self, chunk_size: int) -> Iterator[pd.DataFrame]:
        """Yield raw chunks of at most ``chunk_size`` rows (row readers batch :meth:`rows`)."""
        rows = self.rows()
        while batch := list(islice(rows, chunk_size)):
            yield self.frame(batch)

    def rows(self) -> Iterator[Any]:
        """Yield raw rows one by one; sources that read in batches override chunks instead."""
        raise NotImplementedError

    def frame(self, batch: list[Any]) -> pd.DataFrame:
        """Turn a batch of raw rows into a chunk; by default rows are dicts, and every column
        a row lacks is None (a source's reject reason "")."""
        frame = pd.DataFrame.from_records(batch)
        for key in [*self.columns(), SOURCE_REJECT]:
            if key not in frame:
                frame[key] = None
        frame[SOURCE_REJECT] = frame[SOURCE_REJECT].fillna("")
        return frame.astype(object)

    def file_hashes(self) -> dict[str, str]:
        """Return ``{path: sha256}`` of the input files, for run provenance."""
        return {str(p): sha256_file(p) for p in self.paths}


# Nesting past this is no feedback record: flattening, JSON dumps and the warehouse's JSON
# functions would recurse that deep.
MAX_JSON_DEPTH = 100


def json_value_problem(value: Any) -> str | None:
    """Why a parsed JSON value cannot be stored, or None.

    A value nested more than :data:`MAX_JSON_DEPTH` levels, or a string holding a lone
    surrogate (``"\\ud800"`` is valid JSON but no UTF-8 writer can encode it), makes the
    row a reject instead of crashing a writer later. Walked with a stack, not recursion.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"is JSON nested deeper than {MAX_JSON_DEPTH} levels"
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "holds a lone Unicode surrogate (invalid text)"
        elif isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return None

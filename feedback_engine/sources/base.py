"""What every source offers the runner: a name, the columns it has, and raw chunks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from ..artifacts import sha256_file


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
        """Turn a batch of raw rows into a chunk."""
        raise NotImplementedError

    def file_hashes(self) -> dict[str, str]:
        """Return ``{path: sha256}`` of the input files, for run provenance."""
        return {str(p): sha256_file(p) for p in self.paths}

"""The local streaming engine: chunk by chunk from each source, through the stages, to DuckDB.

Memory is bounded by the chunk size: nothing holds more than one chunk of records at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from ..errors import PipelineError
from ..records import ROW, SeenIds, ValidationSettings, validate
from ..sources import OpenedSource
from ..stages import Pipeline
from ..warehouse import Warehouse


@dataclass
class RunCounts:
    """What one run read, analyzed and rejected; ``read == analyzed + rejected``."""

    read: int = 0
    analyzed: int = 0
    rejected: int = 0
    by_reason: Counter = field(default_factory=Counter)
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)


def run_local(
    sources: list[OpenedSource],
    pipeline: Pipeline,
    warehouse: Warehouse,
    settings: ValidationSettings,
    run_id: str,
    chunk_size: int,
    progress: bool = True,
    on_rejects: Callable[[pd.DataFrame], None] | None = None,
    keep_raw: bool = False,
) -> RunCounts:
    """Stream every source through validation and the pipeline into the warehouse.

    Unless ``keep_raw``, raw text never reaches the warehouse or the rejects: ``text`` and
    ``text_clean`` are dropped after the stages ran, and rejects' original values go through
    the redact stage (the pipeline must have one).
    """
    redact = pipeline.get("redact")
    if redact is None and not keep_raw:
        raise PipelineError("the pipeline has no 'redact' stage; add it, or pass "
                            "keep_raw=True to store raw text deliberately")
    counts = RunCounts()
    pipeline.setup()
    with tqdm(total=None, unit=" rows", desc="analyzing", disable=not progress,
              dynamic_ncols=True, leave=False) as bar:
        for opened in sources:
            info = opened.info
            bar.set_description(Path(info.name.rstrip("/")).name)
            seen = SeenIds()
            per_source = counts.by_source.setdefault(
                info.name, {"read": 0, "analyzed": 0, "rejected": 0})
            for raw in opened.source.chunks(chunk_size):
                records, rejects = validate(raw, info, settings, seen)
                if len(records):
                    records = pipeline(records)
                if not keep_raw:
                    records = records.assign(text=None, text_clean=None)
                    rejects = rejects.assign(raw=[redact.scrub_json(r) for r in rejects["raw"]])
                warehouse.write_chunk(info.name, raw[ROW].astype("int64").tolist(), records,
                                      rejects, run_id)
                if on_rejects is not None and len(rejects):
                    on_rejects(rejects)
                counts.read += len(raw)
                counts.analyzed += len(records)
                counts.rejected += len(rejects)
                counts.by_reason.update(rejects["reason"].tolist())
                per_source["read"] += len(raw)
                per_source["analyzed"] += len(records)
                per_source["rejected"] += len(rejects)
                bar.update(len(raw))
    return counts

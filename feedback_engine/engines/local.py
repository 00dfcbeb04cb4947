"""The local streaming engine: chunk by chunk from each source, through the stages, to DuckDB.

The main process reads and validates each chunk (validation keeps the per-source set of seen
ids, so it runs in order), hands the stage work to ``workers - 1`` pool processes (in two
halves per chunk), analyzes a half itself whenever each of them already has two waiting, and
loads the results into the warehouse in chunk order. With one worker the stages run in the
main process only. Every analyzing process runs one compute thread. Memory is bounded: at
most ``2 * workers + 1`` chunks are in flight at once, whatever the input size. Results do
not depend on the worker count: chunks are cut into the same halves and loaded in the same
order, so the stages see the same rows together (a batched encoder's vectors vary in the
last bits with their batch-mates).

Every chunk commits with a checkpoint row; given the checkpoints of an interrupted run
(``done``), committed chunks are validated again (to rebuild the duplicate check) but not
analyzed or written, so the resumed run ends with exactly the counts of an uninterrupted one.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from ..errors import error
from ..records import ROW, SeenIds, ValidationSettings, validate
from ..sources import OpenedSource
from ..warehouse import Warehouse
from .work import (
    ChunkResult,
    PipelineSpec,
    analyze_chunk,
    init_worker,
    run_in_worker,
    single_threaded,
)


@dataclass
class RunCounts:
    """What one run read, analyzed and rejected; ``read == analyzed + rejected``.

    The timings say where the time went: ``read_seconds`` (reading and validating, main
    process), ``stage_seconds`` (the stages, summed over workers), ``write_seconds``
    (warehouse loads, main process).
    """

    read: int = 0
    analyzed: int = 0
    rejected: int = 0
    by_reason: Counter = field(default_factory=Counter)
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    chunks: int = 0
    resumed_chunks: int = 0  # chunks an earlier, interrupted run had already committed
    read_seconds: float = 0.0
    stage_seconds: float = 0.0
    write_seconds: float = 0.0

    def add(self, source: str, read: int, analyzed: int, reasons: list[str]) -> None:
        """Count one chunk of ``source``."""
        self.chunks += 1
        self.read += read
        self.analyzed += analyzed
        self.rejected += len(reasons)
        self.by_reason.update(reasons)
        per_source = self.by_source.setdefault(
            source, {"read": 0, "analyzed": 0, "rejected": 0})
        per_source["read"] += read
        per_source["analyzed"] += analyzed
        per_source["rejected"] += len(reasons)


@dataclass
class _Pending:
    source: str
    index: int
    rows: list[int]
    futures: list[Future]  # the chunk's parts, in row order


def run_local(
    sources: list[OpenedSource],
    spec: PipelineSpec,
    warehouse: Warehouse,
    settings: ValidationSettings,
    chunk_size: int,
    progress: bool = True,
    on_rejects: Callable[[pd.DataFrame], None] | None = None,
    workers: int = 1,
    done: Mapping[tuple[str, int], Mapping[str, Any]] | None = None,
) -> RunCounts:
    """Stream every source through validation and the pipeline into the warehouse.

    Args:
        sources: opened sources, read in order.
        spec: the stages to run (each worker builds and sets them up once) and the run id.
        warehouse: where chunks are loaded; only this process touches it.
        settings: validation limits.
        chunk_size: rows per chunk (and per transaction).
        progress: show a progress bar on stderr.
        on_rejects: called with each chunk's rejects (raw values scrubbed unless keep_raw).
        workers: worker processes for the stages; 1 runs them in this process.
        done: checkpoints of the run being resumed, keyed by ``(source, chunk)``.

    Unless ``spec.keep_raw``, raw text never reaches the warehouse or the rejects: ``text``
    and ``text_clean`` are dropped after the stages ran, and rejects' original values go
    through the redact stage (the pipeline must have one).
    """
    if workers < 1:
        raise error("FE224", workers=workers)
    spec.build()  # fail on a bad pipeline here, not in a worker
    done = done or {}
    counts = RunCounts()
    window = 2 * workers if workers > 1 else 0  # chunks in flight beyond the one loading
    # A chunk is analyzed in two halves (PARTS), each going wherever a worker is free: a
    # run's last chunks then keep both cores busy for half as long as a whole chunk would
    # keep one. It still loads and commits as one chunk. One worker cuts the same halves, as
    # the Dask engine does: a batched encoder's vectors vary in the last bits with their
    # batch-mates, so every engine and worker count gives the stages the same rows together.
    parts = PARTS
    # N workers are N processes with one compute thread each (BLAS, OpenMP, torch): the
    # main process is one of them, and with --workers 1 the run uses one core.
    with single_threaded(), _Executor(spec, workers) as submit, tqdm(
            total=None, unit=" rows", desc="analyzing", disable=not progress,
            dynamic_ncols=True, leave=False) as bar:
        pending: deque[_Pending] = deque()

        def finish_oldest() -> None:
            item = pending.popleft()
            commit_chunk(warehouse, counts, item.source, item.index, item.rows,
                         _result(item.futures), on_rejects)
            bar.update(len(item.rows))

        for opened in sources:
            info = opened.info
            bar.set_description(Path(info.name.rstrip("/")).name)
            for index, raw, records, rejects, seconds in _validated(opened, settings,
                                                                    chunk_size):
                counts.read_seconds += seconds
                rows = raw[ROW].astype("int64").tolist()
                checkpoint = done.get((info.name, index))
                if checkpoint is not None:
                    resume_chunk(warehouse, counts, info.name, index, rows, checkpoint,
                                 on_rejects)
                    bar.update(len(rows))
                    continue
                pending.append(_Pending(info.name, index, rows, [
                    submit(part, part_rejects)
                    for part, part_rejects in _parts(records, rejects, parts)]))
                while len(pending) > window:
                    finish_oldest()
        while pending:  # chunks of several sources may be in flight: they load in order
            finish_oldest()
    return counts


def _validated(opened: OpenedSource, settings: ValidationSettings,
               chunk_size: int) -> Iterator[tuple[int, pd.DataFrame, pd.DataFrame,
                                                  pd.DataFrame, float]]:
    """Yield ``(chunk number, raw, records, rejects, seconds)`` for one source, in order."""
    seen = SeenIds()
    chunks = opened.source.chunks(chunk_size)
    index = 0
    while True:
        started = time.perf_counter()
        raw = next(chunks, None)
        if raw is None:
            return
        records, rejects = validate(raw, opened.info, settings, seen)
        yield index, raw, records, rejects, time.perf_counter() - started
        index += 1


def commit_chunk(warehouse: Warehouse, counts: RunCounts, source: str, index: int,
                 rows: list[int], result: ChunkResult,
                 on_rejects: Callable[[pd.DataFrame], None] | None) -> None:
    """Load one analyzed chunk (``rows``: every row it was read from) with its checkpoint,
    pass its rejects on and count it."""
    prepared = result.prepared
    reasons = prepared.rejects["reason"].tolist()
    started = time.perf_counter()
    warehouse.load_chunk(source, rows, prepared, checkpoint={
        "run_id": prepared.run_id, "source": source, "chunk": index,
        "first_row": rows[0], "last_row": rows[-1], "read": len(rows),
        "analyzed": len(prepared.records), "rejected": len(reasons),
        "rejected_by_reason": dict(Counter(reasons))})
    counts.write_seconds += time.perf_counter() - started
    counts.stage_seconds += result.stage_seconds
    if on_rejects is not None and len(result.reject_rows):
        on_rejects(result.reject_rows)
    counts.add(source, len(rows), len(prepared.records), reasons)


def resume_chunk(warehouse: Warehouse, counts: RunCounts, source: str, index: int,
                 rows: list[int], checkpoint: Mapping[str, Any],
                 on_rejects: Callable[[pd.DataFrame], None] | None) -> None:
    """Count a chunk an interrupted run committed, and pass its stored rejects on.

    Raises:
        WarehouseError: the chunk no longer covers the rows its checkpoint recorded.
    """
    first, last, read = rows[0], rows[-1], len(rows)
    if (int(checkpoint["first_row"]), int(checkpoint["last_row"]),
            int(checkpoint["read"])) != (first, last, read):
        raise error("FE403", index=index, source=source, first=first, last=last, was=checkpoint)
    # The checkpoint's counts, not validation's: a stage_timeout reject is decided by the
    # stages, which a committed chunk does not run again.
    reasons = [reason for reason, n in sorted(dict(checkpoint["rejected_by_reason"]).items())
               for _ in range(int(n))]
    if on_rejects is not None and reasons:
        on_rejects(warehouse.stored_rejects(source, rows))
    counts.add(source, read, int(checkpoint["analyzed"]), reasons)
    counts.resumed_chunks += 1


PARTS = 2  # stage calls per chunk, whatever the engine and the number of workers


def _parts(records: pd.DataFrame, rejects: pd.DataFrame,
           parts: int | None = None) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Cut a chunk into ``parts`` (default :data:`PARTS`) runs of consecutive records; the
    first takes the rejects."""
    parts = PARTS if parts is None else parts
    if parts == 1 or len(records) < 2 * parts:
        return [(records, rejects)]
    bounds = [len(records) * i // parts for i in range(parts + 1)]
    return [(records.iloc[start:end], rejects if i == 0 else rejects.iloc[:0])
            for i, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False))]


def _result(futures: list[Future]) -> ChunkResult:
    """Wait for a chunk's parts and join their results, in row order."""
    try:
        results = [future.result() for future in futures]
    except BrokenProcessPool:
        raise error("FE303") from None
    return results[0] if len(results) == 1 else ChunkResult.join(results)


class _Executor:
    """Context manager yielding ``submit(records, rejects) -> Future[ChunkResult]``."""

    def __init__(self, spec: PipelineSpec, workers: int) -> None:
        self.spec, self.workers = spec, workers
        self.pool: ProcessPoolExecutor | None = None
        self.switch_interval = 0.0

    def __enter__(self) -> Callable[[pd.DataFrame, pd.DataFrame], Future]:
        spec = self.spec
        helpers = self.workers - 1
        if helpers:
            # Started before this process sets its own pipeline up, so that the pool
            # processes load their models meanwhile, on the other cores.
            # spawn, not fork: the parent holds a DuckDB connection and a progress-bar thread.
            self.pool = ProcessPoolExecutor(helpers,
                                            mp_context=multiprocessing.get_context("spawn"),
                                            initializer=init_worker, initargs=(spec,))
            # A result comes back through a pipe in 64 KiB pieces, each read by a thread of
            # this process that must take the GIL from the main thread, busy with a chunk of
            # its own. At the default 5 ms switch interval, a 6 MB result kept its worker
            # waiting ~0.4 s per chunk (about 15% of its time); 0.5 ms made that ~0.1 s.
            self.switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self.switch_interval, 0.0005))
            for _ in range(helpers):  # start them now; a pool spawns its processes lazily
                self.pool.submit(int)
        try:
            pipeline = spec.build()
            pipeline.setup()
        except BaseException as exc:
            self.__exit__(type(exc))
            raise

        def inline(records: pd.DataFrame, rejects: pd.DataFrame) -> Future:
            future: Future = Future()
            try:
                future.set_result(analyze_chunk(pipeline, records, rejects, spec))
            except Exception as exc:  # raised when the chunk's turn to load comes
                future.set_exception(exc)
            return future

        if self.workers == 1:
            return inline
        # N workers = this process and N - 1 pool processes: with one process per core, the
        # main process (which also reads, validates and writes) takes a chunk itself whenever
        # every pool process already has one waiting, instead of a third process competing
        # for two cores. Where a chunk runs does not change its result.
        pool = self.pool
        in_pool: deque[Future] = deque()

        def submit(records: pd.DataFrame, rejects: pd.DataFrame) -> Future:
            while in_pool and in_pool[0].done():
                in_pool.popleft()
            if sum(1 for f in in_pool if not f.done()) < 2 * helpers:
                future = pool.submit(run_in_worker, spec, records, rejects)
                in_pool.append(future)
                return future
            return inline(records, rejects)  # every pool process has a chunk waiting

        return submit

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=exc_type is None, cancel_futures=True)
            sys.setswitchinterval(self.switch_interval)

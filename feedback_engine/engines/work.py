"""The work each engine does to one validated chunk, wherever it runs.

A worker never receives set-up stages: it gets a :class:`PipelineSpec` (stage names, options,
the columns the sources offer), builds the pipeline itself and sets it up once, so models load
once per worker process and nothing heavy is pickled. :func:`analyze_chunk` then runs the
stages, drops raw text unless kept, scrubs the rejects' original values and turns everything
into table rows, so the process that owns the warehouse only has to load them.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import error
from ..stages import Pipeline, build_pipeline
from ..warehouse import PreparedChunk, prepare_chunk


@dataclass(frozen=True)
class PipelineSpec:
    """What a worker needs to build the pipeline and prepare table rows; cheap to pickle."""

    names: tuple[str, ...]
    options: Mapping[str, Mapping[str, Any]]
    available: tuple[str, ...]
    table_columns: frozenset[str]
    run_id: str
    keep_raw: bool = False
    # Modules defining the stage classes: a worker imports them first, so stages registered
    # outside the package (a plugin module on the path) exist there too.
    modules: tuple[str, ...] = ()
    # Seconds each stage may spend per record (``input.record_budget_s``); a record over it
    # becomes a ``stage_timeout`` reject. None: no budget.
    record_budget_s: float | None = None

    def build(self) -> Pipeline:
        """Instantiate the stages (not set up) and check the raw-text rule."""
        for module in self.modules:
            if module != "__main__":
                importlib.import_module(module)
        pipeline = build_pipeline(list(self.names), self.options, self.available)
        if pipeline.get("redact") is None and not self.keep_raw:
            raise error("FE304")
        return pipeline

    @property
    def key(self) -> str:
        """A stable identity, so a worker that serves several runs keeps one pipeline each."""
        return repr((self.names, sorted((k, sorted(v.items())) for k, v in self.options.items()),
                     self.available, self.keep_raw))


@dataclass
class ChunkResult:
    """A chunk ready to load, with the seconds its stages took in the worker."""

    prepared: PreparedChunk
    reject_rows: pd.DataFrame  # scrubbed rejects for a rejects file (no run_id)
    stage_seconds: float = 0.0
    worker: int = field(default_factory=os.getpid)

    @classmethod
    def join(cls, parts: list[ChunkResult]) -> ChunkResult:
        """One result for a chunk analyzed in parts (given in row order)."""
        return cls(prepared=PreparedChunk(
                       records=_concat([p.prepared.records for p in parts]),
                       turns=_concat([p.prepared.turns for p in parts]),
                       rejects=_concat([p.prepared.rejects for p in parts]),
                       run_id=parts[0].prepared.run_id,
                       embeddings=_join_embeddings([p.prepared.embeddings for p in parts])),
                   reject_rows=_concat([p.reject_rows for p in parts]),
                   stage_seconds=sum(p.stage_seconds for p in parts), worker=parts[0].worker)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames end to end; empty ones are left out (unless all are: then the first)."""
    kept = [f for f in frames if len(f)] or frames[:1]
    return pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]


def _join_embeddings(frames: list[pd.DataFrame | None]) -> pd.DataFrame | None:
    kept = [f for f in frames if f is not None]
    if not kept:
        return None
    return _concat(kept).drop_duplicates(["text_sha256", "model"], ignore_index=True)


def analyze_chunk(pipeline: Pipeline, records: pd.DataFrame, rejects: pd.DataFrame,
                  spec: PipelineSpec) -> ChunkResult:
    """Run the stages over one validated chunk and prepare its table rows."""
    started = time.perf_counter()
    redact = pipeline.get("redact")
    if redact is not None:
        # Before the stages (which must keep record_id): an id holding PII becomes the same
        # keyed token in records and rejects, so a row keeps one key whichever table it is in.
        records = records.assign(record_id=redact.scrub_record_ids(records["record_id"]))
        rejects = rejects.assign(record_id=redact.scrub_record_ids(rejects["record_id"]))
    if len(records) and spec.record_budget_s:
        analyzed, timed_out = pipeline.run_budgeted(records, spec.record_budget_s)
        if timed_out:
            rejects = _with_timeouts(rejects, records, timed_out, spec.record_budget_s)
        records = analyzed
    elif len(records):
        records = pipeline(records)
    if not spec.keep_raw:
        records = records.assign(**{c: None for c in ("text", "text_clean") if c in records})
        rejects = rejects.assign(raw=[redact.scrub_json(r) for r in rejects["raw"]])
    seconds = time.perf_counter() - started
    prepared = prepare_chunk(records, rejects, spec.run_id, spec.table_columns)
    return ChunkResult(prepared=prepared, reject_rows=rejects, stage_seconds=seconds)


def _with_timeouts(rejects: pd.DataFrame, records: pd.DataFrame, timed_out: dict[int, str],
                   budget_s: float) -> pd.DataFrame:
    """Add a ``stage_timeout`` reject for each record that ran out of time, in row order.

    The reject keeps the record's values as read (``raw``), which then go through the same
    redaction as every other reject's.
    """
    chosen = records.reset_index(drop=True).iloc[sorted(timed_out)]
    raws = [json.dumps({k: v for k, v in rec.items()
                        if v is not None and not (pd.api.types.is_scalar(v) and pd.isna(v))},
                       ensure_ascii=False, default=str)
            for rec in chosen.to_dict("records")]
    added = pd.DataFrame({
        "source": chosen["source"].tolist(),
        "row": chosen["row"].astype("int64").tolist(),
        "record_id": chosen["record_id"].tolist(),
        "reason": "stage_timeout",
        "detail": [f"stage {timed_out[i]} took longer than the per-record budget "
                   f"(input.record_budget_s = {budget_s:g} s)" for i in sorted(timed_out)],
        "raw": raws})
    return _concat([rejects, added]).sort_values("row", kind="stable").reset_index(drop=True)


# Set-up pipelines of this process, one per spec (per thread: Dask may run tasks in threads).
_local = threading.local()


def worker_pipeline(spec: PipelineSpec) -> Pipeline:
    """Return this worker's set-up pipeline for ``spec``, building it on first use."""
    cache: dict[str, Pipeline] = _local.__dict__.setdefault("pipelines", {})
    pipeline = cache.get(spec.key)
    if pipeline is None:
        pipeline = spec.build()
        pipeline.setup()
        cache[spec.key] = pipeline
    return pipeline


_setup_error: BaseException | None = None


def _exit_with_parent(poll_s: float = 0.5) -> None:
    """Exit when the parent dies. A SIGKILLed parent cannot shut its pool down, and its
    workers would otherwise wait on their task pipe for ever, holding their memory."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def init_worker(spec: PipelineSpec) -> None:
    """Process-pool initializer: one compute thread per process, models loaded once.

    The parent handles Ctrl-C and shuts the pool down, so workers ignore SIGINT rather than
    each printing a traceback; their stdout goes to stderr. A setup error is kept and raised
    by the first task, so the parent sees the stage's own message rather than a broken pool.
    """
    global _setup_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    # Stdout belongs to the parent (``--json`` prints a summary there): whatever a library
    # prints in a worker goes to stderr instead.
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    _single_threaded()
    try:
        worker_pipeline(spec)
    except Exception as exc:
        _setup_error = exc
        return
    _single_threaded()  # again: setup may have loaded libraries with thread pools of their own


def run_in_worker(spec: PipelineSpec, records: pd.DataFrame,
                  rejects: pd.DataFrame) -> ChunkResult:
    """Process-pool task: analyze one chunk with this worker's pipeline."""
    if _setup_error is not None:
        raise _setup_error
    return analyze_chunk(worker_pipeline(spec), records, rejects, spec)


def _single_threaded() -> None:
    # N workers on N cores: BLAS/OpenMP thread pools inside each would oversubscribe them.
    from .. import embeddings

    embeddings.thread_cap = 1  # models loaded later (MiniLM) start one thread too
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    threadpool_limits(1)


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run the block with one compute thread in this process, as a worker runs, and restore
    the thread settings after (the engines' main process analyzes chunks too)."""
    from threadpoolctl import threadpool_limits

    from .. import embeddings

    cap = embeddings.thread_cap
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    limiter = threadpool_limits(1)  # remembers the limits to restore
    try:
        _single_threaded()
        yield
    finally:
        limiter.restore_original_limits()
        embeddings.thread_cap = cap
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(torch_threads or embeddings._cpu_threads())

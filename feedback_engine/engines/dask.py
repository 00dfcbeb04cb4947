"""The Dask engine: the same stages on a Dask distributed cluster, then the warehouse.

Each source (a file, or a folder of transcripts) is one Dask task. The task reads its source
in chunks, validates them (the duplicate-id check is per source, as in the local engine),
runs the stages with the worker's own set-up pipeline and writes each chunk as Parquet:

    DIR/week=2026-W47/<run>-<source key>-<chunk>.parquet   records, by ISO week
    DIR/_turns/<run>-<source key>-<chunk>.parquet          transcript turns
    DIR/_rejects/<run>-<source key>-<chunk>.parquet        rejects (raw values scrubbed)

The client then loads the warehouse from those files, chunk by chunk in source order, with
the same transaction and checkpoint as the local engine; so both engines store identical rows.
Workers must be able to read the inputs and write DIR under the same paths as the client
(shared storage on a real cluster), and must have ``feedback-engine`` installed.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import error
from ..records import ROW, ValidationSettings
from ..sources import OpenedSource
from ..warehouse import REJECT_COLUMNS, TURN_COLUMNS, PreparedChunk, Warehouse
from .local import RunCounts, _parts, _validated, commit_chunk, resume_chunk
from .work import ChunkResult, PipelineSpec, analyze_chunk, worker_pipeline

NO_WEEK = "NULL"  # the partition of undated records (require_timestamp = false)


def run_dask(
    sources: list[OpenedSource],
    spec: PipelineSpec,
    warehouse: Warehouse,
    settings: ValidationSettings,
    chunk_size: int,
    scheduler: str | None = None,
    workers: int = 1,
    parquet_dir: str | Path | None = None,
    on_rejects: Callable[[pd.DataFrame], None] | None = None,
    done: Mapping[tuple[str, int], Mapping[str, Any]] | None = None,
) -> RunCounts:
    """Analyze every source on a Dask cluster, write Parquet by week, load the warehouse.

    Args:
        scheduler: address of a running scheduler (``tcp://host:8786``); None starts a
            ``LocalCluster`` of ``workers`` processes (one worker: a thread in this process).
        parquet_dir: where the Parquet goes (kept); None: a temporary folder beside the
            warehouse, removed after loading. Required with ``scheduler``: it must be storage
            the workers and this machine share.
        done: checkpoints of the run being resumed; those chunks are validated but skipped.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise error("FE302") from None
    if scheduler and parquet_dir is None:
        raise error("FE222")
    spec.build()  # fail on a bad pipeline here, not in a worker
    done = done or {}
    keep = parquet_dir is not None
    target = Path(parquet_dir) if keep else Path(tempfile.mkdtemp(
        prefix=f".{warehouse.path.name}.dask-", dir=warehouse.path.parent))
    target.mkdir(parents=True, exist_ok=True)
    counts = RunCounts()
    try:
        with _client(Client, LocalCluster, scheduler, workers) as client:
            futures = [client.submit(
                analyze_source, opened, spec, settings, chunk_size, str(target.resolve()),
                sorted(i for (name, i) in done if name == opened.info.name),
                key=f"feedback-{spec.run_id}-{n}", pure=False)
                for n, opened in enumerate(sources)]
            for opened, future in zip(sources, futures, strict=True):
                for meta in future.result():  # in source order, while later ones still run
                    _load(meta, opened.info.name, spec, warehouse, target, counts,
                          on_rejects, done)
    finally:
        if not keep:
            shutil.rmtree(target, ignore_errors=True)
    return counts


@contextmanager
def _client(client_cls: Any, cluster_cls: Any, scheduler: str | None,
            workers: int) -> Iterator[Any]:
    if scheduler:
        try:
            client = client_cls(scheduler, timeout="30s")
        except OSError as exc:
            raise error("FE223", scheduler=scheduler, detail=exc) from None
        with client:
            yield client
        return
    # One worker gains nothing from a process of its own: run it as a thread in this one.
    with cluster_cls(n_workers=workers, threads_per_worker=1, processes=workers > 1,
                     dashboard_address=None) as cluster, client_cls(cluster) as client:
        yield client


def source_key(name: str) -> str:
    """A short, file-name-safe key for a source name."""
    return hashlib.sha256(name.encode()).hexdigest()[:12]


def analyze_source(opened: OpenedSource, spec: PipelineSpec, settings: ValidationSettings,
                   chunk_size: int, target: str, skip: list[int]) -> list[dict[str, Any]]:
    """Dask task: analyze one source chunk by chunk into Parquet; return each chunk's facts.

    Chunks in ``skip`` (committed by an interrupted run) are validated only.
    """
    pipeline = worker_pipeline(spec)
    folder = Path(target)
    skipped = set(skip)
    metas: list[dict[str, Any]] = []
    for index, raw, records, rejects, seconds in _validated(opened, settings, chunk_size):
        rows = raw[ROW].astype("int64").tolist()
        meta: dict[str, Any] = {"chunk": index, "rows": rows, "read_seconds": seconds}
        if index in skipped:
            metas.append({**meta, "skipped": True})
            continue
        # The same halves as the local engine: the stages see the same rows together.
        halves = [analyze_chunk(pipeline, r, j, spec) for r, j in _parts(records, rejects)]
        result = halves[0] if len(halves) == 1 else ChunkResult.join(halves)
        part = f"{spec.run_id}-{source_key(opened.info.name)}-{index:06d}.parquet"
        weeks = []
        for week, group in result.prepared.records.groupby("week", dropna=False, sort=True):
            label = NO_WEEK if pd.isna(week) else str(week)
            (folder / f"week={label}").mkdir(exist_ok=True)
            group.drop(columns="week").to_parquet(folder / f"week={label}" / part, index=False)
            weeks.append(label)
        vectors = result.prepared.embeddings
        for name, frame in (("_turns", result.prepared.turns),
                            ("_rejects", result.prepared.rejects),
                            ("_embeddings", vectors if vectors is not None else pd.DataFrame())):
            if len(frame):
                (folder / name).mkdir(exist_ok=True)
                frame.to_parquet(folder / name / part, index=False)
        metas.append({**meta, "part": part, "weeks": weeks, "turns": len(result.prepared.turns),
                      "rejects": len(result.prepared.rejects),
                      "embeddings": 0 if vectors is None else len(vectors),
                      "stage_seconds": result.stage_seconds})
    return metas


def _load(meta: Mapping[str, Any], source: str, spec: PipelineSpec, warehouse: Warehouse,
          folder: Path, counts: RunCounts, on_rejects: Callable[[pd.DataFrame], None] | None,
          done: Mapping[tuple[str, int], Mapping[str, Any]]) -> None:
    """Load one chunk's Parquet files into the warehouse (or count a skipped chunk)."""
    counts.read_seconds += meta["read_seconds"]
    if meta.get("skipped"):
        resume_chunk(warehouse, counts, source, meta["chunk"], meta["rows"],
                     done[(source, meta["chunk"])], on_rejects)
        return
    part = meta["part"]
    frames = [pd.read_parquet(folder / f"week={w}" / part).assign(
        week=None if w == NO_WEEK else w) for w in meta["weeks"]]
    if frames:
        records = pd.concat(frames, ignore_index=True).sort_values("row", kind="stable")
        records = records.reset_index(drop=True)
    else:
        records = pd.DataFrame({"record_id": pd.Series([], dtype=object)})
    turns = (pd.read_parquet(folder / "_turns" / part) if meta["turns"]
             else pd.DataFrame({c: pd.Series([], dtype=object) for c in TURN_COLUMNS}))
    rejects = (pd.read_parquet(folder / "_rejects" / part) if meta["rejects"]
               else pd.DataFrame({c: pd.Series([], dtype=object) for c in REJECT_COLUMNS}))
    vectors = (pd.read_parquet(folder / "_embeddings" / part) if meta.get("embeddings")
               else None)
    result = ChunkResult(PreparedChunk(records, turns, rejects, spec.run_id, vectors),
                         rejects.drop(columns="run_id"), meta["stage_seconds"])
    commit_chunk(warehouse, counts, source, meta["chunk"], meta["rows"], result, on_rejects)


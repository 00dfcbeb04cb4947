"""The DuckDB warehouse: records, turns, rejects and runs, written idempotently per chunk.

Keys: a record is ``(source, record_id)``; a reject is ``(source, row)``. Writing a chunk first
deletes what an earlier run stored under the chunk's keys, in the same transaction, so
re-analyzing a file leaves the same counts and a failure never leaves half a chunk.
Timestamps are stored as UTC without a zone.

Each chunk also leaves a checkpoint row in ``chunks`` (run, source, chunk number, rows and
counts), committed in the same transaction as its data: after a crash, ``--resume`` finds the
unfinished run with the same inputs and settings and skips exactly the committed chunks.
Turning records into table rows (:func:`prepare_chunk`) needs no connection, so worker
processes do it and the writer only loads (:meth:`Warehouse.load_chunk`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .errors import error
from .records import CANONICAL_COLUMNS
from .vectors import EMBEDDING_COLUMNS, pack, text_sha256

TURN_COLUMNS = {"source": "VARCHAR", "record_id": "VARCHAR", "turn_index": "INTEGER",
                "speaker": "VARCHAR", "text": "VARCHAR", "start_s": "DOUBLE",
                "end_s": "DOUBLE"}
REJECT_COLUMNS = {"run_id": "VARCHAR", "source": "VARCHAR", "row": "BIGINT",
                  "record_id": "VARCHAR", "reason": "VARCHAR", "detail": "VARCHAR",
                  "raw": "JSON"}
RUN_COLUMNS = {"run_id": "VARCHAR", "command": "VARCHAR", "status": "VARCHAR",
               "started_at": "TIMESTAMP", "finished_at": "TIMESTAMP", "version": "VARCHAR",
               "config_hash": "VARCHAR", "config": "JSON", "inputs": "JSON",
               "stages": "JSON", "read": "BIGINT", "analyzed": "BIGINT", "rejected": "BIGINT",
               "rejected_by_reason": "JSON", "seconds": "DOUBLE", "docs_per_s": "DOUBLE",
               "warnings": "JSON"}
CHUNK_COLUMNS = {"run_id": "VARCHAR", "source": "VARCHAR", "chunk": "INTEGER",
                 "first_row": "BIGINT", "last_row": "BIGINT", "read": "BIGINT",
                 "analyzed": "BIGINT", "rejected": "BIGINT", "rejected_by_reason": "JSON"}
# Runs that stopped before finishing; --resume picks these up.
UNFINISHED = ("running", "failed")


# A DuckDB database file carries this magic at byte 8 (after an 8-byte checksum).
DUCKDB_MAGIC = b"DUCK"


def check_warehouse_file(path: Path) -> None:
    """Refuse a ``--db`` path that exists but is not a DuckDB database.

    DuckDB would open a CSV, Parquet or JSONL file named as the database as a temporary
    in-memory one: the run would "succeed", store nothing, and an input could be lost.

    Raises:
        WarehouseError: the path is a folder, or a file without DuckDB's header.
    """
    if path.is_dir():
        raise error("FE404", path=path)
    if not path.is_file() or path.stat().st_size == 0:
        return
    with open(path, "rb") as handle:
        header = handle.read(12)
    if header[8:12] != DUCKDB_MAGIC:
        raise error("FE405", path=path)


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it was raised from) says the disk is full."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if (isinstance(current, OSError) and current.errno == errno.ENOSPC) or (
                "No space left on device" in str(current)):
            return True
        current = current.__cause__ or current.__context__
    return False


class Warehouse:
    """An open DuckDB warehouse. Use as a context manager."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.is_file():
            raise error("FE406", path=self.path)
        check_warehouse_file(self.path)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise error("FE407", path=self.path, detail=exc) from None
        except duckdb.Error as exc:
            # A damaged file (bad checksum, truncated) fails here, not as a traceback later.
            detail = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            raise error("FE408", path=self.path, detail=detail) from None
        self._record_columns: set[str] | None = None  # cached: asked once, not per chunk
        if not read_only:
            self._create()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def _create(self) -> None:
        tables = {"records": {**CANONICAL_COLUMNS, "run_id": "VARCHAR"}, "turns": TURN_COLUMNS,
                  "rejects": REJECT_COLUMNS, "runs": RUN_COLUMNS, "chunks": CHUNK_COLUMNS,
                  "embeddings": EMBEDDING_COLUMNS}
        for table, columns in tables.items():
            body = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body})")

    def limit_memory(self, megabytes: int) -> None:
        """Cap DuckDB's memory on this connection (its default is 80% of RAM).

        DuckDB keeps the blocks it wrote cached up to its limit, so a writer loading millions
        of records would grow with the database; the loader needs only a chunk's worth.
        """
        self.con.execute(f"SET memory_limit = '{int(megabytes)}MB'")

    def limit_threads(self, threads: int) -> None:
        """Cap DuckDB's worker threads on this connection (its default is one per core)."""
        self.con.execute(f"SET threads = {int(threads)}")

    def ensure_columns(self, columns: Mapping[str, str]) -> None:
        """Add stage output columns that the records table does not have yet."""
        for name, kind in columns.items():
            self.con.execute(f'ALTER TABLE records ADD COLUMN IF NOT EXISTS "{name}" {kind}')
        self._record_columns = None

    def columns(self, table: str = "records") -> list[str]:
        rows = self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position", [table]).fetchall()
        return [r[0] for r in rows]

    def record_columns(self) -> set[str]:
        """Return the records table's columns (cached until :meth:`ensure_columns`)."""
        if self._record_columns is None:
            self._record_columns = set(self.columns("records"))
        return self._record_columns

    def load_chunk(self, source: str, rows: list[int], prepared: PreparedChunk,
                   checkpoint: Mapping[str, Any] | None = None) -> None:
        """Load a :func:`prepare_chunk` result in one transaction, with its checkpoint row.

        ``checkpoint`` holds the :data:`CHUNK_COLUMNS` values; an earlier checkpoint of the
        same run, source and chunk is replaced.
        """
        tables = {"records": prepared.records, "turns": prepared.turns,
                  "rejects": prepared.rejects}
        views = {f"chunk_{table}": frame for table, frame in tables.items()}
        views["chunk_rows"] = pd.DataFrame({"row": pd.array(rows, dtype="int64")})
        if prepared.embeddings is not None:
            views["chunk_embeddings"] = prepared.embeddings
        try:
            self.con.begin()
            for view, frame in views.items():
                self.con.register(view, frame)
            # A row key's latest outcome replaces the old one, in whichever table it was:
            # a stored record goes when its row, or its record_id, is in this chunk (as a
            # record, or as a reject that knows its id); a stored reject goes when its row,
            # or its record_id, is. Matches by record_id spare this run's own rows, so a
            # duplicate_id reject never deletes the first occurrence loaded before it.
            run_id = prepared.run_id or (checkpoint or {}).get("run_id")
            stale_records = (
                "source = $source AND (row IN (SELECT row FROM chunk_rows) "
                "OR record_id IN (SELECT CAST(record_id AS VARCHAR) FROM chunk_records) "
                "OR (run_id IS DISTINCT FROM $run AND record_id IN "
                "(SELECT CAST(record_id AS VARCHAR) FROM chunk_rejects "
                "WHERE record_id IS NOT NULL)))")
            params = {"source": source, "run": run_id}
            self.con.execute("DELETE FROM turns WHERE source = $source AND (record_id IN "
                             "(SELECT CAST(record_id AS VARCHAR) FROM chunk_records) OR "
                             "record_id IN "
                             f"(SELECT record_id FROM records WHERE {stale_records}))", params)
            self.con.execute(f"DELETE FROM records WHERE {stale_records}", params)
            self.con.execute(
                "DELETE FROM rejects WHERE source = $source AND (row IN "
                "(SELECT row FROM chunk_rows) OR (run_id IS DISTINCT FROM $run AND record_id "
                "IN (SELECT CAST(record_id AS VARCHAR) FROM chunk_records)))", params)
            for table, frame in tables.items():
                if len(frame):
                    self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM chunk_{table}")
            if prepared.embeddings is not None and len(prepared.embeddings):
                # Content-addressed: a text embedded by an earlier chunk or run is kept once.
                self.con.execute(
                    "INSERT INTO embeddings BY NAME SELECT * FROM chunk_embeddings c WHERE NOT "
                    "EXISTS (SELECT 1 FROM embeddings e WHERE e.text_sha256 = c.text_sha256 "
                    "AND e.model = c.model)")
            if checkpoint is not None:
                self.con.execute("DELETE FROM chunks WHERE run_id = ? AND source = ? AND "
                                 "chunk = ?", [checkpoint["run_id"], checkpoint["source"],
                                               checkpoint["chunk"]])
                self._insert("chunks", checkpoint)
            self.con.commit()
        except Exception as exc:
            # A failed commit may have ended the transaction already: DuckDB then says
            # "cannot rollback", which must not hide the cause (a full disk).
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()
            self._raise_write_error(exc)
            raise
        finally:
            for view in views:
                with contextlib.suppress(duckdb.Error):
                    self.con.unregister(view)

    def _raise_write_error(self, exc: BaseException) -> None:
        """Raise the coded error for a failed write (disk full, I/O) from ``exc``; for any
        other error return, and the caller re-raises ``exc`` as it is."""
        if is_disk_full(exc):
            raise error("FE409", path=self.path) from exc
        if isinstance(exc, duckdb.IOException | OSError):
            first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise error("FE410", path=self.path, detail=first) from exc

    def _insert(self, table: str, row: Mapping[str, Any]) -> None:
        self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM (SELECT "
                         + ", ".join(f'? AS "{k}"' for k in row) + ")",
                         [_sql_value(v) for v in row.values()])

    def resumable_run(self, config_hash: str, inputs: list[Any],
                      stages: list[str]) -> str | None:
        """Return the latest unfinished analyze run with these settings, inputs and stages.

        Inputs compare by source, format, file hashes and mapping, so a file that changed
        since the interrupted run is never mixed with checkpoints of its old content.
        """
        rows = self.con.execute(
            "SELECT run_id, inputs, stages FROM runs WHERE command = 'analyze' AND status IN "
            f"({', '.join('?' * len(UNFINISHED))}) AND config_hash = ? "
            "ORDER BY started_at DESC, run_id DESC", [*UNFINISHED, config_hash]).fetchall()
        wanted = json.loads(json.dumps(inputs, default=str))
        return next((run_id for run_id, run_inputs, run_stages in rows
                     if json.loads(run_inputs) == wanted and json.loads(run_stages) == stages),
                    None)

    def checkpoints(self, run_id: str) -> dict[tuple[str, int], dict[str, Any]]:
        """Return the committed chunks of a run, keyed by ``(source, chunk)``."""
        frame = self.con.execute("SELECT * FROM chunks WHERE run_id = ?", [run_id]).df()
        return {(row["source"], int(row["chunk"])):
                {**row, "rejected_by_reason": json.loads(row["rejected_by_reason"] or "{}")}
                for row in frame.to_dict("records")}

    def stored_rejects(self, source: str, rows: list[int]) -> pd.DataFrame:
        """Return the stored rejects of one source's rows, as written (raw text scrubbed)."""
        keys = pd.DataFrame({"row": pd.array(rows, dtype="int64")})
        self.con.register("wanted_rows", keys)
        try:
            return self.con.execute(
                "SELECT source, row, record_id, reason, detail, raw FROM rejects "
                "WHERE source = ? AND row IN (SELECT row FROM wanted_rows) ORDER BY row",
                [source]).df()
        finally:
            self.con.unregister("wanted_rows")

    def start_run(self, run: Mapping[str, Any]) -> None:
        self._insert("runs", run)

    def finish_run(self, run_id: str, fields: Mapping[str, Any]) -> None:
        sets = ", ".join(f'"{k}" = ?' for k in fields)
        self.con.execute(f"UPDATE runs SET {sets} WHERE run_id = ?",
                         [*(_sql_value(v) for v in fields.values()), run_id])

    def export_parquet(self, folder: str | Path, run_id: str) -> Path:
        """Write the records loaded by ``run_id`` as Parquet, partitioned by ISO week.

        The files are written into a temporary folder beside ``folder`` and moved in when
        all are complete, so a failure (a full disk) leaves the earlier files as they were.
        """
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part",
                                        dir=target.parent))
        try:
            quoted = str(staging / "data").replace("'", "''")
            self.con.execute(
                f"COPY (SELECT * FROM records WHERE run_id = ?) TO '{quoted}' "
                "(FORMAT parquet, PARTITION_BY (week), OVERWRITE_OR_IGNORE true)", [run_id])
            written = staging / "data"
            for file in sorted(p for p in written.rglob("*") if p.is_file()):
                dest = target / file.relative_to(written)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(file, dest)
        except (duckdb.Error, OSError) as exc:
            self._raise_write_error(exc)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def counts(self) -> dict[str, int]:
        """Return the number of rows in each table."""
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("records", "turns", "rejects", "runs")}

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()


@dataclass
class PreparedChunk:
    """One chunk as table rows: records (nested values as JSON text), turns, rejects, and
    the ``embed`` stage's vectors (``embeddings`` rows, None when it did not run)."""

    records: pd.DataFrame
    turns: pd.DataFrame
    rejects: pd.DataFrame
    run_id: str | None = None
    embeddings: pd.DataFrame | None = None


def prepare_chunk(records: pd.DataFrame, rejects: pd.DataFrame, run_id: str,
                  table_columns: set[str] | frozenset[str]) -> PreparedChunk:
    """Turn analyzed records and rejects into the rows the tables take (no connection needed).

    Columns the records table does not have are dropped; lists and dicts become JSON text;
    transcript turns become rows of their own.
    """
    records = records.copy()
    records["run_id"] = run_id
    turns = _turns_frame(records)
    embeddings = _embedding_rows(records)
    records = records[[c for c in records.columns if c in table_columns]]
    for name in records.columns:
        if records[name].dtype == object and any(
                isinstance(v, dict | list) for v in records[name].dropna().head(20)):
            records[name] = [None if v is None else json.dumps(v, default=str)
                             for v in records[name].tolist()]
    return PreparedChunk(records=records, turns=turns, rejects=rejects.assign(run_id=run_id),
                         run_id=run_id, embeddings=embeddings)


def _embedding_rows(records: pd.DataFrame) -> pd.DataFrame | None:
    """The ``embeddings`` rows of the chunk's vectors: one per distinct (text, model)."""
    if "embedding" not in records or "embedding_model" not in records:
        return None
    keep = [i for i, (v, m) in enumerate(zip(records["embedding"], records["embedding_model"],
                                             strict=True))
            if isinstance(v, np.ndarray) and isinstance(m, str)]
    if not keep:
        return None
    texts = records["text_redacted"].iloc[keep].tolist()
    frame = pd.DataFrame({"text_sha256": [text_sha256(t) for t in texts],
                          "model": records["embedding_model"].iloc[keep].tolist(),
                          "vector": pack(np.stack(records["embedding"].iloc[keep].tolist()))})
    return frame.drop_duplicates(["text_sha256", "model"], ignore_index=True)


def _sql_value(value: Any) -> Any:
    return json.dumps(value, default=str) if isinstance(value, dict | list) else value


def _turns_frame(records: pd.DataFrame) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    if "turns" in records:
        for source, rid, turns in zip(records["source"], records["record_id"],
                                      records["turns"], strict=True):
            if isinstance(turns, list):
                rows.extend({"source": source, "record_id": rid, "turn_index": i, **t}
                            for i, t in enumerate(turns))
    frame = pd.DataFrame(rows, columns=list(TURN_COLUMNS))
    return frame.astype({"turn_index": "int32", "start_s": "float64", "end_s": "float64"})

"""The local engine: worker processes change nothing but speed; memory stays bounded."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from feedback_engine import analyze
from feedback_engine.config import DEFAULTS
from feedback_engine.errors import ConfigError
from feedback_engine.warehouse import Warehouse

KEYS = {"records": "source, record_id", "turns": "source, record_id, turn_index",
        "rejects": "source, row"}
COMMENTS = ["Great help, thank you Maria", "Charged twice and nobody called back",
            "Fine", "The app keeps crashing after the update", "Quick and easy",
            "Waited 40 minutes on hold, call me on 07700 900123"]


def write_inputs(folder: Path, n: int = 60) -> list[Path]:
    """A survey CSV with rejects and a duplicate, plus two call transcripts."""
    lines = ["ticket_id,created_at,comment,score,agent"]
    for i in range(1, n + 1):
        comment = "" if i % 17 == 0 else COMMENTS[i % len(COMMENTS)] + f" (case {i})"
        score = 11 if i % 23 == 0 else i % 11
        lines.append(f"{i},2026-09-{1 + i % 28:02d}T10:00:00Z,\"{comment}\",{score},A{i % 4}")
    lines.append(lines[5])  # a duplicate id
    survey = folder / "survey.csv"
    survey.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls = folder / "calls"
    calls.mkdir()
    for k in (1, 2):
        (calls / f"c{k}.txt").write_text(
            f"# call_id: C{k}\n# timestamp: 2026-09-0{k}T09:00:00Z\n"
            "[00:00:01] Agent: Hello, how can I help?\n"
            "[00:00:04] Customer: My broadband is down again, this is the third time.\n"
            "[00:00:09] Agent: I'm sorry about that, let me check.\n", encoding="utf-8")
    return [survey, calls]


def config(chunk_size: int) -> dict[str, Any]:
    cfg = copy.deepcopy(DEFAULTS)
    cfg["input"]["chunk_size"] = chunk_size
    return cfg


def tables(db: Path) -> dict[str, pd.DataFrame]:
    """Every stored row, without the run id, in key order."""
    with Warehouse(db, read_only=True) as w:
        return {t: w.query(f"SELECT * EXCLUDE (run_id) FROM {t} ORDER BY {k}"
                           if t != "turns" else f"SELECT * FROM {t} ORDER BY {k}")
                for t, k in KEYS.items()}


def duplicate_keys(warehouse: Warehouse) -> dict[str, int]:
    """How many keys each table stores more than once (all zero in a sound warehouse)."""
    sql = {"records": "SELECT source, record_id FROM records GROUP BY ALL HAVING count(*) > 1",
           "rejects": "SELECT source, row FROM rejects GROUP BY ALL HAVING count(*) > 1",
           "turns": "SELECT source, record_id, turn_index FROM turns GROUP BY ALL "
                    "HAVING count(*) > 1"}
    return {t: warehouse.con.execute(f"SELECT count(*) FROM ({q})").fetchone()[0]
            for t, q in sql.items()}


def assert_same_tables(a: Path, b: Path) -> None:
    left, right = tables(a), tables(b)
    for name in KEYS:
        pd.testing.assert_frame_equal(left[name], right[name], obj=name)


@pytest.mark.slow
def test_two_workers_store_exactly_what_one_worker_stores(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path)
    one = analyze(inputs, db=tmp_path / "one.duckdb", config=config(7))
    two = analyze(inputs, db=tmp_path / "two.duckdb", config=config(7), workers=2)
    assert (one.read, one.analyzed, one.rejected) == (two.read, two.analyzed, two.rejected)
    assert one.rejected_by_reason == two.rejected_by_reason
    assert one.analyzed > 50 and two.workers == 2
    assert_same_tables(tmp_path / "one.duckdb", tmp_path / "two.duckdb")


def test_every_chunk_commits_a_checkpoint_that_adds_up_to_the_run(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path)
    summary = analyze(inputs, db=tmp_path / "w.duckdb", config=config(10))
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as w:
        chunks = w.query("SELECT * FROM chunks WHERE run_id = ? ORDER BY source, chunk",
                         [summary.run_id])
    survey = chunks[chunks["source"].str.endswith("survey.csv")]
    assert survey["chunk"].tolist() == list(range(7))  # 61 rows in chunks of 10
    assert survey["first_row"].tolist() == [2 + 10 * k for k in range(7)]
    assert int(chunks["read"].sum()) == summary.read
    assert int(chunks["analyzed"].sum()) == summary.analyzed
    assert int(chunks["rejected"].sum()) == summary.rejected
    reasons: dict[str, int] = {}
    for by_reason in chunks["rejected_by_reason"]:
        for reason, n in json.loads(by_reason).items():
            reasons[reason] = reasons.get(reason, 0) + n
    assert reasons == summary.rejected_by_reason


def test_chunks_are_loaded_as_they_are_read_not_collected_first(tmp_path: Path,
                                                               monkeypatch) -> None:
    from feedback_engine.sources.tabular import CsvSource

    inputs = write_inputs(tmp_path)
    read = {"chunks": 0}
    in_flight: list[int] = []
    original_chunks, original_load = CsvSource.chunks, Warehouse.load_chunk

    def counting_chunks(self, size):
        for chunk in original_chunks(self, size):
            read["chunks"] += 1
            yield chunk

    def recording_load(self, source, rows, prepared, checkpoint=None):
        in_flight.append(read["chunks"] - checkpoint["chunk"])
        return original_load(self, source, rows, prepared, checkpoint)

    monkeypatch.setattr(CsvSource, "chunks", counting_chunks)
    monkeypatch.setattr(Warehouse, "load_chunk", recording_load)
    analyze(inputs[:1], db=tmp_path / "w.duckdb", config=config(5))
    assert len(in_flight) == 13
    assert max(in_flight) == 1  # each chunk is written before the next one is read


def test_fewer_than_one_worker_is_refused(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path)
    with pytest.raises(ConfigError, match="at least 1"):
        analyze(inputs, db=tmp_path / "w.duckdb", config=config(10), workers=0)


def test_unknown_engine_and_a_scheduler_without_dask_are_refused(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path)
    with pytest.raises(ConfigError, match="unknown engine 'spark'"):
        analyze(inputs, db=tmp_path / "w.duckdb", engine="spark")
    with pytest.raises(ConfigError, match="--scheduler needs --engine dask"):
        analyze(inputs, db=tmp_path / "w.duckdb", scheduler="tcp://127.0.0.1:8786")


def test_summary_says_where_the_time_went(tmp_path: Path) -> None:
    summary = analyze(write_inputs(tmp_path), db=tmp_path / "w.duckdb", config=config(10))
    assert set(summary.timings) == {"read_validate", "stages", "warehouse_write"}
    assert summary.timings["stages"] > 0 and summary.timings["warehouse_write"] > 0
    assert summary.as_dict()["engine"] == "local"


def test_a_chunk_cut_into_parts_keeps_its_rows_in_order_and_its_rejects_once() -> None:
    from feedback_engine.engines.local import _parts

    records = pd.DataFrame({"record_id": [f"r{i}" for i in range(7)]})
    rejects = pd.DataFrame({"reason": ["empty_text"]})
    halves = _parts(records, rejects, 2)
    assert [len(r) for r, _ in halves] == [3, 4]
    assert pd.concat([r for r, _ in halves])["record_id"].tolist() == records["record_id"].tolist()
    assert [len(j) for _, j in halves] == [1, 0]
    assert len(_parts(records.head(3), rejects, 2)) == 1  # too few rows to be worth cutting
    assert _parts(records, rejects, 1)[0][0] is records


def test_parts_of_a_chunk_join_back_in_row_order() -> None:
    from feedback_engine.engines.work import ChunkResult
    from feedback_engine.warehouse import PreparedChunk

    def part(ids: list[str], rejected: int) -> ChunkResult:
        rejects = pd.DataFrame({"row": list(range(rejected)), "reason": ["x"] * rejected})
        return ChunkResult(PreparedChunk(pd.DataFrame({"record_id": ids}),
                                         pd.DataFrame({"record_id": []}), rejects),
                           rejects, stage_seconds=1.5)

    joined = ChunkResult.join([part(["a", "b"], 2), part(["c"], 0)])
    assert joined.prepared.records["record_id"].tolist() == ["a", "b", "c"]
    assert len(joined.prepared.rejects) == 2 and len(joined.reject_rows) == 2
    assert len(joined.prepared.turns) == 0 and joined.stage_seconds == 3.0


def test_the_main_process_analyzes_single_threaded_and_restores_its_threads() -> None:
    from threadpoolctl import threadpool_info

    from feedback_engine import embeddings
    from feedback_engine.engines.work import single_threaded

    before = [p["num_threads"] for p in threadpool_info()]
    with single_threaded():
        assert embeddings.thread_cap == 1 and embeddings._cpu_threads() == 1
        assert all(p["num_threads"] == 1 for p in threadpool_info())
    assert embeddings.thread_cap is None
    assert [p["num_threads"] for p in threadpool_info()] == before

"""The warehouse: idempotent loads, per-chunk transactions, provenance."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from feedback_engine import analyze
from feedback_engine.config import DEFAULTS, merge_config
from feedback_engine.errors import WarehouseError
from feedback_engine.warehouse import Warehouse

ROWS = (
    "ticket_id,created_at,comment,score,agent\n"
    "1,2026-09-01T10:00:00Z,Great help thank you,9,A1\n"
    "2,2026-09-02T10:00:00Z,,5,A1\n"
    "3,2026-09-03T10:00:00Z,Charged twice and nobody called back,2,A2\n"
    "4,2026-09-04T10:00:00Z,Fine,11,A2\n"
    "3,2026-09-03T10:00:00Z,Charged twice and nobody called back,2,A2\n"
    "5,2026-09-05T10:00:00Z,Quick and easy,10,A1\n"
)


def _config(**input_options: object) -> dict:
    import copy

    return merge_config(copy.deepcopy(DEFAULTS), {"input": input_options} if input_options
                        else {})


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "survey.csv"
    path.write_text(ROWS, encoding="utf-8")
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "c1.txt").write_text(
        "# call_id: C1\n# timestamp: 2026-09-01T09:00:00Z\n"
        "[00:00:01] Agent: Hello, how can I help?\n"
        "[00:00:04] Customer: My broadband is down again.\n", encoding="utf-8")
    return path


def test_analyze_twice_leaves_the_same_counts(tmp_path: Path) -> None:
    path = _write(tmp_path)
    db = tmp_path / "w.duckdb"
    first = analyze([path, tmp_path / "calls"], db=db, config=_config())
    with Warehouse(db) as w:
        before = w.counts()
    second = analyze([path, tmp_path / "calls"], db=db, config=_config())
    with Warehouse(db) as w:
        after = w.counts()
    assert (first.read, first.analyzed, first.rejected) == (7, 4, 3)
    assert (second.read, second.analyzed, second.rejected) == (7, 4, 3)
    assert before["records"] == after["records"] == 4
    assert before["rejects"] == after["rejects"] == 3
    assert before["turns"] == after["turns"] == 2
    assert after["runs"] == before["runs"] + 1


def test_reads_reconcile_with_records_and_rejects_for_every_chunk_size(tmp_path: Path) -> None:
    path = _write(tmp_path)
    for size in (1, 2, 5000):
        db = tmp_path / f"w{size}.duckdb"
        summary = analyze([path], db=db, config=_config(chunk_size=size))
        with Warehouse(db) as w:
            counts = w.counts()
        assert summary.read == summary.analyzed + summary.rejected == 6
        assert counts["records"] + counts["rejects"] == 6
        assert summary.rejected_by_reason == {"duplicate_id": 1, "empty_text": 1,
                                              "score_out_of_range": 1}


def test_run_records_provenance(tmp_path: Path) -> None:
    path = _write(tmp_path)
    db = tmp_path / "w.duckdb"
    summary = analyze([path], db=db, config=_config())
    with Warehouse(db, read_only=True) as w:
        run = w.query("SELECT * FROM runs").iloc[0]
    assert run["run_id"] == summary.run_id
    assert run["status"] == "ok"
    assert len(run["config_hash"]) == 16
    inputs = json.loads(run["inputs"])
    assert inputs[0]["source"] == path.name  # relative to the input root
    assert len(next(iter(inputs[0]["files"].values()))) == 64  # sha256
    assert inputs[0]["mapping"]["text"] == ["comment"]
    stages = json.loads(run["stages"])
    assert stages[:4] == ["normalize.v1", "language.v1", "redact.v2", "sentiment.v5+auto"]
    assert [s.rsplit(".v", 1)[0] for s in stages] == DEFAULTS["pipeline"]["stages"]
    assert (run["read"], run["analyzed"], run["rejected"]) == (6, 3, 3)
    assert json.loads(run["rejected_by_reason"])["duplicate_id"] == 1


def test_records_carry_canonical_columns_and_traceable_rows(tmp_path: Path) -> None:
    path = _write(tmp_path)
    db = tmp_path / "w.duckdb"
    analyze([path], db=db, config=_config())
    with Warehouse(db, read_only=True) as w:
        records = w.query("SELECT * FROM records ORDER BY row")
        rejects = w.query("SELECT * FROM rejects ORDER BY row")
    assert records["record_id"].tolist() == ["1", "3", "5"]
    assert records["row"].tolist() == [2, 4, 7]
    assert records["nps"].tolist() == [9, 2, 10]
    assert records["week"].tolist() == ["2026-W36"] * 3
    assert str(records["timestamp"].iloc[0]) == "2026-09-01 10:00:00"
    assert rejects[["row", "reason"]].values.tolist() == [
        [3, "empty_text"], [5, "score_out_of_range"], [6, "duplicate_id"]]
    assert json.loads(rejects["raw"].iloc[1])["score"] == "11"


def test_a_failing_stage_leaves_no_partial_chunk(tmp_path: Path, monkeypatch) -> None:
    path = _write(tmp_path)
    db = tmp_path / "w.duckdb"
    from feedback_engine.stages.sentiment import Sentiment

    calls = {"n": 0}
    original = Sentiment.__call__

    def flaky(self, chunk: pd.DataFrame) -> pd.DataFrame:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("boom")
        return original(self, chunk)

    monkeypatch.setattr(Sentiment, "__call__", flaky)
    with pytest.raises(RuntimeError, match="boom"):
        analyze([path], db=db, config=_config(chunk_size=2))
    with Warehouse(db, read_only=True) as w:
        stored = w.query("SELECT record_id FROM records")["record_id"].tolist()
        status = w.query("SELECT status FROM runs")["status"].tolist()
    assert stored == ["1"]  # the first chunk (rows 2-3) only; nothing of the failed one
    assert status == ["failed"]


def test_read_only_warehouse_that_does_not_exist_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="run `feedback analyze` first"):
        Warehouse(tmp_path / "missing.duckdb", read_only=True)


def test_source_without_dates_needs_the_opt_in_then_loads_undated(tmp_path: Path) -> None:
    from feedback_engine.errors import ColumnNotFoundError

    path = tmp_path / "reviews.csv"
    path.write_text("Title,Review Text,Rating\nNice,Fits well,5\n,Too small,2\n,,4\n",
                    encoding="utf-8")
    with pytest.raises(ColumnNotFoundError, match="require_timestamp = false"):
        analyze([path], db=tmp_path / "w.duckdb", config=_config())
    summary = analyze([path], db=tmp_path / "w.duckdb",
                      config=_config(require_timestamp=False))
    assert (summary.read, summary.analyzed, summary.rejected) == (3, 2, 1)
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as w:
        rows = w.query("SELECT text_redacted, csat, timestamp, week FROM records ORDER BY row")
    assert rows["text_redacted"].tolist() == ["Nice. Fits well", "Too small"]
    assert rows["csat"].tolist() == [5, 2]
    assert rows["timestamp"].isna().all() and rows["week"].isna().all()


def test_the_writer_connection_can_be_held_to_one_thread_and_a_memory_cap(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as w:
        w.limit_memory(256)
        w.limit_threads(1)
        threads, memory = w.con.execute(
            "SELECT current_setting('threads'), current_setting('memory_limit')").fetchone()
    assert int(threads) == 1
    assert memory == "244.1 MiB"  # 256 MB (10^6 bytes) in binary units

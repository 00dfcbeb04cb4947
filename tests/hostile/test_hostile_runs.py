"""Hostile runs (issue #17): careless paths, re-analysis, a full disk, unwritable outputs,
formula lookalikes and the per-record time budget. Each case ends in a coded message or in
rejects with a reason, never a traceback, and never changes an input."""

from __future__ import annotations

import errno
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hostile_harness import (
    assert_coded_error,
    assert_unchanged,
    last_run_counts,
    run_cli,
    snapshot,
    table_count,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine import duplicate_keys

from feedback_engine import api
from feedback_engine.config import load_config
from feedback_engine.exports import RowWriter, guard_cell
from feedback_engine.stages.base import REGISTRY, StageTimeout, run_with_deadline, stage
from feedback_engine.warehouse import Warehouse

SURVEY = ("id,comment,created_at,score\n"
          "R1,Great service,2026-01-05T10:00:00Z,10\n"
          "R2,Slow refund,2026-01-06,3\n"
          "R3,ok,2026-01-07 08:30,8\n")
LIGHT = ["normalize", "redact", "sentiment"]


def _config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "feedback.toml"
    path.write_text(f"[pipeline]\nstages = {LIGHT!r}\n".replace("'", '"') + extra,
                    encoding="utf-8")
    return path


def _survey(tmp_path: Path, body: str = SURVEY, name: str = "survey.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _source_counts(db: Path, source: Path) -> tuple[int, int]:
    where = f"source = '{source.name}'"  # sources are stored relative to the input
    return table_count(db, "records", where), table_count(db, "rejects", where)


# --- the warehouse path ----------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_runs_db_naming_an_input_of_any_format_is_refused(tmp_path: Path, suffix: str) -> None:
    data = tmp_path / f"in{suffix}"
    frame = pd.DataFrame({"id": ["R1"], "comment": ["fine"], "created_at": ["2026-01-05"]})
    if suffix == ".parquet":
        frame.to_parquet(data)
    else:
        frame.to_json(data, orient="records", lines=True)
    before = snapshot(data)
    assert_coded_error(run_cli("analyze", data, "--db", data, "--config", _config(tmp_path)),
                       "FE142")
    assert_coded_error(run_cli("report", "--db", data, "--format", "md",
                               "-o", tmp_path / "r.md"), "FE405")
    assert_unchanged(before)


def test_runs_a_warehouse_with_garbage_after_its_header_is_a_coded_error(tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    db = tmp_path / "w.duckdb"
    assert run_cli("analyze", survey, "--db", db, "--config", _config(tmp_path)).exit_code == 0
    data = bytearray(db.read_bytes())
    data[12:] = bytes((i * 7919) % 251 for i in range(len(data) - 12))  # magic kept
    db.write_bytes(bytes(data))
    before = snapshot(survey)
    assert_coded_error(run_cli("report", "--db", db, "--format", "md",
                               "-o", tmp_path / "r.md"), "FE408")
    assert_coded_error(run_cli("analyze", survey, "--db", db, "--config", _config(tmp_path)),
                       "FE408")
    assert_unchanged(before)


# --- re-analysis replaces each row's outcome ------------------------------------------


def test_runs_reanalysis_moves_a_row_that_became_invalid_out_of_records(tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    db = tmp_path / "w.duckdb"
    cfg = _config(tmp_path)
    assert run_cli("analyze", survey, "--db", db, "--config", cfg).exit_code == 0
    assert _source_counts(db, survey) == (3, 0)
    survey.write_text(SURVEY.replace("Slow refund", ""), encoding="utf-8")  # row 2 now empty
    assert run_cli("analyze", survey, "--db", db, "--config", cfg).exit_code == 0
    assert last_run_counts(db) == {"read": 3, "analyzed": 2, "rejected": 1}
    assert _source_counts(db, survey) == (2, 1)
    assert table_count(db, "records", "record_id = 'R2'") == 0
    # ... and back: the fixed row replaces its reject.
    survey.write_text(SURVEY, encoding="utf-8")
    assert run_cli("analyze", survey, "--db", db, "--config", cfg).exit_code == 0
    assert _source_counts(db, survey) == (3, 0)


def test_runs_reanalysis_after_a_config_change_leaves_no_row_in_both_tables(
        tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    db = tmp_path / "w.duckdb"
    assert run_cli("analyze", survey, "--db", db, "--config", _config(tmp_path)).exit_code == 0
    strict = _config(tmp_path, "[input]\nmax_text_chars = 5\n")  # two texts now too long
    assert run_cli("analyze", survey, "--db", db, "--config", strict).exit_code == 0
    assert last_run_counts(db) == {"read": 3, "analyzed": 1, "rejected": 2}
    assert _source_counts(db, survey) == (1, 2)
    with duckdb.connect(str(db), read_only=True) as con:
        both = con.execute("SELECT count(*) FROM records r JOIN rejects j "
                           "ON r.source = j.source AND r.row = j.row").fetchone()[0]
    assert both == 0


def test_runs_reanalysis_follows_a_record_id_that_moved_to_another_row(tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    db = tmp_path / "w.duckdb"
    cfg = _config(tmp_path)
    assert run_cli("analyze", survey, "--db", db, "--config", cfg).exit_code == 0
    lines = SURVEY.splitlines()
    # R3 moves to row 1, R1 to row 3, and R2 (row 2) loses its text.
    survey.write_text("\n".join([lines[0], lines[3], lines[2].replace("Slow refund", ""),
                                 lines[1]]) + "\n", encoding="utf-8")
    assert run_cli("analyze", survey, "--db", db, "--config", cfg).exit_code == 0
    assert _source_counts(db, survey) == (2, 1)
    with Warehouse(db, read_only=True) as warehouse:
        assert duplicate_keys(warehouse) == {"records": 0, "rejects": 0, "turns": 0}
        rows = dict(warehouse.query("SELECT record_id, row FROM records").values.tolist())
    assert rows == {"R3": 2, "R1": 4}  # physical lines: the header is line 1


# --- outputs: never half-written, never marked ok before they exist ---------------------


class _FullDiskConnection:
    """A DuckDB connection whose commits fail as on a full disk (and whose rollback then
    says "cannot rollback", as DuckDB does after a failed commit)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.fail = False

    def commit(self) -> None:
        if self.fail:
            self._con.rollback()
            raise duckdb.IOException('IO Error: Could not write file "w.duckdb.wal": '
                                     "No space left on device")
        self._con.commit()

    def rollback(self) -> None:
        if self.fail:
            raise duckdb.TransactionException("TransactionContext Error: cannot rollback - "
                                              "no transaction is active")
        self._con.rollback()

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def test_runs_disk_full_is_reported_as_disk_full_and_the_old_rejects_file_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    survey = _survey(tmp_path)
    db = tmp_path / "w.duckdb"
    rejects = tmp_path / "rejects.csv"
    rejects.write_text("an earlier run's rejects\n", encoding="utf-8")
    before = snapshot(survey, rejects)
    original = Warehouse.limit_memory

    def full_disk(self: Warehouse, megabytes: int) -> None:
        original(self, megabytes)
        self.con = _FullDiskConnection(self.con)
        self.con.fail = True

    monkeypatch.setattr(Warehouse, "limit_memory", full_disk)
    run = run_cli("analyze", survey, "--db", db, "--rejects", rejects,
                  "--config", _config(tmp_path))
    line = assert_coded_error(run, "FE409")
    assert "disk" in line and "full" in line and "rollback" not in line
    assert_unchanged(before)  # the rejects file of the earlier run is still whole
    assert not list(tmp_path.glob(".rejects.csv.*"))  # no temporary file left behind
    monkeypatch.undo()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status FROM runs").fetchall() == [("failed",)]


def test_runs_a_failed_parquet_export_marks_the_run_failed_not_ok(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    survey = _survey(tmp_path)
    db = tmp_path / "w.duckdb"

    def no_space(self: Warehouse, folder: str | Path, run_id: str) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", str(folder))

    monkeypatch.setattr(Warehouse, "export_parquet", no_space)
    before = snapshot(survey)
    run = run_cli("analyze", survey, "--db", db, "--out", tmp_path / "parquet",
                  "--config", _config(tmp_path))
    assert_coded_error(run, "FE411")
    assert_unchanged(before)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status FROM runs").fetchall() == [("failed",)]


def test_runs_parquet_out_then_ok_and_counts_reconcile(tmp_path: Path) -> None:
    survey = _survey(tmp_path, SURVEY.replace("Slow refund", ""))
    db = tmp_path / "w.duckdb"
    out = tmp_path / "parquet"
    before = snapshot(survey)
    assert run_cli("analyze", survey, "--db", db, "--out", out, "--rejects",
                   tmp_path / "rejects.csv", "--config", _config(tmp_path)).exit_code == 0
    assert last_run_counts(db) == {"read": 3, "analyzed": 2, "rejected": 1}
    assert len(pd.read_parquet(out)) == 2
    assert len(pd.read_csv(tmp_path / "rejects.csv")) == 1
    assert not list(tmp_path.glob(".*.part"))
    assert_unchanged(before)


@pytest.mark.skipif(hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0,
                    reason="root may write into a read-only folder")
def test_runs_output_in_a_read_only_folder_is_refused_before_reading(tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        for option in ("--rejects", "--out"):
            run = run_cli("analyze", survey, "--db", tmp_path / "w.duckdb", option,
                          locked / "x.csv", "--config", _config(tmp_path))
            assert_coded_error(run, "FE144")
    finally:
        locked.chmod(0o700)
    assert not (tmp_path / "w.duckdb").exists()


def test_runs_permission_and_folder_errors_on_outputs_are_coded_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    survey = _survey(tmp_path)
    before = snapshot(survey)

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "out.csv"))

    monkeypatch.setattr(RowWriter, "__init__", denied)
    line = assert_coded_error(run_cli("redact", survey, "-o", tmp_path / "out.csv",
                                      "--config", _config(tmp_path)), "FE146")
    assert "permission denied" in line and "out.csv" in line
    assert_unchanged(before)


def test_runs_redact_failure_leaves_the_earlier_output_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    survey = _survey(tmp_path)
    out = tmp_path / "redacted.csv"
    out.write_text("last week's redacted export\n", encoding="utf-8")
    before = snapshot(survey, out)

    def fail(self: RowWriter, frame: pd.DataFrame) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(self.temp))

    monkeypatch.setattr(RowWriter, "write", fail)
    assert_coded_error(run_cli("redact", survey, "-o", out, "--config", _config(tmp_path)),
                       "FE412")
    assert_unchanged(before)
    assert not list(tmp_path.glob(".redacted.csv.*"))


# --- the CSV formula guard ---------------------------------------------------------------

BLANKS = st.text(alphabet=st.sampled_from(" \t\r\n\u00a0\u2007\u200b\u200c\u200d\u2060\ufeff"),
                 max_size=4)
TRIGGERS = st.sampled_from("=+-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63")


@settings(max_examples=50, deadline=None)
@given(blank=BLANKS, trigger=TRIGGERS, rest=st.text(max_size=20))
def test_runs_guard_cell_quotes_a_trigger_behind_any_blank(blank: str, trigger: str,
                                                           rest: str) -> None:
    value = blank + trigger + rest
    assert guard_cell(value) == "'" + value


def test_runs_rejects_csv_guards_fullwidth_and_blank_prefixed_formulas(tmp_path: Path) -> None:
    body = ("id,comment,created_at\n"
            "R1,\uff1dHYPERLINK(\"http://x\"),2026-01-05\n"
            "R2,\u00a0=1+1,2026-01-06\n"
            "R3,\u200b@cmd,2026-01-07\n")
    survey = _survey(tmp_path, body)
    out = tmp_path / "redacted.csv"
    before = snapshot(survey)
    run = run_cli("redact", survey, "-o", out, "--config", _config(tmp_path))
    assert run.exit_code == 0, run.output
    texts = pd.read_csv(out, keep_default_na=False)["text_redacted"].tolist()
    assert texts and all(t.startswith("'") for t in texts), texts
    assert_unchanged(before)


# --- the per-record time budget ---------------------------------------------------------


class Dawdle:
    """A test stage that takes 3 s on any record whose text holds SLOWROW."""

    def __init__(self) -> None:
        pass

    def setup(self) -> None:
        pass

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        for text in chunk["text"].tolist():
            if "SLOWROW" in str(text):
                time.sleep(3.0)
        return chunk.assign(dawdled=True)


if "dawdle" not in REGISTRY:  # imported again by each spawned worker process
    stage("dawdle", version=1, requires=("text",), assigns={"dawdled": "BOOLEAN"})(Dawdle)


def _budget_config(budget: float, chunk_size: int = 5000) -> dict:
    cfg = load_config(None)
    cfg["pipeline"]["stages"] = [*LIGHT, "dawdle"]
    cfg["input"]["record_budget_s"] = budget
    cfg["input"]["chunk_size"] = chunk_size
    return cfg


SLOW_SURVEY = SURVEY.replace("Slow refund", "Slow refund SLOWROW jane@example.com")


@pytest.mark.parametrize("workers", [1, 2])
def test_runs_a_slow_record_becomes_a_stage_timeout_reject_and_the_run_goes_on(
        tmp_path: Path, workers: int) -> None:
    survey = _survey(tmp_path, SLOW_SURVEY)
    db = tmp_path / "w.duckdb"
    rejects = tmp_path / "rejects.csv"
    before = snapshot(survey)
    started = time.perf_counter()
    summary = api.analyze([survey], db=db, config=_budget_config(0.5), rejects_file=rejects,
                          workers=workers)
    stage_seconds = summary.timings["stages"]
    assert stage_seconds < 2.8, stage_seconds  # 1.5 s for the chunk, 0.5 s for the row
    assert time.perf_counter() - started < 60
    assert summary.rejected_by_reason == {"stage_timeout": 1}
    assert last_run_counts(db) == {"read": 3, "analyzed": 2, "rejected": 1}
    assert table_count(db, "rejects", "reason = 'stage_timeout' AND row = 3") == 1
    assert table_count(db, "records", "dawdled") == 2
    written = rejects.read_text(encoding="utf-8")
    assert "stage_timeout" in written and "jane@example.com" not in written
    with duckdb.connect(str(db), read_only=True) as con:
        raw = con.execute("SELECT raw FROM rejects").fetchone()[0]
    assert "jane@example.com" not in raw and "SLOWROW" in raw  # redacted like any reject
    assert_unchanged(before)


def test_runs_a_resumed_run_counts_the_stage_timeouts_it_committed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    survey = _survey(tmp_path, SLOW_SURVEY + "R4,fine again,2026-01-08,9\n")
    db = tmp_path / "w.duckdb"
    cfg = _budget_config(0.5, chunk_size=2)  # chunk 0: rows 1-2 (the slow one), chunk 1: 3-4
    original = Warehouse.load_chunk
    loaded: list[int] = []

    def crash_on_second(self: Warehouse, *args: object, **kwargs: object) -> None:
        if loaded:
            raise KeyboardInterrupt
        loaded.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Warehouse, "load_chunk", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        api.analyze([survey], db=db, config=cfg)
    monkeypatch.undo()
    summary = api.analyze([survey], db=db, config=cfg, resume=True)
    assert summary.resumed_chunks == 1
    assert (summary.read, summary.analyzed, summary.rejected) == (4, 3, 1)
    assert summary.rejected_by_reason == {"stage_timeout": 1}
    assert last_run_counts(db) == {"read": 4, "analyzed": 3, "rejected": 1}


def test_runs_the_deadline_in_a_thread_is_measured_after_the_fact() -> None:
    outcome: list[str] = []

    def work() -> None:
        try:
            run_with_deadline(0.05, time.sleep, 0.2)
            outcome.append("finished")
        except StageTimeout:
            outcome.append("timed out")
        outcome.append(str(run_with_deadline(1.0, sum, [1, 2])))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome == ["timed out", "3"]


def test_runs_the_deadline_in_the_main_thread_interrupts_the_call() -> None:
    started = time.perf_counter()
    with pytest.raises(StageTimeout):
        run_with_deadline(0.1, time.sleep, 5.0)
    assert time.perf_counter() - started < 1.0
    assert run_with_deadline(1.0, sum, [1, 2]) == 3

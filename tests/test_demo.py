"""`feedback demo` end to end on a small corpus: warehouse, reports, reconciled counts."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from feedback_engine.cli import main


@pytest.mark.slow
def test_demo_writes_warehouse_and_reports_and_reconciles(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--records", "1500"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "wrote reports/demo/report.html" in result.stdout
    manifest = json.loads(Path("corpora/demo/manifest.json").read_text(encoding="utf-8"))
    with duckdb.connect("feedback.duckdb", read_only=True) as con:
        records = con.execute("SELECT count(*) FROM records").fetchone()[0]
        rejects = dict(con.execute("SELECT reason, count(*) FROM rejects GROUP BY 1").fetchall())
        weeks = con.execute("SELECT count(DISTINCT week) FROM records").fetchone()[0]
        kinds = {k for (k,) in con.execute("SELECT DISTINCT kind FROM records").fetchall()}
        turns = con.execute("SELECT count(DISTINCT record_id) FROM turns").fetchone()[0]
    assert records + sum(rejects.values()) == manifest["n_records"] == 1500
    assert weeks == 12
    assert kinds == {"survey_answer", "summary", "message", "review", "transcript"}
    assert turns > 100  # chats and calls
    # Each kind of planted mess lands in rejects under its own reason.
    assert rejects["malformed_row"] == manifest["messy"]["malformed_json"]
    assert rejects["oversize_field"] == manifest["messy"]["oversize_text"]
    assert rejects["missing_timestamp"] == manifest["messy"]["missing_timestamp"]
    for reason in ("empty_text", "bad_timestamp", "score_out_of_range", "duplicate_id"):
        assert rejects[reason] > 0
    report = Path("reports/demo/report.md").read_text(encoding="utf-8")
    assert report.startswith("# Weekly customer feedback report — 2026-W47")

    again = CliRunner().invoke(main, ["demo", "--records", "1500"], catch_exceptions=False)
    assert again.exit_code == 0
    with duckdb.connect("feedback.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(*) FROM records").fetchone()[0] == records
        assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == sum(
            rejects.values())

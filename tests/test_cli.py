"""The command line, through click's CliRunner."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from feedback_engine import __version__
from feedback_engine.cli import main

BROKEN = (
    "Ticket ID;Date;Comment;Score;Agent\n"
    "T1;2026-09-01 10:00;Le service était très bien, merci;9;A1\n"
    "T2;2026-09-02 10:00;   ;8;A1\n"
    "T3;not a date;Waited forever on hold;3;A2\n"
    "T4;2026-09-03 10:00;Charged twice;12;A2\n"
    "T5;2026-09-03 11:00;Refund still missing;abc;A2\n"
    "T1;2026-09-01 10:00;Le service était très bien, merci;9;A1\n"
    "T6;2026-09-04 09:00;=HYPERLINK(\"http://evil\");1;A1;extra\n"
    "T7;2026-09-05 09:00;Quick fix, thanks;10;A1\n"
)


def _broken(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(BROKEN.encode("cp1252"))  # a legacy Excel export
    return path


def _run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_analyze_broken_file_reports_reasons_and_reconciles(tmp_path: Path) -> None:
    path = _broken(tmp_path)
    db, rejects = tmp_path / "w.duckdb", tmp_path / "rejects.csv"
    result = _run("analyze", str(path), "--db", str(db), "--rejects", str(rejects))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["read", "8"]
    assert lines[1].split() == ["analyzed", "2"]
    assert lines[2].split() == ["rejected", "6"]
    reasons = dict(line.split() for line in lines[3:9])
    assert reasons == {"bad_score": "1", "bad_timestamp": "1", "duplicate_id": "1",
                       "empty_text": "1", "malformed_row": "1", "score_out_of_range": "1"}
    assert "docs/s" in result.stdout
    assert "warning: export.csv is not valid UTF-8" in result.stderr
    assert "read as cp1252" in result.stderr
    with open(rejects, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["reason"] for r in rows] == ["empty_text", "bad_timestamp", "score_out_of_range",
                                           "bad_score", "duplicate_id", "malformed_row"]
    assert json.loads(rows[-1]["raw"])["__overflow__"] == ["extra"]

    again = _run("analyze", str(path), "--db", str(db), "--json")
    summary = json.loads(again.stdout)
    assert (summary["read"], summary["analyzed"], summary["rejected"]) == (8, 2, 6)


def test_cli_analyze_keeps_accents_from_cp1252(tmp_path: Path) -> None:
    import duckdb

    path = _broken(tmp_path)
    db = tmp_path / "w.duckdb"
    _run("analyze", str(path), "--db", str(db))
    with duckdb.connect(str(db), read_only=True) as con:
        text = con.execute("SELECT text_redacted FROM records WHERE record_id = 'T1'").fetchone()[0]
    assert text == "Le service était très bien, merci"


def test_cli_rejects_file_guards_formula_cells(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('id,created_at,comment\n1,,"=cmd|\' /C calc\'!A0"\n', encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    _run("analyze", str(path), "--db", str(tmp_path / "w.duckdb"), "--rejects", str(rejects))
    with open(rejects, encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["reason"] == "missing_timestamp"
    assert not any(value.startswith("=") for value in row.values())


def test_cli_missing_column_is_a_one_line_error_with_columns_seen(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,fecha,comentario\n1,2026-09-01,hola\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", str(path), "--db", str(tmp_path / "w.db")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "[FE109] no text column found" in result.output
    assert "columns seen: id, fecha, comentario" in result.output
    assert "closest: 'comentario'" in result.output


def test_cli_missing_input_exits_1_with_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["analyze", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert "[FE107] input not found" in result.output


def test_cli_unknown_config_key_names_it(tmp_path: Path) -> None:
    config = tmp_path / "feedback.toml"
    config.write_text("[input]\nchunk_sise = 10\n", encoding="utf-8")
    path = _broken(tmp_path)
    result = CliRunner().invoke(main, ["analyze", str(path), "--config", str(config)])
    assert result.exit_code == 1
    assert "unknown key 'input.chunk_sise'" in result.output


def test_cli_report_writes_each_format(tmp_path: Path) -> None:
    path = _broken(tmp_path)
    db = tmp_path / "w.duckdb"
    _run("analyze", str(path), "--db", str(db))
    for fmt in ("md", "html", "json"):
        out = tmp_path / f"report.{fmt}"
        result = _run("report", "--db", str(db), "--format", fmt, "-o", str(out))
        assert result.output.strip() == f"wrote {out}"
        assert out.stat().st_size > 200
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["period"]["label"] == "2026-W36"
    assert data["data_quality"]["rejects"] == 6


def test_cli_report_for_a_week_without_data_lists_the_weeks(tmp_path: Path) -> None:
    path = _broken(tmp_path)
    db = tmp_path / "w.duckdb"
    _run("analyze", str(path), "--db", str(db))
    result = CliRunner().invoke(main, ["report", "--db", str(db), "--week", "2025-W01"])
    assert result.exit_code == 1
    assert "no records in 2025-W01; weeks with data: 2026-W36 to 2026-W36" in result.output


def test_cli_init_writes_valid_config_and_lexicons(tmp_path: Path) -> None:
    result = _run("init", str(tmp_path))
    assert f"wrote {tmp_path / 'feedback.toml'}" in result.output
    tomllib.loads((tmp_path / "feedback.toml").read_text(encoding="utf-8"))
    assert (tmp_path / "lexicons" / "speakers.tsv").is_file()
    again = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert again.exit_code == 1 and "--force" in again.output


def test_cli_init_config_uses_the_lexicon_copies_so_edits_take_effect(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run("init", str(tmp_path))
    config = tomllib.loads((tmp_path / "feedback.toml").read_text(encoding="utf-8"))
    assert config["stages"]["rootcause"]["taxonomy"] == "lexicons/root_causes.yaml"
    assert config["stages"]["qa"]["scorecard"] == "lexicons/qa_scorecard.yaml"
    for stage in config["stages"].values():  # every lexicon setting names a copy that exists
        for value in stage.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item.startswith("lexicons/"):
                    assert (tmp_path / item).is_file(), item
    # An edit to the copied taxonomy reaches analyze run from the project folder.
    taxonomy = tmp_path / "lexicons" / "root_causes.yaml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace(
        "causes:\n", "causes:\n  - id: custom.zeppelin\n    label: Custom › zeppelin\n"
        "    patterns: [zeppelin]\n", 1), encoding="utf-8")
    survey = tmp_path / "survey.csv"
    survey.write_text("id,comment,created_at\nR1,my zeppelin order is late,2026-01-05\n",
                      encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _run("analyze", "survey.csv", "--db", "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("SELECT root_cause FROM records").fetchone()[0] == "custom.zeppelin"


def test_cli_version() -> None:
    assert _run("--version").output.strip() == f"feedback, version {__version__}"


def test_cli_analyze_out_writes_parquet_partitioned_by_week(tmp_path: Path) -> None:
    import pyarrow.dataset as ds

    path = _broken(tmp_path)
    out = tmp_path / "parquet"
    result = _run("analyze", str(path), "--db", str(tmp_path / "w.duckdb"), "--out", str(out))
    assert f"parquet   {out}/week=*/" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["week=2026-W36"]
    table = ds.dataset(out, format="parquet", partitioning="hive").to_table()
    assert sorted(table.column("record_id").to_pylist()) == ["T1", "T7"]


def test_cli_eval_pii_reports_per_type_scores_and_leak_rate(tmp_path: Path) -> None:
    data = tmp_path / "gold.jsonl"
    lines = [
        {"text": "Call 07700 900123 or mail a.b@example.com", "entities": [
            {"start": 5, "end": 17, "type": "PHONE_NUMBER"},
            {"start": 26, "end": 41, "type": "EMAIL_ADDRESS"}]},
        {"text": "my name is Jane Doe", "entities": [{"start": 11, "end": 19, "type": "PERSON"}]},
        {"text": "order 1234567890123456 arrived", "entities": []},
        {"text": "ring me, Bob", "entities": [{"start": 9, "end": 12, "type": "PERSON"}]},
    ]
    data.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = _run("eval", "pii", str(data), "--json")
    scores = json.loads(result.stdout)
    assert scores["n_texts"] == 4
    assert scores["per_type"]["PHONE_NUMBER"]["recall"] == 1.0
    assert scores["per_type"]["EMAIL_ADDRESS"]["precision"] == 1.0
    assert scores["per_type"]["PERSON"]["gold"] == 2
    # Two structured spans, both found, plus whatever of the two names was found.
    assert scores["untyped_recall"] == (2 + scores["per_type"]["PERSON"]["found"]) / 4
    assert scores["per_type"]["PERSON"]["found"] >= 1  # "my name is Jane Doe" has a cue
    table = _run("eval", "pii", str(data)).stdout
    assert table.splitlines()[0].split() == ["type", "gold", "pred", "precision", "recall"]
    assert "leak rate" in table


def test_cli_eval_pii_bad_line_names_it(tmp_path: Path) -> None:
    data = tmp_path / "gold.jsonl"
    data.write_text('{"text": "x", "entities": [{"start": 0}]}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "pii", str(data)])
    assert result.exit_code == 1
    assert f"{data}:1: expected" in result.output


def test_cli_redact_writes_redacted_rows_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,created_at,comment\n1,2026-09-01,mail me at a.b@example.com\n"
                    "2,,no date\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = _run("redact", str(path), "-o", str(out))
    assert "written           1" in result.stdout and "EMAIL_ADDRESS 1" in result.stdout
    row = json.loads(out.read_text(encoding="utf-8"))
    assert row["text_redacted"] == "mail me at [EMAIL_ADDRESS]"
    assert row["pii_counts"] == {"EMAIL_ADDRESS": 1}
    assert "text" not in row

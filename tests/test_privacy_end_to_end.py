"""No raw PII reaches the warehouse, rejects, exports, logs or reports; hostile text is inert."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from click.testing import CliRunner

from feedback_engine.cli import main

PII = {
    "Priya Raman": "PERSON", "4539 5787 6362 1486": "CREDIT_CARD",
    "07700 900123": "PHONE_NUMBER", "priya.raman@example.com": "EMAIL_ADDRESS",
    "123-45-6789": "US_SSN", "GB82 WEST 1234 5698 7654 32": "IBAN_CODE",
    "203.0.113.77": "IP_ADDRESS", "14 Baker Street": "LOCATION", "Siobhan Kelly": "PERSON",
    "+44 20 7946 0018": "PHONE_NUMBER",
}
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)>"


def _inputs(tmp_path: Path) -> list[Path]:
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "id,created_at,comment,nps,contact_email,customer_id\n"
        "1,2026-09-01,\"My name is Priya Raman, card 4539 5787 6362 1486 charged twice. "
        "Awful!\",2,priya.raman@example.com,CU-004512\n"
        "2,2026-09-01,\"Call me on 07700 900123, I live at 14 Baker Street. SSN 123-45-6789\","
        "3,x@example.org,CU-1\n"
        "3,,\"Refund to GB82 WEST 1234 5698 7654 32 please, Siobhan Kelly\",1,,\n"
        f"4,2026-09-02,\"{HOSTILE} charged twice again, terrible service, awful\",0,,\n",
        encoding="utf-8")
    chats = tmp_path / "chats.jsonl"
    chats.write_text(
        json.dumps({"chat_id": "c1", "started_at": "2026-09-02T10:00:00Z", "turns": [
            {"speaker": "agent", "text": "Hi, this is Siobhan Kelly, how can I help?"},
            {"speaker": "customer", "text": "My router 203.0.113.77 drops, ring +44 20 7946 0018"},
        ]}) + "\n" + '{"chat_id": "c2", "text": "my name is Priya Raman, 07700 900123' + "\n",
        encoding="utf-8")
    return [survey, chats]


def _assert_clean(text: str, where: str) -> None:
    for value in PII:
        assert value not in text, f"{value!r} leaked into {where}"


def test_no_raw_pii_leaves_the_engine(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    inputs = _inputs(tmp_path)
    db = tmp_path / "w.duckdb"
    runner = CliRunner()
    result = runner.invoke(main, ["analyze", *map(str, inputs), "--db", str(db), "--rejects",
                                  "rejects.csv", "--out", "parquet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "rejected          2" in result.stdout  # missing timestamp + broken JSON line
    _assert_clean(result.output, "analyze output")

    with duckdb.connect(str(db), read_only=True) as con:
        for table in ("records", "turns", "rejects", "runs"):
            dump = con.execute(f"SELECT * FROM {table}").df().to_csv()
            _assert_clean(dump, f"table {table}")
        redacted = con.execute("SELECT text_redacted FROM records WHERE record_id = '1'"
                               ).fetchone()[0]
    assert redacted.startswith("My name is [PERSON], card [CREDIT_CARD] charged twice.")
    _assert_clean(Path("rejects.csv").read_text(encoding="utf-8"), "rejects file")
    for part in Path("parquet").rglob("*.parquet"):
        _assert_clean(duckdb.sql(f"SELECT * FROM '{part}'").df().to_csv(), "parquet export")
    for fmt in ("html", "md", "json"):
        out = runner.invoke(main, ["report", "--db", str(db), "--format", fmt,
                                   "-o", f"r.{fmt}"], catch_exceptions=False)
        assert out.exit_code == 0
        _assert_clean(Path(f"r.{fmt}").read_text(encoding="utf-8"), f"{fmt} report")

    redacted_file = runner.invoke(main, ["redact", *map(str, inputs), "-o", "red.csv",
                                         "--rejects", "red_rejects.jsonl"],
                                  catch_exceptions=False)
    assert redacted_file.exit_code == 0, redacted_file.output
    _assert_clean(Path("red.csv").read_text(encoding="utf-8"), "redact output")
    _assert_clean(Path("red_rejects.jsonl").read_text(encoding="utf-8"), "redact rejects")


def test_html_report_shows_hostile_markup_as_text(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    inputs = _inputs(tmp_path)
    runner = CliRunner()
    runner.invoke(main, ["analyze", str(inputs[0]), "--db", "w.duckdb"],
                  catch_exceptions=False)
    runner.invoke(main, ["report", "--db", "w.duckdb", "--week", "2026-W36", "-o", "r.html"],
                  catch_exceptions=False)
    html = Path("r.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html and "<img" not in html
    md = runner.invoke(main, ["report", "--db", "w.duckdb", "--week", "2026-W36", "--format",
                              "md", "-o", "r.md"], catch_exceptions=False)
    assert md.exit_code == 0
    assert "<script" not in Path("r.md").read_text(encoding="utf-8")


def test_keep_raw_stores_raw_text_and_warns(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(main, ["analyze", str(inputs[0]), "--db", str(db),
                                       "--keep-raw"], catch_exceptions=False)
    assert "warning: --keep-raw: raw customer text" in result.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        raw = con.execute("SELECT text FROM records WHERE record_id = '1'").fetchone()[0]
    assert "Priya Raman" in raw


def test_pipeline_without_redact_needs_keep_raw(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    config = tmp_path / "feedback.toml"
    config.write_text('[pipeline]\nstages = ["normalize"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", str(inputs[0]), "--db", str(tmp_path / "w"),
                                       "--config", str(config)])
    assert result.exit_code == 1
    assert "has no 'redact' stage" in result.output

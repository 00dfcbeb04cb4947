"""PII stored raw (issue #17): numbers, ids, labels, speaker labels, header names and paths.

Every case runs ``analyze`` with the default privacy (no ``--keep-raw``), writes the Parquet
``--out``, the ``--rejects`` file and the Markdown and HTML reports, then scans all of them,
every warehouse table and what the commands printed for the raw values. The other side of
the promise is checked too: category columns whose header says "Name" keep their values.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hostile_harness import (
    assert_no_pii,
    assert_unchanged,
    last_run_counts,
    run_cli,
    snapshot,
    table_count,
)

from feedback_engine.stages.redact import _pii_column

CARD, PHONE = 4539578763621486, 447700900123
EMAIL, OTHER_EMAIL = "priya.raman@example.com", "jane.doe@example.org"
SPEAKERS = {"agent", "customer", "system", "bot", "other"}


def _config(tmp_path: Path, stages: str = '"normalize", "redact", "sentiment"') -> Path:
    path = tmp_path / "feedback.toml"
    path.write_text(f'[pipeline]\nstages = [{stages}]\n', encoding="utf-8")
    return path


def _analyze_and_scan(tmp_path: Path, inputs: list[Path], pii: list[str],
                      config: Path | None = None) -> Path:
    """Analyze ``inputs`` with every output, write the reports, and find no ``pii`` value
    anywhere; the inputs stay byte-identical and the counts reconcile. Returns the db."""
    before = snapshot(*inputs)
    db, out, rejects = tmp_path / "w.duckdb", tmp_path / "parquet", tmp_path / "rejects.csv"
    config = config or _config(tmp_path)
    run = run_cli("analyze", *inputs, "--db", db, "--config", config,
                  "--out", out, "--rejects", rejects)
    assert run.exit_code == 0, run.output
    last_run_counts(db)
    texts = [run.output]
    reports = []
    for fmt in ("md", "html"):
        report = tmp_path / f"report.{fmt}"
        shown = run_cli("report", "--db", db, "--format", fmt, "-o", report)
        assert shown.exit_code == 0, shown.output
        texts.append(shown.output)
        reports.append(report)
    redacted, redacted_rejects = tmp_path / "redacted.csv", tmp_path / "redacted_rejects.jsonl"
    red = run_cli("redact", *inputs, "-o", redacted, "--rejects", redacted_rejects,
                  "--config", config)
    assert red.exit_code == 0, red.output
    texts.append(red.output)
    assert_no_pii(pii, db=db, files=[out, rejects, *reports, redacted, redacted_rejects],
                  texts=texts)
    assert_unchanged(before)
    return db


def _query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_privacy_numbers_in_pii_named_columns_are_redacted_in_every_format(
        tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["id", "comment", "created_at", "Phone", "card_no"])
    sheet.append(["X1", "Great help", "2026-01-05", PHONE, CARD])
    sheet.append(["X2", "", "2026-01-06", PHONE, CARD])  # a reject keeps its raw values
    xlsx = tmp_path / "nps.xlsx"
    book.save(xlsx)
    jsonl = tmp_path / "chats.jsonl"
    jsonl.write_text(
        json.dumps({"id": "J1", "text": "slow refund", "created_at": "2026-01-05",
                    "card": CARD, "ref": CARD}) + "\n"
        + json.dumps({"id": "J2", "text": "   ", "created_at": "2026-01-05", "card": CARD,
                      "order": {"paid_with": CARD}}) + "\n", encoding="utf-8")
    parquet = tmp_path / "reviews.parquet"
    pd.DataFrame({"review_id": ["P1", "P2"], "Review Text": ["nice", ""],
                  "created_at": ["2026-01-05", "2026-01-06"],
                  "customer_phone": [PHONE, PHONE], "visits": [3, 4]}).to_parquet(parquet)
    db = _analyze_and_scan(tmp_path, [xlsx, jsonl, parquet], [str(CARD), str(PHONE)])
    assert table_count(db, "records") == 3 and table_count(db, "rejects") == 3
    extras = [json.loads(e) for (e,) in _query(db, "SELECT extra FROM records")]
    assert {"visits": 3, "customer_phone": "[REDACTED]"} in extras  # small numbers kept
    assert any(e.get("ref") == "[CREDIT_CARD]" for e in extras)  # a card in any column


def test_privacy_category_columns_named_name_keep_their_values(tmp_path: Path) -> None:
    survey = tmp_path / "reviews.csv"
    pd.DataFrame({
        "id": ["C1", "C2"], "Review Text": ["Love this dress", "Runs small"],
        "created_at": ["2026-01-05", "2026-01-06"],
        "Division Name": ["General", "Intimates"], "Department Name": ["Tops", "Dresses"],
        "Class Name": ["Dresses", "Knits"], "Customer Name": ["Priya Raman", "Siobhan Kelly"],
        "first_name": ["Priya", "Siobhan"], "Style Name": ["Wrap dress for Siobhan Kelly",
                                                            "Blouse"],
    }).to_csv(survey, index=False)
    db = _analyze_and_scan(tmp_path, [survey], ["Priya Raman", "Siobhan Kelly", "Siobhan"])
    extras = {rid: json.loads(e) for rid, e in _query(
        db, "SELECT record_id, extra FROM records")}
    assert extras["C1"]["Division Name"] == "General"
    assert extras["C2"]["Division Name"] == "Intimates"
    assert extras["C1"]["Department Name"] == "Tops" and extras["C2"]["Class Name"] == "Knits"
    assert extras["C1"]["Customer Name"] == extras["C1"]["first_name"] == "[REDACTED]"
    # A category column is scanned value by value: a name in it is still redacted.
    assert extras["C1"]["Style Name"] == "Wrap dress for [PERSON]"
    assert extras["C2"]["Style Name"] == "Blouse"


@pytest.mark.parametrize("header, personal", [
    ("Division Name", False), ("Department Name", False), ("Class Name", False),
    ("product_name", False), ("plan name", False), ("queue_name", False), ("Team Name", False),
    ("name", True), ("Name", True), ("first_name", True), ("LastName", True),
    ("full name", True), ("customer_name", True), ("Agent Name", True), ("email", True),
    ("contact_email", True), ("Phone", True), ("card_no", True), ("customer_phone", True),
    ("home-address", True), ("zip", True), ("ip", True), ("shipping", False)])
def test_privacy_column_privacy_rule_tells_people_from_categories(header: str,
                                                                  personal: bool) -> None:
    assert _pii_column(header) is personal


def test_privacy_id_and_label_columns_are_scanned_and_ids_keep_stable_tokens(
        tmp_path: Path) -> None:
    nested = json.dumps({"email": OTHER_EMAIL, "phone": "+44 20 7946 0018",
                         "card": "4539 5787 6362 1486"})
    frame = pd.DataFrame({
        "record_id": [EMAIL, "R2", "call 07700 900123"],
        "comment": ["charged twice", "fine", ""],
        "created_at": ["2026-01-05", "2026-01-05", "2026-01-06"],
        "team": ["Team Siobhan Kelly", "Billing", "Billing"],
        "queue": ["07700 900123", "Refunds", "Refunds"],
        "product": ["card 4539 5787 6362 1486", "Broadband", "Broadband"],
        "agent_id": ["siobhan.kelly@example.com", "A-17", "A-17"],
        "customer_id": [nested, "C-1", nested],
    })
    survey = tmp_path / "survey.csv"
    frame.to_csv(survey, index=False)
    pii = [EMAIL, OTHER_EMAIL, "siobhan.kelly@example.com", "Siobhan Kelly", "07700 900123",
           "+44 20 7946 0018", "4539 5787 6362 1486"]
    db = _analyze_and_scan(tmp_path, [survey], pii)
    rows = {r[0]: r for r in _query(
        db, "SELECT record_id, team, queue, product, agent_id, customer_id FROM records")}
    assert rows["R2"][1:] == ("R2", "Billing", "Refunds", "Broadband", "A-17", "C-1")[1:]
    token = next(rid for rid in rows if rid != "R2")
    assert token.startswith("id_") and len(token) == 3 + 16
    _, team, queue, product, agent, customer = rows[token]
    assert (team, queue, product) == ("Team [PERSON]", "[PHONE_NUMBER]", "card [CREDIT_CARD]")
    assert agent.startswith("agent_") and customer.startswith("customer_")
    (reject_id,) = _query(db, "SELECT record_id FROM rejects")[0]
    assert reject_id.startswith("id_")

    # Re-analysis: the same input gives the same tokens, so rows upsert rather than double.
    run = run_cli("analyze", survey, "--db", db, "--config", _config(tmp_path))
    assert run.exit_code == 0, run.output
    assert table_count(db, "records") == 2 and table_count(db, "rejects") == 1
    assert _query(db, "SELECT record_id FROM rejects")[0][0] == reject_id
    assert {r[0] for r in _query(db, "SELECT record_id FROM records")} == set(rows)

    # The row that held the email id becomes invalid: its one key moves to rejects.
    frame.loc[0, "comment"] = ""
    frame.to_csv(survey, index=False)
    assert run_cli("analyze", survey, "--db", db, "--config", _config(tmp_path)).exit_code == 0
    assert table_count(db, "records") == 1
    assert table_count(db, "rejects", f"record_id = '{token}'") == 1


def test_privacy_speaker_labels_map_to_roles_and_never_leak(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "c1.json").write_text(json.dumps({
        "call_id": "K1", "timestamp": "2026-01-05T10:00:00Z", "turns": [
            {"speaker": "Agent", "text": "Thanks for calling, how can I help?"},
            {"speaker": "Priya Raman", "text": "My broadband keeps dropping"},
            {"speaker": "Raman", "text": "It is very slow every evening"},
            {"speaker": EMAIL, "text": "Please fix it"},
            {"speaker": "+44 20 7946 0018", "text": "Thank you"}]}), encoding="utf-8")
    chats = tmp_path / "chats.jsonl"
    chats.write_text(json.dumps({"chat_id": "H1", "started_at": "2026-01-05T11:00:00Z",
                                 "turns": [{"speaker": "Siobhan", "text": "hello there"},
                                           {"speaker": "customer", "text": "refund please"}]})
                     + "\n", encoding="utf-8")
    # With keywords, which read the customer's turns: a label must not reach them either.
    config = _config(tmp_path, '"normalize", "redact", "sentiment", "keywords"')
    db = _analyze_and_scan(tmp_path, [calls, chats],
                           # lower-cased too: labels used to be stored lower-cased
                           ["Priya Raman", "Raman", "raman", EMAIL, "+44 20 7946 0018",
                            "Siobhan", "siobhan"],
                           config=config)
    speakers = {s for (s,) in _query(db, "SELECT DISTINCT speaker FROM turns")}
    assert speakers <= SPEAKERS and "other" in speakers and "agent" in speakers


def test_privacy_header_names_and_file_paths_are_stored_redacted_and_relative(
        tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    survey = folder / f"{EMAIL}_{CARD}.csv"
    survey.write_text(f"id,comment,created_at,{OTHER_EMAIL}\nR1,fine,2026-01-05,yes\n"
                      f"R2,,2026-01-05,no\n", encoding="utf-8")
    db = _analyze_and_scan(tmp_path, [folder], [EMAIL, str(CARD), OTHER_EMAIL])
    (source,) = {s for (s,) in _query(db, "SELECT source FROM records")}
    assert source == "exports/[EMAIL_ADDRESS]_[CREDIT_CARD].csv"
    (inputs,) = _query(db, "SELECT inputs FROM runs")[0]
    assert str(tmp_path) not in inputs  # no absolute path is stored
    assert list(json.loads(inputs)[0]["files"]) == [source]
    (extra,) = _query(db, "SELECT extra FROM records")[0]
    assert json.loads(extra) == {"[EMAIL_ADDRESS]": "yes"}

"""Hostile files and careless paths (issue #17): each case ends in a coded message or in
rejects with a reason, never a traceback, and never changes an input."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd
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

from feedback_engine.exports import FORMULA_PREFIXES, guard_cell

SURVEY = ("id,comment,created_at,score\n"
          "R1,Great service,2026-01-05T10:00:00Z,10\n"
          "R2,Slow refund,2026-01-06,3\n"
          "R3,ok,2026-01-07 08:30,8\n")


def _light_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "feedback.toml"
    path.write_text('[pipeline]\nstages = ["normalize", "redact", "sentiment"]\n' + extra,
                    encoding="utf-8")
    return path


def _survey(tmp_path: Path, body: str = SURVEY, name: str = "survey.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_db_naming_an_existing_input_csv_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    before = snapshot(survey)
    run = run_cli("analyze", survey, "--db", survey, "--config", _light_config(tmp_path))
    assert_coded_error(run, "FE142")
    assert_unchanged(before)


def test_db_naming_another_non_duckdb_file_is_refused(tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    other = tmp_path / "old.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(other)
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"a": 1}\n', encoding="utf-8")
    before = snapshot(survey, other, notes)
    for db in (other, notes):
        run = run_cli("analyze", survey, "--db", db, "--config", _light_config(tmp_path))
        assert_coded_error(run, "FE405")
        run = run_cli("report", "--db", db, "--format", "md", "-o", tmp_path / "r.md")
        assert_coded_error(run, "FE405")
    assert_unchanged(before)


def test_rejects_file_equal_to_the_input_is_refused_before_reading(tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    before = snapshot(survey)
    run = run_cli("analyze", survey, "--db", tmp_path / "w.duckdb", "--rejects", survey,
                  "--config", _light_config(tmp_path))
    assert_coded_error(run, "FE142")
    assert_unchanged(before)
    assert not (tmp_path / "w.duckdb").exists()


def test_rejects_file_inside_an_input_folder_by_another_spelling_is_refused(
        tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    survey = _survey(folder)
    before = snapshot(folder)
    run = run_cli("analyze", folder, "--db", tmp_path / "w.duckdb",
                  "--rejects", folder / ".." / "exports" / "survey.csv",
                  "--config", _light_config(tmp_path))
    assert_coded_error(run, "FE142")
    run = run_cli("analyze", survey, "--db", tmp_path / "w.duckdb", "--out", folder,
                  "--config", _light_config(tmp_path))
    assert_coded_error(run, "FE143")
    assert_unchanged(before)


def test_redact_output_equal_to_the_input_is_refused(tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    before = snapshot(survey)
    assert_coded_error(run_cli("redact", survey, "-o", survey), "FE142")
    assert_coded_error(run_cli("redact", survey, "-o", tmp_path / "out.csv",
                               "--rejects", survey), "FE142")
    assert_unchanged(before)


def test_output_under_a_file_instead_of_a_folder_is_refused(tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    run = run_cli("analyze", survey, "--db", tmp_path / "w.duckdb",
                  "--rejects", survey / "rejects.csv", "--config", _light_config(tmp_path))
    assert_coded_error(run, "FE144")


def test_a_corrupt_warehouse_is_a_coded_error(tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    db = tmp_path / "w.duckdb"
    assert run_cli("analyze", survey, "--db", db, "--config",
                   _light_config(tmp_path)).exit_code == 0
    data = bytearray(db.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # the database headers, past DuckDB's magic
    db.write_bytes(bytes(data))
    assert_coded_error(run_cli("report", "--db", db, "--format", "md",
                               "-o", tmp_path / "r.md"), "FE408")
    assert_coded_error(run_cli("analyze", survey, "--db", db, "--config",
                               _light_config(tmp_path)), "FE408")


def test_dotnet_timestamps_beside_out_of_range_dates_reject_only_those_rows(
        tmp_path: Path) -> None:
    body = ("id,comment,created_at\n"
            "R1,Great service,2026-01-05T10:00:00.1234567Z\n"
            "R2,Slow refund,0001-01-01\n"
            "R3,ok,9999-12-31T23:59:59.9999999Z\n"
            "R4,Fine,2026-01-07T08:30:00.1234567+01:00\n")
    survey = _survey(tmp_path, body)
    db = tmp_path / "w.duckdb"
    run = run_cli("analyze", survey, "--db", db, "--config", _light_config(tmp_path))
    assert run.exit_code == 0, run.output
    assert last_run_counts(db) == {"read": 4, "analyzed": 2, "rejected": 2}
    assert table_count(db, "rejects", "reason = 'bad_timestamp'") == 2
    assert table_count(db, "records", "record_id IN ('R1', 'R4')") == 2


def test_scores_in_fullwidth_or_underscored_digits_are_bad_scores(tmp_path: Path) -> None:
    body = ("id,comment,created_at,score\n"
            "R1,Great service,2026-01-05,\uff19\n"
            "R2,Slow refund,2026-01-06,1_0\n"
            "R3,ok,2026-01-07,8\n")
    db = tmp_path / "w.duckdb"
    run = run_cli("analyze", _survey(tmp_path, body), "--db", db,
                  "--config", _light_config(tmp_path))
    assert run.exit_code == 0, run.output
    assert last_run_counts(db) == {"read": 3, "analyzed": 1, "rejected": 2}
    assert table_count(db, "rejects", "reason = 'bad_score'") == 2


def test_a_thousand_contrast_clauses_score_without_recursion_error(tmp_path: Path) -> None:
    text = "it was ok but slow " * 1000
    body = f"id,comment,created_at\nR1,{text},2026-01-05\nR2,Quick fix,2026-01-06\n"
    db = tmp_path / "w.duckdb"
    run = run_cli("analyze", _survey(tmp_path, body), "--db", db,
                  "--config", _light_config(tmp_path))
    assert run.exit_code == 0, run.output
    assert last_run_counts(db) == {"read": 2, "analyzed": 2, "rejected": 0}


def test_stage_option_of_the_wrong_type_is_a_config_error(tmp_path: Path) -> None:
    config = _light_config(tmp_path, '[stages.sentiment]\nneutral_band = "wide"\n')
    line = assert_coded_error(run_cli("analyze", _survey(tmp_path), "--db",
                                      tmp_path / "w.duckdb", "--config", config), "FE250")
    assert "stages.sentiment.neutral_band" in line


def test_input_numbers_out_of_range_are_config_errors(tmp_path: Path) -> None:
    survey = _survey(tmp_path)
    for setting in ("chunk_size = 99999999999999999999", "max_text_chars = -1",
                    "max_field_chars = 0", "chunk_size = 0"):
        config = _light_config(tmp_path, f"[input]\n{setting}\n")
        line = assert_coded_error(run_cli("analyze", survey, "--db", tmp_path / "w.duckdb",
                                          "--config", config), "FE245")
        assert f"input.{setting.split()[0]}" in line


def test_a_config_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "feedback.toml"
    config.write_bytes('[report]\ntitle = "Qualité"\n'.encode("cp1252"))
    line = assert_coded_error(run_cli("analyze", _survey(tmp_path), "--db",
                                      tmp_path / "w.duckdb", "--config", config), "FE241")
    assert "UTF-8" in line


LOOKALIKES = [c for c in map(chr, range(0x20, 0x10000))
              if unicodedata.normalize("NFKC", c)[:1] in FORMULA_PREFIXES]


@settings(max_examples=50, deadline=None)
@given(st.sampled_from([*FORMULA_PREFIXES, *LOOKALIKES]), st.text(max_size=30))
def test_guard_cell_quotes_every_formula_trigger_and_its_lookalikes(first: str,
                                                                    rest: str) -> None:
    assert guard_cell(first + rest) == "'" + first + rest


def test_guard_cell_knows_the_fullwidth_equals_sign() -> None:
    assert "\uff1d" in LOOKALIKES
    assert guard_cell("\uff1dHYPERLINK(\"http://x\")").startswith("'")
    assert guard_cell("Quality 10/10") == "Quality 10/10"


def _jsonl(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD_LINE = '{"id": "C1", "text": "App keeps crashing", "created_at": "2026-02-02"}'


def test_a_jsonl_line_with_a_lone_surrogate_is_a_reject_and_the_rest_loads(
        tmp_path: Path) -> None:
    bad = '{"id": "C2", "text": "broken \\ud800 text", "created_at": "2026-02-03"}'
    path = _jsonl(tmp_path, [GOOD_LINE, bad])
    before = snapshot(path)
    db, rejects = tmp_path / "w.duckdb", tmp_path / "rejects.csv"
    run = run_cli("analyze", path, "--db", db, "--rejects", rejects, "--out", tmp_path / "pq",
                  "--config", _light_config(tmp_path))
    assert run.exit_code == 0, run.output
    assert last_run_counts(db) == {"read": 2, "analyzed": 1, "rejected": 1}
    assert table_count(db, "rejects", "reason = 'malformed_row' AND detail LIKE '%surrogate%'")
    assert rejects.read_text(encoding="utf-8").count("\n") == 2
    assert_unchanged(before)


def test_json_nested_a_thousand_levels_is_a_reject_in_jsonl_and_transcripts(
        tmp_path: Path) -> None:
    deep = "[" * 1200 + "]" * 1200
    path = _jsonl(tmp_path, [GOOD_LINE, '{"id": "C3", "text": "hi", "meta": ' + deep + "}",
                             '{"id": "C4", "text": "hi", "meta": ' + "[" * 150 + "]" * 150
                             + ', "created_at": "2026-02-04"}'])
    db = tmp_path / "w.duckdb"
    run = run_cli("analyze", path, "--db", db, "--config", _light_config(tmp_path))
    assert run.exit_code == 0, run.output
    assert last_run_counts(db) == {"read": 3, "analyzed": 1, "rejected": 2}
    assert table_count(db, "rejects", "detail LIKE '%nested deeper than 100 levels%'") == 2

    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "deep.json").write_text('{"call_id": "X", "turns": ' + deep + "}",
                                     encoding="utf-8")
    (calls / "ok.json").write_text(
        '{"call_id": "Y", "timestamp": "2026-02-05", "turns": '
        '[{"speaker": "agent", "text": "Hello"}, {"speaker": "customer", "text": "Hi"}]}',
        encoding="utf-8")
    db2 = tmp_path / "w2.duckdb"
    run = run_cli("analyze", calls, "--db", db2, "--config", _light_config(tmp_path))
    assert run.exit_code == 0, run.output
    assert last_run_counts(db2) == {"read": 2, "analyzed": 1, "rejected": 1}


def test_an_oversized_unmapped_column_is_an_oversize_reject(tmp_path: Path) -> None:
    notes = "log line " * 1_200_000  # about 10 MB pasted into a column nobody maps
    path = _jsonl(tmp_path, [GOOD_LINE, '{"id": "C5", "text": "see notes", "created_at": '
                             f'"2026-02-03", "notes": "{notes}"}}'])
    db = tmp_path / "w.duckdb"
    run = run_cli("analyze", path, "--db", db, "--config", _light_config(tmp_path))
    assert run.exit_code == 0, run.output
    assert last_run_counts(db) == {"read": 2, "analyzed": 1, "rejected": 1}
    assert table_count(db, "rejects", "reason = 'oversize_field' "
                                      "AND detail LIKE 'unmapped column #1 %'") == 1
    assert table_count(db, "records", "length(CAST(extra AS VARCHAR)) > 20000") == 0


def test_markdown_report_renders_hostile_labels_as_plain_text(tmp_path: Path) -> None:
    beacon, phish = "![x](http://attacker.example/t.png)", "[support](http://phish.example/)"
    rows = "".join(f'R{i},2026-09-01,answer {i},9,"{beacon}","# {phish}"\n' for i in range(5))
    survey = _survey(tmp_path, "id,created_at,comment,nps,channel,team\n" + rows)
    db, md = tmp_path / "w.duckdb", tmp_path / "report.md"
    assert run_cli("analyze", survey, "--db", db, "--config",
                   _light_config(tmp_path)).exit_code == 0
    run = run_cli("report", "--db", db, "--format", "md", "-o", md)
    assert run.exit_code == 0, run.output
    text = md.read_text(encoding="utf-8")
    assert "attacker" in text and "phish" in text  # the values are shown ...
    # ... but as text: every bracket escaped (no image, no link), no bare URL, no heading.
    assert not re.search(r"(?<!\\)[\[\]]", text.split("\n", 1)[1])
    assert "http://" not in text and not re.search(r"^#+ .*support", text, re.MULTILINE)

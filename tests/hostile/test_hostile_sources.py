"""Hostile source files (issue #17): a quote that never closes, mixed and wide encodings, a
binary file, keys that appear late, PII in header names, and legacy-encoded training files.
Each ends in loaded rows plus rejects with a reason, or a coded message; never a traceback,
never a changed input."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from hostile_harness import (
    assert_coded_error,
    assert_no_pii,
    assert_unchanged,
    last_run_counts,
    run_cli,
    snapshot,
    table_count,
)

from feedback_engine.sources.tabular import CsvSource, JsonlSource, detect_text

HEADER = "id,comment,created_at\n"


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "feedback.toml"
    path.write_text('[pipeline]\nstages = ["normalize", "redact", "sentiment"]\n',
                    encoding="utf-8")
    return path


def _analyze(tmp_path: Path, *inputs: Path) -> tuple[Path, Path, object]:
    db, rejects = tmp_path / "w.duckdb", tmp_path / "rejects.csv"
    run = run_cli("analyze", *inputs, "--db", db, "--rejects", rejects,
                  "--config", _config(tmp_path))
    return db, rejects, run


def _stored_texts(db: Path) -> list[str]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute(
            "SELECT text_redacted FROM records ORDER BY record_id").fetchall()]
    finally:
        con.close()


# --- a quote that never closes --------------------------------------------------------------


def test_one_unclosed_quote_rejects_only_its_row_and_warns(tmp_path: Path) -> None:
    rows = [f"R{i:02d},comment number {i},2026-03-{1 + i % 28:02d}" for i in range(2, 52)]
    path = tmp_path / "survey.csv"
    path.write_text(HEADER + 'R01,"this quote never closes,2026-03-01\n' + "\n".join(rows)
                    + "\n", encoding="utf-8")
    before = snapshot(path)
    db, rejects, run = _analyze(tmp_path, path)
    assert run.exit_code == 0, run.output
    assert last_run_counts(db) == {"read": 51, "analyzed": 50, "rejected": 1}
    assert "opens a quote that never closes" in run.output
    assert table_count(db, "rejects", "reason = 'malformed_row'") == 1
    assert_unchanged(before)


def test_an_unclosed_quote_in_the_middle_keeps_the_rows_after_it(tmp_path: Path) -> None:
    lines = [f"R{i:02d},fine row {i},2026-03-02" for i in range(1, 31)]
    lines[14] = 'R15,"broken from here,2026-03-02'
    path = tmp_path / "survey.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    source = CsvSource.open(path, "survey.csv")
    got = [row for chunk in source.chunks(7) for row in chunk.to_dict("records")]
    assert len(got) == 30
    assert any("never closes" in w for w in source.warnings)


def test_a_quoted_multiline_field_is_not_mistaken_for_a_broken_quote(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(HEADER + 'R1,"line one\nline two",2026-03-02\nR2,plain,2026-03-03\n',
                    encoding="utf-8")
    db, _, run = _analyze(tmp_path, path)
    assert run.exit_code == 0, run.output
    assert last_run_counts(db) == {"read": 2, "analyzed": 2, "rejected": 0}
    assert "never closes" not in run.output


# --- encodings ------------------------------------------------------------------------------


def test_one_cp1252_line_in_a_utf8_file_keeps_every_other_accent(tmp_path: Path) -> None:
    good = "".join(f"R{i},Très bien et déjà réglé {i},2026-03-02\n" for i in range(1, 40))
    path = tmp_path / "survey.csv"
    path.write_bytes(HEADER.encode() + good.encode("utf-8")
                     + "R99,Caf\u00e9 ferm\u00e9,2026-03-03\n".encode("cp1252"))
    text = detect_text(path)
    assert (text.encoding, text.fallback_lines, text.first_fallback) == ("utf-8", 1, 41)
    before = snapshot(path)
    db, _, run = _analyze(tmp_path, path)
    assert run.exit_code == 0, run.output
    assert last_run_counts(db)["analyzed"] == 40
    stored = _stored_texts(db)
    assert sum("Très bien et déjà réglé" in t for t in stored) == 39
    assert "Café fermé" in stored
    assert not any("Ã" in t for t in stored)  # no UTF-8 read as cp1252
    assert "on 1 line (first: line 41)" in run.output
    assert_unchanged(before)


def test_a_legacy_cp1252_file_is_read_whole_as_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_bytes((HEADER + "R1,Ça coûte 5 € de plus,2026-03-02\n").encode("cp1252"))
    db, _, run = _analyze(tmp_path, path)
    assert run.exit_code == 0, run.output
    assert _stored_texts(db) == ["Ça coûte 5 € de plus"]
    assert "read as cp1252" in run.output


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE),
                                       ("utf-16-be", codecs.BOM_UTF16_BE),
                                       ("utf-16-le", b""), ("utf-16-be", b""),
                                       ("utf-32-le", codecs.BOM_UTF32_LE)])
def test_utf16_and_utf32_exports_read_with_or_without_a_bom(tmp_path: Path, codec: str,
                                                            bom: bytes) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(bom + (HEADER + "R1,Grüße aus Köln,2026-03-02\n"
                            "R2,Слишком долго,2026-03-03\n").encode(codec))
    before = snapshot(path)
    db, _, run = _analyze(tmp_path, path)
    assert run.exit_code == 0, run.output
    assert last_run_counts(db) == {"read": 2, "analyzed": 2, "rejected": 0}
    assert sorted(_stored_texts(db)) == ["Grüße aus Köln", "Слишком долго"]
    assert_unchanged(before)


def test_broken_utf16_is_a_coded_error_not_garbage(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + (HEADER + "R1,ok,2026-03-02\n").encode("utf-16-le")
                     + b"\x00\xd8A\x00")  # a lone high surrogate
    run = run_cli("analyze", path, "--db", tmp_path / "w.duckdb", "--config", _config(tmp_path))
    line = assert_coded_error(run)
    assert "UTF-16" in line and "re-export it as UTF-8" in line


# --- binary files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name,data", [
    ("pic.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x1b[31mred\x1b[0m" + bytes(range(256))),
    ("zip.jsonl", b"PK\x03\x04\x14\x00\x00\x00" + b"\x1b]0;pwned\x07" * 20),
    ("blob.csv", bytes(range(1, 32)) * 40),
])
def test_a_binary_file_is_a_coded_error_that_shows_none_of_its_bytes(tmp_path: Path,
                                                                     name: str,
                                                                     data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    before = snapshot(path)
    run = run_cli("analyze", path, "--db", tmp_path / "w.duckdb", "--config", _config(tmp_path))
    line = assert_coded_error(run)
    assert "not a text file" in line
    assert "\x1b" not in run.output and "\x07" not in run.output
    assert "IHDR" not in run.output and "pwned" not in run.output
    assert_unchanged(before)


def test_control_characters_in_a_file_name_are_not_printed(tmp_path: Path) -> None:
    path = tmp_path / "evil\x1b[2Jname.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    run = run_cli("analyze", path, "--db", tmp_path / "w.duckdb", "--config", _config(tmp_path))
    assert_coded_error(run)
    assert "\x1b" not in run.output


# --- keys and headers -----------------------------------------------------------------------


def test_a_jsonl_key_first_seen_after_line_200_is_kept(tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"C{i}", "text": "fine", "created_at": "2026-03-02"})
             for i in range(1, 301)]
    lines[249] = json.dumps({"id": "C250", "text": "late key", "created_at": "2026-03-02",
                             "plan": "gold", "loyalty_tier": "bronze"})
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = JsonlSource.open(path, "chats.jsonl", {})
    assert {"plan", "loyalty_tier"} <= set(source.columns())
    db, _, run = _analyze(tmp_path, path)
    assert run.exit_code == 0, run.output
    assert last_run_counts(db) == {"read": 300, "analyzed": 300, "rejected": 0}
    assert table_count(db, "records", "product = 'gold'") == 1  # "plan" maps to product
    assert table_count(db, "records",
                       "json_extract_string(extra, '$.loyalty_tier') = 'bronze'") == 1


def test_a_text_column_error_shows_no_email_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("jane.doe@example.com,4539578763621486,when\nx,y,2026-03-02\n",
                    encoding="utf-8")
    run = run_cli("analyze", path, "--db", tmp_path / "w.duckdb", "--config", _config(tmp_path))
    line = assert_coded_error(run, "FE109")
    assert "[EMAIL_ADDRESS]" in line
    assert_no_pii(["jane.doe@example.com", "4539578763621486"], texts=[run.output])


def test_a_file_name_holding_pii_is_redacted_in_warnings(tmp_path: Path) -> None:
    path = tmp_path / "jane.doe@example.com.csv"
    path.write_bytes((HEADER + "R1,déjà vu,2026-03-02\n").encode("cp1252"))
    db, rejects, run = _analyze(tmp_path, path)
    assert run.exit_code == 0, run.output
    assert "read as cp1252" in run.output
    assert_no_pii(["jane.doe@example.com"], db=db, files=[rejects],
                  texts=[run.output])


# --- training and evaluation files ----------------------------------------------------------


def _labelled(tmp_path: Path, encoding: str) -> Path:
    rows = []
    for i in range(12):
        rows.append(f"Mon remboursement n'est pas arrivé {i},refund")
        rows.append(f"Le débit sur ma carte est erroné {i},billing")
        rows.append(f"L'appli plante à l'ouverture {i},app")
    path = tmp_path / f"labelled_{encoding}.csv"
    path.write_bytes(("text,label\n" + "\n".join(rows) + "\n").encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-16"])
def test_rootcause_train_and_evaluate_read_legacy_and_wide_csvs(tmp_path: Path,
                                                                encoding: str) -> None:
    data = _labelled(tmp_path, encoding)
    before = snapshot(data)
    model = tmp_path / "model"
    run = run_cli("rootcause", "train", data, "--out", model)
    assert run.exit_code == 0, run.output
    run = run_cli("rootcause", "evaluate", model, data)
    assert run.exit_code == 0, run.output
    assert_unchanged(before)


def test_rootcause_train_on_a_binary_file_is_a_coded_error(tmp_path: Path) -> None:
    data = tmp_path / "labels.csv"
    data.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    run = run_cli("rootcause", "train", data, "--out", tmp_path / "model")
    assert "not a text file" in assert_coded_error(run)

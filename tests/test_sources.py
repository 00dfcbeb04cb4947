"""Sources: every input format read into raw rows, discovery of inputs, and open_sources."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from feedback_engine.errors import (
    ColumnNotFoundError,
    ConfigError,
    NoInputError,
    SourceError,
    UnsupportedFormatError,
)
from feedback_engine.records import OVERFLOW, ROW, SOURCE_REJECT
from feedback_engine.sources import discover, open_sources
from feedback_engine.sources.tabular import CsvSource, JsonlSource, ParquetSource, XlsxSource
from feedback_engine.sources.transcripts import (
    TURNS_TEXT,
    TranscriptFolderSource,
    load_speakers,
    normalize_turns,
    parse_text_transcript,
)


def _only(opened):
    assert len(opened) == 1
    return opened[0]


def _fields(row: dict, *names: str) -> dict:
    return {name: row[name] for name in names}


# --- CSV -------------------------------------------------------------------------------------


def test_csv_source_reads_utf8_rows_with_source_row_numbers(csv_file, read_rows):
    source = CsvSource.open(csv_file, "survey")

    rows = read_rows(source)

    assert source.encoding == "utf-8"
    assert source.delimiter == ","
    assert source.warnings == []
    assert source.columns() == ["id", "comment", "created_at", "score"]
    assert [r[ROW] for r in rows] == [2, 3, 4]
    assert [r["comment"] for r in rows] == ["Great service", "Slow refund", "ok"]
    assert rows[0]["score"] == "10"  # raw values stay text; validation parses them
    assert [r[SOURCE_REJECT] for r in rows] == ["", "", ""]
    assert [r[OVERFLOW] for r in rows] == [None, None, None]


def test_csv_source_reads_utf8_sig_bom_with_semicolon_delimiter(write_file, read_rows):
    path = write_file("export.csv", "id;comment;created_at\r\n7;Très bien, merci;2026-01-05\r\n",
                      encoding="utf-8-sig")

    source = CsvSource.open(path, "export")
    rows = read_rows(source)

    assert source.encoding == "utf-8-sig"
    assert source.delimiter == ";"
    assert source.columns() == ["id", "comment", "created_at"]  # no BOM left on "id"
    assert _fields(rows[0], "id", "comment", "created_at") == {
        "id": "7", "comment": "Très bien, merci", "created_at": "2026-01-05"}


def test_csv_source_reads_cp1252_with_warning_naming_the_file(write_file, read_rows):
    path = write_file("legacy_export.csv",
                      "id,comment,created_at\n1,café crème – “ok”,2026-01-05\n",
                      encoding="cp1252")

    source = CsvSource.open(path, "legacy")
    rows = read_rows(source)

    assert source.encoding == "cp1252"
    assert rows[0]["comment"] == "café crème – “ok”"
    assert len(source.warnings) == 1
    assert "legacy_export.csv" in source.warnings[0]
    assert "not valid UTF-8" in source.warnings[0]
    assert "cp1252" in source.warnings[0]


def test_csv_source_reads_tsv_by_extension(write_file, read_rows):
    path = write_file("tickets.tsv", "ticket_id\tcomment\tcreated_at\nT1\ta, b; c\t2026-01-05\n")

    source = CsvSource.open(path, "tickets")
    rows = read_rows(source)

    assert source.delimiter == "\t"
    assert _fields(rows[0], "ticket_id", "comment") == {"ticket_id": "T1", "comment": "a, b; c"}


def test_csv_source_keeps_quoted_delimiter_and_newline_in_one_field(write_file, read_rows):
    path = write_file("quoted.csv", 'id,comment,created_at\n'
                                    '1,"Hello, world\nsecond line",2026-01-05\n'
                                    '2,plain,2026-01-06\n')

    rows = read_rows(CsvSource.open(path, "quoted"))

    assert len(rows) == 2
    assert rows[0]["comment"] == "Hello, world\nsecond line"
    assert rows[0]["created_at"] == "2026-01-05"
    assert [r[ROW] for r in rows] == [2, 4]  # the row's first line in the file
    assert [r[SOURCE_REJECT] for r in rows] == ["", ""]


def test_csv_source_flags_row_with_too_many_fields_and_keeps_overflow(write_file, read_rows):
    path = write_file("wide.csv", "id,comment,created_at\n1,fine,2026-01-05\n"
                                  "2,broken,2026-01-06,extra,more\n")

    rows = read_rows(CsvSource.open(path, "wide"))

    assert rows[0][SOURCE_REJECT] == ""
    assert rows[1][SOURCE_REJECT] == "expected 3 fields, found 5"
    assert rows[1][OVERFLOW] == ["extra", "more"]
    assert _fields(rows[1], "id", "comment", "created_at") == {
        "id": "2", "comment": "broken", "created_at": "2026-01-06"}


def test_csv_source_flags_row_with_too_few_fields(write_file, read_rows):
    path = write_file("short.csv", "id,comment,created_at\n1,no date\n")

    rows = read_rows(CsvSource.open(path, "short"))

    assert rows[0][SOURCE_REJECT] == "expected 3 fields, found 2"
    assert rows[0]["created_at"] is None
    assert rows[0][OVERFLOW] is None


def test_csv_source_skips_blank_lines_and_chunks_by_size(write_file):
    body = "".join(f"{i},text {i},2026-01-05\n\n" for i in range(1, 6))
    path = write_file("blank.csv", "id,comment,created_at\n" + body)

    chunks = list(CsvSource.open(path, "blank").chunks(2))

    assert [len(c) for c in chunks] == [2, 2, 1]
    assert [r for c in chunks for r in c[ROW]] == [2, 4, 6, 8, 10]


def test_csv_source_empty_file_raises_source_error(write_file):
    path = write_file("empty.csv", "\n\n")

    with pytest.raises(SourceError, match="empty.csv is empty"):
        CsvSource.open(path, "empty")


# --- JSONL -----------------------------------------------------------------------------------


def test_jsonl_source_reads_objects_with_nested_values_as_json_text(jsonl_file, read_rows):
    source = JsonlSource.open(jsonl_file, "chats", load_speakers())

    rows = read_rows(source)

    assert source.columns() == ["chat_id", "text", "created_at", "meta", "tags"]
    assert [r[ROW] for r in rows] == [1, 2, 4, 5]  # the blank line 3 is not a row
    first = rows[0]
    assert first[SOURCE_REJECT] == ""
    assert first["chat_id"] == "C1"
    assert json.loads(first["meta"]) == {"device": "ios", "version": 5}
    assert json.loads(first["tags"]) == ["app", "crash"]
    assert pd.isna(rows[2]["meta"])  # absent key in a later line


def test_jsonl_source_flags_malformed_line_with_its_line_number(jsonl_file, read_rows):
    rows = read_rows(JsonlSource.open(jsonl_file, "chats", load_speakers()))

    broken = rows[1]
    assert broken[ROW] == 2
    assert broken[SOURCE_REJECT].startswith("line 2 is not valid JSON")
    assert rows[3][SOURCE_REJECT] == "line 5 is not a JSON object"
    assert rows[2][SOURCE_REJECT] == ""


def test_jsonl_source_normalises_turns_and_joins_them_as_text(write_file, read_rows):
    line = {"chat_id": "C1", "created_at": "2026-02-02",
            "turns": [{"role": "Rep", "content": "Hi there", "start_s": 0, "end_s": "1.5"},
                      {"speaker": "USER", "text": " My app crashed "}]}
    path = write_file("chat.jsonl", json.dumps(line) + "\n")

    source = JsonlSource.open(path, "chat", load_speakers())
    row = read_rows(source)[0]

    assert TURNS_TEXT in source.columns()
    assert row["turns"] == [
        {"speaker": "agent", "text": "Hi there", "start_s": 0.0, "end_s": 1.5},
        {"speaker": "customer", "text": "My app crashed", "start_s": None, "end_s": None},
    ]
    assert row[TURNS_TEXT] == "Agent: Hi there\nCustomer: My app crashed"


def test_jsonl_source_flags_turns_that_are_not_a_list(write_file, read_rows):
    path = write_file("chat.jsonl", json.dumps({"id": "x", "turns": "hello"}) + "\n")

    row = read_rows(JsonlSource.open(path, "chat", {}))[0]

    assert row[SOURCE_REJECT] == "row 1: turns is not a list"
    assert row["turns"] == []


def test_jsonl_source_reads_cp1252_with_warning_naming_the_file(write_file, read_rows):
    path = write_file("legacy.jsonl", '{"id": 1, "text": "café", "created_at": "2026-01-05"}\n',
                      encoding="cp1252")

    source = JsonlSource.open(path, "legacy", {})
    rows = read_rows(source)

    assert rows[0]["text"] == "café"
    assert len(source.warnings) == 1
    assert "legacy.jsonl" in source.warnings[0]


# --- Parquet ---------------------------------------------------------------------------------


def test_parquet_source_reads_columns_rows_and_datetimes(parquet_file, read_rows):
    source = ParquetSource.open(parquet_file, "reviews")

    rows = read_rows(source)

    assert source.columns() == ["review_id", "Review Text", "created_at"]
    assert [r[ROW] for r in rows] == [1, 2]
    assert [r["review_id"] for r in rows] == [101, 102]
    assert rows[0]["created_at"] == pd.Timestamp("2026-03-02 14:30:00")
    assert rows[1]["Review Text"] == "Billing is confusing"
    assert [r[SOURCE_REJECT] for r in rows] == ["", ""]


def test_parquet_source_numbers_rows_across_chunks(tmp_path):
    path = tmp_path / "many.parquet"
    pd.DataFrame({"text": [f"t{i}" for i in range(5)]}).to_parquet(path, index=False)

    chunks = list(ParquetSource.open(path, "many").chunks(2))

    assert [list(c[ROW]) for c in chunks] == [[1, 2], [3, 4], [5]]


def test_parquet_source_corrupt_file_raises_source_error(write_file):
    path = write_file("broken.parquet", b"not a parquet file at all")

    with pytest.raises(SourceError, match="broken.parquet is not a readable Parquet file"):
        ParquetSource.open(path, "broken").columns()


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_source_reads_date_cell_and_numeric_id(xlsx_file, read_rows):
    source = XlsxSource.open(xlsx_file, "nps")

    rows = read_rows(source)

    assert source.columns() == ["ticket_id", "comment", "created_at", "score"]
    assert [r[ROW] for r in rows] == [2, 4]  # sheet rows; the blank row 3 is skipped
    assert rows[0]["ticket_id"] == 1001
    assert rows[0]["created_at"] == dt.datetime(2026, 4, 6, 0, 0)
    assert rows[0]["score"] == 9
    assert rows[1]["created_at"] == dt.datetime(2026, 4, 7, 16, 45)
    assert [r[SOURCE_REJECT] for r in rows] == ["", ""]


def test_xlsx_source_reads_named_sheet(xlsx_file):
    source = XlsxSource.open(xlsx_file, "nps", sheet="Notes")

    assert source.columns() == ["nothing here"]


def test_xlsx_source_unknown_sheet_raises_listing_sheets(xlsx_file):
    with pytest.raises(SourceError, match="sheet 'Answers' not in nps_survey.xlsx; "
                                          "sheets: Responses, Notes"):
        XlsxSource.open(xlsx_file, "nps", sheet="Answers")


def test_xlsx_source_names_blank_header_cells_and_keeps_their_values(tmp_path, read_rows):
    from openpyxl import Workbook

    path = tmp_path / "wide.xlsx"
    book = Workbook()
    book.active.append(["comment", None, "created_at"])
    book.active.append(["fine", "x", "2026-01-05", "stray"])
    book.save(path)

    source = XlsxSource.open(path, "wide")
    row = read_rows(source)[0]

    assert source.columns() == ["comment", "column_2", "created_at", "column_4"]
    assert _fields(row, "comment", "column_2", "column_4") == {
        "comment": "fine", "column_2": "x", "column_4": "stray"}
    assert row[SOURCE_REJECT] == ""


# --- transcripts -----------------------------------------------------------------------------


def test_text_transcript_parses_times_headers_continuations_and_aliases():
    text = ("# call_id: CALL-1\n"
            "# timestamp: 2026-09-03T14:22:10Z\n"
            "\n"
            "[00:00:01] Rep: Thank you for calling.\n"
            "[01:07] caller: I've been charged twice.\n"
            "  and this line continues.\n"
            "[1:02:03.5] IVR: Transferring you now.\n")

    header, turns = parse_text_transcript(text, load_speakers())

    assert header == {"call_id": "CALL-1", "timestamp": "2026-09-03T14:22:10Z"}
    assert turns == [
        {"speaker": "agent", "text": "Thank you for calling.", "start_s": 1.0, "end_s": None},
        {"speaker": "customer", "text": "I've been charged twice. and this line continues.",
         "start_s": 67.0, "end_s": None},
        {"speaker": "system", "text": "Transferring you now.", "start_s": 3723.5,
         "end_s": None},
    ]


def test_text_transcript_without_times_has_no_start():
    header, turns = parse_text_transcript("Agent: Hello\nCustomer: Hi\nBot: Bye\n",
                                          load_speakers())

    assert header == {}
    assert [(t["speaker"], t["text"], t["start_s"]) for t in turns] == [
        ("agent", "Hello", None), ("customer", "Hi", None), ("bot", "Bye", None)]


def test_transcript_folder_reads_text_files_as_rows(transcript_folder, read_rows):
    paths = sorted(transcript_folder.iterdir())
    source = TranscriptFolderSource.open(paths, "calls/", load_speakers())

    rows = read_rows(source)

    assert source.format == "transcript"
    assert source.columns() == ["file", "call_id", "timestamp", "agent", "turns", TURNS_TEXT]
    assert [(r["file"], r["call_id"], r[ROW]) for r in rows] == [
        ("call_1.txt", "CALL-1", 1), ("call_2.txt", "CALL-2", 2)]
    assert rows[0][TURNS_TEXT] == ("Agent: Thank you for calling, how can I help?\n"
                                   "Customer: I've been charged twice. "
                                   "and this line continues the caller's turn.\n"
                                   "System: Transferring you now.")
    assert [t["start_s"] for t in rows[0]["turns"]] == [1.0, 67.0, 3723.0]
    assert [t["start_s"] for t in rows[1]["turns"]] == [None, None]
    assert pd.isna(rows[1]["agent"])
    assert [r[SOURCE_REJECT] for r in rows] == ["", ""]


def test_transcript_without_speaker_lines_is_flagged(write_file, read_rows):
    path = write_file("calls/notes.txt", "# call_id: N1\nJust some notes.\nNo speakers here.\n")

    row = read_rows(TranscriptFolderSource.open([path], "calls/", load_speakers()))[0]

    assert row["turns"] == []
    assert row[TURNS_TEXT] == ""
    assert row[SOURCE_REJECT].startswith("notes.txt: no speaker lines found")


def test_json_transcript_single_object_with_turns(write_file, read_rows):
    conversation = {"conversation_id": "J1", "created_at": "2026-09-05T10:00:00Z",
                    "meta": {"lang": "en"},
                    "turns": [{"speaker": "Advisor", "text": "Hi", "start": "00:01", "end": 2},
                              {"role": "client", "message": "Help"}]}
    path = write_file("chats/j1.json", json.dumps(conversation))

    row = read_rows(TranscriptFolderSource.open([path], "chats/", load_speakers()))[0]

    assert row["file"] == "j1.json"
    assert row["conversation_id"] == "J1"
    assert json.loads(row["meta"]) == {"lang": "en"}
    assert row["turns"] == [
        {"speaker": "agent", "text": "Hi", "start_s": 1.0, "end_s": 2.0},
        {"speaker": "customer", "text": "Help", "start_s": None, "end_s": None},
    ]
    assert row[TURNS_TEXT] == "Agent: Hi\nCustomer: Help"
    assert row[SOURCE_REJECT] == ""


def test_json_transcript_list_of_objects_gives_one_row_each(write_file, read_rows):
    items = [{"id": "A", "created_at": "2026-09-05",
              "messages": [{"from": "bot", "body": "Hi"}]},
             {"id": "B", "created_at": "2026-09-06",
              "dialogue": [{"speaker": "csr", "text": "Yo"}]},
             "not an object"]
    path = write_file("chats/batch.json", json.dumps(items))

    rows = read_rows(TranscriptFolderSource.open([path], "chats/", load_speakers()))

    assert [r["file"] for r in rows] == ["batch.json#0", "batch.json#1", "batch.json"]
    assert [r[TURNS_TEXT] for r in rows[:2]] == ["Bot: Hi", "Agent: Yo"]
    assert [r[ROW] for r in rows] == [1, 2, 3]
    assert rows[2][SOURCE_REJECT] == "batch.json[2] is not an object"


def test_json_transcript_abcd_original_speaker_text_pairs(write_file, read_rows):
    convo = {"convo_id": 3695, "original": [["agent", "hello, how may i help you?"],
                                             ["customer", "I want to return a shirt"],
                                             ["action", "Searching the FAQ pages ..."]]}
    path = write_file("abcd/convo.json", json.dumps(convo))

    row = read_rows(TranscriptFolderSource.open([path], "abcd/", load_speakers()))[0]

    assert [t["speaker"] for t in row["turns"]] == ["agent", "customer", "system"]
    assert row["turns"][1]["text"] == "I want to return a shirt"
    assert row["convo_id"] == 3695
    assert row[SOURCE_REJECT] == ""


def test_json_transcript_without_turns_or_invalid_json_is_flagged(write_file, read_rows):
    no_turns = write_file("chats/a.json", json.dumps({"id": "X", "summary": "no turns"}))
    broken = write_file("chats/b.json", '{"id": ')

    rows = read_rows(TranscriptFolderSource.open([no_turns, broken], "chats/", {}))

    assert rows[0][SOURCE_REJECT] == ("a.json: no turns list (expected one of turns, "
                                      "messages, utterances, dialogue, original)")
    assert rows[1][SOURCE_REJECT].startswith("b.json is not valid JSON")
    assert rows[1]["file"] == "b.json"


def test_normalize_turns_rejects_bad_turn_and_bad_time():
    with pytest.raises(ValueError, match="turn 1 is neither an object"):
        normalize_turns([["agent", "hi"], "oops"], {})
    with pytest.raises(ValueError, match="turn 0 has a start time that is not a number"):
        normalize_turns([{"speaker": "agent", "text": "hi", "start_s": "soon"}], {})


def test_normalize_turns_maps_unknown_speakers_to_other():
    # A label that is no alias may be a name, an email or a phone number: never stored.
    turns = normalize_turns([{"speaker": "Supervisor", "text": "hi"}, {"text": "?"},
                             {"speaker": "Priya Raman", "text": "x"},
                             {"speaker": "Agent 2", "text": "y"}], {"agent": "agent"})

    assert [t["speaker"] for t in turns] == ["other", "other", "other", "agent"]


def test_transcript_cp1252_file_warns_once(write_file, read_rows):
    path = write_file("calls/old.txt", "Agent: Bonjour, ça va?\n", encoding="cp1252")
    source = TranscriptFolderSource.open([path], "calls/", load_speakers())

    row = read_rows(source)[0]
    read_rows(source)

    assert row[TURNS_TEXT] == "Agent: Bonjour, ça va?"
    assert len(source.warnings) == 1
    assert source.warnings[0].startswith("old.txt is not valid UTF-8 (first bad line 1); "
                                         "read as cp1252")


# --- discover --------------------------------------------------------------------------------


def test_discover_expands_folders_recursively_globs_and_files(write_file, tmp_path):
    a = write_file("in/a.csv", "x\n")
    b = write_file("in/sub/b.jsonl", "{}\n")
    write_file("in/sub/readme.md", "skip me")
    c = write_file("more/c.parquet", b"")
    d = write_file("more/d.txt", "Agent: hi\n")

    found = discover([tmp_path / "in", str(tmp_path / "more" / "*.parquet"), d, a])

    assert found == sorted(p.resolve() for p in (a, b, c, d))


def test_discover_recursive_glob_skips_unsupported_files(write_file, tmp_path):
    x = write_file("deep/1/x.xlsx", b"")
    write_file("deep/2/y.pdf", b"")

    assert discover([f"{tmp_path}/deep/**/*"]) == [x.resolve()]


def test_discover_missing_path_raises_no_input_error(tmp_path):
    with pytest.raises(NoInputError, match="input not found: .*nope.csv"):
        discover([tmp_path / "nope.csv"])


def test_discover_glob_matching_nothing_raises_no_input_error(tmp_path):
    with pytest.raises(NoInputError, match=r"no supported file matches .*\*\.csv"):
        discover([f"{tmp_path}/*.csv"])


def test_discover_folder_without_supported_files_raises_no_input_error(write_file, tmp_path):
    write_file("docs/notes.md", "hi")

    with pytest.raises(NoInputError, match="holds no supported files"):
        discover([tmp_path / "docs"])


def test_discover_unsupported_extension_raises(write_file):
    path = write_file("report.pdf", b"%PDF")

    with pytest.raises(UnsupportedFormatError, match=r"report.pdf: unsupported format '\.pdf'"):
        discover([path])


# --- open_sources ----------------------------------------------------------------------------


def test_open_sources_detects_mapping_and_guesses_channel_kind(csv_file, config):
    opened = _only(open_sources([csv_file], config))

    assert opened.info.name == csv_file.name  # relative to the input root
    assert opened.info.mapping == {"record_id": ["id"], "text": ["comment"],
                                   "timestamp": ["created_at"], "nps": ["score"]}
    assert (opened.info.channel, opened.info.kind) == ("survey", "survey_answer")


def test_open_sources_source_table_overrides_channel_kind_and_columns(write_file, config):
    path = write_file("exports/crm_dump.csv", "ref,notes,opened,body\nX1,n,2026-01-05,b\n")
    config["sources"] = {
        "other": {"match": "*.jsonl", "channel": "chat"},
        "crm": {"match": "crm_*.csv", "channel": "Email", "kind": "message",
                "columns": {"record_id": "ref", "text": "body", "timestamp": "opened"}},
    }

    opened = _only(open_sources([path], config))

    assert opened.info.channel == "Email"
    assert opened.info.kind == "message"
    assert opened.info.mapping["record_id"] == ["ref"]
    assert opened.info.mapping["text"] == ["body"]
    assert opened.info.mapping["timestamp"] == ["opened"]


def test_open_sources_source_table_matches_path_glob_and_sheet(xlsx_file, config):
    config["sources"] = {"notes": {"match": "*/nps_*.xlsx", "sheet": "Responses",
                                   "columns": {"text": "comment"}}}

    opened = _only(open_sources([xlsx_file], config))

    assert opened.source.sheet == "Responses"
    assert opened.info.mapping["text"] == ["comment"]


def test_open_sources_global_columns_mapping_missing_column_raises(csv_file, config):
    config["columns"] = {"text": "verbatim"}

    with pytest.raises(ColumnNotFoundError, match="column 'verbatim' \\(mapped to text\\)"):
        open_sources([csv_file], config)


def test_open_sources_transcript_folder_is_one_source(transcript_folder, write_file, config,
                                                      read_rows):
    write_file("calls/call_3.json", json.dumps({"call_id": "CALL-3",
                                                "timestamp": "2026-09-05T08:00:00Z",
                                                "turns": [["agent", "hi"]]}))

    opened = _only(open_sources([transcript_folder], config))

    assert opened.info.name == "calls/"  # the folder argument, relative
    assert (opened.info.channel, opened.info.kind) == ("call", "transcript")
    assert opened.info.mapping["text"] == [TURNS_TEXT]
    assert opened.info.mapping["record_id"] == ["call_id"]
    assert opened.info.mapping["agent_id"] == ["agent"]
    assert [r["file"] for r in read_rows(opened.source)] == [
        "call_1.txt", "call_2.txt", "call_3.json"]


def test_open_sources_transcript_summary_header_does_not_replace_turns(write_file, config):
    write_file("calls/c.txt", "# summary: refund call\n# subject: Billing\n# date: 2026-01-05\n"
                              "Agent: Hello\n")

    opened = _only(open_sources([write_file("calls/d.txt", "Agent: Hi\n").parent], config))

    assert opened.info.mapping["text"] == [TURNS_TEXT]


def test_open_sources_one_source_per_tabular_file(csv_file, jsonl_file, parquet_file, config):
    opened = open_sources([csv_file, jsonl_file, parquet_file], config)

    assert sorted(o.source.format for o in opened) == ["csv", "jsonl", "parquet"]
    channels = {Path(o.info.name).name: (o.info.channel, o.info.kind) for o in opened}
    assert channels == {"survey_export.csv": ("survey", "survey_answer"),
                        "chats.jsonl": ("chat", "message"),
                        "reviews.parquet": ("review", "review")}


def test_open_sources_custom_speaker_alias_from_config(write_file, config, read_rows):
    path = write_file("calls/c1.txt", "# timestamp: 2026-01-05\n"
                                      "Specialist: How can I help?\nGuest: My bill.\n")
    config["transcripts"]["speakers"] = {"Specialist": "agent", "guest": "customer"}

    opened = _only(open_sources([path.parent], config))
    row = read_rows(opened.source)[0]

    assert [(t["speaker"], t["text"]) for t in row["turns"]] == [
        ("agent", "How can I help?"), ("customer", "My bill.")]
    assert row[SOURCE_REJECT] == ""


def test_open_sources_invalid_speaker_in_config_raises(transcript_folder, config):
    config["transcripts"]["speakers"] = {"advisor": "staff"}

    with pytest.raises(ConfigError, match="transcripts.speakers.advisor = 'staff'; "
                                          "use one of agent, customer, system, bot"):
        open_sources([transcript_folder], config)


def test_parquet_and_xlsx_sources_validate_to_records(parquet_file, xlsx_file, config):
    from feedback_engine.records import SeenIds, ValidationSettings, validate

    results = {}
    for opened in open_sources([parquet_file, xlsx_file], config):
        chunk = next(opened.source.chunks(100))
        records, rejects = validate(chunk, opened.info, ValidationSettings(), SeenIds())
        assert rejects.empty
        results[Path(opened.info.name).name] = records

    reviews, survey = results["reviews.parquet"], results["nps_survey.xlsx"]
    assert reviews["record_id"].tolist() == ["101", "102"]
    assert reviews["text"].tolist() == ["Love the new plan", "Billing is confusing"]
    assert reviews["timestamp"].tolist() == [pd.Timestamp("2026-03-02 14:30"),
                                             pd.Timestamp("2026-03-03 00:00")]
    assert survey["record_id"].tolist() == ["1001", "1002"]
    assert survey["timestamp"].tolist() == [pd.Timestamp("2026-04-06"),
                                            pd.Timestamp("2026-04-07 16:45")]
    assert survey["week"].tolist() == ["2026-W15", "2026-W15"]
    assert survey["nps"].tolist() == [9, 2]

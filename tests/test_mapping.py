"""Column mapping: detection of common export names, configured mappings, clear errors."""

from __future__ import annotations

import pytest

from feedback_engine.errors import ColumnNotFoundError
from feedback_engine.sources.mapping import detect_mapping, guess_channel_kind, normalise_name
from feedback_engine.sources.transcripts import TURNS_TEXT

REQUIRED_STUBS = {"text": "stub_text", "timestamp": "stub_time"}


@pytest.mark.parametrize(("column", "canonical"), [
    ("comment", "text"),
    ("verbatim", "text"),
    ("feedback", "text"),
    ("Review Text", "text"),
    ("ticket_id", "record_id"),
    ("Ticket ID", "record_id"),
    ("score", "nps"),
    ("likelihood_to_recommend", "nps"),
    ("Likelihood To Recommend", "nps"),
    ("created_at", "timestamp"),
    ("Created At", "timestamp"),
    ("agent", "agent_id"),
    ("CSAT Score", "csat"),
    ("customer effort", "ces"),
])
def test_mapping_detects_common_column_names(column, canonical):
    # The required columns are configured to stub names, except the one under test.
    configured = {k: v for k, v in REQUIRED_STUBS.items() if k != canonical}
    columns = [*configured.values(), column]

    mapping = detect_mapping(columns, configured, "src")

    assert mapping[canonical] == [column]


def test_mapping_detects_a_typical_survey_export():
    columns = ["Response ID", "Submitted At", "Verbatim", "Score", "Agent", "Queue", "Region"]

    mapping = detect_mapping(columns, {}, "survey.csv")

    assert mapping == {"record_id": ["Response ID"], "text": ["Verbatim"],
                       "timestamp": ["Submitted At"], "agent_id": ["Agent"],
                       "queue": ["Queue"], "nps": ["Score"]}


def test_mapping_joins_title_and_body_into_text():
    mapping = detect_mapping(["Review Title", "Review Text", "date"], {}, "reviews.csv")

    assert mapping["text"] == ["Review Title", "Review Text"]
    assert mapping["timestamp"] == ["date"]


def test_mapping_configured_column_wins_over_detection():
    columns = ["comment", "feedback", "created_at", "updated_at"]

    mapping = detect_mapping(columns, {"text": "Feedback", "timestamp": ["updated_at"]}, "s")

    assert mapping["text"] == ["feedback"]  # matched case-insensitively, raw name returned
    assert mapping["timestamp"] == ["updated_at"]
    assert "comment" not in [c for cols in mapping.values() for c in cols]


def test_mapping_configured_list_joins_columns_in_order():
    mapping = detect_mapping(["subject", "body", "sent_at"], {"text": ["body", "subject"]}, "s")

    assert mapping["text"] == ["body", "subject"]


def test_mapping_configured_column_missing_lists_columns_seen():
    with pytest.raises(ColumnNotFoundError) as caught:
        detect_mapping(["comment", "created_at", "__row__"], {"text": "verbatim"}, "x.csv")

    message = str(caught.value)
    assert message.startswith("[FE108] column 'verbatim' (mapped to text) not found in x.csv; "
                              "columns seen: comment, created_at")
    assert "__row__" not in message


def test_mapping_missing_text_column_suggests_closest():
    with pytest.raises(ColumnNotFoundError) as caught:
        detect_mapping(["id", "comentario", "fecha_x", "created_at"], {}, "encuesta.csv")

    message = str(caught.value)
    assert "no text column found in encuesta.csv" in message
    assert "columns seen: id, comentario, fecha_x, created_at" in message
    assert "closest: 'comentario'" in message
    assert '[columns] text = "<column>"' in message


def test_mapping_missing_timestamp_column_raises():
    with pytest.raises(ColumnNotFoundError, match="no timestamp column found in s.csv"):
        detect_mapping(["comment"], {}, "s.csv")


def test_mapping_transcript_text_is_the_joined_turns_even_with_a_summary():
    columns = ["file", "call_id", "timestamp", "summary", "subject", "turns", TURNS_TEXT]

    mapping = detect_mapping(columns, {}, "calls/")

    assert mapping["text"] == [TURNS_TEXT]
    assert mapping["record_id"] == ["call_id"]


def test_mapping_transcript_configured_text_still_wins():
    columns = ["timestamp", "summary", "turns", TURNS_TEXT]

    assert detect_mapping(columns, {"text": "summary"}, "c/")["text"] == ["summary"]


def test_mapping_a_column_is_used_for_one_canonical_only():
    mapping = detect_mapping(["comment", "timestamp", "agent", "rep"], {"agent_id": "rep"}, "s")

    assert mapping["agent_id"] == ["rep"]
    assert "agent" not in [c for cols in mapping.values() for c in cols]


def test_normalise_name_folds_case_spaces_and_punctuation():
    assert normalise_name("  Review-Text (EN) ") == "review_text_en"


@pytest.mark.parametrize(("name", "has_turns", "expected"), [
    ("nps_survey_2026.csv", False, ("survey", "survey_answer")),
    ("call_summaries.parquet", False, ("call", "summary")),
    ("Email_Export.xlsx", False, ("email", "message")),
    ("app_reviews.jsonl", False, ("review", "review")),
    ("chats.jsonl", True, ("chat", "transcript")),
    ("calls", True, ("call", "transcript")),
    ("export.csv", False, ("other", "message")),
])
def test_guess_channel_kind_from_file_name(name, has_turns, expected):
    assert guess_channel_kind(name, has_turns) == expected

"""records.validate: canonical mapping, every reject reason, ids, timestamps and extras."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from feedback_engine.records import (
    CANONICAL_COLUMNS,
    OVERFLOW,
    REJECT_REASONS,
    ROW,
    SOURCE_REJECT,
    SeenIds,
    SourceInfo,
    ValidationSettings,
    content_id,
    iso_week,
    validate,
)

MAPPING = {"record_id": ["id"], "text": ["comment"], "timestamp": ["created_at"],
           "nps": ["nps"], "csat": ["csat"], "ces": ["ces"], "agent_id": ["agent"]}
INFO = SourceInfo(name="survey.csv", mapping=MAPPING, channel="survey", kind="survey_answer")
REJECT_COLUMNS = ["source", "row", "record_id", "reason", "detail", "raw"]


def _raw(rows: list[dict[str, Any]], first_row: int = 2) -> pd.DataFrame:
    """Raw rows as a CSV source yields them: object columns, ``__row__``, ``__reject__``."""
    frame = pd.DataFrame(rows, dtype=object)
    frame[ROW] = range(first_row, first_row + len(frame))
    if SOURCE_REJECT not in frame:
        frame[SOURCE_REJECT] = ""
    frame[SOURCE_REJECT] = frame[SOURCE_REJECT].fillna("")
    return frame


def _row(**values: Any) -> dict[str, Any]:
    base = {"id": "R1", "comment": "Great service", "created_at": "2026-01-05T10:00:00Z",
            "nps": "", "csat": "", "ces": "", "agent": "A1"}
    return {**base, **values}


def _validate(rows, info=INFO, settings=None, seen=None):
    raw = _raw(rows)
    records, rejects = validate(raw, info, settings or ValidationSettings(), seen or SeenIds())
    assert len(records) + len(rejects) == len(raw)
    return records, rejects


def _reason(**values: Any) -> tuple[str, str]:
    records, rejects = _validate([_row(**values)])
    assert len(records) == 0
    return rejects.loc[0, "reason"], rejects.loc[0, "detail"]


def test_validate_maps_a_good_row_to_the_canonical_schema():
    records, rejects = _validate([_row(nps="9", csat="5.0", ces="2")])

    assert rejects.empty
    assert list(rejects.columns) == REJECT_COLUMNS
    assert list(records.columns) == list(CANONICAL_COLUMNS)
    record = records.iloc[0].to_dict()
    assert record["record_id"] == "R1"
    assert record["source"] == "survey.csv"
    assert record["row"] == 2
    assert record["channel"] == "survey"
    assert record["kind"] == "survey_answer"
    assert record["timestamp"] == pd.Timestamp("2026-01-05 10:00:00")
    assert record["week"] == "2026-W02"
    assert record["text"] == "Great service"
    assert record["agent_id"] == "A1"
    assert (record["nps"], record["csat"], record["ces"]) == (9, 5, 2)
    assert str(records["nps"].dtype) == "Int8"
    assert record["team"] is None
    assert record["extra"] is None


def test_validate_rejects_row_flagged_by_source_as_malformed_row():
    reason, detail = _reason(**{SOURCE_REJECT: "expected 3 fields, found 5"})

    assert (reason, detail) == ("malformed_row", "expected 3 fields, found 5")


@pytest.mark.parametrize("comment", ["", "   ", None])
def test_validate_rejects_blank_text_as_empty_text(comment):
    assert _reason(comment=comment) == ("empty_text", "text is empty")


@pytest.mark.parametrize("stamp", ["", None, "  "])
def test_validate_rejects_blank_timestamp_as_missing_timestamp(stamp):
    assert _reason(created_at=stamp) == ("missing_timestamp", "timestamp is empty")


@pytest.mark.parametrize("stamp", ["yesterday", "today", "now", "31/02/2026", "2026-13-45",
                                   "soon-ish 99", "1899-05-01"])
def test_validate_rejects_unparseable_timestamp_as_bad_timestamp(stamp):
    assert _reason(created_at=stamp) == ("bad_timestamp",
                                         "timestamp could not be parsed as a date")


@pytest.mark.parametrize(("field", "value", "detail"), [
    ("nps", "nine", "nps is not a number"),
    ("nps", "7.5", "nps=7.5 is not a whole number"),
    ("csat", "4,5", "csat is not a number"),
])
def test_validate_rejects_non_integer_score_as_bad_score(field, value, detail):
    assert _reason(**{field: value}) == ("bad_score", detail)


@pytest.mark.parametrize(("field", "value", "detail"), [
    ("nps", "11", "nps=11 outside 0-10"),
    ("nps", "-1", "nps=-1 outside 0-10"),
    ("csat", "0", "csat=0 outside 1-5"),
    ("csat", "6", "csat=6 outside 1-5"),
    ("ces", "9", "ces=9 outside 1-7"),
])
def test_validate_rejects_score_outside_its_scale(field, value, detail):
    assert _reason(**{field: value}) == ("score_out_of_range", detail)


@pytest.mark.parametrize(("field", "value"), [("nps", "0"), ("nps", "10"), ("csat", "1"),
                                              ("csat", 5), ("ces", "7"), ("ces", 1.0)])
def test_validate_accepts_scores_at_the_ends_of_their_scale(field, value):
    records, _ = _validate([_row(**{field: value})])

    assert records.loc[0, field] == int(value)


def test_validate_rejects_oversize_text():
    settings = ValidationSettings(max_text_chars=10)
    records, rejects = _validate([_row(comment="x" * 11), _row(id="R2", comment="y" * 10)],
                                 settings=settings)

    assert list(records["record_id"]) == ["R2"]
    assert rejects.loc[0, "reason"] == "oversize_field"
    assert rejects.loc[0, "detail"] == "text has 11 characters, limit 10"


def test_validate_rejects_oversize_other_field():
    settings = ValidationSettings(max_field_chars=5)
    records, rejects = _validate([_row(agent="A" * 6)], settings=settings)

    assert records.empty
    assert (rejects.loc[0, "reason"], rejects.loc[0, "detail"]) == (
        "oversize_field", "agent_id is longer than 5 characters")


def test_validate_first_reason_wins():
    reason, _ = _reason(comment="", created_at="yesterday", nps="11")

    assert reason == "empty_text"


def test_validate_rejects_duplicate_id_across_chunks_with_shared_seen_ids():
    seen = SeenIds()
    first, _ = validate(_raw([_row(id="R1"), _row(id="R2")]), INFO, ValidationSettings(), seen)
    records, rejects = validate(_raw([_row(id="R2", comment="again"), _row(id="R3")],
                                     first_row=10), INFO, ValidationSettings(), seen)

    assert list(first["record_id"]) == ["R1", "R2"]
    assert list(records["record_id"]) == ["R3"]
    assert rejects.loc[0, ["row", "record_id", "reason", "detail"]].tolist() == [
        10, "R2", "duplicate_id", "record id already seen at row 3"]
    assert seen.rows == {"R1": 2, "R2": 3, "R3": 11}


def test_validate_rejected_row_does_not_claim_its_id():
    seen = SeenIds()
    _, rejects = _validate([_row(id="R1", comment=""), _row(id="R1")], seen=seen)

    assert rejects["reason"].tolist() == ["empty_text"]
    assert seen.rows == {"R1": 3}


def test_validate_every_raw_row_ends_in_records_or_rejects():
    rows = [_row(id="A"), _row(id="B", comment=""), _row(id="C", created_at="today"),
            _row(id="D", nps="x"), _row(id="E", ces="9"), _row(id="A"),
            _row(id="F", **{SOURCE_REJECT: "broken"}), _row(id="G", created_at=None),
            _row(id="H")]

    records, rejects = _validate(rows)

    assert list(records["record_id"]) == ["A", "H"]
    assert rejects["reason"].tolist() == ["empty_text", "bad_timestamp", "bad_score",
                                          "score_out_of_range", "duplicate_id", "malformed_row",
                                          "missing_timestamp"]
    assert set(rejects["reason"]) <= set(REJECT_REASONS)
    assert sorted([*records["row"], *rejects["row"]]) == list(range(2, 11))


def test_validate_converts_zoned_timestamps_to_naive_utc():
    records, _ = _validate([_row(id="1", created_at="2026-01-05T10:00:00+02:00"),
                            _row(id="2", created_at="2026-01-04T23:30:00-05:00"),
                            _row(id="3", created_at="Mon, 05 Jan 2026 10:00:00 GMT"),
                            _row(id="4", created_at="2026-01-05 10:00")])

    assert records["timestamp"].tolist() == [
        pd.Timestamp("2026-01-05 08:00:00"), pd.Timestamp("2026-01-05 04:30:00"),
        pd.Timestamp("2026-01-05 10:00:00"), pd.Timestamp("2026-01-05 10:00:00")]
    assert records["timestamp"].dt.tz is None
    # A Sunday evening in New York is Monday in UTC: the week follows UTC.
    assert records["week"].tolist() == ["2026-W02"] * 4


def test_validate_accepts_datetime_objects_from_parquet_and_xlsx():
    stamps = [pd.Timestamp("2026-03-02 14:30"), pd.Timestamp("2026-03-02 14:30", tz="UTC"),
              pd.Timestamp("2026-03-02 15:30", tz="Europe/Paris")]
    records, _ = _validate([_row(id=str(i), created_at=s) for i, s in enumerate(stamps)])

    assert records["timestamp"].tolist() == [pd.Timestamp("2026-03-02 14:30")] * 3


def test_validate_dayfirst_setting_reads_day_before_month():
    rows = [_row(id="1", created_at="03/04/2026"), _row(id="2", created_at="2026-01-05")]

    us, _ = _validate(rows)
    eu, _ = _validate(rows, settings=ValidationSettings(dayfirst=True))

    assert us["timestamp"].tolist() == [pd.Timestamp("2026-03-04"), pd.Timestamp("2026-01-05")]
    # ISO dates are year-month-day whatever the setting.
    assert eu["timestamp"].tolist() == [pd.Timestamp("2026-04-03"), pd.Timestamp("2026-01-05")]


@pytest.mark.parametrize(("stamp", "week"), [
    ("2026-01-01", "2026-W01"),  # a Thursday: week 1 of 2026
    ("2027-01-01", "2026-W53"),  # a Friday: still the last week of 2026
    ("2024-12-30", "2025-W01"),  # a Monday: the first week of 2025
    ("2026-11-16", "2026-W47"),
])
def test_iso_week_labels_follow_iso_8601(stamp, week):
    assert iso_week(pd.Series(pd.to_datetime([stamp]))).tolist() == [week]


def test_iso_week_of_missing_timestamp_is_missing():
    weeks = iso_week(pd.Series(pd.to_datetime(["2026-01-05", None])))

    assert weeks[0] == "2026-W02"
    assert pd.isna(weeks[1])


def test_content_id_is_stable_and_depends_on_source_and_every_value():
    row = {"comment": "hello", "created_at": "2026-01-05", "age": 31}
    base = content_id("s.csv", row)

    assert base == content_id("s.csv", dict(reversed(row.items())))
    assert base.startswith("h:") and len(base) == 22
    assert len({base, content_id("t.csv", row),
                content_id("s.csv", {**row, "comment": "hello!"}),
                content_id("s.csv", {**row, "created_at": "2026-01-06"}),
                content_id("s.csv", {**row, "age": 32})}) == 5


def test_validate_identical_rows_without_id_are_duplicates():
    info = SourceInfo("reviews.csv", {"text": ["comment"], "timestamp": ["created_at"]},
                      "review", "review")
    rows = [{"comment": "Nice", "created_at": "2026-01-05"},
            {"comment": "Nice", "created_at": "2026-01-05"},
            {"comment": "Nice", "created_at": "2026-01-06"}]

    records, rejects = _validate(rows, info=info)

    expected = content_id("reviews.csv", rows[0])
    assert records["record_id"].tolist() == [expected, content_id("reviews.csv", rows[2])]
    assert rejects.loc[0, ["row", "record_id", "reason"]].tolist() == [
        3, expected, "duplicate_id"]


def test_validate_same_text_and_date_from_different_people_are_not_duplicates():
    info = SourceInfo("reviews.csv", {"text": ["comment"], "timestamp": ["created_at"]},
                      "review", "review")
    rows = [{"comment": "Love it!", "created_at": "2026-01-05", "age": "34"},
            {"comment": "Love it!", "created_at": "2026-01-05", "age": "52"}]

    records, rejects = _validate(rows, info=info)

    assert len(records) == 2 and rejects.empty


def test_validate_numeric_ids_keep_their_digits():
    records, _ = _validate([_row(id=1001.0), _row(id="00123"), _row(id=7)])

    assert records["record_id"].tolist() == ["1001", "00123", "7"]


def test_validate_keeps_unmapped_columns_in_extra_as_json_without_nulls():
    rows = [_row(region="EMEA", plan=None, tier=""), _row(id="R2", region="APAC", plan=3.5)]

    records, _ = _validate(rows)

    assert [json.loads(e) for e in records["extra"]] == [
        {"region": "EMEA", "tier": ""},
        {"region": "APAC", "plan": 3.5}]


def test_validate_reject_raw_holds_the_original_values_and_overflow():
    row = _row(id="R9", nps="11", region="EMEA", **{OVERFLOW: ["x", "y"]})

    _, rejects = _validate([row])

    assert json.loads(rejects.loc[0, "raw"]) == {
        "id": "R9", "comment": "Great service", "created_at": "2026-01-05T10:00:00Z",
        "nps": "11", "csat": "", "ces": "", "agent": "A1", "region": "EMEA",
        OVERFLOW: ["x", "y"]}


def test_validate_joins_title_and_body():
    info = SourceInfo("r.csv", {"text": ["title", "body"], "timestamp": ["date"]}, "review",
                      "review")
    rows = [{"title": "Great", "body": "Fast delivery", "date": "2026-01-05"},
            {"title": "Wow!", "body": "Cheap", "date": "2026-01-05"},
            {"title": "", "body": "Only body", "date": "2026-01-05"},
            {"title": "Only title", "body": None, "date": "2026-01-05"}]

    records, _ = _validate(rows, info=info)

    assert records["text"].tolist() == ["Great. Fast delivery", "Wow! Cheap", "Only body",
                                        "Only title"]


def test_validate_mapped_channel_is_lowercased_and_falls_back_to_source_default():
    info = SourceInfo("m.csv", {**MAPPING, "channel": ["medium"]}, "other", "message")
    records, _ = _validate([_row(id="1", medium=" Chat "), _row(id="2", medium="")], info=info)

    assert records["channel"].tolist() == ["chat", "other"]
    assert records["kind"].tolist() == ["message", "message"]


def test_validate_keeps_transcript_turns():
    info = SourceInfo("calls/", {"text": ["__turns_text__"], "timestamp": ["timestamp"]},
                      "call", "transcript")
    turns = [{"speaker": "agent", "text": "Hi", "start_s": 1.0, "end_s": None}]
    rows = [{"__turns_text__": "Agent: Hi", "timestamp": "2026-01-05", "turns": turns,
             "file": "a.txt"}]

    records, _ = _validate(rows, info=info)

    assert list(records.columns)[-1] == "turns"
    assert records.loc[0, "turns"] == turns
    assert records.loc[0, "text"] == "Agent: Hi"
    assert json.loads(records.loc[0, "extra"]) == {"file": "a.txt"}


def test_validate_works_with_a_non_default_index():
    raw = _raw([_row(id="1"), _row(id="2", comment="")])
    raw.index = [40, 41]

    records, rejects = validate(raw, INFO, ValidationSettings(), SeenIds())

    assert records["record_id"].tolist() == ["1"]
    assert rejects["record_id"].tolist() == ["2"]


def test_validate_rejects_a_bare_year_as_timestamp():
    records, rejects = _validate([_row(id="Y1", created_at="2026"), _row(id="Y2")])

    assert records["record_id"].tolist() == ["Y2"]
    assert rejects.loc[0, ["record_id", "reason"]].tolist() == ["Y1", "bad_timestamp"]

"""Safe exports: formula guarding for spreadsheets, CSV and JSONL row writing."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest

from feedback_engine.exports import RowWriter, guard_cell


@pytest.mark.parametrize(("value", "expected"), [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
    ("+1 555 0100", "'+1 555 0100"),
    ("-2+3", "'-2+3"),
    ("@cmd", "'@cmd"),
    ("\tindent", "'\tindent"),
    ("\rreturn", "'\rreturn"),
    (" =x", "' =x"),  # spreadsheets skip the blank: the first visible character counts
    ("\u00a0=1+1", "'\u00a0=1+1"),
    ("\u200b@cmd", "'\u200b@cmd"),
    ("\ufeff\uff1dSUM(A1)", "'\ufeff\uff1dSUM(A1)"),
])
def test_guard_cell_prefixes_formula_like_strings(value, expected):
    assert guard_cell(value) == expected


@pytest.mark.parametrize("value", ["plain text", "", "a=b", "   ", " x=1", -3, 2.5, None, True])
def test_guard_cell_leaves_other_values_alone(value):
    assert guard_cell(value) is value


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "record_id": ["R1", "R2", "R3"],
        "text": ["=HYPERLINK(\"http://evil\")", None, "fine, with comma"],
        "nps": pd.array([9, None, 0], dtype="Int8"),
        "sentiment": [-0.5, np.nan, 0.25],
        "agent_id": ["@A1", "A2", "-A3"],
    })


def test_row_writer_csv_guards_formula_cells_and_blanks_missing(tmp_path):
    path = tmp_path / "out" / "records.csv"
    columns = ["record_id", "text", "nps", "sentiment", "agent_id"]

    with RowWriter(path, columns) as writer:
        writer.write(_frame())
        writer.write(_frame().iloc[:1])

    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert writer.rows == 4
    assert rows[0] == columns
    assert rows[1] == ["R1", "'=HYPERLINK(\"http://evil\")", "9", "-0.5", "'@A1"]
    assert rows[2] == ["R2", "", "", "", "A2"]
    assert rows[3] == ["R3", "fine, with comma", "0", "0.25", "'-A3"]
    assert rows[4] == rows[1]


def test_row_writer_csv_writes_only_the_chosen_columns_in_order(tmp_path):
    path = tmp_path / "subset.csv"

    with RowWriter(path, ["agent_id", "record_id"]) as writer:
        writer.write(_frame())

    assert path.read_text(encoding="utf-8").splitlines() == [
        "agent_id,record_id", "'@A1,R1", "A2,R2", "'-A3,R3"]


def test_row_writer_jsonl_writes_one_object_per_row_with_nulls(tmp_path):
    path = tmp_path / "records.jsonl"
    columns = ["record_id", "text", "nps", "sentiment", "agent_id"]

    with RowWriter(path, columns) as writer:
        writer.write(_frame())

    objects = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert writer.rows == 3
    assert objects == [
        # JSONL is for programs, not spreadsheets: values are written unguarded.
        {"record_id": "R1", "text": "=HYPERLINK(\"http://evil\")", "nps": 9,
         "sentiment": -0.5, "agent_id": "@A1"},
        {"record_id": "R2", "text": None, "nps": None, "sentiment": None, "agent_id": "A2"},
        {"record_id": "R3", "text": "fine, with comma", "nps": 0, "sentiment": 0.25,
         "agent_id": "-A3"},
    ]


def test_row_writer_jsonl_keeps_lists_timestamps_and_unicode(tmp_path):
    path = tmp_path / "rich.ndjson"
    frame = pd.DataFrame({"keywords": [["refund", "late"], []],
                          "timestamp": pd.to_datetime(["2026-01-05 10:00", None]),
                          "text": ["café ☕", "x"]})

    with RowWriter(path, list(frame.columns)) as writer:
        writer.write(frame)

    lines = path.read_text(encoding="utf-8").splitlines()
    assert "café ☕" in lines[0]  # not \u-escaped
    assert [json.loads(line) for line in lines] == [
        {"keywords": ["refund", "late"], "timestamp": "2026-01-05 10:00:00", "text": "café ☕"},
        {"keywords": [], "timestamp": None, "text": "x"},
    ]

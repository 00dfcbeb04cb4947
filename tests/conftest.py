"""Shared fixtures: a fresh default config and small input files written into ``tmp_path``.

Fixtures here only write files under ``tmp_path`` and never touch the network or ``../shared``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from feedback_engine.config import DEFAULTS


@pytest.fixture
def config() -> dict[str, Any]:
    """A deep copy of the default configuration, safe to change in a test."""
    return copy.deepcopy(DEFAULTS)


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Return ``write(name, content, encoding="utf-8") -> Path`` writing under ``tmp_path``.

    ``content`` is text (encoded with ``encoding``) or bytes (written as is); parent folders
    in ``name`` are created.
    """

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode(encoding)
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def read_rows() -> Callable[..., list[dict[str, Any]]]:
    """Return ``read(source, chunk_size=1000) -> list[dict]``: every raw row of a source."""

    def read(source: Any, chunk_size: int = 1000) -> list[dict[str, Any]]:
        return [row for chunk in source.chunks(chunk_size) for row in chunk.to_dict("records")]

    return read


@pytest.fixture
def csv_file(write_file: Callable[..., Path]) -> Path:
    """A UTF-8 survey export: id, comment, created_at, score; three rows."""
    return write_file("survey_export.csv",
                      "id,comment,created_at,score\n"
                      "R1,Great service,2026-01-05T10:00:00Z,10\n"
                      "R2,Slow refund,2026-01-06,3\n"
                      "R3,ok,2026-01-07 08:30,8\n")


@pytest.fixture
def jsonl_file(write_file: Callable[..., Path]) -> Path:
    """Chat records as JSON lines: a nested value, a broken line (2), a blank line, an array."""
    good = {"chat_id": "C1", "text": "App keeps crashing", "created_at": "2026-02-02T09:00:00Z",
            "meta": {"device": "ios", "version": 5}, "tags": ["app", "crash"]}
    other = {"chat_id": "C2", "text": "Thanks!", "created_at": "2026-02-03T09:00:00Z"}
    lines = [json.dumps(good), '{"chat_id": "C9", "text": ', "", json.dumps(other), "[1, 2]"]
    return write_file("chats.jsonl", "\n".join(lines) + "\n")


@pytest.fixture
def parquet_file(tmp_path: Path) -> Path:
    """Two reviews with an int id and a naive datetime column, written with pyarrow."""
    path = tmp_path / "reviews.parquet"
    frame = pd.DataFrame({
        "review_id": [101, 102],
        "Review Text": ["Love the new plan", "Billing is confusing"],
        "created_at": [dt.datetime(2026, 3, 2, 14, 30), dt.datetime(2026, 3, 3, 0, 0)],
    })
    frame.to_parquet(path, engine="pyarrow", index=False)
    return path


@pytest.fixture
def xlsx_file(tmp_path: Path) -> Path:
    """A workbook: header, a row with a date cell and int id, a blank row, a datetime row."""
    from openpyxl import Workbook

    path = tmp_path / "nps_survey.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "Responses"
    sheet.append(["ticket_id", "comment", "created_at", "score"])
    sheet.append([1001, "Fast answer", dt.date(2026, 4, 6), 9])
    sheet.append([None, None, None, None])
    sheet.append([1002.0, "Waited an hour", dt.datetime(2026, 4, 7, 16, 45), 2])
    book.create_sheet("Notes").append(["nothing here"])
    book.save(path)
    return path


CALL_WITH_TIMES = """\
# call_id: CALL-1
# timestamp: 2026-09-03T14:22:10Z
# agent: A007
[00:00:01] Rep: Thank you for calling, how can I help?
[00:01:07] Caller: I've been charged twice.
and this line continues the caller's turn.
[1:02:03] IVR: Transferring you now.
"""

CALL_WITHOUT_TIMES = """\
# call_id: CALL-2
# timestamp: 2026-09-04 09:00:00
Agent: Hello, this is Sam.
Customer: Hi Sam, my router is down.
"""


@pytest.fixture
def transcript_folder(write_file: Callable[..., Path]) -> Path:
    """A folder ``calls/`` with two plain-text call transcripts (with and without times)."""
    write_file("calls/call_2.txt", CALL_WITHOUT_TIMES)
    return write_file("calls/call_1.txt", CALL_WITH_TIMES).parent

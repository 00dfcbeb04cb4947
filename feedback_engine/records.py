"""The canonical record: its columns, their types, and validation into records and rejects.

A source hands over raw chunks (strings as read, plus the source row number); :func:`validate`
maps them to the canonical schema of ``DESIGN.md`` and splits them into rows that go on and
rows that go to ``rejects`` with a reason. Every raw row ends in exactly one of the two.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# Source row number, carried through every chunk so each record and reject can be traced back.
ROW = "__row__"
# A reason a source already attached to a raw row (e.g. a malformed JSON line).
SOURCE_REJECT = "__reject__"
# Fields beyond the header in a malformed CSV row, kept so the reject loses nothing.
OVERFLOW = "__overflow__"
# The text of a line that could not be parsed at all (broken JSON), kept for the reject.
RAW_LINE = "__line__"

# DuckDB types of the canonical columns, in table order.
CANONICAL_COLUMNS: dict[str, str] = {
    "record_id": "VARCHAR",
    "source": "VARCHAR",
    "row": "BIGINT",
    "channel": "VARCHAR",
    "kind": "VARCHAR",
    "timestamp": "TIMESTAMP",  # UTC, stored without a zone
    "week": "VARCHAR",  # ISO week, e.g. 2026-W47
    "text": "VARCHAR",
    "agent_id": "VARCHAR",
    "team": "VARCHAR",
    "queue": "VARCHAR",
    "product": "VARCHAR",
    "customer_id": "VARCHAR",
    "language": "VARCHAR",
    "csat": "TINYINT",
    "nps": "TINYINT",
    "ces": "TINYINT",
    "extra": "JSON",
}
OPTIONAL_TEXT_FIELDS = ("agent_id", "team", "queue", "product", "customer_id", "language")
# Inclusive ranges of the survey scores (DESIGN.md: CSAT 1-5, NPS 0-10, CES 1-7).
SCORE_RANGES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
# Feedback dates outside these years are typos or placeholders (0001-01-01, 9999-12-31).
PLAUSIBLE_YEARS = (1970, 2100)
# A score as text: ASCII digits, optionally signed, optionally with a decimal part ("9.0").
SCORE_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]*)?", re.ASCII)

SPEAKERS = ("agent", "customer", "system", "bot")


def customer_text(turns: Any, joiner: str, speaker: str = "customer") -> str | None:
    """One speaker's non-blank turns joined by ``joiner`` ("" if all are blank); None when
    ``turns`` is not a list or has no turn by ``speaker`` (then read the record's text).

    >>> customer_text([{"speaker": "agent", "text": "Hello"},
    ...                {"speaker": "customer", "text": "Charged twice"}], " ")
    'Charged twice'
    """
    if not isinstance(turns, list):
        return None
    said = [t.get("text") or "" for t in turns
            if isinstance(t, dict) and t.get("speaker") == speaker]
    if not said:
        return None
    return joiner.join(s.strip() for s in said if s.strip())


# Reject reasons: stable codes, used in the rejects table, summaries and the docs.
REJECT_REASONS = {
    "malformed_row": "the row could not be parsed (wrong field count, broken JSON)",
    "empty_text": "the text is empty or only whitespace",
    "missing_timestamp": "the timestamp is empty",
    "bad_timestamp": "the timestamp could not be parsed as a date",
    "bad_score": "a score is not a whole number",
    "score_out_of_range": "a score is outside its scale",
    "oversize_field": "a field is longer than the configured limit",
    "duplicate_id": "the record id (or, without ids, the same content) was already seen",
    "stage_timeout": "a stage took longer than input.record_budget_s on this record",
}


@dataclass(frozen=True)
class SourceInfo:
    """What validation needs to know about one input file."""

    name: str  # the `source` value stored with every record
    mapping: dict[str, list[str]]  # canonical column -> raw column(s)
    channel: str
    kind: str


@dataclass
class ValidationSettings:
    """Limits applied to every row."""

    max_text_chars: int = 20_000
    max_field_chars: int = 2_000
    dayfirst: bool = False

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> ValidationSettings:
        """The limits of a config's ``[input]`` section."""
        return cls(section["max_text_chars"], section["max_field_chars"], section["dayfirst"])


@dataclass
class SeenIds:
    """Record ids already accepted from one source in this read, to catch duplicates."""

    rows: dict[str, int] = field(default_factory=dict)


def content_id(source: str, values: dict[str, Any]) -> str:
    """Return a stable id for a row without one: a hash of its source and all its values.

    All values, not only text and date: two customers may well both write "Love it!" on
    the same day, and only a row identical in every column is a duplicate.
    """
    content = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(f"{source}\x1f{content}".encode()).hexdigest()
    return f"h:{digest[:20]}"


def iso_week(ts: pd.Series) -> pd.Series:
    """Return ISO week labels (``2026-W47``) for a datetime series."""
    cal = ts.dt.isocalendar()
    weeks = (cal["year"].astype("Int64").astype(str) + "-W"
             + cal["week"].astype("Int64").astype(str).str.zfill(2))
    return weeks.where(ts.notna(), None)


def _blank(value: Any) -> bool:
    return (value is None or (isinstance(value, float) and math.isnan(value))
            or (isinstance(value, str) and not value.strip()))


def _as_text(value: Any) -> str | None:
    """Return a stripped string, or None for blanks (keeping ids like 00123 intact)."""
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _column(raw: pd.DataFrame, names: list[str]) -> pd.Series:
    """Join the mapped raw columns (e.g. title + body) into one text series."""
    parts = [[_as_text(v) for v in raw[name].tolist()] for name in names]
    joined = [functools.reduce(_join_two, values) for values in zip(*parts, strict=True)]
    return pd.Series(joined, index=raw.index, dtype=object)


def _join_two(a: str | None, b: str | None) -> str | None:
    if a and b:
        return f"{a}. {b}" if a[-1] not in ".!?:" else f"{a} {b}"
    return a or b


def _parse_timestamps(values: pd.Series, dayfirst: bool) -> pd.Series:
    # Words like "today" or "now" would parse relative to the clock; a date needs a digit.
    text = values.fillna("").astype(str).str.strip()
    # A bare year or number ("2026", "7") is not a point in time, though parsers accept it.
    has_digit = text.str.contains(r"\d", regex=True) & ~text.str.fullmatch(r"\d{1,4}")
    candidates = values.where(has_digit, None)
    # Most exports are ISO 8601, which parses vectorised; only the rest goes element by
    # element through the slower "mixed" parser.
    parsed = _to_datetime(candidates, format="ISO8601")
    retry = parsed.isna() & candidates.notna()
    if retry.any():
        parsed[retry] = _to_datetime(candidates[retry], format="mixed", dayfirst=dayfirst)
    return parsed.dt.tz_convert(None)


def _to_datetime(values: pd.Series, **options: Any) -> pd.Series:
    """``pd.to_datetime`` with ``errors="coerce"`` that cannot raise for one bad value.

    pandas still raises ``OutOfBoundsDatetime`` for a date outside 1677-2262 (``0001-01-01``,
    ``9999-12-31``) when another value of the chunk has 7+ fractional digits (.NET
    round-trip times). Then each value is parsed alone, so only the bad one becomes NaT
    (a ``bad_timestamp`` reject) and the rest of the chunk loads.
    """
    try:
        parsed = pd.to_datetime(values, utc=True, errors="coerce", **options)
    except (ValueError, OverflowError):
        out = []
        for value in values:
            try:
                out.append(pd.to_datetime(value, utc=True, errors="coerce", **options))
            except (ValueError, OverflowError):
                out.append(pd.NaT)
        parsed = pd.Series([v if v is not pd.NaT and PLAUSIBLE_YEARS[0] <= v.year
                            <= PLAUSIBLE_YEARS[1] else pd.NaT for v in out],
                           index=values.index, dtype="datetime64[ns, UTC]")
    # The "mixed" parser may return a coarser unit that holds year 1 or 9999; the years
    # outside PLAUSIBLE_YEARS are dropped before the conversion to nanoseconds, which would
    # overflow on them.
    parsed = pd.Series(parsed, index=values.index)
    plausible = (parsed.dt.year >= PLAUSIBLE_YEARS[0]) & (parsed.dt.year <= PLAUSIBLE_YEARS[1])
    return parsed.where(plausible).dt.as_unit("ns")


def _parse_score(value: Any, name: str) -> tuple[int | None, str | None, str | None]:
    """Return (score, reason, detail) for one raw score value."""
    if _blank(value):
        return None, None, None
    text = str(value).strip()
    # ASCII digits only: float() would also take "９" (fullwidth), "1_0", "1e1" and "nan".
    if not SCORE_TEXT.fullmatch(text):
        return None, "bad_score", f"{name} is not a number"
    number = float(text)
    if not number.is_integer():
        return None, "bad_score", f"{name}={number:g} is not a whole number"
    low, high = SCORE_RANGES[name]
    if not low <= number <= high:
        return None, "score_out_of_range", f"{name}={number:g} outside {low}-{high}"
    return int(number), None, None


def _without_surrogates(raw: pd.DataFrame, flag: Callable[[int, str, str], None]
                        ) -> pd.DataFrame:
    """Flag rows holding a lone surrogate (not encodable as UTF-8) and replace it with U+FFFD.

    Readers reject such lines already; this guards callers that pass a DataFrame directly,
    since hashing and Arrow conversion would otherwise raise for the whole chunk.
    """
    bad = {}
    for column in raw.columns:
        if column in (ROW, SOURCE_REJECT, "turns") or raw[column].dtype != object:
            continue
        values = raw[column].tolist()
        for i, value in enumerate(values):
            if isinstance(value, str) and not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    flag(i, "malformed_row", "a value holds a lone Unicode surrogate")
                    values[i] = value.encode("utf-8", "surrogatepass").decode("utf-8",
                                                                              "replace")
                    bad[column] = values
    if not bad:
        return raw
    raw = raw.copy()
    for column, values in bad.items():
        raw[column] = pd.Series(values, index=raw.index, dtype=object)
    return raw


def validate(
    raw: pd.DataFrame, info: SourceInfo, settings: ValidationSettings, seen: SeenIds
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map a raw chunk to canonical records and split off rejects.

    Args:
        raw: raw rows as read, with the source row number in column ``__row__`` and, for
            transcripts, a ``turns`` column of lists of dicts.
        info: the source name, column mapping and default channel/kind.
        settings: size limits and date parsing options.
        seen: ids accepted earlier from the same source; updated in place.

    Returns:
        ``(records, rejects)``; rejects has ``source, row, record_id, reason, detail, raw``.
        ``len(records) + len(rejects) == len(raw)``.
    """
    n = len(raw)
    reasons: list[str | None] = [None] * n
    details: list[str | None] = [None] * n
    if SOURCE_REJECT in raw:
        for i, value in enumerate(raw[SOURCE_REJECT].tolist()):
            if isinstance(value, str) and value:
                reasons[i], details[i] = "malformed_row", value

    def flag(i: int, reason: str, detail: str) -> None:
        if reasons[i] is None:
            reasons[i], details[i] = reason, detail

    raw = _without_surrogates(raw, flag)
    mapping = info.mapping
    text = _column(raw, mapping["text"])
    dated = "timestamp" in mapping  # absent only when require_timestamp is off
    if dated:
        stamp_raw = _column(raw, mapping["timestamp"])
        stamps = _parse_timestamps(stamp_raw, settings.dayfirst)
    else:
        stamp_raw = pd.Series([None] * n, index=raw.index, dtype=object)
        stamps = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    out = pd.DataFrame(index=raw.index)
    out["text"] = text
    out["timestamp"] = stamps

    for i, (t, s_raw, s) in enumerate(zip(text.tolist(), stamp_raw.tolist(),
                                          stamps.tolist(), strict=True)):
        if t is None:
            flag(i, "empty_text", "text is empty")
        elif len(t) > settings.max_text_chars:
            flag(i, "oversize_field",
                 f"text has {len(t)} characters, limit {settings.max_text_chars}")
        if not dated:
            continue
        if s_raw is None:
            flag(i, "missing_timestamp", "timestamp is empty")
        elif pd.isna(s):
            flag(i, "bad_timestamp", "timestamp could not be parsed as a date")

    for name in SCORE_RANGES:
        values: list[int | None] = [None] * n
        if name in mapping:
            for i, value in enumerate(_column(raw, mapping[name]).tolist()):
                values[i], reason, detail = _parse_score(value, name)
                if reason:
                    flag(i, reason, detail)
        out[name] = pd.array(values, dtype="Int8")

    for name in (*OPTIONAL_TEXT_FIELDS, "channel", "kind"):
        if name in mapping:
            series = _column(raw, mapping[name])
            for i, value in enumerate(series.tolist()):
                if value is not None and len(value) > settings.max_field_chars:
                    flag(i, "oversize_field", f"{name} is longer than "
                         f"{settings.max_field_chars} characters")
            out[name] = series
        elif name in ("channel", "kind"):
            out[name] = getattr(info, name)
        else:
            out[name] = None
    out["channel"] = out["channel"].fillna(info.channel).str.lower()
    out["kind"] = out["kind"].fillna(info.kind).str.lower()

    given = _column(raw, mapping["record_id"]).tolist() if "record_id" in mapping else [None] * n
    visible = [c for c in raw.columns if not str(c).startswith("__") and c != "turns"]
    ids = [
        rid if rid is not None else content_id(info.name, {
            k: _clean(v) for k, v in values.items()})
        for rid, values in zip(given, raw[visible].to_dict("records"), strict=True)
    ]
    used = {c for cols in mapping.values() for c in cols} | {ROW, SOURCE_REJECT, "turns"}
    extra_cols = [c for c in raw.columns if c not in used and not str(c).startswith("__")]
    # Unmapped columns are kept in `extra`, often as nested JSON, so they get the text limit
    # rather than the field limit; a pasted 10 MB log in a `notes` column is still refused.
    for position, column in enumerate(extra_cols, start=1):
        for i, value in enumerate(raw[column].tolist()):
            if isinstance(value, str) and len(value) > settings.max_text_chars:
                flag(i, "oversize_field", f"unmapped column #{position} has {len(value)} "
                     f"characters, limit {settings.max_text_chars}")
    rows = raw[ROW].astype("int64").tolist()
    for i, rid in enumerate(ids):
        if reasons[i] is not None:
            continue
        if rid in seen.rows:
            flag(i, "duplicate_id", f"record id already seen at row {seen.rows[rid]}")
        else:
            seen.rows[rid] = rows[i]

    out["record_id"] = ids
    out["source"] = info.name
    out["row"] = rows
    out["week"] = iso_week(out["timestamp"])
    out["extra"] = _extra_json(raw[extra_cols]) if extra_cols else None
    if "turns" in raw:
        out["turns"] = raw["turns"]

    bad = pd.Series([r is not None for r in reasons], index=raw.index)
    rejects = pd.DataFrame({
        "source": info.name,
        "row": [rows[i] for i in range(n) if reasons[i]],
        "record_id": [ids[i] for i in range(n) if reasons[i]],
        "reason": [r for r in reasons if r],
        "detail": [d for r, d in zip(reasons, details, strict=True) if r],
        "raw": [_raw_json(rec) for rec in raw[bad.to_numpy()].drop(
            columns=[ROW, SOURCE_REJECT], errors="ignore").to_dict("records")],
    })
    records = out[~bad.to_numpy()].reset_index(drop=True)
    ordered = [c for c in CANONICAL_COLUMNS if c in records] + (
        ["turns"] if "turns" in records else [])
    return records[ordered], rejects


def _clean(value: Any) -> Any:
    return None if _blank(value) and not isinstance(value, str) else value


def _extra_json(frame: pd.DataFrame) -> list[str]:
    # Nulls are left out: a sheet's formatted-but-empty columns should not fill every record.
    return [json.dumps({k: c for k, v in row.items() if (c := _clean(v)) is not None},
                       ensure_ascii=False, default=str)
            for row in frame.to_dict("records")]


def _raw_json(row: dict[str, Any]) -> str:
    """The reject's original values (nulls left out); helper columns out, overflow kept."""
    kept = {k: v for k, v in ((k, _clean(v)) for k, v in row.items())
            if v is not None and (not str(k).startswith("__") or k in (OVERFLOW, RAW_LINE))}
    return json.dumps(kept, ensure_ascii=False, default=str)

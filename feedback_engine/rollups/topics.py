"""Topic and term rollups for the report: over time, per segment, and what is new.

Every function takes an open DuckDB connection to the warehouse and half-open date ranges
``[start, end)`` (dates, datetimes or ISO strings), reads the ``records`` table and returns
JSON-serialisable lists of dicts. Records with ``topic_id = -1`` count as ``unassigned``;
records with NULL ``topic_id`` (no model configured) are left out.

Example:
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE records (timestamp TIMESTAMP, topic_id INTEGER, "
    ...                 "topic_label VARCHAR, channel VARCHAR, text_redacted VARCHAR)")
    >>> _ = con.execute("INSERT INTO records VALUES ('2026-01-05', 1, 'refund', 'chat', 'x'),"
    ...                 "('2026-01-06', 1, 'refund', 'call', 'y')")
    >>> topics_over_time(con, "2026-01-01", "2026-02-01")[0]["n"]
    2
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import duckdb

from ..errors import ConfigError
from ..topics.distinctive import distinctive_terms

DateLike = dt.date | dt.datetime | str
SEGMENTS = ("channel", "kind", "team", "queue", "product", "source", "language")


def _bound(value: DateLike) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    try:
        return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        raise ConfigError(f"'{value}' is not a date; write it like 2026-11-23") from None


def _has_topics(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute("SELECT column_name FROM information_schema.columns "
                       "WHERE table_name = 'records'").fetchall()
    return {"topic_id", "topic_label"} <= {r[0] for r in rows}


def topic_counts(con: duckdb.DuckDBPyConnection, start: DateLike,
                 end: DateLike) -> list[dict[str, Any]]:
    """Records per topic in ``[start, end)``, largest first: ``{topic_id, topic_label, n,
    share}`` (share of records with a topic value, unassigned included)."""
    if not _has_topics(con):
        return []
    rows = con.execute(
        "SELECT topic_id, any_value(topic_label) AS label, count(*) AS n FROM records "
        "WHERE timestamp >= ? AND timestamp < ? AND topic_id IS NOT NULL "
        "GROUP BY topic_id ORDER BY n DESC, topic_id",
        [_bound(start), _bound(end)]).fetchall()
    total = sum(r[2] for r in rows)
    return [{"topic_id": int(t), "topic_label": label if t >= 0 else "unassigned", "n": int(n),
             "share": round(n / total, 4)} for t, label, n in rows]


def topics_over_time(con: duckdb.DuckDBPyConnection, start: DateLike, end: DateLike,
                     period: str = "week") -> list[dict[str, Any]]:
    """Records per topic per ISO week (``period="week"``) or day (``"day"``).

    Returns ``[{period, topic_id, topic_label, n, share}]`` ordered by period then size;
    ``share`` is of that period's records with a topic value.
    """
    if period not in ("week", "day"):
        raise ConfigError(f"period must be week or day, got {period!r}")
    if not _has_topics(con):
        return []
    key = ("strftime(timestamp, '%G-W%V')" if period == "week"
           else "strftime(timestamp, '%Y-%m-%d')")
    rows = con.execute(
        f"SELECT {key} AS p, topic_id, any_value(topic_label), count(*) AS n, "
        f"sum(count(*)) OVER (PARTITION BY {key}) AS total FROM records "
        "WHERE timestamp >= ? AND timestamp < ? AND topic_id IS NOT NULL "
        "GROUP BY p, topic_id ORDER BY p, n DESC, topic_id",
        [_bound(start), _bound(end)]).fetchall()
    return [{"period": p, "topic_id": int(t), "topic_label": label if t >= 0 else "unassigned",
             "n": int(n), "share": round(n / total, 4)} for p, t, label, n, total in rows]


def topics_by_segment(con: duckdb.DuckDBPyConnection, start: DateLike, end: DateLike,
                      segment: str = "channel") -> list[dict[str, Any]]:
    """Records per segment value and topic: ``[{segment, topic_id, topic_label, n, share}]``
    where ``share`` is of the segment's records with a topic value."""
    if segment not in SEGMENTS:
        raise ConfigError(f"unknown segment '{segment}'; choose one of {', '.join(SEGMENTS)}")
    if not _has_topics(con):
        return []
    rows = con.execute(
        f'SELECT coalesce("{segment}", \'(none)\') AS s, topic_id, any_value(topic_label), '
        f'count(*) AS n, sum(count(*)) OVER (PARTITION BY coalesce("{segment}", \'(none)\')) '
        "FROM records WHERE timestamp >= ? AND timestamp < ? AND topic_id IS NOT NULL "
        "GROUP BY s, topic_id ORDER BY s, n DESC, topic_id",
        [_bound(start), _bound(end)]).fetchall()
    return [{"segment": s, "topic_id": int(t),
             "topic_label": label if t >= 0 else "unassigned", "n": int(n),
             "share": round(n / total, 4)} for s, t, label, n, total in rows]


def topic_changes(con: duckdb.DuckDBPyConnection, start: DateLike, end: DateLike,
                  baseline_start: DateLike, baseline_end: DateLike, min_n: int = 5,
                  z_min: float = 3.0) -> list[dict[str, Any]]:
    """Topics that are new or spiking in ``[start, end)`` against the baseline range.

    A topic's period count is compared with a Poisson expectation from its baseline share
    scaled to the period's volume (expected = baseline share x period total, with half a
    record added to the baseline count so a topic absent there still has an expectation);
    ``z = (n - expected) / sqrt(expected)``.

    Returns:
        ``[{topic_id, topic_label, n, share, baseline_n, baseline_share, expected, ratio, z,
        new}]`` for topics with ``n >= min_n`` and ``z >= z_min``, highest z first;
        ``new`` is true when the baseline never saw the topic.
    """
    now = {r["topic_id"]: r for r in topic_counts(con, start, end)}
    before = {r["topic_id"]: r for r in topic_counts(con, baseline_start, baseline_end)}
    total_now = sum(r["n"] for r in now.values())
    total_before = sum(r["n"] for r in before.values())
    out = []
    for topic_id, row in now.items():
        if topic_id < 0 or row["n"] < min_n:
            continue
        base_n = before.get(topic_id, {}).get("n", 0)
        expected = total_now * (base_n + 0.5) / max(total_before, 1)
        z = (row["n"] - expected) / math.sqrt(expected)
        if z < z_min:
            continue
        out.append({"topic_id": topic_id, "topic_label": row["topic_label"], "n": row["n"],
                    "share": row["share"], "baseline_n": base_n,
                    "baseline_share": round(base_n / total_before, 4) if total_before else 0.0,
                    "expected": round(expected, 2), "ratio": round(row["n"] / expected, 2),
                    "z": round(z, 2), "new": base_n == 0})
    out.sort(key=lambda r: (-r["z"], r["topic_id"]))
    return out


def period_terms(con: duckdb.DuckDBPyConnection, start: DateLike, end: DateLike,
                 baseline_start: DateLike, baseline_end: DateLike, top_k: int = 15,
                 segment: str | None = None, value: str | None = None,
                 min_count: int = 3) -> list[dict[str, Any]]:
    """Distinctive terms of ``[start, end)`` against the baseline range (log-odds, prior).

    Optionally restricted to one segment value (``segment="channel", value="chat"``) in both
    ranges. See :func:`feedback_engine.topics.distinctive.distinctive_terms` for the fields.
    """
    where, extra = "timestamp >= ? AND timestamp < ?", []
    if segment is not None:
        if segment not in SEGMENTS:
            raise ConfigError(f"unknown segment '{segment}'; choose one of "
                              f"{', '.join(SEGMENTS)}")
        where += f' AND "{segment}" = ?'
        extra = [value]
    sql = f"SELECT text_redacted FROM records WHERE {where} ORDER BY timestamp, record_id"

    def texts(a: DateLike, b: DateLike) -> list[str]:
        return [r[0] for r in con.execute(sql, [_bound(a), _bound(b), *extra]).fetchall()]

    return distinctive_terms(texts(start, end), texts(baseline_start, baseline_end),
                             top_k=top_k, min_count=min_count)

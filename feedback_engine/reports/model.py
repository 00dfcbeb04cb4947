"""The report model: plain data (figures, tables, sentences) built from the warehouse.

Renderers (Markdown, HTML, JSON) only format this model, so every sentence of every format
comes from the same numbers. Sentences are generated deterministically from those numbers
and claim a change only when it is statistically significant and both weeks have enough
responses.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from .. import __version__
from ..errors import WarehouseError
from ..rollups import Z95, nps_from_counts, wilson
from ..warehouse import Warehouse

WEEKLY_SQL = """
SELECT week,
       count(*) AS volume,
       count(nps) AS nps_n,
       count(*) FILTER (WHERE nps >= 9) AS promoters,
       count(*) FILTER (WHERE nps <= 6) AS detractors,
       count(csat) AS csat_n,
       count(*) FILTER (WHERE csat >= 4) AS csat_hits,
       avg(csat) AS csat_mean,
       count(ces) AS ces_n,
       avg(ces) AS ces_mean,
       avg(sentiment) AS sentiment_mean,
       avg(CASE WHEN sentiment_label = 'negative' THEN 1.0 WHEN sentiment_label IS NULL
           THEN NULL ELSE 0.0 END) AS negative_share
FROM records
WHERE week IS NOT NULL AND (? IS NULL OR week >= ?) AND (? IS NULL OR week <= ?)
GROUP BY week ORDER BY week
"""

CHANNEL_SQL = """
SELECT channel, count(*) AS volume, avg(sentiment) AS sentiment_mean,
       count(nps) AS nps_n, count(*) FILTER (WHERE nps >= 9) AS promoters,
       count(*) FILTER (WHERE nps <= 6) AS detractors
FROM records WHERE week = ? GROUP BY channel ORDER BY volume DESC, channel
"""


@dataclass
class WeekRow:
    week: str
    volume: int
    nps: float | None
    nps_ci: tuple[float, float] | None
    nps_n: int
    csat: float | None  # share of 4-5
    csat_ci: tuple[float, float] | None
    csat_n: int
    csat_mean: float | None
    ces_mean: float | None
    ces_n: int
    sentiment_mean: float | None
    negative_share: float | None


@dataclass
class Report:
    title: str
    week: str
    generated_by: str
    weeks: list[WeekRow]
    channels: list[dict[str, Any]]
    narrative: list[str]
    data_quality: dict[str, Any]
    quotes: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _week_rows(frame) -> list[WeekRow]:
    rows = []
    for r in frame.to_dict("records"):
        n = nps_from_counts(int(r["nps_n"]), int(r["promoters"]), int(r["detractors"]))
        c = wilson(int(r["csat_hits"]), int(r["csat_n"]))
        rows.append(WeekRow(
            week=r["week"], volume=int(r["volume"]),
            nps=n.score, nps_ci=(n.ci_low, n.ci_high) if n.n else None, nps_n=n.n,
            csat=c.share, csat_ci=(c.ci_low, c.ci_high) if c.n else None, csat_n=c.n,
            csat_mean=_num(r["csat_mean"]), ces_mean=_num(r["ces_mean"]),
            ces_n=int(r["ces_n"]), sentiment_mean=_num(r["sentiment_mean"]),
            negative_share=_num(r["negative_share"])))
    return rows


def _significant(diff: float, se: float) -> bool:
    return se > 0 and abs(diff) / se >= Z95


def _nps_change(cur: WeekRow, prev: WeekRow, min_n: int) -> str | None:
    if cur.nps is None or prev.nps is None:
        return None
    if min(cur.nps_n, prev.nps_n) < min_n:
        return (f"NPS was {cur.nps:.1f} (n={cur.nps_n}); too few responses to compare with "
                f"{prev.week} (minimum {min_n}).")
    diff = cur.nps - prev.nps
    se = math.hypot(*((ci[1] - ci[0]) / (2 * Z95) for ci in (cur.nps_ci, prev.nps_ci)))
    direction = "rose" if diff > 0 else "fell"
    if _significant(diff, se):
        return (f"NPS {direction} {abs(diff):.1f} points to {cur.nps:.1f} "
                f"(95% CI {cur.nps_ci[0]:.1f} to {cur.nps_ci[1]:.1f}, n={cur.nps_n}), "
                f"a significant change from {prev.nps:.1f} in {prev.week}.")
    return (f"NPS was {cur.nps:.1f} (95% CI {cur.nps_ci[0]:.1f} to {cur.nps_ci[1]:.1f}, "
            f"n={cur.nps_n}), no significant change from {prev.nps:.1f} in {prev.week}.")


def _csat_change(cur: WeekRow, prev: WeekRow, min_n: int) -> str | None:
    if cur.csat is None or prev.csat is None:
        return None
    if min(cur.csat_n, prev.csat_n) < min_n:
        return (f"CSAT was {100 * cur.csat:.1f}% (n={cur.csat_n}); too few responses to "
                f"compare with {prev.week} (minimum {min_n}).")
    pooled = (cur.csat * cur.csat_n + prev.csat * prev.csat_n) / (cur.csat_n + prev.csat_n)
    se = math.sqrt(pooled * (1 - pooled) * (1 / cur.csat_n + 1 / prev.csat_n))
    diff = cur.csat - prev.csat
    if _significant(diff, se):
        direction = "rose" if diff > 0 else "fell"
        return (f"CSAT {direction} {100 * abs(diff):.1f} points to {100 * cur.csat:.1f}% "
                f"satisfied (n={cur.csat_n}), a significant change from "
                f"{100 * prev.csat:.1f}% in {prev.week}.")
    return (f"CSAT was {100 * cur.csat:.1f}% satisfied (n={cur.csat_n}), no significant "
            f"change from {100 * prev.csat:.1f}% in {prev.week}.")


def build_report(db: str, week: str | None = None, date_from: str | None = None,
                 date_to: str | None = None, title: str = "Weekly customer feedback report",
                 min_n: int = 30) -> Report:
    """Build the report model for ``week`` (default: the latest week with data).

    Args:
        db: the warehouse path.
        week: ISO week to report on, e.g. ``2026-W47``.
        date_from, date_to: ISO weeks bounding the trend table (inclusive).
        min_n: fewer responses than this in either week: no claim of change.

    Raises:
        WarehouseError: no warehouse, no records, or the week has no data.
    """
    with Warehouse(db, read_only=True) as warehouse:
        frame = warehouse.query(WEEKLY_SQL, [date_from, date_from, date_to, date_to])
        if frame.empty:
            raise WarehouseError(f"no records with a week in {db}; run `feedback analyze` "
                                 "first, or widen --from/--to")
        weeks = _week_rows(frame)
        by_week = {w.week: w for w in weeks}
        target = week or weeks[-1].week
        if target not in by_week:
            raise WarehouseError(f"no records in week {target}; weeks with data: "
                                 f"{weeks[0].week} to {weeks[-1].week}")
        channels = warehouse.query(CHANNEL_SQL, [target]).to_dict("records")
        quality = _data_quality(warehouse)
        quotes = _quotes(warehouse, target)
    index = [w.week for w in weeks].index(target)
    cur, prev = weeks[index], weeks[index - 1] if index > 0 else None
    narrative = [f"In {target}, {cur.volume:,} records were analyzed across "
                 f"{len(channels)} channels."]
    if prev is not None:
        change = 100 * (cur.volume - prev.volume) / prev.volume if prev.volume else 0.0
        narrative[0] = narrative[0][:-1] + (f", {abs(change):.0f}% "
                                            f"{'more' if change >= 0 else 'fewer'} than in "
                                            f"{prev.week} ({prev.volume:,}).")
        narrative += [s for s in (_nps_change(cur, prev, min_n), _csat_change(cur, prev, min_n))
                      if s]
    if cur.sentiment_mean is not None and cur.negative_share is not None:
        narrative.append(f"Mean sentiment was {cur.sentiment_mean:+.2f}; "
                         f"{100 * cur.negative_share:.0f}% of records read as negative.")
    channel_rows = []
    for c in channels:
        n = nps_from_counts(int(c["nps_n"]), int(c["promoters"]), int(c["detractors"]))
        channel_rows.append({"channel": c["channel"], "volume": int(c["volume"]),
                             "sentiment_mean": _num(c["sentiment_mean"]),
                             "nps": n.score, "nps_n": n.n})
    return Report(title=title, week=target, generated_by=f"feedback-engine {__version__}",
                  weeks=weeks, channels=channel_rows, narrative=narrative,
                  data_quality=quality, quotes=quotes)


QUOTE_CHARS = 300


def _shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _quotes(warehouse: Warehouse, week: str, n_negative: int = 3,
            n_positive: int = 2) -> list[dict[str, Any]]:
    """The week's most negative and most positive comments, redacted text only."""
    if not {"text_redacted", "sentiment"} <= set(warehouse.columns()):
        return []
    sql = ("SELECT record_id, channel, sentiment, text_redacted FROM records "
           "WHERE week = ? AND text_redacted IS NOT NULL AND sentiment {sign} 0 "
           "AND kind <> 'transcript' ORDER BY sentiment {order}, record_id LIMIT ?")
    out = []
    for tone, sign, order, n in (("negative", "<", "ASC", n_negative),
                                 ("positive", ">", "DESC", n_positive)):
        query = sql.format(sign=sign, order=order)
        for row in warehouse.query(query, [week, n]).to_dict("records"):
            out.append({"tone": tone, "record_id": row["record_id"], "channel": row["channel"],
                        "sentiment": float(row["sentiment"]),
                        "text": _shorten(row["text_redacted"])})
    return out


def _data_quality(warehouse: Warehouse) -> dict[str, Any]:
    counts = warehouse.counts()
    reasons = warehouse.query("SELECT reason, count(*) AS n FROM rejects GROUP BY reason "
                              "ORDER BY n DESC, reason").to_dict("records")
    last = warehouse.query("SELECT run_id, finished_at, version, config_hash, stages, read, "
                           "analyzed, rejected FROM runs WHERE status = 'ok' "
                           "ORDER BY finished_at DESC LIMIT 1").to_dict("records")
    run = last[0] if last else {}
    if run.get("finished_at") is not None:
        run["finished_at"] = dt.datetime.fromisoformat(str(run["finished_at"])).isoformat(
            timespec="seconds")
    return {"records": counts["records"], "rejects": counts["rejects"],
            "rejects_by_reason": {r["reason"]: int(r["n"]) for r in reasons},
            "last_run": {k: (int(v) if k in ("read", "analyzed", "rejected") else v)
                         for k, v in run.items()}}

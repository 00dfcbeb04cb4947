"""The report model: plain data (figures, tables, sentences) built from the warehouse.

Renderers (HTML, Markdown, JSON, PDF, table exports) only format this model, so every
sentence of every format comes from the same numbers. The rollups live in
:mod:`feedback_engine.rollups.weekly` (SQL in DuckDB); the sentences in
:mod:`feedback_engine.reports.narrative`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

from .._version import __version__
from ..errors import error
from ..periods import Period, parse_week, weeks_before
from ..rollups.weekly import Rollups, _in, compare, emerging, holm
from ..warehouse import Warehouse
from .narrative import narrative

DEFAULT_SEGMENTS = ("channel", "team", "queue", "product")
DEFAULT_DRIVERS = ("root_cause", "topic_label")
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "ru": "Russian", "de": "German",
                  "fr": "French", "es": "Spanish", "it": "Italian", "pl": "Polish"}
LANGUAGE_TOP_DRIVERS = 5  # drivers listed per driver column in each language's block


@dataclass
class ReportSettings:
    """What the report looks at; ``[report]`` in feedback.toml sets these."""

    title: str = "Weekly customer feedback report"
    min_n: int = 30  # fewer answers than this in either period: no claim of change
    segments: tuple[str, ...] = DEFAULT_SEGMENTS
    drivers: tuple[str, ...] = DEFAULT_DRIVERS
    trend_weeks: int = 12
    baseline_weeks: int = 4
    emerging_alpha: float = 0.01
    emerging_min_count: int = 10
    top_drivers: int = 10
    quotes_per_driver: int = 2
    qa_weeks: int = 4  # QA needs enough conversations per agent: the weeks ending the period

    @classmethod
    def from_config(cls, report: dict[str, Any]) -> ReportSettings:
        values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in report.items()
                  if k in cls.__dataclass_fields__}
        return cls(**values)


@dataclass
class Report:
    title: str
    period: dict[str, Any]
    kpis: dict[str, Any]
    trend: list[dict[str, Any]]
    segments: dict[str, list[dict[str, Any]]]
    drivers: list[dict[str, Any]]
    driver_trend: dict[str, Any]
    emerging: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    qa: dict[str, Any]
    data_quality: dict[str, Any]
    experience: dict[str, Any] = field(default_factory=dict)  # effort, emotions, aspects
    languages: list[dict[str, Any]] = field(default_factory=list)  # by language, when > 1
    narrative: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # driver value -> display label
    generated_by: str = f"feedback-engine {__version__}"

    @property
    def week(self) -> str:
        """The period's label (a week, or ``first to last``)."""
        return self.period["label"]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_report(db: str, week: str | None = None, date_from: str | None = None,
                 date_to: str | None = None, settings: ReportSettings | None = None,
                 title: str | None = None, min_n: int | None = None,
                 period: Period | None = None,
                 labels: Mapping[str, str] | None = None,
                 actions: Mapping[str, Mapping[str, str]] | None = None) -> Report:
    """Build the report model for a week (default: the latest week with data) or a range.

    Args:
        db: the warehouse path.
        week: ISO week, e.g. ``2026-W47``.
        date_from, date_to: ISO weeks or dates bounding a longer period (inclusive); the
            report covers the weeks that hold them.
        period: the same as one :class:`~feedback_engine.periods.Period` (instead of the
            three above).
        settings: segments, drivers, thresholds; ``title``/``min_n`` override it.
        labels: display labels of driver values (the taxonomy's ``id: label``); a value
            without one is shown as :func:`driver_label` spells it.
        actions: who acts on a driver value and what they do (the taxonomy's
            ``id: {owner, action}``), set on the drivers as ``owner`` and ``action``.

    Raises:
        WarehouseError: no warehouse, no records, or no data in the period.
        ConfigError: a malformed week, or a segment/driver column the records lack.
    """
    s = settings or ReportSettings()
    if title is not None:
        s.title = title
    if min_n is not None:
        s.min_n = min_n
    with Warehouse(db, read_only=True) as warehouse:
        r = Rollups(warehouse.con)
        available = r.weeks_with_data()
        if not available:
            raise error("FE455", db=db)
        span = period if period is not None else Period.parse(week, date_from, date_to)
        period = span.weeks(available)  # the ISO weeks from here on
        if not set(period) & set(available):
            raise error("FE456", period=_label(period), first=available[0], last=available[-1])
        previous = weeks_before(period[0], len(period))
        trailing = weeks_before(period[0], s.baseline_weeks * len(period))
        trend_weeks = weeks_before(period[-1], s.trend_weeks - 1) + [period[-1]]
        dimensions = [d for d in (*s.segments, *s.drivers) if r.has(d)]
        r.prepare(dimensions, period + previous + trailing + trend_weeks)
        current, before = r.kpis(period), r.kpis(previous)
        changes = compare(current, before, s.min_n)
        segments = {d: r.segments(d, period, previous, s.min_n) for d in s.segments if r.has(d)}
        # Many segment changes are tested at once: Holm keeps the family's error at 5%.
        holm([c for rows in segments.values() for row in rows for c in row["changes"].values()])
        all_drivers: list[dict[str, Any]] = []
        spikes: list[dict[str, Any]] = []
        trailing_volume = r.kpis(trailing).volume
        trends: dict[str, Any] = {}
        for dimension in (d for d in s.drivers if r.has(d)):
            rows = r.drivers(dimension, period, previous, trailing, s.min_n)
            spikes += emerging(rows, current.volume, trailing_volume, s.emerging_alpha,
                               s.emerging_min_count)
            ranked = _rank(rows)
            all_drivers += ranked[: s.top_drivers]
            top = [d["value"] for d in ranked[:5]]
            top += [e["value"] for e in spikes if e["dimension"] == dimension
                    and e["value"] not in top]
            trends[dimension] = r.driver_trend(dimension, trend_weeks, top)
        quotes = _quotes(r, period, all_drivers, spikes, s.quotes_per_driver, labels)
        qa = _qa(warehouse, r, weeks_before(period[-1], max(s.qa_weeks, len(period)) - 1)
                 + [period[-1]])
        experience = r.experience(period)
        if experience:
            experience["previous"] = r.experience(previous)
        quality = _data_quality(warehouse, r, period)
        weekly = r.weekly(trend_weeks)
        languages = (_languages(warehouse, r, s, period, previous, trailing, labels)
                     if r.has("language") else [])
    # The four headline changes are one family too: Holm keeps a quiet week quiet.
    headline = {k: c.as_dict() for k, c in changes.items()}
    holm(list(headline.values()))
    language_drivers = [d for lang in languages for d in (*lang["drivers"], *lang["emerging"])]
    for d in (*all_drivers, *spikes, *language_drivers):
        d["label"] = driver_label(d["value"], labels)
        act = (actions or {}).get(d["value"]) or {}
        d["owner"], d["action"] = act.get("owner") or None, act.get("action") or None
    report = Report(
        title=s.title,
        period={"label": _label(period), "weeks": period, "start": str(parse_week(period[0])),
                "end": str(parse_week(period[-1]) + dt.timedelta(days=6)),
                "previous": previous, "trailing": trailing, "min_n": s.min_n},
        kpis={"current": current.as_dict(), "previous": before.as_dict(),
              "changes": headline},
        trend=weekly, segments=segments, drivers=all_drivers, driver_trend=trends,
        emerging=spikes, quotes=quotes, qa=qa, data_quality=quality, experience=experience,
        languages=languages, labels=dict(labels or {}))
    report.narrative = narrative(report)
    return report


def _languages(warehouse: Warehouse, r: Rollups, s: ReportSettings, period: list[str],
               previous: list[str], trailing: list[str],
               labels: Mapping[str, str] | None) -> list[dict[str, Any]]:
    """The by-language section: per language of the period (only when it has more than one),
    its KPIs with changes, its top drivers, its emerging issues against its own trailing
    weeks, and quotes in its own words.

    Each language is rolled up on its own records (a scoped :class:`Rollups`), so a spike in
    a 3% slice is tested against that slice's baseline rather than drowned in the total.
    The changes of all languages form one Holm family, like the segment changes.
    """
    counts = r.values("language", period)
    if len(counts) < 2:
        return []
    total = sum(counts.values())
    out = []
    for lang, n in counts.items():
        lr = Rollups(warehouse.con, scope=("language", lang))
        dims = [d for d in s.drivers if lr.has(d)]
        lr.prepare(dims, period + previous + trailing)
        cur, before = lr.kpis(period), lr.kpis(previous)
        trailing_volume = lr.kpis(trailing).volume
        drivers: list[dict[str, Any]] = []
        spikes: list[dict[str, Any]] = []
        for dimension in dims:
            rows = lr.drivers(dimension, period, previous, trailing, s.min_n)
            spikes += emerging(rows, cur.volume, trailing_volume, s.emerging_alpha,
                               s.emerging_min_count)
            drivers += _rank(rows)[:LANGUAGE_TOP_DRIVERS]
        # Root causes before topics when both spike: the cause is the reviewed label.
        order = {d: i for i, d in enumerate(dims)}
        spikes.sort(key=lambda e: (e["p_value"], order[e["dimension"]], -e["count"]))
        out.append({
            "language": lang, "name": LANGUAGE_NAMES.get(lang, lang), "volume": n,
            "share": n / total, "previous_volume": before.volume,
            "trailing_volume": trailing_volume, "kpis": cur.as_dict(),
            "previous": before.as_dict(),
            "changes": {m: c.as_dict() for m, c in compare(cur, before, s.min_n).items()},
            "drivers": drivers, "emerging": spikes,
            "quotes": _quotes(lr, period, drivers, spikes, 1, labels)})
    holm([c for lang in out for c in lang["changes"].values()])
    return out


def _label(period: list[str]) -> str:
    return period[0] if len(period) == 1 else f"{period[0]} to {period[-1]}"


def _rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Most negative impact first: NPS impact where drivers have NPS answers, else CSAT,
    else sentiment; unreliable (too few answers) drivers after the reliable ones."""
    def key(d: dict[str, Any]) -> tuple:
        impact = next((d[k] for k in ("impact_nps", "impact_csat", "impact_sentiment")
                       if d[k] is not None), 0.0)
        scale = 1.0 if d["impact_nps"] is not None else 100.0
        return (not d["reliable"], impact * scale, -d["volume"], d["value"])

    return sorted((d for d in rows if d["volume"] > 0), key=key)


def driver_label(value: str, labels: Mapping[str, str] | None = None) -> str:
    """The value's label in ``labels`` (the taxonomy's), else ``billing.double_charge`` →
    ``billing › double charge``; other values unchanged."""
    if labels and value in labels:
        return labels[value]
    if re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", value):
        return " › ".join(part.replace("_", " ") for part in value.split("."))
    return value


QUOTE_CHARS = 300


def _shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _dedupe_key(text: str) -> str:
    return hashlib.sha1(re.sub(r"[\W\d_]+", " ", text.lower()).strip().encode()).hexdigest()


def _quotes(r: Rollups, period: list[str], drivers: list[dict[str, Any]],
            spikes: list[dict[str, Any]], per_driver: int,
            labels: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """For the top negative drivers and the emerging ones: the most typical and the most
    negative redacted comment, never the same text twice."""
    if not {"text_redacted", "sentiment"} <= r.columns or per_driver <= 0:
        return []
    negative = [d for d in drivers if (d["impact_nps"] or d["impact_sentiment"] or 0) < 0][:3]
    wanted = list(dict.fromkeys((d["dimension"], d["value"]) for d in negative + spikes))
    conf = "root_cause_conf" if r.has("root_cause_conf") else "NULL"
    weeks = _in(period)
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    if not wanted:
        # No drivers (no root cause or topic stage): the period's most negative and most
        # positive comments, so the report still carries the customers' words.
        for kind, order in (("most negative", "ASC"), ("most positive", "DESC")):
            rows = r._rows(
                "SELECT record_id, channel, sentiment, text_redacted FROM records "
                f"WHERE week IN {weeks} AND {r.where} AND text_redacted IS NOT NULL "
                f"AND sentiment IS NOT NULL "
                f"ORDER BY kind = 'transcript', sentiment {order}, record_id LIMIT 50",
                r.where_params)
            out += [_quote(x, kind, None, None, "all records")
                    for x in islice(_unquoted(rows, seen), 3)]
        return out
    for dimension, value in wanted:
        # Survey answers and reviews first (the customer's own words), then transcripts.
        rows = r._rows(
            f"SELECT record_id, channel, sentiment, {conf} AS conf, text_redacted FROM records "
            f'WHERE week IN {weeks} AND "{dimension}" = ? AND {r.where} '
            "AND text_redacted IS NOT NULL AND sentiment IS NOT NULL "
            "ORDER BY kind = 'transcript', sentiment, record_id LIMIT 400",
            [value, *r.where_params])
        if not rows:
            continue
        scores = sorted(x["sentiment"] for x in rows)
        median = scores[len(scores) // 2]
        typical = sorted(rows, key=lambda x: (abs(x["sentiment"] - median),
                                              -(x["conf"] or 0.0), x["record_id"]))
        picks = [("most negative", rows), ("most typical", typical)][:max(per_driver, 1)]
        for kind, ordered in picks:
            out += [_quote(x, kind, dimension, value, driver_label(value, labels))
                    for x in islice(_unquoted(ordered, seen), 1)]
    return out


def _unquoted(rows: list[dict[str, Any]], seen: set[str]) -> Iterator[dict[str, Any]]:
    """The rows whose text was not quoted yet; each is marked quoted as it is taken."""
    for x in rows:
        key = _dedupe_key(x["text_redacted"])
        if key not in seen:
            seen.add(key)
            yield x


def _quote(x: dict[str, Any], kind: str, dimension: str | None, value: str | None,
           label: str) -> dict[str, Any]:
    return {"dimension": dimension, "value": value, "label": label, "kind": kind,
            "record_id": x["record_id"], "channel": x["channel"],
            "sentiment": float(x["sentiment"]), "text": _shorten(x["text_redacted"])}


def _qa(warehouse: Warehouse, r: Rollups, period: list[str]) -> dict[str, Any]:
    if not r.has("qa_results"):
        return {"available": False}
    from ..rollups.qa import qa_summary

    start = parse_week(period[0])
    end = parse_week(period[-1]) + dt.timedelta(days=6)
    summary = qa_summary(warehouse.con, start, end)
    return {"available": True, "weeks": period, "start": str(start), "end": str(end),
            **json.loads(json.dumps(summary, default=str))}


def _data_quality(warehouse: Warehouse, r: Rollups, period: list[str]) -> dict[str, Any]:
    counts = warehouse.counts()
    reasons = r._rows("SELECT reason, count(*) AS n FROM rejects GROUP BY reason "
                      "ORDER BY n DESC, reason")
    last = r._rows("SELECT run_id, finished_at, version, config_hash, stages, read, "
                   "analyzed, rejected FROM runs WHERE status = 'ok' "
                   "ORDER BY finished_at DESC LIMIT 1")
    run = last[0] if last else {}
    if run.get("finished_at") is not None:
        run["finished_at"] = dt.datetime.fromisoformat(str(run["finished_at"])).isoformat(
            timespec="seconds")
    if isinstance(run.get("stages"), str):
        run["stages"] = json.loads(run["stages"])
    weeks = _in(period)
    in_period = r._rows(f"SELECT count(*) AS n FROM records WHERE week IN {weeks}")[0]["n"]
    redactions: dict[str, int] = {}
    if r.has("pii_counts"):
        rows = r._rows(
            "SELECT e.key AS kind, sum(CAST(e.value AS BIGINT)) AS n FROM ("
            "SELECT unnest(map_entries(CAST(pii_counts AS MAP(VARCHAR, BIGINT)))) AS e "
            f"FROM records WHERE week IN {weeks} AND pii_counts IS NOT NULL) GROUP BY 1 "
            "ORDER BY n DESC, kind")
        redactions = {x["kind"]: int(x["n"]) for x in rows}
    undated = r._rows("SELECT count(*) AS n FROM records WHERE week IS NULL")[0]["n"]
    return {"records": counts["records"], "records_in_period": int(in_period),
            "records_undated": int(undated), "rejects": counts["rejects"],
            "rejects_by_reason": {x["reason"]: int(x["n"]) for x in reasons},
            "redactions_in_period": redactions,
            "last_run": {k: (int(v) if k in ("read", "analyzed", "rejected") else v)
                         for k, v in run.items()}}


__all__ = ["Report", "ReportSettings", "build_report", "driver_label"]

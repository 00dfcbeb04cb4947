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
import logging
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from .._version import __version__
from ..errors import error
from ..periods import Period, parse_week, weeks_before
from ..rollups.metrics import Z95
from ..rollups.weekly import IMPACT_SCALE, UNDATED, Kpis, Rollups, _in, compare, emerging, holm
from ..warehouse import Warehouse
from .narrative import narrative

DEFAULT_SEGMENTS = ("channel", "team", "queue", "product")
DEFAULT_DRIVERS = ("root_cause", "topic_label")
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "ru": "Russian", "de": "German",
                  "fr": "French", "es": "Spanish", "it": "Italian", "pl": "Polish"}
LANGUAGE_TOP_DRIVERS = 5  # drivers listed per driver column in each language's block
log = logging.getLogger(__name__)


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
    # "What to do": the significant worsening drivers and the emerging issues (plan_actions)
    actions: list[dict[str, Any]] = field(default_factory=list)
    drivers_few: list[dict[str, Any]] = field(default_factory=list)  # too few answers
    drivers_few_count: int = 0
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
                 actions: Mapping[str, Mapping[str, str]] | None = None,
                 topics: str | Path | None = None, everything: bool = False) -> Report:
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
        topics: the topic model folder the records were assigned with: its current labels
            and merges (``feedback topics label`` / ``merge``) are used at report time.
        everything: report on all data, undated records included (no comparison period).

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
        topic_labels = _report_view(warehouse, topics)
        labels = {**topic_labels, **(labels or {})}
        r = Rollups(warehouse.con, table=VIEW)
        available, undated = r.weeks_with_data(), r.undated()
        if everything:
            period = available + ([UNDATED] if undated else [])
            if not period:
                raise error("FE455", db=db, undated=0)
            previous: list[str] = []
            trailing: list[str] = []
            trend_weeks = available[-max(s.trend_weeks, 1):]
        else:
            if not available:
                raise error("FE455", db=db, undated=f"{undated:,}")
            span = period if period is not None else Period.parse(week, date_from, date_to)
            period = span.weeks(available)  # the ISO weeks from here on
            if not set(period) & set(available):
                raise error("FE456", period=_label(period), first=available[0],
                            last=available[-1])
            previous = weeks_before(period[0], len(period))
            trailing = weeks_before(period[0], s.baseline_weeks * len(period))
            trend_weeks = weeks_before(period[-1], s.trend_weeks - 1) + [period[-1]]
        driver_dims = [_dimension(d, topic_labels) for d in s.drivers]
        driver_dims = [d for d in dict.fromkeys(driver_dims) if r.has(d)]
        dimensions = [d for d in (*s.segments, *driver_dims) if r.has(d)]
        r.prepare(dimensions, period + previous + trailing + trend_weeks)
        current, before = r.kpis(period), r.kpis(previous)
        changes = compare(current, before, s.min_n)
        segments = {d: r.segments(d, period, previous, s.min_n) for d in s.segments if r.has(d)}
        # Many segment changes are tested at once: Holm keeps the family's error at 5%.
        holm([c for rows in segments.values() for row in rows for c in row["changes"].values()])
        metric = headline_metric(current, s.min_n)
        merged = _merged_drivers(r, driver_dims, period, previous, trailing, s.min_n)
        for d in merged:
            _score(d, metric, s.min_n)
        # The drivers' changes of impact are one family: Holm keeps a quiet week quiet.
        holm([d["impact_change"] for d in merged])
        ranked = _rank(merged, metric)
        reliable = [d for d in ranked if d["reliable"]]
        few = [d for d in ranked if not d["reliable"]]
        trailing_volume = r.kpis(trailing).volume
        spikes = emerging(merged, current.volume, trailing_volume, s.emerging_alpha,
                          s.emerging_min_count)
        shown = reliable[: s.top_drivers]
        by_key = {(d["dimension"], d["value"]): d for d in merged}
        for e in spikes:
            d = by_key[(e["dimension"], e["value"])]
            e["match"], e["impact"], e["impact_ci"] = d["match"], d["impact"], d["impact_ci"]
            e["metric"] = metric
        trends: dict[str, Any] = {}
        for dimension in driver_dims:
            top = [v for d in shown[:5] + spikes for dim, v in d["match"] if dim == dimension]
            trends[dimension] = r.driver_trend(dimension, trend_weeks, list(dict.fromkeys(top)))
        quotes = _quotes(r, period, shown, spikes, s.quotes_per_driver, labels)
        qa_weeks = [w for w in period if w != UNDATED] if everything else (
            weeks_before(period[-1], max(s.qa_weeks, len(period)) - 1) + [period[-1]])
        qa = _qa(warehouse, r, qa_weeks, everything)
        experience = r.experience(period)
        if experience and previous:
            experience["previous"] = r.experience(previous)
        quality = _data_quality(warehouse, r, period)
        weekly = r.weekly(trend_weeks)
        languages = (_languages(warehouse, s, driver_dims, period, previous, trailing, labels)
                     if r.has("language") else [])
    # The four headline changes are one family too.
    headline = {k: c.as_dict() for k, c in changes.items()}
    holm(list(headline.values()))
    language_drivers = [d for lang in languages for d in (*lang["drivers"], *lang["emerging"])]
    for d in (*merged, *spikes, *language_drivers):
        _name(d, labels, actions)
    dated = [w for w in period if w != UNDATED]
    report = Report(
        title=s.title,
        period={"label": _label(period, undated if everything else 0),
                "weeks": period,
                "start": str(parse_week(dated[0])) if dated else None,
                "end": str(parse_week(dated[-1]) + dt.timedelta(days=6)) if dated else None,
                "previous": previous, "trailing": trailing, "min_n": s.min_n,
                "all": everything, "undated": undated if everything else 0},
        kpis={"current": current.as_dict(), "previous": before.as_dict(),
              "changes": headline, "headline": metric},
        trend=weekly, segments=segments, drivers=shown, driver_trend=trends,
        emerging=spikes, quotes=quotes, qa=qa, data_quality=quality, experience=experience,
        languages=languages, labels=dict(labels or {}), drivers_few=few[:20],
        drivers_few_count=len(few))
    report.actions = plan_actions(report, by_key)
    report.narrative = narrative(report)
    return report


MAX_STANDING = 5  # "what to do" items of a report with no earlier period
VIEW = "report_records"  # the report's view of the records (see _report_view)
FEW_SHOWN = 20


def _report_view(warehouse: Warehouse, topics: str | Path | None) -> dict[str, str]:
    """Create the report's temporary view of ``records``: undated records in the week
    ``undated``, and with a topic model, a ``topic`` column: the record's topic id as the
    model numbers it now (merged topics under the id that absorbed them, -1 as NULL).

    Returns the topic labels (``{"3": "Fees and charges"}``) the ``topic`` values have now,
    so ``feedback topics label`` and ``merge`` show without re-analyzing; empty without a
    model, or when the records' topic ids are not the model's (a warning says so).
    """
    con = warehouse.con
    columns = {c[0] for c in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'records' "
        "AND table_schema = 'main'").fetchall()}
    extra, labels = "", {}
    if topics is not None and "topic_id" in columns and "topic" not in columns:
        from ..topics.model import TopicModel

        model = TopicModel.load(topics)
        ids = {int(x[0]) for x in con.execute(
            "SELECT DISTINCT topic_id FROM records WHERE topic_id >= 0").fetchall()}
        kept = {t.id: t.id for t in model.topics_}
        kept.update({old: t.id for t in model.topics_ for old in t.merged_from})
        if ids <= set(kept):
            cases = " ".join(f"WHEN {int(a)} THEN {int(b)}" for a, b in sorted(kept.items()))
            extra = (f", CAST(CASE topic_id {cases} ELSE NULL END AS VARCHAR) AS topic"
                     if cases else ", CAST(NULL AS VARCHAR) AS topic")
            labels = {str(t.id): t.display for t in model.topics_}
        else:
            log.warning("the records' topic ids are not all in %s (was it refitted without "
                        "assigning?); the report shows the topic labels stored at analysis",
                        topics)
    week = ", coalesce(week, 'undated') AS week" if "week" in columns else ""
    replace = f" REPLACE ({week[2:]})" if week else ""
    con.execute(f"CREATE OR REPLACE TEMP VIEW {VIEW} AS SELECT *{replace}{extra} FROM records")
    return labels


def _dimension(name: str, topic_labels: Mapping[str, str]) -> str:
    """``topic_label`` reads the report-time ``topic`` column when a topic model is given."""
    return "topic" if name == "topic_label" and topic_labels else name


def headline_metric(current: Kpis, min_n: int) -> str:
    """The KPI the drivers are ranked on: NPS when the period has ``min_n`` NPS answers,
    else CSAT, else mean sentiment (the first with any answers when none has enough)."""
    counts = {"nps": current.nps_n, "csat": current.csat_n, "sentiment": current.sentiment_n}
    return next((m for m, n in counts.items() if n >= min_n),
                next((m for m, n in counts.items() if n), "sentiment"))


OVERLAP = 0.5  # a cause and a topic are one driver when over half of the smaller's are in both


def _merged_drivers(r: Rollups, dims: list[str], period: list[str], previous: list[str],
                    trailing: list[str], min_n: int) -> list[dict[str, Any]]:
    """Every driver value of every dimension, with a cause and a topic that cover mostly the
    same records (over :data:`OVERLAP` of the smaller one's) made one driver, counted once.

    Pairs are taken greedily, largest overlap first, so each value joins at most one other.
    """
    rows = {d: r.drivers(d, period, previous, trailing, min_n) for d in dims}
    pairs: list[tuple[tuple[str, str], tuple[str, str]]] = []
    if len(dims) >= 2:
        first, second = dims[0], dims[1]
        sizes = {(dim, x["value"]): x["volume"] for dim in (first, second) for x in rows[dim]}
        used: set[tuple[str, str]] = set()
        for x in r.overlap(first, second, period):
            a, b = (first, x["a"]), (second, x["b"])
            if a in used or b in used or not sizes.get(a) or not sizes.get(b):
                continue
            if x["n"] > OVERLAP * min(sizes[a], sizes[b]):
                pairs.append((a, b))
                used |= {a, b}
    paired = {k for pair in pairs for k in pair}
    out = []
    for dim in dims:
        for x in rows[dim]:
            if (dim, x["value"]) not in paired:
                out.append({**x, "match": [(dim, x["value"])]})
    for a, b in pairs:
        out.append({**r.driver([a, b], period, previous, trailing, min_n), "match": [a, b]})
    return out


def _score(d: dict[str, Any], metric: str, min_n: int) -> None:
    """Set the driver's headline figures: ``impact`` on ``metric`` in points with its 95%
    interval, and ``impact_change``, the test of its change since the previous period (a
    :class:`~feedback_engine.rollups.weekly.Change` dict)."""
    value = d[f"impact_{metric}"]
    se = d[f"impact_{metric}_se"]
    scale = IMPACT_SCALE[metric]
    d["metric"] = metric
    d["impact"] = None if value is None else value * scale
    d["impact_ci"] = (None if value is None or se is None
                      else (d["impact"] - Z95 * se, d["impact"] + Z95 * se))
    then, then_se = d[f"impact_{metric}_previous"], d[f"impact_{metric}_previous_se"]
    n_now = d[f"{metric}_n"]
    comparable = n_now >= min_n and d["impact"] is not None and then is not None
    delta = d["impact"] - then if comparable else None
    spread = math.hypot(se or 0.0, then_se or 0.0) if comparable else 0.0
    z = delta / spread if comparable and spread else None
    p = math.erfc(abs(z) / math.sqrt(2)) if z is not None else None
    d["impact_previous"] = then
    d["impact_change"] = {"metric": metric, "current": d["impact"], "previous": then,
                          "delta": delta, "z": z, "p_value": p, "comparable": comparable,
                          "significant": False, "n_current": n_now,
                          "n_previous": d[f"{metric}_n_previous"]}


def _name(d: dict[str, Any], labels: Mapping[str, str] | None,
          actions: Mapping[str, Mapping[str, str]] | None) -> None:
    """Set a driver's ``label`` (its names joined, one when they read the same), ``names``
    and the ``owner``/``action`` of its cause."""
    match = d.get("match") or [(d["dimension"], d["value"])]
    names = [{"dimension": dim, "value": v, "label": driver_label(v, labels)}
             for dim, v in match]
    d["names"] = names
    shown = list(dict.fromkeys(n["label"] for n in names))
    d["label"] = shown[0] + (f" (topic: {shown[1]})" if len(shown) > 1 else "")
    act: Mapping[str, str] = {}
    for _, v in match:
        act = act or (actions or {}).get(v) or {}
    d["owner"], d["action"] = act.get("owner") or None, act.get("action") or None


def plan_actions(report: Report, drivers: Mapping[tuple[str, str], dict[str, Any]]
                 ) -> list[dict[str, Any]]:
    """"What to do": one item per negative driver whose impact worsened significantly since
    the previous period (Holm across the drivers) and per emerging issue, the surest change
    first.

    Each says who owns it and what to do (the taxonomy's ``owner`` and ``action``, else
    "unassigned"), the evidence (count, change, a quote) and what to check next week. A
    quiet week has none.
    """
    metric = report.kpis["headline"]
    spikes = {(e["dimension"], e["value"]): e for e in report.emerging}
    keys = [k for k, d in drivers.items() if d["impact_change"]["significant"]
            and (d["impact_change"]["delta"] or 0) < 0 and (d["impact"] or 0) < 0]
    keys += [k for k in spikes if k not in keys]
    if not report.period["previous"]:
        # No earlier period (a report over all data): nothing can have changed, so the
        # items are the drivers whose whole interval pulls the score down, worst first.
        keys = [(d["dimension"], d["value"]) for d in report.drivers
                if d["impact_ci"] and d["impact_ci"][1] < 0][:MAX_STANDING]
    quotes = {}
    for q in report.quotes:
        quotes.setdefault((q["dimension"], q["value"]), q)
    out = []
    for key in keys:
        d = drivers[key]
        e = spikes.get(key)
        why = [] if report.period["previous"] else ["pulls the score down"]
        if d["impact_change"]["significant"]:
            why.append("worsening")
        if e:
            why.append(e["status"])
        quote = quotes.get(key)
        trailing = d["share_trailing"]
        out.append({
            "dimension": d["dimension"], "value": d["value"], "label": d["label"],
            "names": d["names"], "why": why,
            "owner": d["owner"] or "unassigned", "action": d["action"],
            "metric": metric, "impact": d["impact"], "impact_ci": d["impact_ci"],
            "impact_previous": d["impact_previous"],
            "count": d["volume"], "n_previous": d["n_previous"],
            "share": d["share"], "share_previous": d["share_previous"],
            "share_trailing": trailing,
            "expected": e["expected"] if e else None, "ratio": e["ratio"] if e else None,
            "p_value": _surest(e["p_value"] if e else None,
                               d["impact_change"].get("p_adjusted")),
            "quote": quote["text"] if quote else None,
            "quote_record": quote["record_id"] if quote else None,
            "check": _check_next_week(d, metric),
        })
    # The surest change first (its smallest p-value: the Poisson test of an emerging issue,
    # or the Holm-adjusted test of a worsening impact), then the most harmful.
    out.sort(key=lambda a: (a["p_value"] if a["p_value"] is not None else 1.0,
                            a["impact"] if a["impact"] is not None else 0.0, a["label"]))
    return out


def _surest(*p_values: float | None) -> float | None:
    """The smallest of the p-values that were computed."""
    known = [p for p in p_values if p is not None]
    return min(known) if known else None


def _check_next_week(d: dict[str, Any], metric: str) -> str:
    """What next week's report should show if the fix worked: the share back at its trailing
    level, and the impact back at its previous one."""
    from .narrative import METRIC_NAMES

    share, trailing = d["share"], d["share_trailing"]
    parts = []
    if trailing is not None and share is not None and share > trailing:
        parts.append(f"its share back from {100 * share:.1f}% toward {100 * trailing:.1f}% "
                     "(its trailing level)")
    elif share is not None:
        parts.append(f"its share no higher than {100 * share:.1f}%")
    if d["impact"] is not None and d["impact_previous"] is not None:
        parts.append(f"its {METRIC_NAMES[metric]} impact back from {d['impact']:+.1f} toward "
                     f"{d['impact_previous']:+.1f}")
    return "Next week, check " + " and ".join(parts) + "." if parts else ""


def _languages(warehouse: Warehouse, s: ReportSettings, driver_dims: list[str],
               period: list[str], previous: list[str], trailing: list[str],
               labels: Mapping[str, str] | None) -> list[dict[str, Any]]:
    """The by-language section: per language of the period (only when it has more than one),
    its KPIs with changes, its top drivers, its emerging issues against its own trailing
    weeks, and quotes in its own words.

    Each language is rolled up on its own records (a scoped :class:`Rollups`), so a spike in
    a 3% slice is tested against that slice's baseline rather than drowned in the total.
    The changes of all languages form one Holm family, like the segment changes.
    """
    counts = Rollups(warehouse.con, table=VIEW).values("language", period)
    if len(counts) < 2:
        return []
    total = sum(counts.values())
    out = []
    for lang, n in counts.items():
        lr = Rollups(warehouse.con, scope=("language", lang), table=VIEW)
        dims = [d for d in driver_dims if lr.has(d)]
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
        for d in drivers + spikes:
            d["match"] = [(d["dimension"], d["value"])]
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


def _label(period: list[str], undated: int = 0) -> str:
    dated = [w for w in period if w != UNDATED]
    if undated:
        span = f"{dated[0]} to {dated[-1]} and " if dated else ""
        return f"all data ({span}{undated:,} undated records)"
    if not dated:
        return "undated records"
    return dated[0] if len(dated) == 1 else f"{dated[0]} to {dated[-1]}"


def _rank(rows: list[dict[str, Any]], metric: str | None = None) -> list[dict[str, Any]]:
    """Most negative impact first, unreliable (too few answers) drivers after the reliable
    ones. With ``metric``, on the headline ``impact`` (set by :func:`_score`); else on NPS
    impact where drivers have NPS answers, else CSAT, else sentiment."""
    if metric is not None:
        return sorted((d for d in rows if d["volume"] > 0), key=lambda d: (
            not d["reliable"], d["impact"] if d["impact"] is not None else 0.0,
            -d["volume"], d["dimension"], d["value"]))

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
    negative = [d for d in drivers if (d.get("impact") if d.get("impact") is not None else (
        d["impact_nps"] or d["impact_sentiment"] or 0)) < 0][:3]
    wanted = list(dict.fromkeys((d["dimension"], d["value"], tuple(map(tuple, d["match"])))
                                for d in negative + spikes))
    conf = "root_cause_conf" if r.has("root_cause_conf") else "NULL"
    weeks = _in(period)
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    if not wanted:
        # No drivers (no root cause or topic stage): the period's most negative and most
        # positive comments, so the report still carries the customers' words.
        for kind, order in (("most negative", "ASC"), ("most positive", "DESC")):
            rows = r._rows(
                f"SELECT record_id, channel, sentiment, text_redacted FROM {r.table} "
                f"WHERE week IN {weeks} AND {r.where} AND text_redacted IS NOT NULL "
                f"AND sentiment IS NOT NULL "
                f"ORDER BY kind = 'transcript', sentiment {order}, record_id LIMIT 50",
                r.where_params)
            out += [_quote(x, kind, None, None, "all records")
                    for x in islice(_unquoted(rows, seen), 3)]
        return out
    for dimension, value, match in wanted:
        condition, params = r._match(list(match))
        # Survey answers and reviews first (the customer's own words), then transcripts.
        rows = r._rows(
            f"SELECT record_id, channel, sentiment, {conf} AS conf, text_redacted "
            f"FROM {r.table} WHERE week IN {weeks} AND {condition} AND {r.where} "
            "AND text_redacted IS NOT NULL AND sentiment IS NOT NULL "
            "ORDER BY kind = 'transcript', sentiment, record_id LIMIT 400",
            [*params, *r.where_params])
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


def _qa(warehouse: Warehouse, r: Rollups, period: list[str],
        everything: bool = False) -> dict[str, Any]:
    if not r.has("qa_results"):
        return {"available": False}
    from ..rollups.qa import qa_summary

    if everything or not period:
        start = end = None
    else:
        start = parse_week(period[0])
        end = parse_week(period[-1]) + dt.timedelta(days=6)
    summary = qa_summary(warehouse.con, start, end)
    return {"available": True, "weeks": period, "start": str(start or "the first record"),
            "end": str(end or "the last"),
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
    in_period = r._rows(f"SELECT count(*) AS n FROM {r.table} WHERE week IN {weeks}")[0]["n"]
    redactions: dict[str, int] = {}
    if r.has("pii_counts"):
        rows = r._rows(
            "SELECT e.key AS kind, sum(CAST(e.value AS BIGINT)) AS n FROM ("
            "SELECT unnest(map_entries(CAST(pii_counts AS MAP(VARCHAR, BIGINT)))) AS e "
            f"FROM {r.table} WHERE week IN {weeks} AND pii_counts IS NOT NULL) GROUP BY 1 "
            "ORDER BY n DESC, kind")
        redactions = {x["kind"]: int(x["n"]) for x in rows}
    undated = r._rows("SELECT count(*) AS n FROM records WHERE week IS NULL")[0]["n"]
    return {"records": counts["records"], "records_in_period": int(in_period),
            "records_undated": int(undated), "rejects": counts["rejects"],
            "rejects_by_reason": {x["reason"]: int(x["n"]) for x in reasons},
            "redactions_in_period": redactions,
            "last_run": {k: (int(v) if k in ("read", "analyzed", "rejected") else v)
                         for k, v in run.items()}}


__all__ = ["Report", "ReportSettings", "build_report", "driver_label", "headline_metric",
           "plan_actions"]

"""Weekly rollups in DuckDB: KPIs with intervals, segments, drivers and emerging issues.

Every function reads the ``records`` table through one connection and returns plain data.
Periods are lists of ISO week labels (``2026-W47``); the SQL aggregates counts and the
statistics (intervals, tests) are computed here from those counts, so a figure in the report
can be re-derived from the warehouse with one ``GROUP BY``.

Statistics used:

- NPS: % promoters − % detractors, 95% interval from the multinomial variance
  ``(p + d − (p − d)²) / n``; a change between periods is tested with the two variances added.
- CSAT: share of 4–5 answers with a Wilson interval; changes by a pooled two-proportion z test.
- CES and sentiment: means with normal intervals; changes by Welch's z.
- Emerging issues: the period's count of a cause or topic against a Poisson expectation from
  its share over the trailing baseline weeks, scaled to the period's volume.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from ..errors import error
from ..periods import WEEK_RE
from .metrics import Z95, nps_from_counts, wilson

MISSING = ("unknown", "")  # driver values that are not a cause
UNDATED = "undated"  # the week of records without a date, in a report over all data
HIGH_EFFORT = 2.0  # effort_score (−5 … 5) at or above this is a high-effort contact


def _in(weeks: list[str]) -> str:
    # Week labels are validated here, so inlining them is safe and keeps the SQL readable.
    for w in weeks:
        if w != UNDATED and not WEEK_RE.match(w):
            raise error("FE216", value=w)
    return "(" + ", ".join(f"'{w}'" for w in weeks) + ")" if weeks else "(NULL)"


SUMS = """count(*) AS volume, count(nps) AS nps_n,
    count(*) FILTER (WHERE nps >= 9) AS promoters, count(*) FILTER (WHERE nps <= 6) AS detractors,
    count(csat) AS csat_n, count(*) FILTER (WHERE csat >= 4) AS csat_hits, sum(csat) AS csat_sum,
    count(ces) AS ces_n, sum(ces) AS ces_sum, sum(ces * ces) AS ces_sq,
    count(sentiment) AS sentiment_n, sum(sentiment) AS sentiment_sum,
    sum(sentiment * sentiment) AS sentiment_sq,
    count(*) FILTER (WHERE sentiment_label = 'negative') AS negative"""
SUM_FIELDS = tuple(re.findall(r"\bAS (\w+)", SUMS))


def _f(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _mean_ci(mean: float | None, var: float | None, n: int) -> tuple[float, float] | None:
    if mean is None or var is None or n < 2:
        return None
    half = Z95 * math.sqrt(var / n)
    return (mean - half, mean + half)


@dataclass
class Kpis:
    """The KPIs of one slice of records (a week, a period, a segment, a driver)."""

    volume: int
    nps: float | None
    nps_ci: tuple[float, float] | None
    nps_n: int
    promoters: int
    detractors: int
    csat: float | None  # share of 4-5
    csat_ci: tuple[float, float] | None
    csat_n: int
    csat_hits: int
    csat_mean: float | None
    ces: float | None
    ces_ci: tuple[float, float] | None
    ces_n: int
    ces_var: float | None
    sentiment: float | None
    sentiment_ci: tuple[float, float] | None
    sentiment_n: int
    sentiment_var: float | None
    negative_share: float | None

    @classmethod
    def from_sums(cls, cells: list[dict[str, Any]]) -> Kpis:
        """KPIs from cells of sufficient statistics (see ``SUMS``), added together."""
        t = {k: sum(float(c[k] or 0) for c in cells) for k in SUM_FIELDS}

        def mean(name: str) -> float | None:
            n = t[f"{name}_n"]
            return t[f"{name}_sum"] / n if n else None

        def var(name: str) -> float | None:
            n = t[f"{name}_n"]
            if n < 2:
                return None
            return max(t[f"{name}_sq"] - t[f"{name}_sum"] ** 2 / n, 0.0) / (n - 1)

        return cls.build(int(t["volume"]), int(t["nps_n"]), int(t["promoters"]),
                         int(t["detractors"]), int(t["csat_n"]), int(t["csat_hits"]),
                         mean("csat"), int(t["ces_n"]), mean("ces"), var("ces"),
                         int(t["sentiment_n"]), mean("sentiment"), var("sentiment"),
                         int(t["negative"]))

    @classmethod
    def build(cls, volume: int, nps_n: int, promoters: int, detractors: int, csat_n: int,
              csat_hits: int, csat_mean: float | None, ces_n: int, ces_mean: float | None,
              ces_var: float | None, sentiment_n: int, sentiment_mean: float | None,
              sentiment_var: float | None, negative: int) -> Kpis:
        n = nps_from_counts(nps_n, promoters, detractors)
        c = wilson(csat_hits, csat_n)
        return cls(volume=volume, nps=n.score, nps_ci=(n.ci_low, n.ci_high) if n.n else None,
                   nps_n=nps_n, promoters=promoters, detractors=detractors,
                   csat=c.share, csat_ci=(c.ci_low, c.ci_high) if c.n else None,
                   csat_n=csat_n, csat_hits=csat_hits, csat_mean=csat_mean,
                   ces=ces_mean, ces_ci=_mean_ci(ces_mean, ces_var, ces_n), ces_n=ces_n,
                   ces_var=ces_var, sentiment=sentiment_mean,
                   sentiment_ci=_mean_ci(sentiment_mean, sentiment_var, sentiment_n),
                   sentiment_n=sentiment_n, sentiment_var=sentiment_var,
                   negative_share=negative / sentiment_n if sentiment_n else None)

    def without(self, part: Kpis) -> Kpis:
        """The KPIs of this slice with ``part`` (a subset of it) taken out.

        Exact for counts and means; the variances of the remainder are not needed and are
        left out.
        """
        def rest_mean(mean: float | None, n: int, part_mean: float | None,
                      part_n: int) -> float | None:
            if mean is None or n - part_n <= 0:
                return None
            return (mean * n - (part_mean or 0.0) * part_n) / (n - part_n)

        negative = round((self.negative_share or 0.0) * self.sentiment_n) - round(
            (part.negative_share or 0.0) * part.sentiment_n)
        return Kpis.build(
            self.volume - part.volume, self.nps_n - part.nps_n,
            self.promoters - part.promoters, self.detractors - part.detractors,
            self.csat_n - part.csat_n, self.csat_hits - part.csat_hits,
            rest_mean(self.csat_mean, self.csat_n, part.csat_mean, part.csat_n),
            self.ces_n - part.ces_n, rest_mean(self.ces, self.ces_n, part.ces, part.ces_n),
            None, self.sentiment_n - part.sentiment_n,
            rest_mean(self.sentiment, self.sentiment_n, part.sentiment, part.sentiment_n),
            None, negative)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("ces_var", "sentiment_var", "promoters", "detractors", "csat_hits"):
            out.pop(key)
        return out


@dataclass
class Change:
    """A KPI in the current and the comparison period, with a significance verdict."""

    metric: str
    current: float | None
    previous: float | None
    delta: float | None
    z: float | None
    significant: bool
    comparable: bool  # both periods have at least min_n answers
    n_current: int
    n_previous: int
    p_value: float | None = None  # two-sided, from z

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _verdict(metric: str, cur: float | None, prev: float | None, se: float | None,
             n_cur: int, n_prev: int, min_n: int) -> Change:
    if cur is None or prev is None:
        return Change(metric, cur, prev, None, None, False, False, n_cur, n_prev)
    delta = cur - prev
    comparable = min(n_cur, n_prev) >= min_n
    z = delta / se if se else (0.0 if delta == 0 else None)
    significant = bool(comparable and z is not None and abs(z) >= Z95)
    p = math.erfc(abs(z) / math.sqrt(2)) if z is not None else None
    return Change(metric, cur, prev, delta, z, significant, comparable, n_cur, n_prev, p)


def holm(changes: list[dict[str, Any]], alpha: float = 0.05) -> int:
    """Holm–Bonferroni over a family of changes (dicts from :meth:`Change.as_dict`), in place.

    Segment tables test dozens of changes at once; at 5% each, a quiet week would show a
    few "significant" ones by chance. Each change's ``significant`` is reset to the Holm
    verdict and ``p_adjusted`` added. Returns how many stay significant.
    """
    tested = sorted((c for c in changes if c["comparable"] and c["p_value"] is not None),
                    key=lambda c: c["p_value"])
    m, running, kept = len(tested), 0.0, 0
    for c in changes:
        c["p_adjusted"] = None
        c["significant"] = False
    for i, c in enumerate(tested):
        running = max(running, min(1.0, (m - i) * c["p_value"]))
        c["p_adjusted"] = running
        if running < alpha:
            c["significant"] = True
            kept += 1
    return kept


def compare(cur: Kpis, prev: Kpis, min_n: int) -> dict[str, Change]:
    """Period-over-period changes of NPS, CSAT, CES and sentiment with significance flags.

    A change is called significant only when both periods have ``min_n`` answers and
    ``|z| >= 1.96``.
    """
    def nps_var(k: Kpis) -> float | None:
        if not k.nps_n:
            return None
        p, d = k.promoters / k.nps_n, k.detractors / k.nps_n
        return 100 ** 2 * max(p + d - (p - d) ** 2, 0.0) / k.nps_n

    out: dict[str, Change] = {}
    v1, v2 = nps_var(cur), nps_var(prev)
    se = math.sqrt(v1 + v2) if v1 is not None and v2 is not None else None
    out["nps"] = _verdict("nps", cur.nps, prev.nps, se, cur.nps_n, prev.nps_n, min_n)
    se = None
    if cur.csat_n and prev.csat_n:
        pooled = (cur.csat_hits + prev.csat_hits) / (cur.csat_n + prev.csat_n)
        se = math.sqrt(pooled * (1 - pooled) * (1 / cur.csat_n + 1 / prev.csat_n))
    out["csat"] = _verdict("csat", cur.csat, prev.csat, se, cur.csat_n, prev.csat_n, min_n)
    for metric, var in (("ces", "ces_var"), ("sentiment", "sentiment_var")):
        n1, n2 = getattr(cur, f"{metric}_n"), getattr(prev, f"{metric}_n")
        s1, s2 = getattr(cur, var), getattr(prev, var)
        se = math.sqrt(s1 / n1 + s2 / n2) if (s1 is not None and s2 is not None
                                              and n1 and n2) else None
        out[metric] = _verdict(metric, getattr(cur, metric), getattr(prev, metric), se, n1, n2,
                               min_n)
    return out


class Rollups:
    """Rollups over one open DuckDB connection to the warehouse.

    Args:
        con: the connection.
        scope: ``(column, value)`` to roll up only the records with that value (one
            language's records, for the report's by-language section); None for all.
        table: the table or view to read: ``records``, or a view of it (the report's, with
            undated records in the week ``undated`` and merged topics renumbered).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection,
                 scope: tuple[str, str] | None = None, table: str = "records") -> None:
        if not re.fullmatch(r"[a-z_]+", table):
            raise ValueError(f"not a table name: {table!r}")
        self.con = con
        self.table = table
        self.columns = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()}
        self.scope = scope
        if scope is not None:
            self._check_column(scope[0])

    @property
    def where(self) -> str:
        """The scope as an SQL condition with one ``?`` (``TRUE`` when unscoped); pass
        :attr:`where_params` with it."""
        return f'"{self.scope[0]}" = ?' if self.scope else "TRUE"

    @property
    def where_params(self) -> list[Any]:
        return [self.scope[1]] if self.scope else []

    def values(self, column: str, weeks: list[str]) -> dict[str, int]:
        """Records per non-empty value of ``column`` in ``weeks``, most first: for
        ``language``, e.g. ``{"en": 1520, "zh": 52, "de": 41, "ru": 38}``."""
        self._check_column(column)
        rows = self._rows(f'SELECT "{column}" AS v, count(*) AS n FROM {self.table} '
                          f'WHERE week IN {_in(weeks)} AND {self.where} AND "{column}" IS NOT '
                          f"NULL AND CAST(\"{column}\" AS VARCHAR) <> '' GROUP BY 1 "
                          "ORDER BY n DESC, v", self.where_params)
        return {str(r["v"]): int(r["n"]) for r in rows}

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def has(self, column: str) -> bool:
        return column in self.columns

    def weeks_with_data(self) -> list[str]:
        return [r["week"] for r in self._rows(
            f"SELECT DISTINCT week FROM {self.table} WHERE week IS NOT NULL "
            f"AND week <> '{UNDATED}' ORDER BY week")]

    def undated(self) -> int:
        """How many records have no week (no date)."""
        return int(self._rows(f"SELECT count(*) AS n FROM {self.table} WHERE week IS NULL "
                              f"OR week = '{UNDATED}'")[0]["n"])

    def prepare(self, dimensions: list[str], weeks: list[str]) -> None:
        """Aggregate every dimension by week in one scan (``GROUPING SETS``).

        Each cell keeps sufficient statistics (counts, sums, sums of squares), so any window
        of weeks (the period, the previous period, the trailing baseline, each trend week)
        is summed from it without another pass over the records.
        """
        for d in dimensions:
            self._check_column(d)
        self.dimensions = list(dict.fromkeys(dimensions))
        quoted = [f'"{d}"' for d in self.dimensions]
        sets = ", ".join([f"({q}, week)" for q in quoted] + ["(week)"])
        flags = ", ".join(f"GROUPING({q}) AS g{i}" for i, q in enumerate(quoted))
        rows = self._rows(
            f"SELECT {', '.join(q + f' AS v{i}' for i, q in enumerate(quoted))}"
            f"{', ' if quoted else ''}{flags}{', ' if quoted else ''}week, {SUMS} "
            f"FROM {self.table} WHERE week IN {_in(sorted(set(weeks)))} AND {self.where} "
            f"GROUP BY GROUPING SETS ({sets})", self.where_params)
        self.sums: dict[str | None, dict[Any, dict[str, dict[str, Any]]]] = {
            None: {None: {}}, **{d: {} for d in self.dimensions}}
        for r in rows:
            i = next((i for i in range(len(quoted)) if r[f"g{i}"] == 0), None)
            if i is None:
                self.sums[None][None][r["week"]] = r
                continue
            key = None if r[f"v{i}"] is None else str(r[f"v{i}"])
            self.sums[self.dimensions[i]].setdefault(key, {})[r["week"]] = r

    def _sum(self, dimension: str | None, value: Any, weeks: list[str]) -> Kpis:
        cells = self._cells(dimension).get(value, {})
        return Kpis.from_sums([cells[w] for w in weeks if w in cells])

    def _cells(self, dimension: str | None) -> dict[Any, dict[str, dict[str, Any]]]:
        if not hasattr(self, "sums") or dimension not in self.sums:
            raise RuntimeError(f"Rollups.prepare() was not called for {dimension!r}")
        return self.sums[dimension]

    def kpis(self, weeks: list[str]) -> Kpis:
        """KPIs over all records of ``weeks`` (weeks given to :meth:`prepare`)."""
        return self._sum(None, None, weeks)

    def weekly(self, weeks: list[str]) -> list[dict[str, Any]]:
        """One KPI row per week of ``weeks`` (weeks without data are left out), with the
        share of records whose root cause is ``unknown`` (None without root causes)."""
        cells = self._cells(None)[None]
        unknown: dict[str, float] = {}
        if self.has("root_cause") and weeks:
            unknown = {r["week"]: r["share"] for r in self._rows(
                "SELECT week, avg(CASE WHEN root_cause = 'unknown' THEN 1.0 ELSE 0.0 END) "
                f"AS share FROM {self.table} WHERE week IN {_in(weeks)} AND {self.where} "
                "GROUP BY week", self.where_params)}
        return [{"week": w, **Kpis.from_sums([cells[w]]).as_dict(),
                 "unknown_share": unknown.get(w)} for w in weeks if w in cells]

    def segments(self, dimension: str, period: list[str], previous: list[str], min_n: int,
                 limit: int = 12) -> list[dict[str, Any]]:
        """KPIs per value of ``dimension`` in the period, with changes against ``previous``."""
        self._check_column(dimension)
        out = []
        for value in self._cells(dimension):
            if value is None:
                continue
            k = self._sum(dimension, value, period)
            if not k.volume:
                continue
            p = self._sum(dimension, value, previous)
            out.append({"dimension": dimension, "value": value, **k.as_dict(),
                        "previous_volume": p.volume,
                        "changes": {m: c.as_dict() for m, c in compare(k, p, min_n).items()}})
        out.sort(key=lambda row: (-row["volume"], row["value"]))
        return out[:limit]

    def drivers(self, dimension: str, period: list[str], previous: list[str],
                trailing: list[str], min_n: int) -> list[dict[str, Any]]:
        """Per value of ``dimension`` (a cause or topic): volume, shares and impact.

        ``impact_nps`` = NPS(all) − NPS(all without the driver); negative means the driver
        pulls the score down. Shares are of all records in the window.
        """
        self._check_column(dimension)
        totals = (self.kpis(period), self.kpis(previous), self.kpis(trailing))
        extras = self._driver_extras(f'"{dimension}"', [], period)
        out = []
        for value in sorted(v for v in self._cells(dimension) if v not in (None, *MISSING)):
            parts = (self._sum(dimension, value, period), self._sum(dimension, value, previous),
                     self._sum(dimension, value, trailing))
            if not any(p.volume for p in parts):
                continue
            out.append({"dimension": dimension, "value": value,
                        **_driver_row(totals, parts, min_n), **extras.get(value, {})})
        return out

    def driver(self, match: list[tuple[str, str]], period: list[str], previous: list[str],
               trailing: list[str], min_n: int) -> dict[str, Any]:
        """The figures of :meth:`drivers` for the records with any of ``match``'s
        ``(dimension, value)`` pairs: one driver made of a cause and a topic that cover
        mostly the same records, counted once."""
        condition, params = self._match(match)
        totals = (self.kpis(period), self.kpis(previous), self.kpis(trailing))
        parts = tuple(self._slice(condition, params, weeks)
                      for weeks in (period, previous, trailing))
        extras = self._driver_extras(f"CASE WHEN {condition} THEN 'x' END", params, period)
        return {"dimension": match[0][0], "value": match[0][1],
                **_driver_row(totals, parts, min_n), **extras.get("x", {})}

    def overlap(self, first: str, second: str, weeks: list[str]) -> list[dict[str, Any]]:
        """Records per pair of values of two driver columns in ``weeks`` (both set, neither
        missing), most first: how much a topic and a cause cover the same records."""
        self._check_column(first)
        self._check_column(second)
        rows = self._rows(
            f'SELECT CAST("{first}" AS VARCHAR) AS a, CAST("{second}" AS VARCHAR) AS b, '
            f"count(*) AS n FROM {self.table} WHERE week IN {_in(weeks)} AND {self.where} "
            f'AND "{first}" IS NOT NULL AND "{second}" IS NOT NULL GROUP BY 1, 2 '
            "ORDER BY n DESC, a, b", self.where_params)
        return [r for r in rows if r["a"] not in MISSING and r["b"] not in MISSING]

    def _match(self, match: list[tuple[str, str]]) -> tuple[str, list[Any]]:
        for dimension, _ in match:
            self._check_column(dimension)
        condition = " OR ".join(f'CAST("{d}" AS VARCHAR) = ?' for d, _ in match)
        return f"({condition})", [str(v) for _, v in match]

    def _slice(self, condition: str, params: list[Any], weeks: list[str]) -> Kpis:
        return Kpis.from_sums(self._rows(
            f"SELECT {SUMS} FROM {self.table} WHERE week IN {_in(weeks)} AND {self.where} "
            f"AND {condition}", [*self.where_params, *params]))

    def _driver_extras(self, key: str, key_params: list[Any], period: list[str]
                       ) -> dict[str, dict[str, Any]]:
        """Per value of the SQL expression ``key`` (a driver column, or a match), when the
        stages ran: the share of high-effort contacts (of those with effort language) and the
        most frequent emotion with its share."""
        parts = []
        if self.has("effort_score"):
            parts.append(f"count(effort_score) AS effort_n, count(*) FILTER (WHERE effort_score "
                         f">= {HIGH_EFFORT}) AS high_effort")
        if self.has("emotion_top"):
            parts.append("mode(emotion_top) AS top_emotion, count(emotion_top) AS emotion_n, "
                         "count(*) FILTER (WHERE emotion_top = mode_e) AS top_emotion_n")
        if not parts:
            return {}
        source = self.table
        params = [*key_params, *self.where_params, *key_params]
        if self.has("emotion_top"):
            source = (f"(SELECT *, mode(emotion_top) OVER (PARTITION BY {key}) AS mode_e "
                      f"FROM {self.table} WHERE week IN {_in(period)} AND {self.where})")
            params = [*key_params, *key_params, *self.where_params, *self.where_params,
                      *key_params]
        rows = self._rows(f'SELECT {key} AS value, {", ".join(parts)} FROM {source} '
                          f"WHERE week IN {_in(period)} AND {self.where} AND {key} "
                          "IS NOT NULL GROUP BY 1", params)
        out = {}
        for r in rows:
            extra: dict[str, Any] = {}
            if "effort_n" in r:
                extra["high_effort_share"] = (r["high_effort"] / r["effort_n"]
                                              if r["effort_n"] else None)
                extra["effort_n"] = int(r["effort_n"])
            if "top_emotion" in r:
                extra["top_emotion"] = r["top_emotion"]
                extra["top_emotion_share"] = (r["top_emotion_n"] / r["emotion_n"]
                                              if r["emotion_n"] else None)
            out[str(r["value"])] = extra
        return out

    def experience(self, weeks: list[str]) -> dict[str, Any]:
        """Effort, emotion and aspect figures for ``weeks`` (empty parts when a stage did not
        run): high-effort share, emotion shares, and per aspect the mentions and polarity."""
        out: dict[str, Any] = {}
        where = f"week IN {_in(weeks)}"
        if self.scope:  # the scope's value is a parameter; experience() runs unscoped only
            raise RuntimeError("Rollups.experience() is not available on a scoped rollup")
        if self.has("effort_score"):
            r = self._rows(f"SELECT count(*) AS n, count(effort_score) AS effort_n, "
                           f"count(*) FILTER (WHERE effort_score >= {HIGH_EFFORT}) AS high, "
                           f"avg(effort_score) AS mean FROM {self.table} WHERE {where}")[0]
            out["effort"] = {"records": int(r["n"]), "with_effort_language": int(r["effort_n"]),
                             "high_effort": int(r["high"]),
                             "high_effort_share": r["high"] / r["n"] if r["n"] else None,
                             "high_effort_share_of_mentions":
                                 r["high"] / r["effort_n"] if r["effort_n"] else None,
                             "mean_score": _f(r["mean"]), "threshold": HIGH_EFFORT}
        if self.has("emotion_top"):
            rows = self._rows(f"SELECT emotion_top AS emotion, count(*) AS n FROM {self.table} "
                              f"WHERE {where} AND emotion_top IS NOT NULL GROUP BY 1 "
                              "ORDER BY n DESC, emotion")
            total = sum(int(r["n"]) for r in rows)
            out["emotions"] = [{"emotion": r["emotion"], "n": int(r["n"]),
                                "share": int(r["n"]) / total} for r in rows]
        if self.has("aspects"):
            rows = self._rows(
                "SELECT a->>'aspect' AS aspect, count(*) AS n, "
                "count(*) FILTER (WHERE a->>'polarity' = 'negative') AS negative, "
                "count(*) FILTER (WHERE a->>'polarity' = 'positive') AS positive "
                f"FROM (SELECT unnest(CAST(aspects AS JSON[])) AS a FROM {self.table} "
                f"WHERE {where} AND aspects IS NOT NULL) GROUP BY 1 "
                "ORDER BY n DESC, aspect LIMIT 15")
            out["aspects"] = [{"aspect": r["aspect"], "n": int(r["n"]),
                               "negative_share": int(r["negative"]) / int(r["n"]),
                               "positive_share": int(r["positive"]) / int(r["n"])}
                              for r in rows if r["aspect"]]
        return out

    def driver_trend(self, dimension: str, weeks: list[str],
                     values: list[str]) -> list[dict[str, Any]]:
        """Weekly share of each of ``values`` of ``dimension`` over ``weeks``."""
        self._check_column(dimension)
        if not values:
            return []
        totals = self._cells(None)[None]
        cells = self._cells(dimension)
        out = []
        for w in weeks:
            if w not in totals or not totals[w]["volume"]:
                continue
            total = int(totals[w]["volume"])
            out.append({"week": w, "total": total,
                        "shares": {v: int(cells.get(v, {}).get(w, {}).get("volume", 0)) / total
                                   for v in values}})
        return out

    def _check_column(self, column: str) -> None:
        if column not in self.columns:
            raise error("FE452", column=column)


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


IMPACT_SCALE = {"nps": 1.0, "csat": 100.0, "sentiment": 1.0}  # impacts in points (sentiment: units)


def impact(whole: Kpis, part: Kpis, metric: str) -> tuple[float | None, float | None]:
    """The driver's impact on ``metric`` (KPI of all − KPI without the driver) in points, and
    its standard error.

    With ``w`` the driver's share of the metric's answers, the impact is
    ``w × (KPI(driver) − KPI(rest))``; its variance is ``w²`` times the two slices'
    sampling variances added (``w`` taken as fixed). NPS and CSAT are in points (CSAT ×100),
    sentiment in its own units. A driver with no answers has no impact (0, 0); a driver that
    is every answer has none that can be measured (None, None).
    """
    n_all, n_part = getattr(whole, f"{metric}_n"), getattr(part, f"{metric}_n")
    if not n_all or getattr(whole, metric) is None:
        return None, None
    if not n_part:
        return 0.0, 0.0
    rest = whole.without(part)
    n_rest = n_all - n_part
    if n_rest <= 0 or getattr(rest, metric) is None or getattr(part, metric) is None:
        return None, None
    w = n_part / n_all
    if metric == "nps":
        def var(k: Kpis) -> float:
            p, d = k.promoters / k.nps_n, k.detractors / k.nps_n
            return 100 ** 2 * max(p + d - (p - d) ** 2, 0.0) / k.nps_n
        spread = var(part) + var(rest)
    elif metric == "csat":
        spread = sum(k.csat * (1 - k.csat) / k.csat_n for k in (part, rest)) * 100 ** 2
    else:
        # The rest's variance is not kept (Kpis.without): the whole's stands in for it.
        v_part = part.sentiment_var if part.sentiment_var is not None else whole.sentiment_var
        spread = ((v_part or 0.0) / n_part + (whole.sentiment_var or 0.0) / n_rest)
    scale = IMPACT_SCALE[metric]
    value = w * (getattr(part, metric) - getattr(rest, metric)) * scale
    return value, w * math.sqrt(spread)


def _driver_row(totals: tuple[Kpis, Kpis, Kpis], parts: tuple[Kpis, Kpis, Kpis],
                min_n: int) -> dict[str, Any]:
    """A driver's figures from the totals and its own KPIs in (period, previous, trailing):
    volume and shares, the KPIs without it, its impact on each KPI, and for each KPI the
    impact in both periods with its standard error (``impact_<m>_se``,
    ``impact_<m>_previous``, ``impact_<m>_previous_se``) for the test of its change."""
    everything, before, trail = totals
    part, part_prev, part_trail = parts
    rest = everything.without(part)
    share = part.volume / everything.volume if everything.volume else None
    prev_share = part_prev.volume / before.volume if before.volume else None
    trail_share = part_trail.volume / trail.volume if trail.volume else None
    row: dict[str, Any] = {
        **part.as_dict(),
        "share": share, "share_previous": prev_share, "share_trailing": trail_share,
        "share_change": _diff(share, prev_share),
        "share_change_trailing": _diff(share, trail_share),
        "n_previous": part_prev.volume, "n_trailing": part_trail.volume,
        "nps_without": rest.nps, "csat_without": rest.csat,
        "sentiment_without": rest.sentiment,
        "impact_nps": _diff(everything.nps, rest.nps),
        "impact_csat": _diff(everything.csat, rest.csat),
        "impact_sentiment": _diff(everything.sentiment, rest.sentiment),
        "reliable": part.nps_n >= min_n or part.csat_n >= min_n,
    }
    for metric in IMPACT_SCALE:
        _, se = impact(everything, part, metric)
        then, then_se = impact(before, part_prev, metric)
        row[f"impact_{metric}_se"] = se
        row[f"impact_{metric}_previous"] = then
        row[f"impact_{metric}_previous_se"] = then_se
        row[f"{metric}_n_previous"] = getattr(part_prev, f"{metric}_n")
    return row


def poisson_sf(observed: int, expected: float) -> float:
    """P(X >= observed) for X ~ Poisson(expected).

    >>> round(poisson_sf(10, 3.0), 5)
    0.0011
    """
    from scipy.stats import poisson

    if observed <= 0:
        return 1.0
    return float(poisson.sf(observed - 1, expected))


def emerging(drivers: list[dict[str, Any]], period_volume: int, trailing_volume: int,
             alpha: float = 0.01, min_count: int = 10, min_ratio: float = 1.5
             ) -> list[dict[str, Any]]:
    """New or spiking drivers: the period's count against the trailing baseline.

    Expected count = (trailing count + 0.5) / (trailing volume + 1) × period volume (the 0.5
    keeps a never-seen value testable). A driver is emerging when its count is at least
    ``min_count``, at least ``min_ratio`` × expected, and the one-sided Poisson p-value is
    below ``alpha`` divided by the number of values tested (Bonferroni). "new" means it had
    no records in the trailing weeks.
    """
    tested = [d for d in drivers if d["volume"] > 0]
    if not tested or not period_volume or not trailing_volume:
        return []
    threshold = alpha / len(tested)
    out = []
    for d in tested:
        expected = (d["n_trailing"] + 0.5) / (trailing_volume + 1) * period_volume
        p = poisson_sf(d["volume"], expected)
        ratio = d["volume"] / expected
        if d["volume"] >= min_count and ratio >= min_ratio and p < threshold:
            out.append({"dimension": d["dimension"], "value": d["value"],
                        "status": "new" if d["n_trailing"] == 0 else "spiking",
                        "count": d["volume"], "expected": expected, "ratio": ratio,
                        "p_value": p, "share": d["share"], "share_trailing": d["share_trailing"],
                        "nps": d["nps"], "sentiment": d["sentiment"]})
    return sorted(out, key=lambda e: (e["p_value"], -e["count"], e["value"]))

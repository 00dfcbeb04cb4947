"""QA rollups: pass rates per rule, agent and team, and a ranked list of training needs.

The warehouse's ``qa_results`` (one JSON list per conversation, from the ``qa`` stage) is
unnested and counted in DuckDB; the small per-agent table is then smoothed in Python.

Fairness to agents, in three parts:

- **Shrinkage.** An agent's pass rate on a rule is estimated by empirical Bayes: a beta
  prior centred on the agent's *team* rate with a strength of ``m`` conversations, so
  ``shrunk = (passed + m * team_rate) / (n + m)``. ``m`` is estimated per rule from how much
  agents' rates vary around their team's beyond binomial noise (method of moments for the
  beta-binomial, Kleinman 1973); little real spread means a strong prior. It is kept within
  ``[M_MIN, M_MAX]`` so that an agent's own calls always count.
- **A minimum number of conversations.** An agent is only assessed on a rule once it
  applied to at least ``min_conversations`` of their conversations: three calls flag no one.
- **Confidence.** ``confidence`` is the posterior probability that the agent's true rate
  is below the organisation's rate (regularised incomplete beta); a need is listed only
  when it is at least ``min_confidence`` and the shrunk rate is ``min_gap`` below.

Needs are ranked by the gap ``org_rate - shrunk_rate`` (then confidence): the largest,
surest shortfalls first, each with example evidence (the turns that failed the rule).

Two more views keep what the guard hides from going unsaid:

- **Organisation gaps** (``org_gaps``): a rule that applied to at least
  ``min_conversations`` conversations and either passes in under ``ORG_GAP_RATE`` of them or
  is passed less than half the time by more than half of the assessed agents. That is a
  process or training gap for everyone, which per-agent needs (measured against the
  organisation) cannot show.
- **Watch list** (``watch``): an agent with ``WATCH_MIN_N`` to ``min_conversations - 1``
  conversations on a rule whose posterior (the same shrunk one) is below the organisation's
  rate with ``min_confidence`` and by ``min_gap``: listed to watch, not flagged.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ..errors import error
from .metrics import wilson

DEFAULT_MIN_CONVERSATIONS = 20
MIN_CONFIDENCE = 0.95  # posterior P(agent rate < organisation rate) needed to list a need
MIN_GAP = 0.05  # and the shrunk rate at least this far below the organisation's rate
M_MIN, M_MAX = 2.0, 50.0  # prior strength bounds, in conversations
EXAMPLES = 2  # evidence examples per training need
ORG_GAP_RATE = 0.5  # an organisation pass rate below this is an organisation gap
HALF = 0.5  # an agent "passes a rule half the time" at this rate
WATCH_MIN_N = 5  # fewest conversations on a rule for the watch list (below min_conversations)

_RESULT_TYPE = ('[{"rule": "VARCHAR", "name": "VARCHAR", "passed": "BOOLEAN", '
                '"note": "VARCHAR", '
                '"evidence": [{"turn": "INTEGER", "speaker": "VARCHAR", "text": "VARCHAR", '
                '"gap_s": "DOUBLE"}]}]')


def _window(start: dt.date | None, end: dt.date | None) -> tuple[str, list[Any]]:
    clauses, params = ["qa_results IS NOT NULL"], []
    if start is not None:
        clauses.append("CAST(timestamp AS DATE) >= ?")
        params.append(start)
    if end is not None:
        clauses.append("CAST(timestamp AS DATE) <= ?")
        params.append(end)
    return " AND ".join(clauses), params


def _has_column(con: duckdb.DuckDBPyConnection, column: str) -> bool:
    rows = con.execute("SELECT column_name FROM information_schema.columns "
                       "WHERE table_name = 'records' AND column_name = ?", [column]).fetchall()
    return bool(rows)


def _counts(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> pd.DataFrame:
    """Per agent, team and rule: conversations where the rule applied, and passes."""
    return con.execute(f"""
        WITH results AS (
            SELECT agent_id, team, from_json(qa_results, '{_RESULT_TYPE}') AS list
            FROM records WHERE {where}
        ), rows AS (
            SELECT agent_id, team, unnest(list) AS q, generate_subscripts(list, 1) AS pos
            FROM results
        )
        SELECT agent_id AS agent, team, q.rule AS rule, any_value(q.name) AS name,
               min(pos) AS pos, count(q.passed) AS n,
               count(*) FILTER (WHERE q.passed) AS passed
        FROM rows GROUP BY agent_id, team, q.rule
    """, params).df()


def _failures(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> pd.DataFrame:
    """Failing conversations per agent and rule, with their evidence turns: the most upset
    customers first (clearest examples for coaching), then the latest."""
    upset = "most_negative_score" if _has_column(con, "most_negative_score") else "NULL"
    return con.execute(f"""
        WITH rows AS (
            SELECT record_id, source, timestamp, agent_id, {upset} AS upset,
                   unnest(from_json(qa_results, '{_RESULT_TYPE}')) AS q
            FROM records WHERE {where} AND agent_id IS NOT NULL
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY agent_id, q.rule
                                         ORDER BY upset NULLS LAST, timestamp DESC,
                                                  record_id) AS k
            FROM rows WHERE q.passed = false
        )
        SELECT agent_id AS agent, q.rule AS rule, record_id, source,
               CAST(timestamp AS VARCHAR) AS timestamp, q.note AS note, q.evidence AS evidence
        FROM ranked WHERE k <= {EXAMPLES} ORDER BY agent_id, q.rule, k
    """, params).df()


def prior_strength(n: list[int], passed: list[int], centre: list[float]) -> float:
    """Beta-binomial prior strength ``m`` by the method of moments, clamped to bounds.

    Agents' rates vary around their centres (team rates) by binomial noise
    ``mu (1 - mu) / n`` plus real spread; the intra-class correlation
    ``rho = 1 / (m + 1)`` is the share of the real spread.

    >>> prior_strength([50, 50, 50, 50], [25, 25, 25, 25], [0.5] * 4)  # no spread: strong
    50.0
    >>> prior_strength([50, 50, 50, 50], [5, 45, 5, 45], [0.5] * 4)  # wide spread: weak
    2.0
    """
    excess = scale = 0.0
    for size, hits, mu in zip(n, passed, centre, strict=True):
        if size < 2 or not 0 < mu < 1:
            continue
        variance = mu * (1 - mu)
        excess += (hits / size - mu) ** 2 - variance / size
        scale += variance * (1 - 1 / size)
    if scale <= 0:
        return M_MAX
    rho = excess / scale
    if rho <= 1 / (M_MAX + 1):
        return M_MAX
    return float(min(M_MAX, max(M_MIN, 1 / rho - 1)))


def _below(rate: float, alpha: float, beta: float) -> float:
    """P(theta < rate) for theta ~ Beta(alpha, beta)."""
    from scipy.special import betainc

    return float(betainc(alpha, beta, min(max(rate, 0.0), 1.0)))


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(
        float(value), digits)


def _turn(item: dict[str, Any]) -> dict[str, Any]:
    """An evidence turn with its 1-based ``turn_number`` for display ("Turn 7 (agent)");
    ``gap_s`` is kept only where a dead-air finding set it."""
    out = {k: v for k, v in item.items() if k != "gap_s" or v is not None}
    if out.get("turn") is not None:
        out["turn_number"] = int(out["turn"]) + 1
    return out


def _evidence(failures: pd.DataFrame) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in failures.itertuples(index=False):
        turns = list(row.evidence) if row.evidence is not None else []
        out.setdefault((row.agent, row.rule), []).append({
            "record_id": row.record_id, "source": row.source, "timestamp": row.timestamp,
            "note": row.note, "turns": [_turn(dict(t)) for t in turns]})
    return out


def qa_summary(con: duckdb.DuckDBPyConnection, start: dt.date | None = None,
               end: dt.date | None = None,
               min_conversations: int = DEFAULT_MIN_CONVERSATIONS, *,
               agent: str | None = None, team: str | None = None) -> dict[str, Any]:
    """Pass rates per rule, team and agent, and the ranked training needs.

    Args:
        con: a connection to the warehouse.
        start, end: inclusive dates of the conversations' timestamps (None: unbounded).
        min_conversations: an agent is assessed on a rule only once it applied to this many
            of their conversations.
        agent, team: keep only this agent's / team's rows in ``agents``, ``teams`` and
            ``training_needs`` (rates are still computed over everyone).

    Returns:
        JSON-serialisable ``{"n_conversations", "rules": [{"rule", "name", "pass_rate",
        "n"}], "org_gaps": [{"rule", "name", "pass_rate", "n", "passed", "agents_assessed",
        "agents_below_half", "finding"}] (worst first), "training_needs": [{"agent", "team",
        "rule", "name", "rate", "team_rate", "org_rate", "shrunk_rate", "n", "passed",
        "confidence", "evidence"}] (ranked), "watch": [{"agent", "team", "rule", "name",
        "rate", "n", "passed", "org_rate", "confidence", "reason", "evidence"}] (largest gap
        first), "teams": [...], "agents": [...], "settings": {...}}``. Evidence turns carry
        ``turn`` (0-based index) and ``turn_number`` (1-based, for display).
    """
    empty = {"n_conversations": 0, "rules": [], "org_gaps": [], "training_needs": [],
             "watch": [], "teams": [], "agents": [],
             "settings": _settings(start, end, min_conversations)}
    if not _has_column(con, "qa_results"):
        return empty
    where, params = _window(start, end)
    n_conversations, mean_score = con.execute(
        f"SELECT count(*), avg(qa_score) FROM records WHERE {where}", params).fetchone()
    counts = _counts(con, where, params)
    if counts.empty:
        return {**empty, "n_conversations": int(n_conversations)}
    counts["team"] = counts["team"].fillna("")
    rules = (counts.groupby("rule", sort=False)
             .agg(name=("name", "first"), pos=("pos", "min"), n=("n", "sum"),
                  passed=("passed", "sum")).sort_values("pos"))
    org = {r: (p / n if n else None) for r, n, p in zip(rules.index, rules["n"],
                                                        rules["passed"], strict=True)}
    team_totals = counts.groupby(["team", "rule"])[["n", "passed"]].sum()
    team_rate = {key: (p / n if n else None) for key, n, p in zip(
        team_totals.index, team_totals["n"], team_totals["passed"], strict=True)}

    agents_rows = counts[counts["agent"].notna()].copy()
    centre = [team_rate.get((t, r)) if t else org[r] for t, r in zip(
        agents_rows["team"], agents_rows["rule"], strict=True)]
    agents_rows["centre"] = [c if c is not None else org[r]
                             for c, r in zip(centre, agents_rows["rule"], strict=True)]
    strength = {rule: prior_strength(g["n"].tolist(), g["passed"].tolist(),
                                     g["centre"].tolist())
                for rule, g in agents_rows.groupby("rule") if g["centre"].notna().all()}
    evidence = _evidence(_failures(con, where, params))
    volume = {(kind, key): (int(n), score) for kind, key, n, score in con.execute(f"""
        SELECT 'team', coalesce(team, ''), count(*), avg(qa_score) FROM records WHERE {where}
        GROUP BY 2 UNION ALL
        SELECT 'agent', agent_id, count(*), avg(qa_score) FROM records
        WHERE {where} AND agent_id IS NOT NULL GROUP BY 2""", params * 2).fetchall()}

    assessed: list[dict[str, Any]] = []
    agents_rows = agents_rows.sort_values(["agent", "pos"])
    for row in agents_rows.itertuples(index=False):
        if row.n == 0 or org[row.rule] is None:
            continue
        m = strength.get(row.rule, M_MAX)
        mu = row.centre
        alpha, beta = row.passed + m * mu, row.n - row.passed + m * (1 - mu)
        shrunk = alpha / (alpha + beta)
        confidence = _below(org[row.rule], alpha, beta)
        eligible = row.n >= min_conversations
        striking = confidence >= MIN_CONFIDENCE and org[row.rule] - shrunk >= MIN_GAP
        flagged = eligible and striking
        watch = not eligible and row.n >= WATCH_MIN_N and striking
        assessed.append({
            "agent": row.agent, "team": row.team or None, "rule": row.rule,
            "name": row.name, "rate": _round(row.passed / row.n),
            "team_rate": _round(team_rate.get((row.team, row.rule)) if row.team else None),
            "org_rate": _round(org[row.rule]), "shrunk_rate": _round(shrunk),
            "n": int(row.n), "passed": int(row.passed), "prior_strength": _round(m, 1),
            "confidence": _round(confidence, 3) if eligible else None,
            "gap": _round(org[row.rule] - shrunk), "flagged": flagged, "watch": watch,
            "watch_confidence": _round(confidence, 3) if watch else None,
            "evidence": evidence.get((row.agent, row.rule), []) if flagged or watch else []})
    needs = sorted((a for a in assessed if a["flagged"]),
                   key=lambda a: (-a["gap"], -a["confidence"], a["agent"], a["rule"]))
    for rank, need in enumerate(needs, 1):
        need["rank"] = rank

    return {
        "n_conversations": int(n_conversations),
        "mean_qa_score": _round(mean_score, 2),
        "rules": [{"rule": r, "name": row["name"], "pass_rate": _round(org[r]),
                   "n": int(row["n"]), "passed": int(row["passed"]),
                   "prior_strength": _round(strength.get(r, M_MAX), 1)}
                  for r, row in rules.iterrows()],
        "org_gaps": _org_gaps(rules, org, assessed, min_conversations),
        "training_needs": [{k: v for k, v in n.items()
                            if k not in ("flagged", "watch", "watch_confidence")}
                           for n in needs if (agent is None or n["agent"] == agent)
                           and (team is None or n["team"] == team)],
        "watch": _watch(assessed, agent, team, min_conversations),
        "teams": [t for t in _teams(counts, rules, org, assessed, volume)
                  if team is None or t["team"] == team],
        "agents": _agents(assessed, agent, team, volume),
        "settings": _settings(start, end, min_conversations),
    }


def _settings(start: dt.date | None, end: dt.date | None, min_n: int) -> dict[str, Any]:
    return {"start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None, "min_conversations": min_n,
            "min_confidence": MIN_CONFIDENCE, "min_gap": MIN_GAP,
            "org_gap_rate": ORG_GAP_RATE, "watch_min_n": WATCH_MIN_N}


def _pct(rate: float) -> str:
    return f"{100 * rate:.0f}%"


def _org_gaps(rules: pd.DataFrame, org: dict[str, float | None],
              assessed: list[dict[str, Any]], min_n: int) -> list[dict[str, Any]]:
    """Rules that fail organisation-wide (module docstring), worst pass rate first.

    An agent counts as assessed on a rule with at least ``min_n`` conversations on it, and as
    below half when their own (unshrunk) rate is under ``HALF``.
    """
    out = []
    for rule, row in rules.iterrows():
        n, passed, rate = int(row["n"]), int(row["passed"]), org[rule]
        if rate is None or n < min_n:
            continue
        agents = [a for a in assessed if a["rule"] == rule and a["n"] >= min_n]
        below = sum(1 for a in agents if a["rate"] < HALF)
        if not (rate < ORG_GAP_RATE or (agents and below > len(agents) / 2)):
            continue
        passing = len(agents) - below
        who = (f"{passing} of {len(agents)} agents pass it half the time" if agents else
               f"no agent has {min_n} conversations on it yet")
        out.append({"rule": rule, "name": row["name"], "pass_rate": _round(rate), "n": n,
                    "passed": passed, "agents_assessed": len(agents),
                    "agents_below_half": below,
                    "finding": f"{row['name']} passes in {_pct(rate)} of {n:,} conversations; "
                               f"{who}: a process or training gap for everyone, not one "
                               "agent."})
    return sorted(out, key=lambda g: (g["pass_rate"], -g["n"], g["rule"]))


def _watch(assessed: list[dict[str, Any]], agent: str | None, team: str | None,
           min_n: int) -> list[dict[str, Any]]:
    """Agents with too few conversations to flag but a striking shortfall, largest first."""
    out = []
    for a in assessed:
        if not a["watch"] or (agent is not None and a["agent"] != agent) or (
                team is not None and a["team"] != team):
            continue
        out.append({
            "agent": a["agent"], "team": a["team"], "rule": a["rule"], "name": a["name"],
            "rate": a["rate"], "n": a["n"], "passed": a["passed"], "org_rate": a["org_rate"],
            "confidence": a["watch_confidence"],
            "reason": f"{a['passed']} of {a['n']} ({_pct(a['rate'])}) against "
                      f"{_pct(a['org_rate'])} for the organisation (P(below) = "
                      f"{a['watch_confidence']:.2f}); under the {min_n} conversations needed "
                      "to flag, so watched, not flagged.",
            "evidence": a["evidence"], "_gap": a["gap"]})
    out.sort(key=lambda w: (-w["_gap"], -w["confidence"], w["agent"], w["rule"]))
    return [{k: v for k, v in w.items() if k != "_gap"} for w in out]


def _teams(counts: pd.DataFrame, rules: pd.DataFrame, org: dict[str, float | None],
           assessed: list[dict[str, Any]], volume: dict) -> list[dict[str, Any]]:
    """Per team: each rule's pass rate with a Wilson interval, and whether it is below the
    organisation's rate with 95% confidence (the interval's top under the org rate)."""
    out = []
    for team, group in counts.groupby("team", sort=True):
        by_rule = group.groupby("rule")[["n", "passed"]].sum()
        rows = []
        for rule in rules.index:
            if rule not in by_rule.index or by_rule.loc[rule, "n"] == 0:
                continue
            n, hits = int(by_rule.loc[rule, "n"]), int(by_rule.loc[rule, "passed"])
            interval = wilson(hits, n)
            rows.append({"rule": rule, "name": rules.loc[rule, "name"],
                         "pass_rate": _round(interval.share), "n": n,
                         "ci_low": _round(interval.ci_low), "ci_high": _round(interval.ci_high),
                         "org_rate": _round(org[rule]),
                         "below_org": org[rule] is not None and interval.ci_high < org[rule]})
        below = [row["rule"] for row in rows if row["below_org"]]
        members = {a["agent"] for a in assessed if (a["team"] or "") == team}
        flagged = {a["agent"] for a in assessed if (a["team"] or "") == team and a["flagged"]}
        n_conversations, score = volume.get(("team", team), (0, None))
        out.append({"team": team or None, "n_conversations": n_conversations,
                    "mean_qa_score": _round(score, 2), "agents": len(members),
                    "agents_flagged": len(flagged), "rules_below_org": below, "rules": rows})
    return out


def _agents(assessed: list[dict[str, Any]], agent: str | None, team: str | None,
            volume: dict) -> list[dict[str, Any]]:
    by_agent: dict[str, dict[str, Any]] = {}
    for row in assessed:
        if (agent is not None and row["agent"] != agent) or (
                team is not None and row["team"] != team):
            continue
        n_conversations, score = volume.get(("agent", row["agent"]), (0, None))
        entry = by_agent.setdefault(row["agent"], {
            "agent": row["agent"], "team": row["team"], "n_conversations": n_conversations,
            "mean_qa_score": _round(score, 2), "rules": []})
        entry["rules"].append({k: row[k] for k in (
            "rule", "name", "rate", "team_rate", "org_rate", "shrunk_rate", "n", "passed",
            "confidence", "flagged", "watch")})
    return [by_agent[a] for a in sorted(by_agent)]


def qa_from_warehouse(db: str | Path, start: dt.date | None = None, end: dt.date | None = None,
                      min_conversations: int = DEFAULT_MIN_CONVERSATIONS, *,
                      agent: str | None = None, team: str | None = None) -> dict[str, Any]:
    """Open the warehouse read-only and return :func:`qa_summary`.

    Raises:
        WarehouseError: no warehouse, or no scored conversations in the period.
    """
    from ..warehouse import Warehouse

    if min_conversations < 1:
        raise error("FE450", value=min_conversations)
    with Warehouse(db, read_only=True) as warehouse:
        summary = qa_summary(warehouse.con, start, end, min_conversations, agent=agent,
                             team=team)
    if not summary["n_conversations"]:
        span = f" between {start or 'the start'} and {end or 'the end'}" if start or end else ""
        raise error("FE451", db=db, span=span)
    return summary


NEEDS_CSV_COLUMNS = ["rank", "agent", "team", "rule", "name", "rate", "team_rate", "org_rate",
                     "shrunk_rate", "n", "passed", "confidence", "example_record_id",
                     "example_source", "example_turn", "example_speaker", "example_text"]


def needs_frame(summary: dict[str, Any]) -> pd.DataFrame:
    """The training needs as a flat table (one example each), for CSV export."""
    rows = []
    for need in summary["training_needs"]:
        example = need["evidence"][0] if need["evidence"] else {}
        turn = example.get("turns", [{}])[0] if example.get("turns") else {}
        rows.append({**{k: need.get(k) for k in NEEDS_CSV_COLUMNS},
                     "example_record_id": example.get("record_id"),
                     "example_source": example.get("source"),
                     "example_turn": turn.get("turn_number"),
                     "example_speaker": turn.get("speaker"),
                     "example_text": turn.get("text")})
    return pd.DataFrame(rows, columns=NEEDS_CSV_COLUMNS)

"""The report's sentences, generated deterministically from the report model's numbers.

Rules the sentences keep:

- every sentence states the figures behind it (value, n, interval or test);
- a change is called a rise or a fall only when :func:`~feedback_engine.rollups.weekly.compare`
  found it significant with enough answers in both periods; otherwise the sentence says
  "no significant change" or "too few answers to compare";
- a driver is said to have "driven" a change only when the change in its impact accounts for
  at least half of the change in the score.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Report

METRIC_NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "Customer effort (CES)",
                "sentiment": "Mean sentiment"}


def _fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    if metric == "csat":
        return f"{100 * value:.1f}%"
    if metric == "sentiment":
        return f"{value:+.2f}"
    if metric == "ces":
        return f"{value:.2f}"
    return f"{value:.1f}"


def _delta(metric: str, value: float) -> str:
    if metric in ("nps", "csat"):
        return f"{abs(value) * (100 if metric == 'csat' else 1):.1f} points"
    return f"{abs(value):.2f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _ci(metric: str, pair: Any) -> str:
    if not pair:
        return ""
    return f"95% CI {_fmt(metric, pair[0])} to {_fmt(metric, pair[1])}, "


def kpi_sentence(metric: str, change: dict[str, Any], current: dict[str, Any],
                 previous_label: str, min_n: int) -> str | None:
    """One sentence on a KPI: its value, interval and n, and whether it changed."""
    value = change["current"]
    if value is None:
        return None
    name = METRIC_NAMES[metric]
    ci = current.get(f"{metric}_ci")
    n = change["n_current"]
    stated = f"{name} was {_fmt(metric, value)} ({_ci(metric, ci)}n={n:,})"
    if change["previous"] is None:
        return f"{stated}; there is no earlier period to compare with."
    if not change["comparable"]:
        return (f"{stated}; too few answers to compare with {previous_label} "
                f"(n={change['n_previous']:,}; minimum {min_n}).")
    if not change["significant"]:
        return (f"{stated}, no significant change from {_fmt(metric, change['previous'])} "
                f"in {previous_label}.")
    # For CES, lower is better: say "rose"/"fell" literally and let the reader judge.
    direction = "rose" if change["delta"] > 0 else "fell"
    kind = "rise" if change["delta"] > 0 else "drop"
    if metric == "ces":
        kind = "change"  # whether higher CES is better depends on the survey's wording
    return (f"{name} {direction} {_delta(metric, change['delta'])} to {_fmt(metric, value)} "
            f"({_ci(metric, ci)}n={n:,}), a significant {kind} from "
            f"{_fmt(metric, change['previous'])} in {previous_label}.")


def impact_text(d: dict[str, Any]) -> str:
    """A driver's headline impact as every format states it: ``−8.4 NPS points (95% CI −10.1
    to −6.7)``; the table, the chart and the narrative show this one figure."""
    metric = d["metric"]
    if d.get("impact") is None:
        return "not measurable"
    unit = f"{METRIC_NAMES[metric]} points" if metric in ("nps", "csat") else "in mean sentiment"
    digits = 2 if metric == "sentiment" else 1
    ci = d.get("impact_ci")
    interval = f" (95% CI {ci[0]:+.{digits}f} to {ci[1]:+.{digits}f})" if ci else ""
    return f"{d['impact']:+.{digits}f} {unit}{interval}"


def _driver_sentence(d: dict[str, Any], previous_label: str) -> str:
    metric = d["metric"]
    scores = (f"{METRIC_NAMES[metric]} {_fmt(metric, d[metric])} against "
              f"{_fmt(metric, d[f'{metric}_without'])} without it")
    effect = f"{scores}, an impact of {impact_text(d)}"
    if d.get("impact_previous") is not None and d["impact_change"]["comparable"]:
        digits = 2 if metric == "sentiment" else 1
        effect += f" against {d['impact_previous']:+.{digits}f} in {previous_label}"
    who = (f" Who acts: {d['owner']}" + (f", who should {_lower_first(d['action'])}"
                                         if d.get("action") else "") + "."
           if d.get("owner") else "")
    return (f"The biggest driver was {d['label']}: {d['volume']:,} records, "
            f"{_pct(d['share'])} of the period ({_pct(d['share_previous'])} in "
            f"{previous_label}), {effect}.{who}")


def actions_sentence(actions: list[dict[str, Any]]) -> str:
    """The "what to do" line: how many items, and the first with its owner and figure."""
    if not actions:
        return ("What to do: none significant; no driver worsened significantly and no issue "
                "emerged.")
    a = actions[0]
    more = f" ({len(actions) - 1} more below)" if len(actions) > 1 else ""
    who = a["owner"] + (f" should {_lower_first(a['action'])}" if a.get("action") else
                        " (no owner or action is set for it in the taxonomy)")
    why = " and ".join(a["why"])
    return (f"What to do first{more}: {a['label']} ({why}; {a['count']:,} records, impact "
            f"{impact_text(a)}): {who}.")


def _lower_first(text: str) -> str:
    """``Check the …`` → ``check the …`` (an action written as an order, in a sentence)."""
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _emerging_sentence(e: dict[str, Any], baseline: int) -> str:
    p = "p < 0.001" if e["p_value"] < 0.001 else f"p = {e['p_value']:.3f}"
    what = "is new" if e["status"] == "new" else "is spiking"
    return (f"Emerging: {e['label']} {what}, {e['count']:,} records against "
            f"{e['expected']:.1f} expected from the trailing {baseline} weeks "
            f"({e['ratio']:.1f}×, {p}).")


def narrative(report: Report) -> list[str]:
    """The report's sentences, in reading order."""
    period, k = report.period, report.kpis
    cur, prev = k["current"], k["previous"]
    label = period["label"]
    previous = period["previous"]
    previous_label = ("no earlier period" if not previous else previous[0]
                      if len(previous) == 1 else f"{previous[0]} to {previous[-1]}")
    n_channels = len(report.segments.get("channel", []))
    first = f"In {label}, {cur['volume']:,} records were analyzed"
    first += f" across {n_channels} channels" if n_channels else ""
    if prev["volume"]:
        change = 100 * (cur["volume"] - prev["volume"]) / prev["volume"]
        first += (f", {abs(change):.0f}% {'more' if change >= 0 else 'fewer'} than in "
                  f"{previous_label} ({prev['volume']:,}).")
    else:
        first += "."
    out = [first]
    changes = k["changes"]
    for metric in ("nps", "csat", "ces", "sentiment"):
        sentence = kpi_sentence(metric, changes[metric], cur, previous_label, period["min_n"])
        if sentence:
            if metric == "sentiment" and cur["negative_share"] is not None:
                sentence = sentence[:-1] + (f"; {_pct(cur['negative_share'])} of records read "
                                            "as negative.")
            out.append(sentence)
    out.append(actions_sentence(report.actions))
    negative = [d for d in report.drivers if d["impact"] is not None and d["impact"] < 0]
    if negative:
        out.append(_driver_sentence(negative[0], previous_label))
    if report.drivers_few_count:
        out.append(f"{report.drivers_few_count:,} more causes or topics had too few answers "
                   f"to measure (under {period['min_n']} NPS or CSAT answers); they are listed "
                   "apart, below the drivers table.")
    baseline = len(period["trailing"])
    if report.emerging:
        out += [_emerging_sentence(e, baseline) for e in report.emerging[:3]]
    elif report.drivers and baseline:
        out.append(f"No cause or topic rose significantly above its level in the trailing "
                   f"{baseline} weeks.")
    out += _segment_sentences(report.segments)
    out += _language_sentences(report.languages, baseline)
    out += _experience_sentences(report.experience, previous_label)
    out += _qa_sentences(report.qa)
    dq = report.data_quality
    if dq["rejects"]:
        reasons = sorted(dq["rejects_by_reason"].items(), key=lambda x: (-x[1], x[0]))
        top = ", ".join(f"{reason} ({n:,})" for reason, n in reasons[:3])
        out.append(f"Data quality: the warehouse holds {dq['records']:,} records and "
                   f"{dq['rejects']:,} rejected rows, most often {top}.")
    return out


def _language_sentences(languages: list[dict[str, Any]], baseline: int) -> list[str]:
    """The languages' shares, each language's significant NPS/CSAT changes (Holm across
    the languages) and, for all but the largest, its top emerging issue, tested against its
    own trailing weeks."""
    if not languages:
        return []
    shares = ", ".join(f"{x['name']} {_pct(x['share'])} ({x['volume']:,})" for x in languages)
    out = [f"By language: {shares}."]
    for x in languages:
        for metric in ("nps", "csat"):
            c = x["changes"][metric]
            if c["significant"]:
                direction = "rose" if c["delta"] > 0 else "fell"
                out.append(f"{x['name']} {METRIC_NAMES[metric]} {direction} "
                           f"{_delta(metric, c['delta'])} to {_fmt(metric, c['current'])} "
                           f"(n={c['n_current']:,}), a significant change.")
        # The largest language's issues are mostly the overall ones, said above already.
        if x["emerging"] and x is not languages[0]:
            e = x["emerging"][0]
            p = "p < 0.001" if e["p_value"] < 0.001 else f"p = {e['p_value']:.3f}"
            out.append(f"In {x['name']}, the top emerging issue was {e['label']}: "
                       f"{e['count']:,} records against {e['expected']:.1f} expected from "
                       f"its own trailing {baseline} weeks ({e['ratio']:.1f}×, {p}).")
    return out


def _segment_sentences(segments: dict[str, list[dict[str, Any]]], limit: int = 3
                       ) -> list[str]:
    """The largest significant NPS/CSAT changes among segments (by |z|), and how many more."""
    found = []
    for dimension, rows in segments.items():
        for row in rows:
            for metric in ("nps", "csat"):
                c = row["changes"][metric]
                if c["significant"]:
                    found.append((-abs(c["z"]), dimension, row["value"], metric, c))
    found.sort(key=lambda x: x[:4])
    out = []
    for _, dimension, value, metric, c in found[:limit]:
        direction = "rose" if c["delta"] > 0 else "fell"
        out.append(f"In {dimension} {value}, {METRIC_NAMES[metric]} {direction} "
                   f"{_delta(metric, c['delta'])} to {_fmt(metric, c['current'])} "
                   f"(n={c['n_current']:,}), a significant change from "
                   f"{_fmt(metric, c['previous'])} (z = {c['z']:.1f}).")
    if len(found) > limit:
        out.append(f"{len(found) - limit} more segment changes are significant; see the "
                   "segments table.")
    return out


def _experience_sentences(exp: dict[str, Any], previous_label: str) -> list[str]:
    """Effort, emotion and aspects, stated without claims of change (no test is run)."""
    out = []
    effort = exp.get("effort")
    if effort and effort["records"]:
        before = exp.get("previous", {}).get("effort") or {}
        then = (f"; {_pct(before['high_effort_share'])} in {previous_label}"
                if before.get("high_effort_share") is not None else "")
        out.append(f"{_pct(effort['high_effort_share'])} of records describe a high-effort "
                   f"contact ({effort['high_effort']:,} of {effort['records']:,}{then}).")
    emotions = exp.get("emotions")
    if emotions:
        top = emotions[0]
        out.append(f"The most frequent emotion was {top['emotion']} ({_pct(top['share'])} of "
                   f"the {sum(e['n'] for e in emotions):,} records with a clear emotion).")
    # Where most negative mentions are (a high share of few mentions says little).
    aspects = [a for a in exp.get("aspects", []) if a["n"] >= 20 and a["negative_share"] > 0]
    if aspects:
        worst = max(aspects, key=lambda a: (a["n"] * a["negative_share"], a["n"]))
        name = str(worst["aspect"]).replace("_", " ")
        negative = round(worst["n"] * worst["negative_share"])
        out.append(f"Of the aspects customers mentioned, {name} drew the most negative "
                   f"mentions: {negative:,} ({_pct(worst['negative_share'])} of its "
                   f"{worst['n']:,} mentions).")
    return out


def _qa_sentences(qa: dict[str, Any]) -> list[str]:
    if not qa.get("available") or not qa.get("n_conversations"):
        return []
    rules = [r for r in qa.get("rules", []) if r.get("pass_rate") is not None and r.get("n")]
    out = []
    if rules:
        worst = min(rules, key=lambda r: (r["pass_rate"], r["rule"]))
        out.append(f"QA ({qa['start']} to {qa['end']}): {qa['n_conversations']:,} "
                   "conversations were scored; the weakest "
                   f"rule was {worst.get('name') or worst['rule']}, passed in "
                   f"{100 * worst['pass_rate']:.0f}% of the {worst['n']:,} where it applied.")
    for gap in qa.get("org_gaps", [])[:2]:
        out.append(f"Organisation-wide QA gap: {gap['finding']}")
    watch = qa.get("watch", [])
    if watch:
        w = watch[0]
        out.append(f"{len(watch)} agent-rule pair{'s are' if len(watch) > 1 else ' is'} on "
                   f"watch (too few conversations to flag, but far below the organisation): "
                   f"first {w['agent']} on {w.get('name') or w['rule']}, {w['passed']} of "
                   f"{w['n']} against {100 * w['org_rate']:.0f}%.")
    needs = qa.get("training_needs", [])
    if needs:
        top = needs[0]
        teams = Counter(n.get("team") or "no team" for n in needs)
        team, count = min(teams.items(), key=lambda x: (-x[1], x[0]))
        baseline = top.get("org_rate", top["team_rate"])
        which = "the organisation's" if "org_rate" in top else "the team's"
        noun = "training need (agent and rule) was" if len(needs) == 1 else \
            "training needs (agent and rule) were"
        among = f", in team {team}" if len(needs) == 1 else f", {count} of them in team {team}"
        out.append(f"{len(needs)} {noun} flagged{among}; the first is {top['agent']} "
                   f"({top.get('team') or 'no team'}) on {top.get('name') or top['rule']}: "
                   f"{100 * top['rate']:.0f}% against "
                   f"{which} {100 * baseline:.0f}% (n={top['n']}).")
    return out

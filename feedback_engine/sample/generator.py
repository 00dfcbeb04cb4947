"""Deterministic generator of the Northwind Connect sample feedback corpus.

All randomness comes from ``random.Random`` instances seeded with ``f"{seed}:{purpose}"``
(string seeds are hashed with SHA-512, so they do not depend on PYTHONHASHSEED), and all
dates derive from ``end_week``: the same arguments give byte-identical files.

Pipeline: plan records per source (week, cause, queue, agent, latent satisfaction, with the
planted signals applied) -> sort by time, assign ids -> render rows (``_phrases.Renderer``)
-> inject messy rows -> turn a seeded share of the clean rows of surveys, reviews and emails
into Chinese, Russian and German ones (``languages.localise``) -> write files -> measure the
signals on the rendered rows and store them in manifest.json.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from ..errors import error
from . import _phrases as P
from . import languages as LG
from . import messy as M
from . import texts as T
from .messy import inject_messy
from .texts import Renderer

AGENTS = [f"A{i:03d}" for i in range(1, 61)]
TEAM = {a: P.TEAMS[i // 10] for i, a in enumerate(AGENTS)}  # fixed: A001-A010 Orion, ...
AGENT_NAME = dict(zip(AGENTS, P.AGENT_NAMES, strict=True))
SHARES = {"surveys": 0.35, "call_summaries": 0.20, "emails": 0.10, "reviews": 0.12,
          "chats": 0.15, "calls": 0.08}
ID_PREFIX = {"surveys": "R", "call_summaries": "TCK", "emails": "EM", "reviews": "RV",
             "chats": "CHAT", "calls": "CALL"}
CONTACTS = ("chats", "calls", "call_summaries")  # sources where agents escalate / transfer
# Post-contact surveys skew happy (as real ones do); direct contacts are mostly problems.
TILT = {"surveys": {"pos": 5.5, "neu": 1.3, "neg": 0.55},
        "reviews": {"pos": 1.2, "neu": 0.6, "neg": 1.0}}
CONTACT_TILT = {"pos": 0.5, "neu": 1.0, "neg": 1.0}
DOUBLE, ESIM = "billing.double_charge", "technical_fault.esim_activation"
LONG_HOLD = "wait_time.long_hold"
APP_CAUSES = ("account_access.login_failure", "account_access.2fa_code",
              "technical_fault.app_crash")
ESCALATION_AGENT, LOW_EMPATHY_TEAM = "A042", "Orion"
EMPATHY_RATE = {LOW_EMPATHY_TEAM: 0.10}  # every other team: 0.70 of upset conversations
DAY_W = (1.15, 1.1, 1.05, 1.0, 1.0, 0.7, 0.55)
HOUR_W = (1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 16, 15, 14, 15, 15, 14, 13, 12, 11, 10, 8, 6, 3, 2)
PRODUCT_WORD = {"Broadband": "broadband", "Mobile": "mobile", "TV": "TV", "Mobile App": "app",
                "Home Phone": "home phone"}


class Calendar:
    """ISO weeks of the feed and where each planted signal sits (relative to end_week)."""

    def __init__(self, end_week: str, weeks: int) -> None:
        m = re.fullmatch(r"(\d{4})-W(\d{1,2})", end_week.strip())
        if not m or weeks < 1:
            raise ValueError(f"bad end_week/weeks: {end_week!r}, {weeks}")
        last = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        self.starts = [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
        self.labels = [f"{s.isocalendar()[0]}-W{s.isocalendar()[1]:02d}" for s in self.starts]
        keep_before = min(1, weeks - 1)  # leave a "before" week whenever there are two or more
        self.incident = max(weeks - 4, 0)
        self.release = max(weeks - 6, keep_before)
        self.emerging = max(weeks - 2, keep_before)
        self.ramp_start = max(weeks - 4, 0)

    def ramp(self, week: int) -> int:
        """0 before the wait-time ramp, then 1, 2, 3, 4 over the last four weeks."""
        return max(0, week - self.ramp_start + 1)

    def options(self, week: int, source: str) -> tuple[list, list[float]]:
        """Cause choices ``(cause, forced queue or None)`` and their weights."""
        tilt = TILT.get(source, CONTACT_TILT)
        opts, ws = [], []
        for key, (_, _, sent, base, _, _) in P.CAUSES.items():
            w = base * tilt[sent]
            if key == DOUBLE and week == self.incident:
                w *= 4.0  # billing incident: ~3x the usual share once the total grows too
            if key in APP_CAUSES and week >= self.release:
                w *= 2.3  # app release v5.2 breaks login / 2FA / stability: share ~doubles
            if key == LONG_HOLD:  # the tech_support part grows steadily over the last 4 weeks
                opts.append((key, "tech_support"))
                ws.append(w * 0.4 * (1 + 2 * self.ramp(week)))
                w *= 0.6
            if w > 0:
                opts.append((key, None))
                ws.append(w)
        if week >= self.emerging:  # new eSIM theme: ~4% of records in the last two weeks
            opts.append((ESIM, None))
            ws.append(sum(ws) * 0.04)
        return opts, ws


@dataclass
class Rec:
    """One generated record with its hidden ground truth (never written as a column)."""

    source: str
    week: int
    ts: datetime
    cause: str
    queue: str
    product: str
    agent: str
    customer: str
    channel: str = ""
    sat: float = 0.5  # latent satisfaction 0..1 that drives every score
    resolved: bool = True
    escalated: bool = False
    transferred: bool = False
    repeat: bool = False  # "this is the third time I'm calling"
    app_update: bool = False  # complaint blames the v5.2 app update
    empathy: bool = False  # agent uses an empathy phrase (chats and calls)
    hold_range: tuple[float, float] = (30.0, 150.0)  # seconds per hold in a call
    holds: list[float] = field(default_factory=list)  # filled in when a call is rendered
    ctx: dict = field(default_factory=dict)  # slot values shared by all texts of the record
    rid: str = ""
    row: dict = field(default_factory=dict)
    valid: bool = True  # False once the timestamp is spoiled or the JSON line truncated
    lang: str = "en"  # zh / ru / de once languages.localise rewrote the row

    @property
    def sent(self) -> str:
        return P.CAUSES[self.cause][2]

    @property
    def team(self) -> str:
        return TEAM.get(self.agent, "")


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _satisfaction(rng: random.Random, rec: Rec, incident: bool) -> float:
    """Latent 0..1 satisfaction: cause sentiment, resolution, the incident, team, escalation."""
    if incident:
        s = rng.uniform(0.0, 0.22)  # double-charged in the incident week: furious
    elif rec.sent == "pos":
        s = rng.uniform(0.85, 1.0)
    elif rec.sent == "neu":
        s = rng.uniform(0.5, 0.95)
    else:
        s = rng.uniform(0.45, 0.9) if rec.resolved else rng.uniform(0.0, 0.5)
    s -= 0.07 * (rec.team == LOW_EMPATHY_TEAM) + 0.1 * rec.escalated
    return min(1.0, max(0.0, s))


def plan_records(cal: Calendar, source: str, n: int, rng: random.Random,
                 n_customers: int) -> list[Rec]:
    """Draw n records for one source, sorted by time, with ids assigned."""
    weeks = range(len(cal.starts))
    tables = [cal.options(w, source) for w in weeks]
    cums = [list(accumulate(ws)) for _, ws in tables]
    # Slightly uneven weekly volume; the incident week brings extra contacts.
    volume = [1.0 + 0.12 * (w == cal.incident) + rng.uniform(-0.05, 0.05) for w in weeks]
    recs = []
    for _ in range(n):
        wk = rng.choices(weeks, volume)[0]
        cause, forced = rng.choices(tables[wk][0], cum_weights=cums[wk])[0]
        _, _, sent, _, queues, products = P.CAUSES[cause]
        ts = datetime(*cal.starts[wk].timetuple()[:3]) + timedelta(
            days=rng.choices(range(7), DAY_W)[0], hours=rng.choices(range(24), HOUR_W)[0],
            minutes=rng.randrange(60), seconds=rng.randrange(60))
        k = int(n_customers * rng.random() ** 1.7) + 1  # skewed, so customers come back
        rec = Rec(source, wk, ts, cause, forced or _pick(rng, queues), _pick(rng, products),
                  "" if source == "reviews" else rng.choice(AGENTS), f"CU-{k:06d}")
        incident = cause == DOUBLE and wk == cal.incident
        rec.resolved = sent != "neg" or (not incident and rng.random() < 0.45)
        boost = 3.3 if rec.agent == ESCALATION_AGENT else 1.0
        contact = source in CONTACTS
        rec.escalated = contact and rng.random() < (0.07 if sent == "neg" else 0.012) * boost
        rec.transferred = contact and rng.random() < 0.07 * boost
        rec.repeat = sent == "neg" and rng.random() < 0.15
        rec.app_update = cause in APP_CAUSES and wk >= cal.release and rng.random() < 0.85
        rec.channel = rng.choices(("call", "chat", "email"), (0.5, 0.35, 0.15))[0]
        # Empathy gap: Orion agents rarely acknowledge an upset customer's feelings.
        rec.empathy = sent == "neg" and rng.random() < EMPATHY_RATE.get(rec.team, 0.70)
        if rec.queue == "tech_support":  # holds lengthen over the last four weeks
            step = cal.ramp(wk)
            rec.hold_range = (30.0 + 35 * step, min(300.0, 150.0 + 40 * step))
        rec.sat = _satisfaction(rng, rec, incident)
        bill = ts.replace(day=1) - timedelta(days=rng.choice((1, 1, 40)))  # mostly last month's
        rec.ctx = {"agent_name": AGENT_NAME[rec.agent or rng.choice(AGENTS)],
                   "month": (ts if rng.random() < 0.4 else bill).strftime("%B"),
                   "product": PRODUCT_WORD[rec.product], "customer_id": rec.customer,
                   "cust_name": f"{P.FIRST_NAMES[k * 7 % 36]} {P.LAST_NAMES[k * 13 % 27]}",
                   "year": ts.year}
        recs.append(rec)
    recs.sort(key=lambda r: r.ts)
    for i, rec in enumerate(recs, 1):
        rec.rid = f"{ID_PREFIX[source]}-{i:06d}"
    return recs


# ---------------------------------------------------------------- writers
SURVEY_COLS = ["response_id", "submitted_at", "channel", "likelihood_to_recommend", "csat",
               "ces", "verbatim", "agent", "team", "queue", "product", "customer_id"]
SUMMARY_COLS = ["ticket_id", "created_at", "agent", "team", "queue", "product", "summary", "csat"]
REVIEW_COLS = ["review_id", "posted_at", "rating", "title", "review_text", "product", "channel",
               "locale"]


def _write_csv(path: Path, cols: list[str], rows: list[dict], delimiter: str,
               encoding: str) -> None:
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(cols)
        writer.writerows([["" if row[c] is None else row[c] for c in cols] for row in rows])


def write_files(out: Path, recs: dict[str, list[Rec]], dups: dict[str, int],
                rng: random.Random, ids: dict) -> dict[str, int]:
    """Write every file; return the row (or file) count of each."""
    import pyarrow as pa  # imported here: heavy, and only needed when writing
    import pyarrow.parquet as pq

    surveys = M.with_duplicates([x.row for x in recs["surveys"]], recs["surveys"],
                                dups["surveys"], rng, ids)
    _write_csv(out / "surveys.csv", SURVEY_COLS, surveys, ",", "utf-8")
    _write_csv(out / "call_summaries.csv", SUMMARY_COLS, [x.row for x in recs["call_summaries"]],
               ";", "utf-8-sig")
    emails = M.with_duplicates([T.json_line(x) for x in recs["emails"]], recs["emails"],
                               dups["emails"], rng, ids)
    chats = [T.json_line(x) for x in recs["chats"]]
    for name, lines in (("emails.jsonl", emails), ("chats.jsonl", chats)):
        (out / name).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    schema = pa.schema([(c, pa.int64() if c == "rating" else pa.string()) for c in REVIEW_COLS])
    table = pa.Table.from_pylist([x.row for x in recs["reviews"]], schema=schema)
    pq.write_table(table, out / "reviews.parquet")
    calls_dir = out / "calls"
    calls_dir.mkdir(exist_ok=True)
    for stale in sorted(calls_dir.glob("CALL-*.txt")):  # an earlier run's leftovers
        stale.unlink()
    for rec in recs["calls"]:
        (calls_dir / f"{rec.rid}.txt").write_text(T.call_text(rec.row), encoding="utf-8",
                                                  newline="\n")
    return {"surveys.csv": len(surveys), "call_summaries.csv": len(recs["call_summaries"]),
            "emails.jsonl": len(emails), "reviews.parquet": len(recs["reviews"]),
            "chats.jsonl": len(chats), "calls/": len(recs["calls"])}


# ---------------------------------------------------------------- ground truth
def _rate(items: list, pred) -> float | None:
    return round(sum(1 for x in items if pred(x)) / len(items), 4) if items else None


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 2) if values else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def _nps(values) -> float | None:
    v = [x for x in values if isinstance(x, int) and 0 <= x <= 10]
    return round(100 * (sum(x >= 9 for x in v) - sum(x <= 6 for x in v)) / len(v), 1) if v else None


def _cause(*causes: str):
    return lambda x: x.cause in causes


def _cites(phrases, speaker: str = "customer"):
    return lambda x: T.has_phrase(T.said(x, speaker), phrases)


def _split_by(pool: list[Rec], inside) -> tuple[list[Rec], list[Rec]]:
    return [x for x in pool if inside(x)], [x for x in pool if not inside(x)]


def measure_signals(cal: Calendar, recs: dict[str, list[Rec]]) -> list[dict]:
    """Measure every planted signal on the rendered rows (rows with spoiled dates left out)."""
    wl, n = cal.labels, len(cal.labels)
    valid = [x for src in recs.values() for x in src if x.valid]
    surveys = [x for x in recs["surveys"] if x.valid]

    def weekly(pool: list[Rec], fn) -> dict:
        return {wl[w]: fn([x for x in pool if x.week == w]) for w in range(n)}

    # 1. billing incident: label share (all files) and keyword share + NPS (surveys)
    week_in, week_out = _split_by(valid, lambda x: x.week == cal.incident)
    srv_in, srv_out = _split_by(surveys, lambda x: x.week == cal.incident)
    nps = weekly(surveys, lambda g: _nps(x.row["likelihood_to_recommend"] for x in g))
    nps_others = _mean([v for w, v in nps.items() if w != wl[cal.incident]])
    dc, dc_text = _cause(DOUBLE), _cites(P.DOUBLE_CHARGE_KEYWORDS)
    billing = {"double_charge_share_week": _rate(week_in, dc),
               "double_charge_share_other_weeks": _rate(week_out, dc),
               "survey_keyword_share_week": _rate(srv_in, dc_text),
               "survey_keyword_share_other_weeks": _rate(srv_out, dc_text),
               "survey_nps_week": nps[wl[cal.incident]], "survey_nps_other_weeks_mean": nps_others,
               "survey_nps_by_week": nps}
    billing["share_ratio"] = _ratio(billing["double_charge_share_week"],
                                    billing["double_charge_share_other_weeks"])
    if None not in (nps_others, billing["survey_nps_week"]):
        billing["nps_drop"] = round(nps_others - billing["survey_nps_week"], 1)
    # 2. empathy gap: upset customers in chats and calls; CSAT wherever a row has one
    upset = [x for s in ("chats", "calls") for x in recs[s] if x.sent == "neg"]
    rated = [x for s in ("surveys", "chats", "calls", "call_summaries") for x in recs[s]]
    empathic = _cites(P.EMPATHY_PHRASES, "agent")
    empathy = {"empathy_rate_by_team": {t: _rate([x for x in upset if x.team == t], empathic)
                                        for t in P.TEAMS}}
    for name, inside in (("orion", True), ("other_teams", False)):
        team = [x for x in upset if (x.team == LOW_EMPATHY_TEAM) == inside]
        empathy[f"empathy_rate_{name}"] = _rate(team, empathic)
        empathy[f"csat_{name}"] = _mean([T.row_csat(x) for x in rated
                                         if (x.team == LOW_EMPATHY_TEAM) == inside])
    # 3. app release: share of login / 2FA / crash complaints, and how many cite the update
    app_issue = _cause(*APP_CAUSES)
    after, before = _split_by(valid, lambda x: x.week >= cal.release)
    app = {"app_issue_share_before": _rate(before, app_issue),
           "app_issue_share_after": _rate(after, app_issue),
           "update_cited_share_of_app_issues_before": _rate(
               [x for x in before if app_issue(x)], _cites(P.APP_UPDATE_MARKERS)),
           "update_cited_share_of_app_issues_after": _rate(
               [x for x in after if app_issue(x)], _cites(P.APP_UPDATE_MARKERS)),
           "app_issue_share_by_week": weekly(valid, lambda g: _rate(g, app_issue))}
    # 4. emerging eSIM theme, by label and by the word "eSIM"
    new, old = _split_by(valid, lambda x: x.week >= cal.emerging)
    esim_word = _cites(("esim",))
    esim = {"esim_share_last_two_weeks": _rate(new, _cause(ESIM)),
            "esim_share_before": _rate(old, _cause(ESIM)),
            "esim_keyword_share_last_two_weeks": _rate(new, esim_word),
            "esim_keyword_share_before": _rate(old, esim_word)}
    # 5. tech_support waits: long-hold complaint share and seconds per call hold, by week
    tech = [x for x in valid if x.queue == "tech_support" and x.source != "reviews"]
    tech_calls = [x for x in recs["calls"] if x.queue == "tech_support"]
    waits = {"long_hold_share_by_week": weekly(tech, lambda g: _rate(g, _cause(LONG_HOLD))),
             "mean_hold_seconds_by_week": weekly(tech_calls,
                                                 lambda g: _mean([h for x in g for h in x.holds]))}
    # 6. escalation-prone agent across chats, calls and call summaries
    contacts = [x for s in CONTACTS for x in recs[s]]
    mine, peers = _split_by(contacts, lambda x: x.agent == ESCALATION_AGENT)
    esc: dict = {"contacts": len(mine)}
    for what in ("escalation", "transfer"):
        flag = (lambda x: x.escalated) if what == "escalation" else (lambda x: x.transferred)
        esc[f"{what}_rate"], esc[f"{what}_rate_peers"] = _rate(mine, flag), _rate(peers, flag)
        esc[f"{what}_ratio"] = _ratio(esc[f"{what}_rate"], esc[f"{what}_rate_peers"])
    return [
        {"id": "billing_incident", "week": wl[cal.incident], "expected": billing},
        {"id": "empathy_gap", "team": LOW_EMPATHY_TEAM, "expected": empathy},
        {"id": "app_release_v5_2", "week": wl[cal.release], "expected": app},
        {"id": "emerging_esim", "weeks": wl[cal.emerging:], "expected": esim},
        {"id": "tech_support_wait_rising", "queue": "tech_support",
         "weeks": wl[cal.ramp_start:], "expected": waits},
        {"id": "escalation_prone_agent", "agent": ESCALATION_AGENT, "expected": esc},
    ]


# ---------------------------------------------------------------- public API
def _split(n: int) -> dict[str, int]:
    """Rows per file: SHARES of n, rounded to add up to exactly n (largest remainder)."""
    raw = {s: n * f for s, f in SHARES.items()}
    out = {s: int(v) for s, v in raw.items()}
    for s in sorted(raw, key=lambda s: raw[s] - out[s], reverse=True)[: n - sum(out.values())]:
        out[s] += 1
    return out


@dataclass
class Corpus:
    """The planned and rendered records of a corpus, before any file is written."""

    calendar: Calendar
    recs: dict[str, list[Rec]]  # source -> records, with their hidden ground truth
    counts: dict[str, int]  # messy kind -> rows spoiled
    ids: dict[str, list[str]]  # messy kind -> record ids
    dups: dict[str, int]  # source -> exact duplicate rows the writer adds


def plan_corpus(n_records: int = 20_000, weeks: int = 12, end_week: str = "2026-W47",
                seed: int = 7) -> Corpus:
    """Plan and render every record (English first, then the language slices; see
    ``languages.localise``), with the messy rows injected; nothing is written."""
    if n_records < 200:
        raise error("FE467", n=n_records)
    cal = Calendar(end_week, weeks)
    targets = _split(n_records)
    dups = {s: max(1, round(targets[s] * M.DUPLICATE_RATE)) for s in ("surveys", "emails")}
    recs: dict[str, list[Rec]] = {}
    counts: dict[str, int] = {}
    ids: dict[str, list[str]] = {}
    n_customers = max(50, n_records * 11 // 20)  # one pool: customers recur across files
    for source in SHARES:
        recs[source] = plan_records(cal, source, targets[source] - dups.get(source, 0),
                                    random.Random(f"{seed}:{source}"), n_customers)
        ren = Renderer(random.Random(f"{seed}:{source}:text"))
        for rec in recs[source]:
            rec.row = getattr(ren, source)(rec)
        inject_messy(random.Random(f"{seed}:{source}:messy"), source, recs[source], counts, ids)
        # The slices replace clean rows only, after the English ones were drawn and
        # rendered: the English rows that stay English are exactly as without the slices.
        spoiled = {rid for kind in ids.values() for rid in kind}
        LG.localise(cal, source, recs[source], random.Random(f"{seed}:{source}:lang"), spoiled,
                    TILT.get(source, CONTACT_TILT))
    return Corpus(cal, recs, counts, ids, dups)


def generate_corpus(out_dir: str | Path, n_records: int = 20_000, weeks: int = 12,
                    end_week: str = "2026-W47", seed: int = 7) -> dict:
    """Write the corpus files into out_dir (created if needed) and return the manifest dict
    (also written as out_dir/manifest.json)."""
    corpus = plan_corpus(n_records, weeks, end_week, seed)
    cal, recs, counts, ids = corpus.calendar, corpus.recs, corpus.counts, corpus.ids
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = write_files(out, recs, corpus.dups, random.Random(f"{seed}:duplicates"), ids)
    counts["duplicate_row"] = len(ids.get("duplicate_row", []))
    causes = Counter(" › ".join(P.CAUSES[x.cause][:2]) for src in recs.values() for x in src)
    intl = LG.measure(cal, recs, n_records)
    manifest = {"generator": "feedback_engine.sample v2", "seed": seed, "n_records": n_records,
                "end_week": cal.labels[-1], "weeks": cal.labels, "files": files,
                "messy": counts, "messy_ids": ids,
                "signals": [{**sig, "description": P.SIGNAL_TEXT[sig["id"]],
                             "keywords": P.SIGNAL_KEYWORDS[sig["id"]]}
                            for sig in measure_signals(cal, recs)] + intl["signals"],
                "languages": intl["languages"],
                "cause_counts": dict(sorted(causes.items()))}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8", newline="\n")
    return manifest

"""The report on a real-text feed nobody here wrote: Banking77's held-out messages as an
8-week feed with NPS answers and one planted complaint week (the feed is generated here, from
``../shared/datasets/banking77/test_public.csv``; skipped when the data sets are absent).

What it must show: "what to do" and the drivers table lead with the planted complaint, with
one impact figure in the narrative, the table and the chart, and a quiet week has no action
items beyond "none significant".
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pandas as pd
import pytest

from feedback_engine.api import analyze, cause_actions, cause_labels
from feedback_engine.config import apply_domain, load_config
from feedback_engine.reports import build_report, write_report

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "banking77"
PLANTED = "card_payment_fee_charged"  # fees on card payments: the complaint planted in W06
WEEKS = [f"2026-W{w:02d}" for w in range(1, 9)]
SPIKE, QUIET = "2026-W06", "2026-W05"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (DATA / "test_public.csv").is_file(),
                                 reason="../shared/datasets/banking77 is not here")]


def _nps(rng: random.Random, angry: bool) -> int:
    if angry:  # the planted week's fee complaints: mostly detractors
        return rng.choice([0, 1, 2, 3, 4, 5, 6, 6, 7, 9])
    return rng.choice([3, 6, 7, 8, 8, 9, 9, 10, 10, 10])


def _feed(path: Path, seed: int = 0) -> dict[str, str]:
    """Write the feed; return each record id's Banking77 intent."""
    rng = random.Random(seed)
    data = pd.read_csv(DATA / "test_public.csv")
    rows, intents = [], {}
    planted = data[data["category"] == PLANTED]["text"].tolist()
    for week in WEEKS:
        monday = dt.date.fromisocalendar(2026, int(week[-2:]), 1)
        picks = [tuple(x) for x in data.sample(250, random_state=rng.randrange(10**6),
                                               replace=True).itertuples(index=False)]
        if week == SPIKE:
            picks += [(rng.choice(planted), PLANTED) for _ in range(80)]
        for text, intent in picks:
            rid = f"b{len(rows):05d}"
            day = monday + dt.timedelta(days=rng.randrange(7))
            angry = week == SPIKE and intent == PLANTED
            rows.append({"id": rid, "timestamp": f"{day}T10:00:00", "channel": "chat",
                         "text": text, "nps": _nps(rng, angry)})
            intents[rid] = intent
    pd.DataFrame(rows).to_csv(path, index=False)
    return intents


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict, dict[str, str]]:
    folder = tmp_path_factory.mktemp("banking_feed")
    intents = _feed(folder / "feed.csv")
    cfg = load_config(None)
    cfg["taxonomy"]["domain"] = "banking"
    apply_domain(cfg, "the test")
    db = folder / "w.duckdb"
    analyze([folder / "feed.csv"], db=db, config=cfg)
    return str(db), cfg, intents


def _records_of(db: str, driver: dict, week: str) -> list[str]:
    import duckdb

    condition = " OR ".join(f'CAST("{d}" AS VARCHAR) = ?' for d, _ in driver["match"])
    with duckdb.connect(db, read_only=True) as con:
        return [r[0] for r in con.execute(
            f"SELECT record_id FROM records WHERE week = ? AND ({condition})",
            [week, *[v for _, v in driver["match"]]]).fetchall()]


def test_the_planted_complaint_leads_what_to_do_and_the_drivers(feed, tmp_path) -> None:
    db, cfg, intents = feed
    report = build_report(db, week=SPIKE, labels=cause_labels(cfg), actions=cause_actions(cfg))
    top, first = report.drivers[0], report.actions[0]
    assert (first["dimension"], first["value"]) == (top["dimension"], top["value"])
    # The top driver is the planted complaint: most of its records are the planted intent.
    ids = _records_of(db, top, SPIKE)
    assert sum(intents[i] == PLANTED for i in ids) / len(ids) > 0.6
    assert first["owner"] != "unassigned" and first["action"]
    # One figure: the table's impact is the narrative's and the chart's.
    figure = f"{top['impact']:+.1f} NPS points"
    assert figure in next(x for x in report.narrative if x.startswith("The biggest driver"))
    assert figure in next(x for x in report.narrative if x.startswith("What to do first"))
    html = write_report(report, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    chart = re.search(r'<svg[^>]*data-chart="driver-impact".*?</svg>', html, re.S).group()
    assert f"{top['impact']:+.1f}" in chart or f"{top['impact']:.1f}" in chart
    md = write_report(report, "md", tmp_path / "r.md").read_text(encoding="utf-8")
    assert md.index("## What to do") < md.index("## Summary")
    assert "&lt;" not in md and "{'" not in html


def test_a_quiet_week_has_nothing_to_do(feed) -> None:
    db, cfg, _ = feed
    report = build_report(db, week=QUIET, labels=cause_labels(cfg), actions=cause_actions(cfg))
    assert report.actions == []
    assert any(x.startswith("What to do: none significant") for x in report.narrative)

"""The bundled taxonomy alone recovers the causes the demo corpus generator planted.

Records are planned and rendered with the generator's own functions (no files written), so
each text comes with its hidden cause. Texts are built the way the pipeline sees them:
survey verbatims, call summaries, email subject + body, review title + text, and the
customer turns of chats and calls (as the rootcause stage reads transcripts).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest

from feedback_engine.records import customer_text
from feedback_engine.rootcause.rules import RuleClassifier
from feedback_engine.rootcause.taxonomy import load_taxonomy
from feedback_engine.sample import _phrases as P
from feedback_engine.sample import generator as G

TELECOM = "domains/telecom/root_causes.yaml"  # the phrases here are a telecom's


def _text(source: str, row: dict) -> str:
    if source == "surveys":
        return row["verbatim"]
    if source == "call_summaries":
        return row["summary"]
    if source == "emails":
        return f"{row['subject']}\n\n{row['body']}"
    if source == "reviews":
        return f"{row['title']}. {row['review_text']}"
    if source == "chats":
        return customer_text(row["turns"], " ") or ""
    turns = [{"speaker": who.lower(), "text": text} for _, who, text in row["lines"]]
    return customer_text(turns, " ") or ""


def _records(n: int, seed: int) -> list[tuple[str, str, str]]:
    calendar = G.Calendar("2026-W47", 12)
    out = []
    for source, share in G.SHARES.items():
        planned = G.plan_records(calendar, source, int(n * share),
                                 random.Random(f"{seed}:{source}"), n // 2)
        renderer = G.Renderer(random.Random(f"{seed}:{source}:text"))
        for rec in planned:
            out.append((source, rec.cause, _text(source, getattr(renderer, source)(rec))))
    return out


@pytest.fixture(scope="module")
def results() -> dict[str, Counter]:
    rules = RuleClassifier(load_taxonomy(TELECOM))
    per_cause: dict[str, Counter] = defaultdict(Counter)
    for seed in (7, 11):
        for _, cause, text in _records(1500, seed):
            per_cause[cause][rules.classify(text).label == cause] += 1
    return per_cause


def test_taxonomy_covers_every_planted_cause():
    assert set(P.CAUSES) <= set(load_taxonomy(TELECOM).ids)


def test_rules_recover_planted_causes_overall(results):
    right = sum(c[True] for c in results.values())
    total = sum(sum(c.values()) for c in results.values())
    # Measured 0.94 (docs/rootcause.md); texts mix in side grievances and typos on purpose.
    assert right / total >= 0.90


def test_rules_recover_each_planted_cause(results):
    # Rude-agent texts often blame an outage or a wait in the same breath; every other
    # cause is recovered at 0.8 or better (docs/rootcause.md lists each).
    floor = {"agent_behaviour.rude": 0.5}
    weak = {cause: round(c[True] / sum(c.values()), 3) for cause, c in results.items()
            if sum(c.values()) >= 10 and c[True] / sum(c.values()) < floor.get(cause, 0.8)}
    assert weak == {}

"""Aspect extraction and polarity on hand-written contact-center texts, and the stage."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from feedback_engine.aspects.effort import EffortScorer
from feedback_engine.aspects.extract import AspectMatcher, RulePolarity, summarise
from feedback_engine.aspects.lexicons import load_aspects
from feedback_engine.errors import ConfigError
from feedback_engine.records import CANONICAL_COLUMNS
from feedback_engine.sentiment.rules import RuleScorer
from feedback_engine.stages import build_pipeline

TELECOM = "domains/telecom/aspects.yaml"  # the phrases here are a telecom's


@pytest.fixture(scope="module")
def analyse():
    matcher = AspectMatcher(load_aspects(TELECOM))
    rules = RulePolarity(RuleScorer(), EffortScorer())

    def run(text: str) -> dict[str, str]:
        mentions = matcher.find(text)
        found = summarise(text, mentions, rules.text(text, mentions))
        return {a["aspect"]: a["polarity"] for a in found}

    return run


def test_aspects_contrast_gives_each_side_its_own_polarity(analyse) -> None:
    assert analyse("The agent was lovely but I still have no refund.") == {
        "agent": "positive", "refund": "negative"}
    assert analyse("The app is awful, however the advisor was brilliant.") == {
        "app": "negative", "agent": "positive"}


def test_aspects_although_clause_is_split_from_main_clause(analyse) -> None:
    assert analyse("Although the engineer was polite, the router still doesn't work.") == {
        "agent": "positive", "router": "negative"}


def test_aspects_negation_flips_polarity(analyse) -> None:
    assert analyse("The agent was not helpful at all.") == {"agent": "negative"}
    assert analyse("The app isn't bad.")["app"] == "positive"
    assert analyse("No complaints about the delivery.")["delivery"] == "positive"


def test_aspects_several_in_one_sentence_without_contrast(analyse) -> None:
    assert analyse("Friendly staff, terrible signal.") == {"agent": "positive",
                                                         "network": "negative"}
    assert analyse("The advisor was great and the billing was a total mess.") == {
        "agent": "positive", "billing": "negative"}


def test_aspects_conjunct_borrows_its_neighbours_opinion(analyse) -> None:
    assert analyse("Really helpful staff and engineer.") == {"agent": "positive"}
    assert analyse("Terrible website and app.") == {"app": "negative"}


def test_aspects_effort_language_makes_a_neutral_mention_negative(analyse) -> None:
    assert analyse("I was on hold for an hour.") == {"wait_time": "negative"}
    assert analyse("The refund came through in minutes.")["refund"] == "positive"


def test_aspects_neutral_mention_stays_neutral(analyse) -> None:
    assert analyse("I'm calling about my bill for March.") == {"billing": "neutral"}


def test_aspects_longest_pattern_wins() -> None:
    matcher = AspectMatcher(load_aspects(TELECOM))
    found = matcher.find("Customer service put me on hold.")
    assert [(m.aspect, "Customer service put me on hold."[m.start:m.end]) for m in found] == [
        ("agent", "Customer service"), ("wait_time", "on hold")]


def test_aspects_lexicon_examples_mention_their_aspect() -> None:
    aspects = load_aspects(TELECOM)
    matcher = AspectMatcher(aspects)
    for aspect in aspects:
        assert aspect.examples, f"{aspect.id} has no examples"
        for example in aspect.examples:
            assert aspect.id in {m.aspect for m in matcher.find(example)}, (aspect.id, example)


def test_aspects_lexicon_errors_name_file_and_entry(tmp_path) -> None:
    bad = tmp_path / "aspects.yaml"
    bad.write_text("aspects:\n  - id: Wait Time\n    patterns: [wait]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"aspects.yaml: aspect #1.*snake_case"):
        load_aspects(bad)


def _run(stages: list[str], texts: list[str], turns=None, options=None) -> pd.DataFrame:
    pipeline = build_pipeline(["normalize", "redact", *stages], options or {},
                              [*CANONICAL_COLUMNS, "turns"])
    pipeline.setup()
    frame = pd.DataFrame({"record_id": [str(i) for i in range(len(texts))], "source": "t",
                          "text": texts, "turns": turns or [None] * len(texts)})
    return pipeline(frame)


def test_aspects_stage_reads_customer_turns_only() -> None:
    turns = [{"speaker": "agent", "text": "Sorry about the wait, the app has an outage."},
             {"speaker": "customer", "text": "The refund still hasn't arrived, it's awful."}]
    out = _run(["aspects"], ["Agent: ...\nCustomer: ...", "Lovely agent."], [turns, None],
               {"aspects": {"noun_fallback": False}})
    first = out["aspects"].iloc[0]
    assert [(a["aspect"], a["polarity"]) for a in first] == [("refund", "negative")]
    assert out["aspects"].iloc[1][0]["aspect"] == "agent"
    json.dumps(out["aspects"].tolist())


def test_aspects_stage_one_entry_per_aspect_with_mean_score() -> None:
    out = _run(["aspects"], ["The app is great. The app crashed again, useless."],
               options={"aspects": {"noun_fallback": False}})
    (entry,) = out["aspects"].iloc[0]
    assert entry["aspect"] == "app" and entry["mentions"] == 2
    assert entry["span"].lower() == "app" and set(entry) >= {"aspect", "span", "polarity",
                                                             "score"}


def test_aspects_stage_empty_text_has_no_aspects() -> None:
    out = _run(["aspects"], ["", "   "], options={"aspects": {"noun_fallback": False}})
    assert out["aspects"].tolist() == [[], []]


@pytest.mark.slow
def test_aspects_stage_falls_back_to_noun_phrases() -> None:
    pytest.importorskip("spacy")
    out = _run(["aspects"], ["The battery life is amazing."],
               options={"aspects": {"noun_fallback": True}})
    entry = out["aspects"].iloc[0][0]
    assert entry["source"] == "noun" and "battery" in entry["aspect"]
    assert entry["polarity"] == "positive"

"""Keyphrases per record, the keywords stage, and distinctive terms against a baseline."""

from __future__ import annotations

import pandas as pd
import pytest

from feedback_engine.errors import ConfigError
from feedback_engine.stages.keywords import Keywords
from feedback_engine.topics.distinctive import distinctive_terms
from feedback_engine.topics.keyphrases import extract
from feedback_engine.topics.text import fold, phrases


def test_keyphrases_drop_stop_words_and_courtesy() -> None:
    terms = [k["term"] for k in extract("Hi, thanks for your help! My refund is still missing")]
    assert terms == ["refund", "missing"]


def test_keyphrases_ignore_redaction_placeholders() -> None:
    terms = [k["term"] for k in extract("[PERSON_1a2b3c4d] said the parcel from [ADDRESS] "
                                        "was damaged")]
    assert all("person" not in t and "address" not in t for t in terms)
    assert "parcel" in terms and "damaged" in terms


def test_keyphrases_rank_phrases_first_and_keep_first_seen_order_on_ties() -> None:
    result = extract("Router keeps dropping. Broadband speed very slow. Engineer visit.")
    assert [k["term"] for k in result] == ["broadband speed", "engineer visit", "router",
                                           "dropping", "slow"]
    assert result[0]["score"] >= result[-1]["score"]


def test_keyphrases_of_empty_or_missing_text_are_empty() -> None:
    assert extract(None) == []
    assert extract("   ") == []
    assert extract("thanks, ok, bye") == []


def test_keyphrases_are_identical_across_calls() -> None:
    text = "Double charge on my bill, charged twice for the same order"
    assert extract(text) == extract(text)


def test_fold_merges_plurals_but_keeps_words_ending_in_s() -> None:
    assert fold("charges") == fold("charge") == "charge"
    assert fold("address") == "address"
    assert fold("status") == "status"


def test_phrases_never_cross_punctuation() -> None:
    assert list(phrases("card declined. refund late")) == [["card", "declined"],
                                                           ["refund", "late"]]


def test_keywords_stage_uses_customer_turns_for_transcripts() -> None:
    stage = Keywords()
    stage.setup()
    chunk = pd.DataFrame({
        "record_id": ["a", "b"],
        "text_redacted": ["agent: thank you for calling broadband support",
                          "Parcel arrived damaged"],
        "turns": [[{"speaker": "agent", "text": "Thank you for calling broadband support"},
                   {"speaker": "customer", "text": "my esim will not activate"}], None]})
    out = stage(chunk)
    assert list(out["record_id"]) == ["a", "b"]
    assert [k["term"] for k in out["keywords"][0]] == ["esim", "activate"]
    assert [k["term"] for k in out["keywords"][1]] == ["parcel arrived damaged"]


def test_keywords_stage_rejects_unknown_speaker() -> None:
    with pytest.raises(ConfigError, match="speaker"):
        Keywords(speaker="robot").setup()


def test_distinctive_terms_find_the_new_issue() -> None:
    baseline = ["refund is late", "card was declined", "refund missing", "bill too high"] * 20
    focus = baseline[:40] + ["my esim will not activate", "esim activation failed"] * 5
    found = distinctive_terms(focus, baseline, top_k=5)
    assert found[0]["term"] == "esim"
    assert found[0]["baseline_docs"] == 0 and found[0]["focus_docs"] == 10
    assert all(f["z"] >= 1.96 for f in found)
    assert "refund" not in [f["term"] for f in found]

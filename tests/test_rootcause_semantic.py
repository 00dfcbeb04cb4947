"""The taxonomy's semantic layer and ``feedback taxonomy from-examples``: causes that work from
their examples and description alone, with honest ``unknown`` for texts unlike them all."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from feedback_engine.cli import main
from feedback_engine.errors import ConfigError
from feedback_engine.rootcause.fewshot import taxonomy_from_examples
from feedback_engine.rootcause.rules import TaxonomyClassifier
from feedback_engine.rootcause.semantic import SemanticMatcher
from feedback_engine.rootcause.taxonomy import parse_taxonomy

INTENTS = {
    "card_arrival": ["my new card has not arrived yet", "when will my card be delivered",
                     "still waiting for the card you posted", "the card never came in the post",
                     "how long does card delivery take", "card not delivered after two weeks"],
    "exchange_rate": ["what exchange rate do you use", "the currency conversion rate was bad",
                      "why is the euro rate so poor", "how is the exchange rate calculated",
                      "rate for converting dollars to pounds", "which currency rate applies"],
    "pin_blocked": ["my pin is blocked", "i entered the wrong pin three times",
                    "how do i unblock my pin", "pin locked after failed attempts",
                    "cannot use card because pin is blocked", "reset my blocked pin please"],
    "refund_missing": ["my refund has not shown up", "where is the refund the shop promised",
                       "refund still missing from my statement",
                       "seller refunded but i see nothing", "the refund is not in my account",
                       "waiting for a refund for weeks"],
}


def _taxonomy(**extra: object) -> dict:
    return {"causes": [{"id": f"intent.{name}", "label": name.replace("_", " "),
                        "examples": texts[:4], **extra} for name, texts in INTENTS.items()]}


def test_a_cause_with_examples_only_loads_and_matches_paraphrases_by_meaning() -> None:
    taxonomy = parse_taxonomy(_taxonomy())
    assert all(not c.patterns for c in taxonomy.causes)
    classifier = TaxonomyClassifier(taxonomy, embeddings="tfidf-svd")
    texts = [INTENTS["pin_blocked"][4], INTENTS["exchange_rate"][5], INTENTS["card_arrival"][5]]
    results = classifier.classify_many(texts)
    assert [r.label for r, _ in results] == ["intent.pin_blocked", "intent.exchange_rate",
                                             "intent.card_arrival"]
    assert {method for _, method in results} == {"semantic"}
    # The evidence is the nearest text of the chosen cause; the confidence a probability.
    result, _ = results[0]
    assert result.evidence[0] in INTENTS["pin_blocked"] + ["pin blocked"]
    assert 0 < result.confidence <= 1


def test_a_text_unlike_every_cause_or_too_short_to_mean_much_is_unknown() -> None:
    classifier = TaxonomyClassifier(parse_taxonomy(_taxonomy()), embeddings="tfidf-svd")
    found = classifier.classify_many(["the orchestra played a lovely symphony", "pin blocked"])
    assert [(r.label, method) for r, method in found] == [("unknown", "unknown")] * 2


def test_patterns_stay_the_first_layer_and_semantic_can_be_turned_off() -> None:
    data = _taxonomy()
    data["causes"][0]["patterns"] = ["parcel"]
    taxonomy = parse_taxonomy(data)
    both = TaxonomyClassifier(taxonomy, embeddings="tfidf-svd")
    (result, method), = both.classify_many(["the parcel is lost"])
    assert (result.label, method) == ("intent.card_arrival", "rules")
    rules_only = TaxonomyClassifier(taxonomy, semantic=False)
    (result, method), = rules_only.classify_many([INTENTS["pin_blocked"][4]])
    assert (result.label, method) == ("unknown", "unknown")
    assert rules_only._matcher is None  # never built


def test_the_threshold_sits_between_in_scope_and_off_topic_similarity() -> None:
    matcher = SemanticMatcher(parse_taxonomy(_taxonomy()), embeddings="tfidf-svd")
    assert 0.15 <= matcher.threshold <= 0.8
    fixed = SemanticMatcher(parse_taxonomy(_taxonomy()), embeddings="tfidf-svd", threshold=0.99)
    assert fixed.match([INTENTS["pin_blocked"][4]])[0].label is None


def test_taxonomy_mistakes_of_the_semantic_kind_are_coded_errors() -> None:
    with pytest.raises(ConfigError, match=r"^\[FE291\].*patterns, examples or a description"):
        parse_taxonomy({"causes": [{"id": "a.b", "label": "x"}]})
    with pytest.raises(ConfigError, match=r"^\[FE298\]"):
        parse_taxonomy({**_taxonomy(), "embeddings": 3})
    assert parse_taxonomy({"causes": [{"id": "a.b", "description": "Parcels"}]}).causes


def _labelled(path: Path, per_class: slice) -> Path:
    rows = [(text, name) for name, texts in INTENTS.items() for text in texts[per_class]]
    pd.DataFrame(rows, columns=["text", "intent"]).to_csv(path, index=False)
    return path


def test_from_examples_writes_a_seeded_taxonomy_that_classifies_without_training(
        tmp_path: Path) -> None:
    train = _labelled(tmp_path / "train.csv", slice(0, 4))
    test = _labelled(tmp_path / "test.csv", slice(4, 6))
    runner = CliRunner()
    args = ["taxonomy", "from-examples", str(train), "--label-col", "intent", "--per-class", "3",
            "--embeddings", "tfidf-svd"]
    first = runner.invoke(main, [*args, "-o", str(tmp_path / "a.yaml")])
    second = runner.invoke(main, [*args, "-o", str(tmp_path / "b.yaml"), "--json"])
    assert first.exit_code == 0, first.output
    assert "wrote" in first.output and "4 causes, 12 examples" in first.output
    assert json.loads(second.output)["causes"] == 4
    written = (tmp_path / "a.yaml").read_text(encoding="utf-8")
    assert written == (tmp_path / "b.yaml").read_text(encoding="utf-8")  # seeded
    data = yaml.safe_load(written)
    assert data["embeddings"] == "tfidf-svd"
    assert [c["id"] for c in data["causes"]] == [f"intent.{n}" for n in sorted(INTENTS)]
    assert all(len(c["examples"]) == 3 and not c.get("patterns") for c in data["causes"])
    # Polarity from the texts' sentiment: questions are neutral, "blocked"/"wrong" negative.
    polarity = {c["id"]: c["polarity"] for c in data["causes"]}
    assert (polarity["intent.card_arrival"], polarity["intent.pin_blocked"]) == (
        "neutral", "negative")
    assert "pin" in data["causes"][2]["description"]
    scored = runner.invoke(main, ["rootcause", "evaluate", "rules", str(test), "--label-col",
                                  "intent", "--taxonomy", str(tmp_path / "a.yaml"), "--json"])
    assert scored.exit_code == 0, scored.output
    result = json.loads(scored.output)
    assert result["n_out_of_domain"] == 0  # gold "pin_blocked" names intent.pin_blocked
    assert result["accuracy"] >= 0.75


def test_from_examples_redacts_the_examples_and_never_writes_over_its_input(
        tmp_path: Path) -> None:
    train = tmp_path / "train.csv"
    pd.DataFrame({"text": ["my card never came, call me on +44 7700 900123",
                           "card still not delivered"], "label": ["late", "late"]}).to_csv(
        train, index=False)
    text = taxonomy_from_examples(pd.read_csv(train).text, pd.read_csv(train).label)
    assert "7700" not in text and "[PHONE_NUMBER]" in text
    before = train.read_bytes()
    refused = CliRunner().invoke(main, ["taxonomy", "from-examples", str(train), "-o", str(train)])
    assert refused.exit_code == 1 and "[FE" in refused.output
    assert train.read_bytes() == before
    # A huge example is cut at a word; rows without a label (None, NaN) are left out; a
    # label spelt "nan" is a label.
    long = yaml.safe_load(taxonomy_from_examples(["slow " * 60_000], ["late"]))
    assert len(long["causes"][0]["examples"][0]) <= 502
    kept = yaml.safe_load(taxonomy_from_examples(["a b c", "d e f", "g h i"],
                                                 ["nan", float("nan"), None]))
    assert [c["id"] for c in kept["causes"]] == ["intent.nan"]
    with pytest.raises(ConfigError, match=r"^\[FE299\]"):
        taxonomy_from_examples(["a"], ["b"], per_class=0)
    with pytest.raises(ConfigError, match=r"^\[FE286\]"):
        taxonomy_from_examples(["a"], ["b"], parent="Not OK")

"""The shipped learned sentiment model: its folder, its training data, and how the stage uses it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feedback_engine.errors import ConfigError, ModelFileError, SourceError
from feedback_engine.evaluation.sentiment import low_high_auc, metrics
from feedback_engine.sentiment.build import training_data
from feedback_engine.sentiment.corpora import load_training_sets
from feedback_engine.sentiment.learned import SHIPPED, LearnedSentiment, embeddings_installed
from feedback_engine.stages.base import stage_id
from feedback_engine.stages.sentiment import Sentiment, resolve_method

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
needs_minilm = pytest.mark.skipif(not embeddings_installed(), reason="MiniLM not installed")
needs_data = pytest.mark.skipif(not (DATASETS / "vader").is_dir(),
                                reason="../shared/datasets not beside the checkout")


def test_shipped_model_records_every_training_set_and_its_licence() -> None:
    manifest = json.loads((SHIPPED / "manifest.json").read_text(encoding="utf-8"))
    domains = manifest["training_data"]["domains"]
    assert set(domains) == {"tweets", "movies", "clothing", "semeval"}
    assert all(d["licence"] and d["n"] > 1000 and len(d["sha256"]) == 64
               for d in domains.values())
    assert manifest["embeddings"] == {"backend": "minilm", "dims": 384}
    assert not any(p.suffix in (".pkl", ".pickle") for p in SHIPPED.iterdir())


def test_altered_shipped_weights_are_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(SHIPPED, copy)
    with open(copy / "weights.npz", "r+b") as handle:
        handle.seek(200)
        byte = handle.read(1)
        handle.seek(200)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelFileError):
        LearnedSentiment.load(copy)


@needs_data
def test_shipped_weights_were_built_from_the_public_sets_as_they_are_now() -> None:
    """The rebuild's input hashes to what the shipped manifest recorded, per domain and in
    all; `python -m feedback_engine.sentiment.build DATASETS --check` compares the weights."""
    manifest = LearnedSentiment.load().manifest["training_data"]
    rebuilt = training_data(DATASETS).training
    assert rebuilt["sha256"] == manifest["sha256"]
    assert {k: v["sha256"] for k, v in rebuilt["domains"].items()} == {
        k: v["sha256"] for k, v in manifest["domains"].items()}


def test_semeval_sentences_keep_a_polarity_only_where_their_aspects_agree(tmp_path) -> None:
    folder = tmp_path / "semeval2014_absa"
    folder.mkdir()
    xml = """<sentences>
      <sentence id="1"><text>Great food.</text><aspectTerms>
        <aspectTerm term="food" polarity="positive" from="6" to="10"/></aspectTerms>
        <aspectCategories><aspectCategory category="food" polarity="positive"/>
        </aspectCategories></sentence>
      <sentence id="2"><text>Good food, rude staff.</text><aspectTerms>
        <aspectTerm term="food" polarity="positive" from="5" to="9"/>
        <aspectTerm term="staff" polarity="negative" from="16" to="21"/></aspectTerms></sentence>
      <sentence id="3"><text>No aspect here.</text></sentence>
      <sentence id="4"><text>Mixed.</text><aspectTerms>
        <aspectTerm term="x" polarity="conflict" from="0" to="1"/></aspectTerms></sentence>
      <sentence id="5"><text>Slow waiter.</text><aspectTerms>
        <aspectTerm term="waiter" polarity="negative" from="5" to="11"/></aspectTerms></sentence>
    </sentences>"""
    for name in ("Restaurants_Train_v2.xml", "Laptop_Train_v2.xml"):
        (folder / name).write_text(xml, encoding="utf-8")
    semeval = load_training_sets(tmp_path, ("semeval",))["semeval"]
    assert semeval.texts == ["Great food.", "Slow waiter."] * 2
    assert list(semeval.gold) == [0.5, -0.5] * 2


def test_missing_training_file_names_it_and_the_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="FE133.*tweets_GroundTruth.txt"):
        load_training_sets(tmp_path, ("tweets",))


def test_low_high_auc_separates_the_lowest_two_ratings_from_the_highest_two() -> None:
    gold = (np.array([1, 2, 3, 4, 5]) - 3) / 2  # stars on −1…1
    assert low_high_auc(gold, np.array([-0.9, -0.2, 0.9, 0.1, 0.8]), (1, 5)) == 1.0
    assert low_high_auc(gold, np.array([0.9, 0.8, 0.0, -0.9, -0.8]), (1, 5)) == 0.0
    assert low_high_auc(np.array([0.5, 1.0]), np.array([0.1, 0.2]), (1, 5)) is None
    assert "auc_low_high" not in metrics(gold, gold)  # no scale, no AUC
    assert metrics(gold, gold ** 3)["spearman"] == pytest.approx(1.0)


def test_unknown_sentiment_method_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match="FE468.*auto, rules, learned"):
        Sentiment(method="vader")


def test_rules_method_scores_every_record_with_the_rules() -> None:
    stage = Sentiment(method="rules")
    stage.setup()
    out = stage(pd.DataFrame({"text_redacted": ["Loved it", "", "Fell apart"],
                              "kind": ["review", "review", "review"]}))
    assert list(out["sentiment_method"]) == ["rules", None, "rules"]
    assert stage_id(stage) == "sentiment.v5+rules"


@needs_minilm
@pytest.mark.slow
def test_auto_method_scores_reviews_with_the_learned_model_and_calls_with_rules() -> None:
    stage = Sentiment()
    stage.setup()
    contrast = "I really wanted to love this dress, but it was so short… way too short"
    out = stage(pd.DataFrame({
        "text_redacted": [contrast, "Absolutely love it, fits perfectly", contrast],
        "kind": ["review", "review", "summary"], "channel": ["review", "review", "call"]}))
    assert stage_id(stage) == "sentiment.v5+auto"
    assert list(out["sentiment_method"]) == ["learned", "learned", "rules"]
    assert out["sentiment"].iloc[0] < -0.05 < 0.05 < out["sentiment"].iloc[1]
    # Sentences still come from the rules, whichever method scored the document.
    assert out["sentences"].iloc[0] == out["sentences"].iloc[2]


@needs_minilm
@pytest.mark.slow
def test_learned_method_is_used_for_every_kind_when_asked() -> None:
    stage = Sentiment(method="learned")
    stage.setup()
    out = stage(pd.DataFrame({"text_redacted": ["The agent was lovely"], "kind": ["summary"]}))
    assert list(out["sentiment_method"]) == ["learned"]


def test_learned_method_without_minilm_says_how_to_install_it(monkeypatch) -> None:
    import feedback_engine.sentiment.learned as learned

    monkeypatch.setattr(learned, "embeddings_installed", lambda: False)
    assert resolve_method("auto") == "rules"
    with pytest.raises(ConfigError, match="FE469"):
        resolve_method("learned")

"""Sentiment: the rule layer, the stage's columns, the learned model, the eval command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from feedback_engine.cli import main
from feedback_engine.errors import ConfigError, ModelFileError, OutputPathError
from feedback_engine.sentiment.model import SentimentModel
from feedback_engine.sentiment.rules import RuleScorer, load_sentiment_lexicon
from feedback_engine.stages.sentiment import Sentiment

SCORER = RuleScorer()


def score(text: str) -> float:
    return SCORER.document(text)[0]


@pytest.mark.parametrize(("text", "sign"), [
    ("I am so fed up with this", -1),
    ("She went above and beyond", 1),
    ("No complaints at all", 1),
    ("Not happy. Never again.", -1),
    ("Still waiting for my refund", -1),
    ("Charged twice this month", -1),
    ("Sorted it out in minutes", 1),
    ("I'm not fed up at all", 1),
])
def test_rules_score_support_phrases(text: str, sign: int) -> None:
    assert np.sign(score(text)) == sign


def test_contrast_markers_shift_weight_to_the_main_clause() -> None:
    assert score("The agent was lovely, however my broadband is still down.") < 0
    assert score("Although the wait was long, the advisor fixed everything.") > 0


def test_requests_are_neutral_despite_politeness() -> None:
    for text in ("Could you please help me update my address?",
                 "I'd like to pay my bill by card please."):
        assert abs(score(text)) < 0.05, text


def test_long_texts_do_not_saturate_like_a_single_compound() -> None:
    one = score("The service was bad.")
    many = score(" ".join(["The service was bad."] * 16))
    assert -0.99 < many < one < 0
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    plain = SentimentIntensityAnalyzer().polarity_scores(" ".join(["The service was bad."] * 16))
    assert plain["compound"] < many  # VADER's compound runs to the pole


def test_sentences_carry_offsets_into_the_text() -> None:
    text = "Great help. Then it broke again!"
    _, parts = SCORER.document(text)
    assert [text[p.start:p.end].strip() for p in parts] == ["Great help.", "Then it broke again!"]
    assert parts[0].score > 0 > parts[1].score


def test_bad_sentiment_lexicon_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "mine.tsv"
    path.write_text("# comment\ngood phrase\t2.0\nbroken line\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{path}:3: expected term<TAB>valence"):
        load_sentiment_lexicon((path,))
    path.write_text("huge\t9\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="within -4..4"):
        load_sentiment_lexicon((path,))


def test_user_lexicon_overrides_and_adds_phrases(tmp_path: Path) -> None:
    path = tmp_path / "mine.tsv"
    path.write_text("smart meter\t-2.0\tus\tour customers hate them\n", encoding="utf-8")
    scorer = RuleScorer(("sentiment/contact_center.tsv", path))
    assert scorer.document("They fitted a smart meter")[0] < 0


def test_stage_adds_speaker_and_start_end_scores() -> None:
    stage = Sentiment()
    stage.setup()
    turns = [{"speaker": "customer", "text": "This is awful, I'm fed up."},
             {"speaker": "agent", "text": "I'm sorry to hear that, let me fix it."},
             {"speaker": "customer", "text": "Still waiting, still broken."},
             {"speaker": "customer", "text": "Brilliant, that's sorted it, thank you!"}]
    chunk = pd.DataFrame({"record_id": ["a", "b"],
                          "text_redacted": ["Customer: awful\nAgent: sorry", "Great, thanks!"],
                          "turns": [turns, None]})
    out = stage(chunk)
    row = out.iloc[0]
    assert row["sentiment_start"] < 0 < row["sentiment_end"]
    assert row["sentiment_agent"] > 0
    assert pd.isna(out["sentiment_start"].iloc[1]) and pd.isna(out["sentiment_customer"].iloc[1])
    assert out["sentiment_label"].iloc[1] == "positive"
    assert [s["start"] for s in out["sentences"].iloc[0]] == [0, 16]


def _toy_data() -> tuple[list[str], np.ndarray]:
    good = ["great service", "really helpful agent", "fixed quickly, thanks", "love it",
            "excellent support", "sorted in minutes"]
    bad = ["awful service", "useless agent", "still broken", "hate it", "terrible support",
           "waited for hours"]
    texts = [f"{t} {i}" for i in range(5) for t in good + bad]
    targets = np.array(([0.8] * len(good) + [-0.8] * len(bad)) * 5)
    return texts, targets


def test_model_round_trips_without_pickle(tmp_path: Path) -> None:
    texts, targets = _toy_data()
    model = SentimentModel(SCORER).fit(texts, targets)
    folder = model.save(tmp_path / "model", texts, targets, source="toy")
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "weights.npz"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["training_data"]["n"] == len(texts)
    assert len(manifest["training_data"]["sha256"]) == 64
    with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
        assert set(arrays) == {"coef", "intercept", "idf_words", "idf_chars"}
    loaded = SentimentModel.load(folder, SCORER)
    probe = ["great helpful service", "awful useless support"]
    assert np.allclose(loaded.predict(probe), model.predict(probe), atol=1e-4)
    assert loaded.predict(probe)[0] > 0 > loaded.predict(probe)[1]


def test_loading_something_else_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(ModelFileError, match="format 'other'.*feedback sentiment train"):
        SentimentModel.load(tmp_path, SCORER)


def test_retraining_replaces_a_model_folder_but_never_another_folder(tmp_path: Path) -> None:
    texts, targets = _toy_data()
    model = SentimentModel(SCORER).fit(texts, targets)
    model.save(tmp_path / "model", texts, targets, source="first")
    model.save(tmp_path / "model", texts, targets, source="second")
    assert SentimentModel.load(tmp_path / "model", SCORER).manifest["training_data"][
        "source"] == "second"
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputPathError, match="not a sentiment model folder"):
        model.save(tmp_path / "notes", texts, targets)
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["todo.txt"]


def test_cli_eval_sentiment_on_vader_format_and_csv(tmp_path: Path) -> None:
    vader = tmp_path / "gold.txt"
    vader.write_text("1\t3.1\tI love this, great service\n2\t-2.8\tAwful, I am fed up\n"
                     "3\t0.1\tMy account number ends in 42\n4\t2.0\tSorted it out quickly\n",
                     encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "sentiment", str(vader), "--no-learned",
                                       "--json"])
    assert result.exit_code == 0, result.output
    systems = json.loads(result.stdout)["systems"]
    assert set(systems) == {"plain VADER 3.3.2", "engine rules"}
    assert systems["engine rules"]["n"] == 4
    assert systems["engine rules"]["accuracy"] == 1.0
    assert systems["engine rules"]["spearman"] == pytest.approx(1.0)

    table = tmp_path / "reviews.csv"
    table.write_text("Review Text,Rating\nLoved it,5\nFell apart after a day,1\n,3\n",
                     encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "sentiment", str(table), "--format", "csv",
                                       "--text-col", "Review Text", "--score-col", "Rating",
                                       "--scale", "1,5", "--no-learned", "--json"])
    assert json.loads(result.stdout)["n"] == 2
    # Stars on a scale: the AUC of the score separating 1-2 from 4-5 stars is reported.
    assert json.loads(result.stdout)["systems"]["engine rules"]["auc_low_high"] == 1.0


def test_cli_sentiment_train_then_stage_uses_the_model(tmp_path: Path) -> None:
    texts, targets = _toy_data()
    data = tmp_path / "train.csv"
    import csv

    with open(data, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows([t, "positive" if y > 0 else "negative"]
                         for t, y in zip(texts, targets, strict=True))
    out = tmp_path / "model"
    result = CliRunner().invoke(main, ["sentiment", "train", str(data), "--format", "csv",
                                       "--label-col", "label", "-o", str(out), "--cv", "3"])
    assert result.exit_code == 0, result.output
    assert "3-fold CV: r" in result.stdout and f"wrote {out}" in result.stdout
    stage = Sentiment(model=str(out))
    stage.setup()
    scored = stage(pd.DataFrame({"record_id": ["x"], "text_redacted": ["awful useless agent"]}))
    assert scored["sentiment"].iloc[0] < 0


def test_praise_opening_a_complaint_reads_as_sarcasm_but_praise_stays_praise() -> None:
    assert score("Great, another outage.") < 0
    assert score("Oh brilliant, the engineer cancelled for the third time.") < 0
    for text in ("Great service again, thanks!", "Brilliant, the outage is fixed.",
                 "Great, sorted in minutes."):
        assert score(text) > 0, text


VADER_EDGE_TEXTS = [
    "The agent was GREAT but the wait was AWFUL!!!",
    "kind of helpful, sort of slow",
    "No problem at all :) thanks",
    "I am not happy, not at all... :(",
    "NOTHING WORKS AND NOBODY CARES",
    "Absolutely the worst 😡 service ever",
    "hardly helpful, barely polite, never again?",
    "It's ok I guess, without doubt better than last time",
    "",
    "!!!",
]


@pytest.mark.parametrize("text", VADER_EDGE_TEXTS)
def test_compound_only_analyzer_matches_plain_vader_before_our_lexicon(text: str) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from feedback_engine.sentiment.rules import _compound_analyzer

    expected = SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
    assert _compound_analyzer().compound(text) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("text", VADER_EDGE_TEXTS)
def test_tokens_match_vader_sentitext(text: str) -> None:
    from vaderSentiment.vaderSentiment import SentiText

    from feedback_engine.sentiment.rules import _Tokens

    plain, ours = SentiText(text.strip()), _Tokens(text.strip())
    assert ours.words_and_emoticons == plain.words_and_emoticons
    assert ours.is_cap_diff == plain.is_cap_diff

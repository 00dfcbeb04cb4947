"""Emotions with intensity on hand-written contact-center texts."""

from __future__ import annotations

import pytest

from feedback_engine.aspects.emotion import EmotionScorer
from feedback_engine.errors import ConfigError


@pytest.fixture(scope="module")
def emotion() -> EmotionScorer:
    return EmotionScorer()


def test_emotion_core_set_is_covered(emotion) -> None:
    assert {"anger", "frustration", "confusion", "worry", "gratitude",
            "satisfaction"} <= set(emotion.emotions)


@pytest.mark.parametrize(("text", "expected"), [
    ("I am absolutely furious with how I was treated.", "anger"),
    ("I'm so fed up of chasing this.", "frustration"),
    ("I don't understand why my bill doubled, it makes no sense.", "confusion"),
    ("I'm really worried I can't afford the rent now.", "worry"),
    ("Thank you so much, I really appreciate your help.", "gratitude"),
    ("Delighted with the new router, very pleased.", "satisfaction"),
])
def test_emotion_top_matches_the_text(emotion, text: str, expected: str) -> None:
    assert emotion.top(emotion.score(text)) == expected


def test_emotion_negation_removes_or_redirects_the_emotion(emotion) -> None:
    scores = emotion.score("I'm not happy with this at all.")
    assert "satisfaction" not in scores and scores["disappointment"] > 0
    assert "confusion" not in emotion.score("I was never confused about it.")


def test_emotion_intensifiers_and_downtoners_change_intensity(emotion) -> None:
    plain = emotion.score("I am annoyed.")["frustration"]
    assert emotion.score("I am extremely annoyed.")["frustration"] > plain
    assert emotion.score("I am slightly annoyed.")["frustration"] < plain
    assert emotion.score("I am ANNOYED!!")["frustration"] > plain


def test_emotion_multiple_labels_per_text(emotion) -> None:
    scores = emotion.score("Thanks for sorting it, but I'm still confused and a bit worried.")
    assert {"gratitude", "confusion", "worry"} <= set(scores)
    assert all(0 < v <= 1 for v in scores.values())


def test_emotion_sarcastic_thanks_is_anger(emotion) -> None:
    assert emotion.top(emotion.score("Thanks for nothing.")) == "anger"


def test_emotion_none_for_plain_request(emotion) -> None:
    scores = emotion.score("Please update my address to 4 Elm Road.")
    assert scores == {} and emotion.top(scores) is None


def test_emotion_lexicon_errors_name_file_and_line(tmp_path) -> None:
    bad = tmp_path / "emotions.tsv"
    bad.write_text("angry\tanger\t3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"emotions.tsv:1: intensity"):
        EmotionScorer(bad)

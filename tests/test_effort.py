"""Customer effort from hand-written contact-center texts."""

from __future__ import annotations

import pytest

from feedback_engine.aspects.effort import EffortScorer
from feedback_engine.errors import ConfigError


@pytest.fixture(scope="module")
def effort() -> EffortScorer:
    return EffortScorer()


def _score(scorer: EffortScorer, text: str) -> float | None:
    result = scorer.score(text)
    return None if result is None else result.score


def test_effort_repeat_contacts_and_transfers_score_high(effort) -> None:
    assert _score(effort, "I had to call three times and was transferred twice.") >= 3
    assert _score(effort, "Passed from pillar to post, I had to repeat myself every time.") >= 3
    assert _score(effort, "Still waiting after two weeks, I kept chasing them.") >= 2


def test_effort_ease_cues_score_low(effort) -> None:
    assert _score(effort, "Quick and easy, sorted in minutes.") <= -3
    assert _score(effort, "Fixed first time, no hassle at all.") < 0


def test_effort_negated_ease_is_effort_and_negated_effort_is_ease(effort) -> None:
    assert _score(effort, "It was not easy to cancel.") > 0
    assert _score(effort, "I didn't have to chase anything.") < 0
    assert _score(effort, "It wasn't quick.") > 0


def test_effort_intensifier_scales_the_cue(effort) -> None:
    plain, strong = _score(effort, "It was easy."), _score(effort, "It was really easy.")
    assert strong < plain < 0


def test_effort_is_none_without_effort_language(effort) -> None:
    assert effort.score("My bill is 40 pounds this month.") is None
    assert effort.score("") is None


def test_effort_evidence_lists_the_cues(effort) -> None:
    result = effort.score("I was transferred and it was not easy.")
    cues = {e["cue"]: e for e in result.evidence}
    assert set(cues) == {"transferred", "easy"}
    assert cues["easy"]["negated"] and cues["easy"]["weight"] > 0


def test_effort_score_stays_within_scale(effort) -> None:
    text = " ".join(["I had to chase again and again, transferred again, third time."] * 5)
    assert 4.5 < _score(effort, text) <= 5.0


def test_effort_lexicon_errors_name_file_and_line(tmp_path) -> None:
    bad = tmp_path / "effort.tsv"
    bad.write_text("# header\nhad to\tlots\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"effort.tsv:2"):
        EffortScorer(bad)
    bad.write_text("had to\t9\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"within -3..3"):
        EffortScorer(bad)

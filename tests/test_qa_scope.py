"""QA rules scoped by record (applies_to), verification only where the account is needed,
upset needing more than a negative score, and dead-air evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_engine.conversation import Turns, conversation_metrics, load_scorecard
from feedback_engine.conversation.rules import is_upset, score_conversation
from feedback_engine.errors import ConfigError
from feedback_engine.resources import lexicon_path
from feedback_engine.sources.transcripts import load_speakers, parse_text_transcript

CARD = load_scorecard()


def _score(text: str, card=CARD, record: dict | None = None, scores: dict | None = None,
           channel: str | None = "chat") -> dict[str, dict]:
    _, turns = parse_text_transcript(text, load_speakers())
    for i, turn in enumerate(turns):
        turn["sentiment"] = (scores or {}).get(i, 0.0)
    prepared = Turns.from_dicts(turns)
    _, results = score_conversation(prepared, conversation_metrics(prepared, card.cues), card,
                                    channel, record)
    return {r["rule"]: r for r in results}


def _card(tmp_path: Path, rules: str) -> Path:
    base = lexicon_path("qa_scorecard.yaml").read_text(encoding="utf-8")
    path = tmp_path / "card.yaml"
    path.write_text(base[: base.index("\nrules:")] + "\nrules:\n" + rules, encoding="utf-8")
    return path


SCOPED = """
  - id: billing_hello
    kind: present
    applies_to: {queue: [Billing, tech], extra.contact_reason: [refund]}
    patterns: ['\\bhello\\b']
  - id: calls_only
    kind: present
    channels: [call]
    patterns: ['\\bhello\\b']
"""


def test_applies_to_scopes_a_rule_by_queue_and_header_field(tmp_path: Path) -> None:
    card = load_scorecard(_card(tmp_path, SCOPED))
    chat = "Agent: Hello there."
    inside = _score(chat, card, {"queue": "billing", "extra": '{"contact_reason": "Refund"}'})
    other_queue = _score(chat, card, {"queue": "sales", "extra": {"contact_reason": "refund"}})
    no_queue = _score(chat, card, {})
    assert inside["billing_hello"]["passed"] is True
    assert other_queue["billing_hello"] == {
        "rule": "billing_hello", "name": "billing_hello", "passed": None, "evidence": [],
        "note": "not applicable: queue sales"}
    assert no_queue["billing_hello"]["note"] == "not applicable: extra.contact_reason unknown"
    # channels: keeps working next to applies_to.
    assert inside["calls_only"]["passed"] is None
    assert _score(chat, card, channel="call")["calls_only"]["passed"] is True


@pytest.mark.parametrize("scope, message", [
    ("[billing]", r"\[FE390\].*'applies_to' must be a mapping"),
    ("{queue: billing}", r"\[FE392\].*'applies_to.queue' must be a non-empty list"),
    ("{queue: []}", r"\[FE392\]"),
    ("{colour: [red]}", r"\[FE391\].*unknown 'applies_to' field 'colour'"),
])
def test_applies_to_errors_name_the_rule_and_the_field(tmp_path: Path, scope: str,
                                                       message: str) -> None:
    rules = f"  - id: x\n    kind: present\n    applies_to: {scope}\n    patterns: ['a']\n"
    with pytest.raises(ConfigError, match=message) as error:
        load_scorecard(_card(tmp_path, rules))
    assert "card.yaml: rule 'x'" in str(error.value)


def test_trigger_speaker_list_is_checked(tmp_path: Path) -> None:
    rules = ("  - id: x\n    kind: conditional\n    trigger: {speaker: [customer, robot], "
             "patterns: ['a']}\n    expect: [{patterns: ['b']}]\n")
    with pytest.raises(ConfigError, match=r"\[FE393\]"):
        load_scorecard(_card(tmp_path, rules))


@pytest.mark.parametrize("ask", [
    "ok, may I have your username, email address and order ID please?",
    "sure, would you give me your full name or account ID",
    "Can I get your zip code and date of birth?",
    "Could you confirm the postcode on the account?",
    "What's your account number?",
])
def test_verification_recognises_username_email_order_id_and_other_details(ask: str) -> None:
    chat = f"Agent: Hi, how can I help?\nCustomer: I need to return an item.\nAgent: {ask}"
    assert _score(chat)["identity_verification"]["passed"] is True


def test_verification_does_not_apply_to_an_faq_chat() -> None:
    faq = ("Agent: Good afternoon, how can I help you?\n"
           "Customer: I've got a promo code and I want to know when they expire.\n"
           "Agent: ok, just to verify you already tried to use the code?\n"
           "Agent: All promo codes expire after 7 days.")
    result = _score(faq)["identity_verification"]
    assert result["passed"] is None and result["note"].startswith("not applicable")


def test_verification_fails_when_the_account_is_touched_unverified() -> None:
    chat = ("Agent: Hi, how can I help?\nCustomer: I was charged twice this month.\n"
            "Agent: Okay, I've refunded the second charge.")
    result = _score(chat)["identity_verification"]
    assert result["passed"] is False
    assert result["evidence"][0] == {"turn": 1, "speaker": "customer",
                                     "text": "I was charged twice this month."}


@pytest.mark.parametrize("text", ["I got the wrong size.", "The item arrived damaged.",
                                  "I was charged twice."])
def test_factual_complaint_with_a_negative_score_is_not_upset(text: str) -> None:
    assert not is_upset(text, -0.55, CARD)


@pytest.mark.parametrize("text, score", [("This is ridiculous, I'm so angry", -0.78),
                                         ("This is ridiculous, I'm so angry", 0.0),
                                         ("I got the wrong size AGAIN!", -0.5),
                                         ("Honestly the worst service ever.", -0.62)])
def test_emotion_or_intensity_with_a_negative_score_is_upset(text: str, score: float) -> None:
    assert is_upset(text, score, CARD)


def test_scorecard_without_intensity_cue_keeps_the_score_alone_test(tmp_path: Path) -> None:
    text = lexicon_path("qa_scorecard.yaml").read_text(encoding="utf-8")
    start = text.index("  intensity:")
    path = tmp_path / "old.yaml"
    path.write_text(text[:start] + text[text.index("  account_access:"):], encoding="utf-8")
    old = load_scorecard(path)
    assert "intensity" not in old.cues
    assert is_upset("I got the wrong size.", -0.42, old)


def test_failed_dead_air_shows_the_turn_after_the_longest_gap() -> None:
    turns = Turns.from_dicts([
        {"speaker": "agent", "text": "Hi, let me look.", "start_s": 0.0, "end_s": 2.0},
        {"speaker": "customer", "text": "Hello?", "start_s": 92.0, "end_s": 93.0},
        {"speaker": "agent", "text": "Sorry, still checking.", "start_s": 193.0,
         "end_s": 195.0},
        {"speaker": "customer", "text": "Ok.", "start_s": 200.0, "end_s": 201.0}])
    metrics = conversation_metrics(turns, CARD.cues)
    _, results = score_conversation(turns, metrics, CARD, "call")
    dead_air = next(r for r in results if r["rule"] == "dead_air")
    assert dead_air["passed"] is False
    assert dead_air["evidence"] == [{"turn": 2, "speaker": "agent",
                                     "text": "Sorry, still checking.", "gap_s": 100.0}]


def test_the_qa_stage_passes_each_records_queue_to_applies_to(tmp_path: Path) -> None:
    import pandas as pd

    from feedback_engine.stages.conversation import QA

    stage = QA(scorecard=str(_card(tmp_path, SCOPED)))
    stage.setup()
    _, turns = parse_text_transcript("Agent: Hello there.", load_speakers())
    for turn in turns:
        turn["sentiment"] = 0.0
    chunk = pd.DataFrame({"text_redacted": ["Agent: Hello there."] * 2, "n_turns": [1, 1],
                          "turns": [turns, turns], "channel": ["chat", "chat"],
                          "queue": ["billing", "sales"],
                          "extra": ['{"contact_reason": "refund"}'] * 2})
    results = [{r["rule"]: r for r in row} for row in stage(chunk)["qa_results"]]
    assert results[0]["billing_hello"]["passed"] is True
    assert results[1]["billing_hello"]["note"] == "not applicable: queue sales"

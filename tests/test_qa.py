"""The QA scorecard and rule engine: every default rule passing and failing, and the stage."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from feedback_engine.conversation import Turns, conversation_metrics, load_scorecard
from feedback_engine.conversation.rules import score_conversation
from feedback_engine.conversation.scorecard import Patterns, Scorecard
from feedback_engine.errors import ConfigError
from feedback_engine.resources import lexicon_path
from feedback_engine.sources.transcripts import load_speakers, parse_text_transcript
from feedback_engine.stages.conversation import QA

CARD = load_scorecard()
GOOD_CALL = """\
Agent: Good morning, thanks for calling, you're speaking with Sam.
Customer: My broadband has been down for three days and I'm really fed up.
Agent: I'm so sorry to hear that, that must be frustrating. Can I take your postcode please?
Customer: AB1 2CD.
Agent: Do you mind if I place you on hold while I run a line test?
Agent: Thanks for holding. I've booked an engineer for Thursday morning.
Agent: Just to recap, you'll receive a text confirming the visit. Is there anything else?
Customer: No, that's everything, thanks.
"""
BAD_CALL = """\
Agent: Yes?
Customer: My broadband has been down for three days and I'm really fed up.
Agent: Right. What's the problem?
Customer: I just told you.
Agent: I'll need to put you on hold.
Agent: Back. Calm down, it's not my fault, you should have called the engineers.
Customer: Bye.
"""


def _turns(text: str, scores: dict[int, float] | None = None) -> list[dict]:
    _, turns = parse_text_transcript(text, load_speakers())
    for i, turn in enumerate(turns):
        turn["sentiment"] = (scores or {}).get(i, 0.0)
    return turns


def _results(text: str, scores: dict[int, float] | None = None, channel: str = "call",
             card=CARD, metrics: dict | None = None) -> tuple[float | None, dict[str, dict]]:
    turns = Turns.from_dicts(_turns(text, scores))
    values = conversation_metrics(turns, card.cues) if metrics is None else metrics
    score, results = score_conversation(turns, values, card, channel)
    return score, {r["rule"]: r for r in results}


def pattern_sets(card: Scorecard) -> list[tuple[str, Patterns]]:
    """Every pattern set of the scorecard with a label, for checking their examples."""
    out: list[tuple[str, Patterns]] = [(f"cue {name}", p) for name, p in card.cues.items()]
    for rule in card.rules:
        if rule.patterns is not None:
            out.append((f"rule {rule.id}", rule.patterns))
        if rule.ignore is not None:
            out.append((f"rule {rule.id} ignore", rule.ignore))
        if rule.trigger is not None and rule.trigger.patterns is not None:
            out.append((f"rule {rule.id} trigger", rule.trigger.patterns))
        out += [(f"rule {rule.id} expect {e.name}", e.patterns) for e in rule.expect]
    return out


def test_every_pattern_set_passes_its_own_examples() -> None:
    checked = 0
    for label, patterns in pattern_sets(CARD):
        for text in patterns.should_match:
            assert patterns.search(text), f"{label} should match {text!r}"
            checked += 1
        for text in patterns.should_not_match:
            assert not patterns.search(text), f"{label} should not match {text!r}"
            checked += 1
    assert checked > 80


def test_default_scorecard_has_the_issue_rules() -> None:
    assert [r.id for r in CARD.rules] == [
        "greeting", "identity_verification", "empathy", "apology", "ownership",
        "hold_etiquette", "recap", "closing", "no_prohibited_phrases", "agent_sentiment",
        "dead_air"]


@pytest.mark.parametrize("rule", ["greeting", "identity_verification", "empathy", "apology",
                                  "ownership", "hold_etiquette", "recap", "closing",
                                  "no_prohibited_phrases", "agent_sentiment"])
def test_rule_passes_on_the_good_call_and_fails_on_the_bad_one(rule: str) -> None:
    _, good = _results(GOOD_CALL)
    _, bad = _results(BAD_CALL, scores={5: -0.7})
    assert good[rule]["passed"] is True, good[rule]
    assert bad[rule]["passed"] is False, bad[rule]
    assert bad[rule]["evidence"] or bad[rule].get("note")


def test_good_call_scores_100_and_bad_call_scores_low() -> None:
    assert _results(GOOD_CALL)[0] == 100.0
    assert _results(BAD_CALL, scores={5: -0.7})[0] < 20


def test_failed_empathy_shows_the_upset_turn_and_the_reply() -> None:
    _, bad = _results(BAD_CALL)
    evidence = bad["empathy"]["evidence"]
    assert [(e["turn"], e["speaker"]) for e in evidence] == [(1, "customer"), (2, "agent")]
    assert evidence[0]["text"].endswith("really fed up.")


def test_empathy_triggers_on_a_negative_score_with_intensity_without_upset_words() -> None:
    call = "Agent: Hello.\nCustomer: The engineer never came!\nAgent: Okay, what's the postcode?"
    _, calm = _results(call)
    _, upset = _results(call, scores={1: -0.6})
    _, factual = _results(call.replace("came!", "came."), scores={1: -0.6})
    assert calm["empathy"]["passed"] is None  # -> not applicable, not counted
    assert upset["empathy"]["passed"] is False
    assert factual["empathy"]["passed"] is None  # negative but factual: no empathy demanded


def test_empathy_must_come_within_two_agent_turns() -> None:
    late = ("Agent: Hi.\nCustomer: This is unacceptable.\nAgent: Postcode?\n"
            "Customer: AB1.\nAgent: Name?\nCustomer: Jo.\nAgent: I'm sorry to hear that.")
    soon = late.replace("Agent: Name?", "Agent: I completely understand. Name?")
    assert _results(late)[1]["empathy"]["passed"] is False
    assert _results(soon)[1]["empathy"]["passed"] is True


def test_upset_last_words_with_no_reply_do_not_trigger() -> None:
    call = "Agent: Hello, how can I help?\nCustomer: Forget it, this is ridiculous."
    assert _results(call)[1]["empathy"]["passed"] is None


def test_hold_etiquette_needs_permission_and_thanks_for_every_hold() -> None:
    both = ("Agent: Hi.\nAgent: Is it okay if I put you on hold?\n"
            "Agent: Thank you for your patience.")
    no_thanks = "Agent: Hi.\nAgent: Is it okay if I put you on hold?\nAgent: I'm back."
    second_bad = both + "\nAgent: Let me put you on hold again.\nAgent: Thanks for waiting."
    assert _results(both)[1]["hold_etiquette"]["passed"] is True
    assert _results(no_thanks)[1]["hold_etiquette"]["passed"] is False
    assert _results(second_bad)[1]["hold_etiquette"]["passed"] is False
    assert _results("Agent: Hi.")[1]["hold_etiquette"]["passed"] is None


def test_greeting_and_closing_are_checked_where_they_belong() -> None:
    late_hello = "Agent: Account number?\nAgent: Okay.\nAgent: Hello!\nAgent: Bye."
    early_close = "Agent: Anything else?\nAgent: a\nAgent: b\nAgent: c\nAgent: Bye."
    assert _results(late_hello)[1]["greeting"]["passed"] is False
    assert _results(early_close)[1]["closing"]["passed"] is False


def test_agent_sentiment_ignores_empathy_that_scores_negative() -> None:
    call = "Agent: I'm so sorry, that must be really frustrating.\nAgent: Fine."
    assert _results(call, scores={0: -0.8})[1]["agent_sentiment"]["passed"] is True
    assert _results(call, scores={1: -0.8})[1]["agent_sentiment"]["passed"] is False


def test_dead_air_is_a_metric_rule_not_applicable_without_times() -> None:
    _, untimed = _results("Agent: Hi.\nCustomer: Hello.")
    assert untimed["dead_air"]["passed"] is None
    _, quiet = _results("Agent: Hi.", metrics={"silence_s": 300.0})
    _, fine = _results("Agent: Hi.", metrics={"silence_s": 30.0})
    assert quiet["dead_air"]["passed"] is False and "300" in quiet["dead_air"]["note"]
    assert fine["dead_air"]["passed"] is True


def test_rules_without_agent_turns_do_not_apply() -> None:
    score, results = _results("Customer: Hello?")
    assert score is None
    assert all(r["passed"] is None for r in results.values())


def _card(tmp_path: Path, rules: str) -> Path:
    base = lexicon_path("qa_scorecard.yaml").read_text(encoding="utf-8")
    head = base[: base.index("\nrules:")]
    path = tmp_path / "card.yaml"
    path.write_text(head + "\nrules:\n" + rules, encoding="utf-8")
    return path


def test_custom_scorecard_with_weights_channels_and_a_min_metric(tmp_path: Path) -> None:
    path = _card(tmp_path, """
  - id: says_hello
    kind: present
    weight: 3
    patterns: ['\\bhello\\b']
  - id: long_enough
    kind: metric
    metric: n_turns
    min: 4
  - id: chat_only
    kind: absent
    channels: [chat]
    patterns: ['\\bhello\\b']
""")
    card = load_scorecard(path)
    score, results = _results("Agent: Hello.\nCustomer: Hi.", card=card, channel="call")
    assert results["chat_only"]["passed"] is None
    assert results["long_enough"]["passed"] is False
    assert score == pytest.approx(75.0)  # 3 of 4 applicable weight


@pytest.mark.parametrize("rules, message", [
    ("  - id: x\n    kind: sometimes\n    patterns: ['a']\n", "kind must be one of"),
    ("  - id: x\n    kind: present\n    patterns: ['(unclosed']\n", "not a valid regular"),
    ("  - id: x\n    kind: present\n    pattern: ['a']\n", "unknown key 'pattern'"),
    ("  - id: x\n    kind: present\n    patterns: ['a']\n  - id: x\n    kind: absent\n"
     "    patterns: ['b']\n", "used twice"),
    ("  - id: x\n    kind: metric\n    metric: loudness\n    max: 1\n", "metric must be one of"),
    ("  - id: x\n    kind: conditional\n    trigger: {cue: sneeze}\n"
     "    expect: [{patterns: ['a']}]\n", "unknown cue 'sneeze'"),
    ("  - id: x\n    kind: present\n    speaker: robot\n    patterns: ['a']\n", "speaker"),
])
def test_scorecard_errors_name_the_file_and_rule(tmp_path: Path, rules: str,
                                                 message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        load_scorecard(_card(tmp_path, rules))
    assert "card.yaml" in str(error.value)


def test_scorecard_without_a_required_cue_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "card.yaml"
    path.write_text("cues: {}\nrules:\n  - {id: a, kind: present, patterns: [x]}\n")
    with pytest.raises(ConfigError, match="cues upset, escalation"):
        load_scorecard(path)


def test_qa_stage_adds_score_results_and_scorecard_label() -> None:
    stage = QA()
    stage.setup()
    chunk = pd.DataFrame({"record_id": ["s", "c"], "text_redacted": ["ok", "x"],
                          "channel": ["survey", "call"], "n_turns": [None, 8],
                          "silence_s": [None, 0.0], "turns": [None, _turns(GOOD_CALL)]})
    out = stage(chunk)
    assert pd.isna(out.loc[0, "qa_score"]) and out.loc[0, "qa_results"] is None
    assert out.loc[1, "qa_score"] == 100.0
    assert out.loc[1, "qa_scorecard"] == CARD.label
    results = json.loads(json.dumps(out.loc[1, "qa_results"]))
    assert {r["rule"] for r in results} == {r.id for r in CARD.rules}
    greeting = next(r for r in results if r["rule"] == "greeting")
    assert greeting["evidence"][0] == {"turn": 0, "speaker": "agent",
                                       "text": GOOD_CALL.splitlines()[0][len("Agent: "):]}


def test_evidence_text_is_cut_to_the_configured_length() -> None:
    long_turn = "Agent: Hello " + "word " * 200
    _, results = _results(long_turn)
    text = results["greeting"]["evidence"][0]["text"]
    assert len(text) == CARD.evidence_chars and text.endswith("…")

"""Transcript formats and conversation metrics, on the hand-written files in data/transcripts."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from feedback_engine import api
from feedback_engine.conversation import Turns, conversation_metrics, load_scorecard
from feedback_engine.sources.transcripts import load_speakers, parse_text_transcript
from feedback_engine.stages import build_pipeline
from feedback_engine.stages.conversation import Conversation

DATA = Path(__file__).parent / "data" / "transcripts"
CUES = load_scorecard().cues


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Every fixture transcript analyzed with the default pipeline, by record id."""
    db = tmp_path_factory.mktemp("qa") / "fixtures.duckdb"
    summary = api.analyze([DATA], db=db)
    assert (summary.read, summary.analyzed) == (6, 6)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT * FROM records").df().to_dict("records")
    turns = con.execute("SELECT record_id, speaker, start_s, end_s FROM turns "
                        "ORDER BY record_id, turn_index").df()
    con.close()
    out = {r["record_id"]: r for r in rows}
    for rid, group in turns.groupby("record_id"):
        out[rid]["stored_turns"] = group.to_dict("records")
    return out


def _turns(text: str, **scores: float) -> Turns:
    """Turns from ``Speaker: text`` lines; ``t3=-0.8`` gives turn 3 that sentiment."""
    _, turns = parse_text_transcript(text, load_speakers())
    for key, value in scores.items():
        turns[int(key[1:])]["sentiment"] = value
    for turn in turns:
        turn.setdefault("sentiment", 0.0)
    return Turns.from_dicts(turns)


def test_text_transcript_reads_aliases_times_and_continuation_lines(analyzed) -> None:
    turns = analyzed["FX-CALL-1"]["stored_turns"]
    assert [t["speaker"] for t in turns[:3]] == ["system", "agent", "customer"]
    assert [t["start_s"] for t in turns[:3]] == [0.0, 40.0, 45.0]
    assert all(pd.isna(t["end_s"]) for t in turns)
    _, parsed = parse_text_transcript((DATA / "call_timed.txt").read_text(), load_speakers())
    assert parsed[2]["text"].endswith("during a meeting.")  # the continuation line joined


def test_text_transcript_reads_start_and_end_ranges(analyzed) -> None:
    turns = analyzed["FX-CALL-2"]["stored_turns"]
    assert (turns[1]["start_s"], turns[1]["end_s"]) == (6.0, 20.0)
    assert (turns[4]["start_s"], turns[4]["end_s"]) == (90.0, 96.0)  # the --> form


def test_json_messages_with_roles_and_clock_strings(analyzed) -> None:
    turns = analyzed["FX-CHAT-1"]["stored_turns"]
    assert [t["speaker"] for t in turns[:4]] == ["bot", "customer", "agent", "customer"]
    assert (turns[2]["start_s"], turns[2]["end_s"]) == (120.0, 124.0)


def test_json_pairs_and_utterances_without_times(analyzed) -> None:
    assert analyzed["FX-PAIR-1"]["n_turns"] == 5
    assert [t["speaker"] for t in analyzed["FX-PAIR-2"]["stored_turns"]] == [
        "agent", "customer", "agent"]  # CSR and Member are aliases
    assert pd.isna(analyzed["FX-PAIR-1"]["duration_s"])


def test_jsonl_chat_turns_in_seconds(analyzed) -> None:
    row = analyzed["FX-JL-1"]
    assert row["channel"] == "chat" and row["n_turns"] == 4
    assert row["interruptions"] == 1  # the customer started at 2 s, the agent ended at 3 s


def test_metrics_of_the_timed_call(analyzed) -> None:
    row = analyzed["FX-CALL-1"]
    assert row["n_turns"] == 11
    assert row["escalation"] and row["repeat_contact"]
    assert (row["transfers"], row["holds"]) == (1, 1)
    # Hold announced at 70 s (17 words: ends by 81.2 s at most), back at 190 s.
    assert row["hold_s"] == pytest.approx(108.8)
    assert row["silence_s"] == 0.0  # the IVR queue before the agent is not dead air
    assert pd.isna(row["interruptions"])  # no end times, so overlaps are unknown
    assert row["most_negative_turn"] == 2 and row["most_negative_score"] < -0.4
    assert row["sentiment_shift"] > 0  # upset at the start, thanking at the end


def test_metrics_of_the_call_with_ranges(analyzed) -> None:
    row = analyzed["FX-CALL-2"]
    assert row["interruptions"] == 1  # the agent cut in at 18 s, the customer spoke to 20 s
    assert row["silence_s"] == pytest.approx(63.0)  # 27 s -> 90 s, not announced as a hold
    assert row["hold_s"] == 0.0
    assert row["duration_s"] == pytest.approx(99.0)


def test_agent_talk_share_by_words_and_by_time() -> None:
    turns = Turns.from_dicts([
        {"speaker": "agent", "text": "one two three", "start_s": 0.0, "end_s": 6.0},
        {"speaker": "customer", "text": "one", "start_s": 6.0, "end_s": 8.0},
        {"speaker": "system", "text": "ignored words here", "start_s": 8.0, "end_s": 9.0}])
    metrics = conversation_metrics(turns, CUES)
    assert metrics["agent_talk_share"] == pytest.approx(0.75)
    assert metrics["agent_talk_share_time"] == pytest.approx(0.75)


def test_start_only_turns_end_when_their_words_would() -> None:
    # 5 words -> at most 5 * 0.6 + 1 = 4 s of talk; the rest of the 30 s gap is silence.
    turns = Turns.from_dicts([
        {"speaker": "agent", "text": "hello how can I help", "start_s": 0.0},
        {"speaker": "customer", "text": "hi", "start_s": 30.0}])
    metrics = conversation_metrics(turns, CUES, silence_gap_s=5.0)
    assert metrics["silence_s"] == pytest.approx(26.0)
    assert metrics["duration_s"] == pytest.approx(31.6)


def test_longest_customer_monologue_joins_consecutive_turns() -> None:
    turns = _turns("Agent: Hi.\nCustomer: one two\nCustomer: three four five\n"
                   "Agent: Okay.\nCustomer: six")
    metrics = conversation_metrics(turns, CUES)
    assert metrics["customer_monologue_words"] == 5
    assert metrics["customer_monologue_s"] is None


def test_sentiment_shift_and_most_negative_moment() -> None:
    turns = _turns("Customer: a\nAgent: b\nCustomer: c\nAgent: d\nCustomer: e",
                   t0=-0.6, t2=-0.9, t4=0.5)
    metrics = conversation_metrics(turns, CUES)
    assert metrics["most_negative_turn"] == 2
    assert metrics["most_negative_score"] == -0.9
    assert metrics["sentiment_shift"] == pytest.approx(0.5 - -0.6)


def test_cues_escalation_transfer_hold_and_repeat() -> None:
    quiet = conversation_metrics(_turns("Agent: Hello.\nCustomer: I'd like a new plan."), CUES)
    assert (quiet["escalation"], quiet["transfers"], quiet["holds"],
            quiet["repeat_contact"]) == (False, 0, 0, False)
    loud = conversation_metrics(_turns(
        "Customer: I've already called twice about this.\n"
        "Agent: Can you hold for a minute?\nCustomer: I want to speak to your manager.\n"
        "Agent: I'm transferring you now."), CUES)
    assert (loud["escalation"], loud["transfers"], loud["holds"],
            loud["repeat_contact"]) == (True, 1, 1, True)


def test_metrics_take_plain_compiled_cues_without_a_scorecard() -> None:
    import re

    cues = {name: re.compile(word) for name, word in (
        ("escalation", "manager"), ("transfer", "transfer"), ("hold", "hold"),
        ("repeat_contact", "again"))}
    metrics = conversation_metrics(_turns("Customer: I want a manager, again.\n"
                                          "Agent: Please hold, then I transfer you."), cues)
    assert (metrics["escalation"], metrics["transfers"], metrics["holds"],
            metrics["repeat_contact"]) == (True, 1, 1, True)


def test_stage_leaves_records_without_turns_null_and_scores_unscored_turns() -> None:
    stage = Conversation()
    stage.setup()
    chunk = pd.DataFrame({
        "record_id": ["survey", "call"], "text_redacted": ["fine", "x"],
        "channel": ["survey", "call"],
        "turns": [None, [{"speaker": "customer", "text": "This is awful, I'm furious."},
                         {"speaker": "agent", "text": "I'm sorry."}]]})
    out = stage(chunk)
    assert pd.isna(out.loc[0, "n_turns"]) and pd.isna(out.loc[0, "escalation"])
    assert out.loc[1, "n_turns"] == 2
    assert out.loc[1, "most_negative_score"] < 0  # scored here: no sentiment stage ran
    assert "sentiment" not in chunk.loc[1, "turns"][0], "input turns mutated"


def test_chats_use_their_own_silence_gap() -> None:
    turns = [{"speaker": "agent", "text": "Hi", "start_s": 0.0, "end_s": 1.0},
             {"speaker": "customer", "text": "Hello", "start_s": 41.0, "end_s": 42.0}]
    chunk = pd.DataFrame({"record_id": ["c", "v"], "text_redacted": ["x", "x"],
                          "channel": ["chat", "call"], "turns": [turns, turns]})
    stage = Conversation(silence_gap_s=5.0, chat_silence_gap_s=60.0)
    stage.setup()
    assert stage(chunk)["silence_s"].tolist() == [0.0, 40.0]


def test_sentiment_stage_stores_a_score_in_each_spoken_turn() -> None:
    pipeline = build_pipeline(["sentiment"], {}, ["text_redacted", "turns"])
    pipeline.setup()
    turns = [{"speaker": "customer", "text": "This is awful."},
             {"speaker": "bot", "text": "Connecting you."},
             {"speaker": "agent", "text": "Happy to help!"}]
    out = pipeline(pd.DataFrame({"record_id": ["r"], "text_redacted": ["x"],
                                 "turns": [turns]}))
    scored = out.loc[0, "turns"]
    assert scored[0]["sentiment"] < 0 < scored[2]["sentiment"]
    assert scored[1]["sentiment"] is None
    assert "sentiment" not in turns[0]
    assert json.dumps(scored)

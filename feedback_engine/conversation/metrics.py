"""Conversation metrics from transcript turns: talk share, monologues, silence, holds, cues.

Turns are ``{"speaker", "text", "start_s"?, "end_s"?, "sentiment"?}`` dicts (the sentiment
stage adds ``sentiment``). Time-based metrics need ``start_s``; where a turn has no
``end_s`` (call transcripts usually carry only the start), its end is estimated as the
longest the words could take to say, ``SECONDS_PER_WORD`` each plus ``TURN_PAUSE_S``, and
never past the next turn's start: the rest of the gap is silence, not talk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Protocol

# 100 words a minute is slow speech (conversational English runs ~150); a turn that lasts
# longer than its words need at that rate holds a pause, and the excess is not talk.
SECONDS_PER_WORD = 0.6
TURN_PAUSE_S = 1.0

# Metric columns and their DuckDB types (the conversation stage assigns these).
METRICS: dict[str, str] = {
    "n_turns": "INTEGER",
    "agent_talk_share": "DOUBLE",
    "agent_talk_share_time": "DOUBLE",
    "duration_s": "DOUBLE",
    "customer_monologue_words": "INTEGER",
    "customer_monologue_s": "DOUBLE",
    "silence_s": "DOUBLE",
    "holds": "INTEGER",
    "hold_s": "DOUBLE",
    "interruptions": "INTEGER",
    "escalation": "BOOLEAN",
    "transfers": "INTEGER",
    "repeat_contact": "BOOLEAN",
    "sentiment_shift": "DOUBLE",
    "most_negative_turn": "INTEGER",
    "most_negative_score": "DOUBLE",
}

Scorer = Callable[[str], float | None]


class Cue(Protocol):
    """A compiled pattern set: a scorecard's ``Patterns`` or a plain ``re.Pattern``."""

    def search(self, text: str) -> Any: ...


@dataclass
class Turns:
    """A conversation prepared once for metrics and rules: parallel lists plus indexes."""

    speakers: list[str]
    texts: list[str]
    scores: list[float | None]
    starts: list[float | None]
    ends: list[float | None]
    by_speaker: dict[str, list[int]]

    @classmethod
    def from_dicts(cls, turns: Sequence[dict[str, Any]], scorer: Scorer | None = None) -> Turns:
        """Prepare turns; ``scorer`` fills in sentiment for turns that lack a score."""
        speakers, texts, scores, starts, ends = [], [], [], [], []
        by_speaker: dict[str, list[int]] = {"agent": [], "customer": []}
        for index, turn in enumerate(turns):
            speaker = str(turn.get("speaker") or "")
            text = str(turn.get("text") or "")
            score = turn.get("sentiment")
            if score is None and scorer is not None and text and speaker in by_speaker:
                score = scorer(text)
            speakers.append(speaker)
            texts.append(text)
            scores.append(score)
            starts.append(_seconds(turn.get("start_s", turn.get("start"))))
            ends.append(_seconds(turn.get("end_s", turn.get("end"))))
            by_speaker.setdefault(speaker, []).append(index)
        return cls(speakers, texts, scores, starts, ends, by_speaker)

    def __len__(self) -> int:
        return len(self.texts)


def _seconds(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN from a DataFrame round trip


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def conversation_metrics(turns: Turns, cues: Mapping[str, Cue], silence_gap_s: float = 5.0
                         ) -> dict[str, Any]:
    """Compute every metric in :data:`METRICS` for one conversation.

    Args:
        turns: the prepared conversation.
        cues: pattern sets by name (a scorecard's ``cues``): escalation, transfer, hold and
            repeat_contact are read.
        silence_gap_s: a gap between turns at least this long is silence (or a hold when it
            follows an agent's hold announcement); shorter gaps are turn-taking.

    Returns:
        A dict keyed like :data:`METRICS`; time metrics are None without timestamps and
        ``interruptions`` is None without end times.

    Example:
        >>> from feedback_engine.conversation.scorecard import load_scorecard
        >>> t = Turns.from_dicts([{"speaker": "agent", "text": "Hi, how can I help?"},
        ...                       {"speaker": "customer", "text": "Get me a manager."}])
        >>> m = conversation_metrics(t, load_scorecard().cues)
        >>> m["n_turns"], m["escalation"], m["silence_s"]
        (2, True, None)
    """
    agent, customer = turns.by_speaker["agent"], turns.by_speaker["customer"]
    words = [len(t.split()) for t in turns.texts]
    agent_words = sum(words[i] for i in agent)
    customer_words = sum(words[i] for i in customer)
    talk = agent_words + customer_words
    hold_turns = [i for i in agent if cues["hold"].search(turns.texts[i])]
    out: dict[str, Any] = dict.fromkeys(METRICS)
    out.update(
        n_turns=len(turns),
        agent_talk_share=agent_words / talk if talk else None,
        escalation=any(cues["escalation"].search(turns.texts[i]) for i in customer),
        transfers=sum(1 for i in agent if cues["transfer"].search(turns.texts[i])),
        repeat_contact=any(cues["repeat_contact"].search(turns.texts[i]) for i in customer),
        holds=len(hold_turns),
    )
    ends = _ends(turns, words)
    if ends:
        out.update(_timing(turns, ends, set(hold_turns), silence_gap_s))
    out.update(_monologue(turns, words, ends))
    out.update(_sentiment(turns))
    return out


def _ends(turns: Turns, words: list[int]) -> dict[int, float]:
    """End time of each timed turn: given, or estimated from its words (module docstring)."""
    timed = [i for i, s in enumerate(turns.starts) if s is not None]
    if len(timed) < 2:
        return {}
    ends: dict[int, float] = {}
    for position, i in enumerate(timed):
        start, given = turns.starts[i], turns.ends[i]
        if given is not None and given >= start:
            ends[i] = given
            continue
        end = start + words[i] * SECONDS_PER_WORD + TURN_PAUSE_S
        if position + 1 < len(timed):
            end = min(end, max(start, turns.starts[timed[position + 1]]))
        ends[i] = end
    return ends


def _timing(turns: Turns, ends: dict[int, float], hold_turns: set[int],
            silence_gap_s: float) -> dict[str, Any]:
    timed = list(ends)
    spoken = {"agent": 0.0, "customer": 0.0}
    for i in timed:
        if turns.speakers[i] in spoken:
            spoken[turns.speakers[i]] += ends[i] - turns.starts[i]
    # Gaps count once an agent has joined: the wait before it is queue time, not dead air.
    first_agent = next((i for i in timed if turns.speakers[i] == "agent"), None)
    silence = hold = 0.0
    for a, b in zip(timed, timed[1:], strict=False):
        if first_agent is None or a < first_agent:
            continue
        gap = turns.starts[b] - ends[a]
        if gap < silence_gap_s:
            continue
        if a in hold_turns:
            hold += gap
        else:
            silence += gap
    interruptions = None
    if any(turns.ends[i] is not None for i in timed):
        interruptions = sum(
            1 for a, b in zip(timed, timed[1:], strict=False)
            if turns.ends[a] is not None and turns.speakers[a] != turns.speakers[b]
            and {turns.speakers[a], turns.speakers[b]} <= {"agent", "customer"}
            and turns.starts[b] < turns.ends[a])
    both = spoken["agent"] + spoken["customer"]
    return {"duration_s": max(ends.values()) - turns.starts[timed[0]],
            "agent_talk_share_time": spoken["agent"] / both if both else None,
            "silence_s": silence, "hold_s": hold, "interruptions": interruptions}


def longest_gap(turns: Turns, hold: Cue) -> tuple[int, float] | None:
    """The longest dead-air gap: ``(index of the turn after it, seconds)``, or None.

    Counted as ``silence_s`` counts it (after the first agent turn, not after an agent turn
    announcing a hold), whatever the gap threshold, so a dead-air finding can show the turn
    that ended the silence.

    >>> t = Turns.from_dicts([{"speaker": "agent", "text": "Hi", "start_s": 0},
    ...                       {"speaker": "customer", "text": "Hello?", "start_s": 90}])
    >>> import re
    >>> longest_gap(t, hold=re.compile("hold"))  # 90 s less "Hi" (one word: 1.6 s)
    (1, 88.4)
    """
    words = [len(t.split()) for t in turns.texts]
    ends = _ends(turns, words)
    timed = list(ends)
    first_agent = next((i for i in timed if turns.speakers[i] == "agent"), None)
    if first_agent is None:
        return None
    best: tuple[int, float] | None = None
    for a, b in zip(timed, timed[1:], strict=False):
        if a < first_agent or (turns.speakers[a] == "agent" and hold.search(turns.texts[a])):
            continue
        gap = turns.starts[b] - ends[a]
        if gap > 0 and (best is None or gap > best[1]):
            best = (b, round(gap, 1))
    return best


def _monologue(turns: Turns, words: list[int], ends: dict[int, float]) -> dict[str, Any]:
    """Longest run of consecutive customer turns, in words and (when timed) seconds."""
    if not turns.by_speaker["customer"]:
        return {}
    best_words, best_s = 0, None
    for customer, group in groupby(range(len(turns)), lambda i: turns.speakers[i] == "customer"):
        run = list(group)
        n = sum(words[j] for j in run)
        if customer and n > best_words:
            best_words = n
            first, last = run[0], run[-1]
            best_s = ends[last] - turns.starts[first] if first in ends and last in ends else None
    return {"customer_monologue_words": best_words, "customer_monologue_s": best_s}


def _sentiment(turns: Turns) -> dict[str, Any]:
    """Customer sentiment shift (last third minus first third) and the most negative turn."""
    scored = [(i, turns.scores[i]) for i in turns.by_speaker["customer"]
              if turns.scores[i] is not None]
    if not scored:
        return {}
    worst_index, worst = min(scored, key=lambda pair: pair[1])
    out: dict[str, Any] = {"most_negative_turn": worst_index, "most_negative_score": worst}
    if len(scored) >= 2:
        third = max(1, len(scored) // 3)
        values = [s for _, s in scored]
        out["sentiment_shift"] = _mean(values[-third:]) - _mean(values[:third])
    return out

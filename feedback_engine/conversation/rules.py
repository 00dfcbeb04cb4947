"""The QA rule engine: score one conversation against a scorecard, with evidence.

Each rule yields ``{"rule", "name", "passed", "evidence", "note"}``: ``passed`` is True,
False, or None when the rule does not apply (no upset customer, no hold, no timestamps, a
channel or queue the rule is not scoped to). Evidence is a list of ``{"turn", "speaker",
"text"}`` (the 0-based turn index and its already-redacted text, cut short): the phrase that
passed the rule, or what was said instead when it failed; a failed dead-air rule adds
``gap_s`` to the turn that ended the longest silence. The score is
``100 * passed weight / applicable weight``.

A customer turn is *upset* when it matches the ``upset`` cue (frustration in words), or when
its sentiment is at or below ``settings.upset_below`` *and* it matches the ``intensity`` cue
(exclamation, shouting, strong words): a factual complaint ("I got the wrong size.") reads
as negative to a lexicon but asks for a fix, not for empathy. A scorecard without an
``intensity`` cue keeps the old test (the score alone).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .metrics import Turns, longest_gap
from .scorecard import Expect, Patterns, Rule, Scorecard

Result = dict[str, Any]


class _Context:
    """One conversation being scored: its turns, metrics and the scorecard settings."""

    __slots__ = ("turns", "metrics", "card", "channel", "record", "position")

    def __init__(self, turns: Turns, metrics: Mapping[str, Any], card: Scorecard,
                 channel: str | None, record: Mapping[str, Any] | None = None) -> None:
        self.turns, self.metrics, self.card, self.channel = turns, metrics, card, channel
        self.record = record or {}
        # Where each turn sits in its speaker's list, for "within N agent turns" windows.
        self.position = [0] * len(turns)
        for indexes in turns.by_speaker.values():
            for rank, i in enumerate(indexes):
                self.position[i] = rank

    def evidence(self, i: int, **extra: Any) -> dict[str, Any]:
        text = self.turns.texts[i]
        limit = self.card.evidence_chars
        return {"turn": i, "speaker": self.turns.speakers[i],
                "text": text if len(text) <= limit else text[: limit - 1] + "…", **extra}

    def field(self, name: str) -> str | None:
        """A record field for ``applies_to`` (``extra.NAME`` reads the record's extra)."""
        if name == "channel":
            return self.channel
        if name.startswith("extra."):
            extra = self.record.get("extra")
            if isinstance(extra, str):
                try:
                    extra = json.loads(extra)
                except ValueError:
                    extra = None
            value = extra.get(name[6:]) if isinstance(extra, dict) else None
        else:
            value = self.record.get(name)
        if value is None or value != value:  # None or NaN
            return None
        return str(value).lower()

    def first_match(self, indexes: list[int], patterns: Patterns) -> int | None:
        return next((i for i in indexes if patterns.search(self.turns.texts[i])), None)


def _result(rule: Rule, passed: bool | None, evidence: list[dict[str, Any]] | None = None,
            note: str = "") -> Result:
    out: Result = {"rule": rule.id, "name": rule.name, "passed": passed,
                   "evidence": evidence or []}
    if note:
        out["note"] = note
    return out


def _scope(indexes: list[int], rule: Rule) -> list[int]:
    if rule.first is not None:
        indexes = indexes[: rule.first]
    if rule.last is not None:
        indexes = indexes[-rule.last:] if rule.last else []
    return indexes


def _where(rule: Rule) -> str:
    if rule.first is not None:
        return f"the first {rule.first} {rule.speaker} turns"
    if rule.last is not None:
        return f"the last {rule.last} {rule.speaker} turns"
    return f"any {rule.speaker} turn"


def _phrase(rule: Rule, ctx: _Context) -> Result:
    """A ``present`` or ``absent`` rule: the phrase must (or must not) be said in scope."""
    indexes = _scope(ctx.turns.by_speaker[rule.speaker], rule)
    if not indexes:
        return _result(rule, None, note=f"not applicable: no {rule.speaker} turns")
    hit = ctx.first_match(indexes, rule.patterns)
    if rule.kind == "absent":
        return _result(rule, True) if hit is None else _result(
            rule, False, [ctx.evidence(hit)], "prohibited phrase")
    if hit is not None:
        return _result(rule, True, [ctx.evidence(hit)])
    return _result(rule, False, [ctx.evidence(indexes[0])], f"not found in {_where(rule)}")


def is_upset(text: str, score: float | None, card: Scorecard) -> bool:
    """Upset: the ``upset`` cue, or a score <= ``upset_below`` with the ``intensity`` cue.

    >>> from feedback_engine.conversation.scorecard import load_scorecard
    >>> card = load_scorecard()
    >>> is_upset("I got the wrong size.", -0.42, card), is_upset("Wrong size AGAIN!", -0.5, card)
    (False, True)
    """
    if card.cues["upset"].search(text):
        return True
    if score is None or score > card.upset_below:
        return False
    intensity = card.cues.get("intensity")
    return intensity is None or bool(intensity.search(text))


def _triggers(rule: Rule, ctx: _Context) -> list[int]:
    trigger, turns = rule.trigger, ctx.turns
    indexes = [i for speaker in trigger.speakers for i in turns.by_speaker[speaker]]
    fired = []
    for i in sorted(indexes):
        text = turns.texts[i]
        if trigger.upset and turns.speakers[i] == "customer" and is_upset(
                text, turns.scores[i], ctx.card):
            fired.append(i)
            continue
        if trigger.patterns is not None and trigger.patterns.search(text):
            fired.append(i)
    return fired


def _window(ctx: _Context, t: int, expect: Expect) -> list[int]:
    """Turns of the expect speaker from ``before`` turns before ``t`` to ``after`` after it."""
    own = ctx.turns.by_speaker[expect.speaker]
    if ctx.turns.speakers[t] == expect.speaker:
        rank = ctx.position[t]
        return own[max(0, rank - expect.before): rank + expect.after + 1]
    # The first of the speaker's turns after t (bisect by hand: lists are short).
    later = next((k for k, i in enumerate(own) if i > t), len(own))
    return own[max(0, later - expect.before): later + expect.after]


def _conditional(rule: Rule, ctx: _Context) -> Result:
    fired = _triggers(rule, ctx)
    if not fired:
        return _result(rule, None, note="not applicable: nothing triggered the rule")
    first_failure: tuple[int, Expect, list[int]] | None = None
    handled_evidence: list[dict[str, Any]] | None = None
    considered = 0
    for t in fired:
        windows = [_window(ctx, t, expect) for expect in rule.expect]
        if not any(windows):
            continue  # nobody had a turn to respond in (e.g. the call's last words)
        considered += 1
        hits = []
        for expect, window in zip(rule.expect, windows, strict=True):
            hit = ctx.first_match(window, expect.patterns)
            if hit is None:
                if first_failure is None:
                    first_failure = (t, expect, window)
                break
            hits.append(hit)
        else:
            if handled_evidence is None:
                handled_evidence = [ctx.evidence(h) for h in dict.fromkeys(hits)]
            if rule.require == "any":
                break
            continue
        if rule.require == "all":
            break
    if not considered:
        return _result(rule, None, note="not applicable: no turn left to respond in")
    if first_failure is None or (rule.require == "any" and handled_evidence is not None):
        return _result(rule, True, handled_evidence)
    t, expect, window = first_failure
    after = next((i for i in window if i > t), None)  # what was said instead
    evidence = [ctx.evidence(t)] + ([ctx.evidence(after)] if after is not None else [])
    what = f"'{expect.name}' " if expect.name != rule.id else ""
    return _result(rule, False, evidence,
                   f"no {what}{expect.speaker} phrase within {expect.after} {expect.speaker} "
                   f"turns of turn {t}")


def _sentiment(rule: Rule, ctx: _Context) -> Result:
    turns = ctx.turns
    scored = [i for i in turns.by_speaker[rule.speaker] if turns.scores[i] is not None]
    if not scored:
        return _result(rule, None, note=f"not applicable: no scored {rule.speaker} turns")
    for i in scored:
        if turns.scores[i] < rule.below and not (
                rule.ignore is not None and rule.ignore.search(turns.texts[i])):
            return _result(rule, False, [ctx.evidence(i)],
                           f"turn sentiment {turns.scores[i]:.2f} below {rule.below:g}")
    return _result(rule, True)


def _metric(rule: Rule, ctx: _Context) -> Result:
    value = ctx.metrics.get(rule.metric)
    if value is None:
        return _result(rule, None, note=f"not applicable: {rule.metric} unknown")
    value = float(value)
    ok = (rule.max is None or value <= rule.max) and (rule.min is None or value >= rule.min)
    bounds = " and ".join(f"{k} {v:g}" for k, v in (("min", rule.min), ("max", rule.max))
                          if v is not None)
    evidence = None
    if not ok and rule.metric == "silence_s":
        # Dead air: show the turn that ended the longest silence, with the gap.
        gap = longest_gap(ctx.turns, ctx.card.cues["hold"])
        evidence = [ctx.evidence(gap[0], gap_s=gap[1])] if gap else None
    return _result(rule, ok, evidence, note=f"{rule.metric} = {value:g} ({bounds})")


def _out_of_scope(rule: Rule, ctx: _Context) -> str | None:
    """Why the rule does not apply to this record (``channels`` / ``applies_to``), or None."""
    if rule.channels and ctx.channel not in rule.channels:
        return f"not applicable: channel {ctx.channel}"
    for name, values in rule.applies_to:
        value = ctx.field(name)
        if value not in values:
            return f"not applicable: {name} {value or 'unknown'}"
    return None


KIND_CHECKS = {"present": _phrase, "absent": _phrase, "conditional": _conditional,
               "sentiment": _sentiment, "metric": _metric}


def score_conversation(turns: Turns, metrics: Mapping[str, Any], card: Scorecard,
                       channel: str | None = None, record: Mapping[str, Any] | None = None
                       ) -> tuple[float | None, list[Result]]:
    """Score one conversation: ``(qa_score 0..100 or None, per-rule results)``.

    Args:
        turns: the prepared conversation (see :class:`~.metrics.Turns`).
        metrics: its conversation metrics, for ``metric`` rules.
        card: the scorecard.
        channel: the record's channel, for rules limited to some channels.
        record: the record's other fields (``queue``, ``kind``, ``product``, ``extra`` ...)
            for rules scoped with ``applies_to``; a field that is missing or null puts a
            rule scoped on it out of scope.

    Example:
        >>> from feedback_engine.conversation.scorecard import load_scorecard
        >>> card = load_scorecard()
        >>> t = Turns.from_dicts([{"speaker": "agent", "text": "Good morning, how can I help?"}])
        >>> score, results = score_conversation(t, {}, card)
        >>> results[0]["rule"], results[0]["passed"]
        ('greeting', True)
    """
    if channel is None and record is not None and isinstance(record.get("channel"), str):
        channel = record["channel"]
    ctx = _Context(turns, metrics, card, (channel or "").lower() or None, record)
    results = []
    applicable = passed = 0.0
    for rule in card.rules:
        out_of_scope = _out_of_scope(rule, ctx)
        if out_of_scope:
            result = _result(rule, None, note=out_of_scope)
        else:
            result = KIND_CHECKS[rule.kind](rule, ctx)
        if result["passed"] is not None:
            applicable += rule.weight
            passed += rule.weight if result["passed"] else 0.0
        results.append(result)
    return (100.0 * passed / applicable if applicable else None), results

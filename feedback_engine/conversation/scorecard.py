"""The QA scorecard as data: ``lexicons/qa_scorecard.yaml`` read, checked and compiled.

The file holds ``settings``, named ``cues`` (pattern sets the conversation metrics use:
escalation, transfer, hold, repeat contact, upset; and, optionally, ``intensity`` for the
upset test and ``account_access`` for the verification rule) and weighted ``rules``. A rule
may be scoped to some records with ``applies_to`` (record fields, :data:`SCOPE_FIELDS`).
Everything here is validated once at load time, so a typo in a QA lead's edit is an error
naming the file and the rule, never a silently skipped rule.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import error
from ..resources import lexicon_path, read_yaml

DEFAULT_SCORECARD = "qa_scorecard.yaml"
KINDS = ("present", "absent", "conditional", "sentiment", "metric")
SPEAKERS = ("agent", "customer")
# Cues the conversation metrics need; a scorecard may add more for its rules.
REQUIRED_CUES = ("upset", "escalation", "transfer", "hold", "repeat_contact")
RULE_KEYS = {"id", "name", "description", "weight", "kind", "speaker", "first", "last",
             "patterns", "should_match", "should_not_match", "trigger", "expect", "require",
             "below", "ignore", "metric", "max", "min", "channels", "applies_to"}
# Record fields a rule's ``applies_to`` may name (the warehouse's canonical columns a
# transcript carries), plus ``extra.NAME`` for a transcript header field or unmapped column
# (e.g. ``extra.contact_reason`` from a ``# contact_reason: refund`` header line).
SCOPE_FIELDS = ("channel", "queue", "kind", "product", "team", "language")


@dataclass(frozen=True)
class Patterns:
    """Regular expressions compiled into one alternation, with the examples they must pass."""

    sources: tuple[str, ...]
    regex: re.Pattern[str]
    should_match: tuple[str, ...] = ()
    should_not_match: tuple[str, ...] = ()

    def search(self, text: str) -> re.Match[str] | None:
        return self.regex.search(text)


@dataclass(frozen=True)
class Expect:
    """What a conditional rule expects near its trigger turn."""

    name: str
    speaker: str
    before: int
    after: int
    patterns: Patterns


@dataclass(frozen=True)
class Trigger:
    speakers: tuple[str, ...]
    upset: bool
    patterns: Patterns | None


@dataclass(frozen=True)
class Rule:
    """One scorecard rule (see the kinds in ``lexicons/qa_scorecard.yaml``)."""

    id: str
    name: str
    description: str
    weight: float
    kind: str
    speaker: str = "agent"
    first: int | None = None
    last: int | None = None
    patterns: Patterns | None = None
    trigger: Trigger | None = None
    expect: tuple[Expect, ...] = ()
    require: str = "all"
    below: float = -0.5
    ignore: Patterns | None = None
    metric: str | None = None
    max: float | None = None
    min: float | None = None
    channels: tuple[str, ...] = ()
    # field -> allowed values (lower-case); the rule is not applicable elsewhere.
    applies_to: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Scorecard:
    """A loaded scorecard: settings, cues by name, rules in file order."""

    id: str
    version: int
    upset_below: float
    evidence_chars: int
    cues: dict[str, Patterns]
    rules: tuple[Rule, ...]
    digest: str  # sha256 of the file, first 8 hex digits
    path: str = field(default="", compare=False)

    @property
    def label(self) -> str:
        """``id@digest``: which scorecard, and which edit of it, scored a conversation."""
        return f"{self.id}@{self.digest}"

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


def load_scorecard(path: str | Path | None = None) -> Scorecard:
    """Read, validate and compile a scorecard (the bundled one when ``path`` is None).

    Raises:
        ConfigError: naming the file and the rule or cue at fault.

    Example:
        >>> card = load_scorecard()
        >>> card.rule("empathy").kind
        'conditional'
    """
    file = lexicon_path(DEFAULT_SCORECARD, path)
    data = read_yaml(file)
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise error("FE263", file=file)
    where = str(file)
    settings = data.get("settings") or {}
    cues_raw = data.get("cues") or {}
    if not isinstance(cues_raw, dict):
        raise error("FE264", where=where)
    cues = {name: _patterns(body, f"{where}: cue '{name}'") for name, body in cues_raw.items()}
    missing = [c for c in REQUIRED_CUES if c not in cues]
    if missing:
        raise error("FE265", where=where, missing=", ".join(missing))
    rules: list[Rule] = []
    for index, body in enumerate(data["rules"]):
        rule = _rule(body, cues, f"{where}: rule {index + 1}")
        if any(r.id == rule.id for r in rules):
            raise error("FE266", where=where, id=rule.id)
        rules.append(rule)
    if not rules:
        raise error("FE267", where=where)
    return Scorecard(
        id=str(data.get("id", "custom")), version=int(data.get("version", 1)),
        upset_below=float(settings.get("upset_below", -0.4)),
        evidence_chars=int(settings.get("evidence_chars", 240)),
        cues=cues, rules=tuple(rules),
        digest=hashlib.sha256(file.read_bytes()).hexdigest()[:8], path=str(file))


def _patterns(body: Any, where: str) -> Patterns:
    if isinstance(body, list):
        body = {"patterns": body}
    if not isinstance(body, dict) or not body.get("patterns"):
        raise error("FE268", where=where)
    sources = tuple(str(p) for p in body["patterns"])
    for source in sources:
        try:
            re.compile(source)
        except re.error as exc:
            raise error("FE269", where=where, pattern=source, problem=exc) from None
    regex = re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE)
    return Patterns(sources, regex, tuple(body.get("should_match") or ()),
                    tuple(body.get("should_not_match") or ()))


def _one_of(value: Any, where: str, choices: Collection[str] = SPEAKERS,
            key: str = "speaker") -> str:
    if value not in choices:
        raise error("FE270", where=where, key=key, choices=", ".join(choices), value=value)
    return str(value)


def _count(value: Any, where: str, key: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise error("FE271", where=where, key=key, value=value)
    return value


def _cue_or_patterns(body: dict, cues: dict[str, Patterns], where: str) -> Patterns | None:
    if "cue" in body:
        if body["cue"] not in cues:
            raise error("FE272", where=where, cue=body["cue"], cues=", ".join(cues))
        return cues[body["cue"]]
    if "patterns" in body:
        return _patterns(body, where)
    return None


def _applies_to(value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``applies_to: {queue: [billing, tech]}`` checked and lower-cased, fields sorted."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        raise error("FE390", where=where, value=value)
    out = []
    for field_name, values in value.items():
        name = str(field_name)
        if name not in SCOPE_FIELDS and not (name.startswith("extra.") and len(name) > 6):
            raise error("FE391", where=where, field=name, fields=", ".join(SCOPE_FIELDS))
        if not isinstance(values, list) or not values or any(
                isinstance(v, dict | list) or v is None for v in values):
            raise error("FE392", where=where, field=name, value=values)
        out.append((name, tuple(str(v).lower() for v in values)))
    return tuple(sorted(out))


def _speakers(value: Any, where: str) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not values or any(v not in SPEAKERS for v in values):
        raise error("FE393", where=where, value=value)
    return tuple(dict.fromkeys(str(v) for v in values))


def _rule(body: Any, cues: dict[str, Patterns], where: str) -> Rule:
    if not isinstance(body, dict) or not body.get("id"):
        raise error("FE273", where=where)
    where = f"{where.rsplit(': ', 1)[0]}: rule '{body['id']}'"
    unknown = set(body) - RULE_KEYS
    if unknown:
        raise error("FE243", key=min(unknown), origin=where, keys=", ".join(sorted(RULE_KEYS)),
                    hint="")
    kind = _one_of(body.get("kind"), where, KINDS, "kind")
    weight = body.get("weight", 1)
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
        raise error("FE274", where=where, value=weight)
    common: dict[str, Any] = {
        "id": str(body["id"]), "name": str(body.get("name", body["id"])),
        "description": str(body.get("description", "")), "weight": float(weight),
        "kind": kind, "channels": tuple(str(c).lower() for c in body.get("channels") or ()),
        "applies_to": _applies_to(body.get("applies_to"), where),
    }
    if kind in ("present", "absent"):
        return Rule(**common, speaker=_one_of(body.get("speaker", "agent"), where),
                    first=_count(body.get("first"), where, "first"),
                    last=_count(body.get("last"), where, "last"),
                    patterns=_patterns(body, where))
    if kind == "sentiment":
        below = body.get("below", -0.5)
        if not isinstance(below, int | float) or not -1 <= below <= 1:
            raise error("FE275", where=where, value=below)
        ignore = _patterns({"patterns": body["ignore"],
                            "should_match": body.get("should_match"),
                            "should_not_match": body.get("should_not_match")},
                           f"{where} ignore") if body.get("ignore") else None
        return Rule(**common, speaker=_one_of(body.get("speaker", "agent"), where),
                    below=float(below), ignore=ignore)
    if kind == "metric":
        from .metrics import METRICS

        metric = _one_of(body.get("metric"), where, METRICS, "metric")
        if body.get("max") is None and body.get("min") is None:
            raise error("FE276", where=where)
        return Rule(**common, metric=metric,
                    max=None if body.get("max") is None else float(body["max"]),
                    min=None if body.get("min") is None else float(body["min"]))
    trigger_raw = body.get("trigger")
    if not isinstance(trigger_raw, dict):
        raise error("FE277", where=where, what="a 'trigger' mapping")
    trigger = Trigger(speakers=_speakers(trigger_raw.get("speaker", "customer"), where),
                      upset=bool(trigger_raw.get("upset", False)),
                      patterns=_cue_or_patterns(trigger_raw, cues, f"{where} trigger"))
    if not trigger.upset and trigger.patterns is None:
        raise error("FE278", where=where)
    expect_raw = body.get("expect")
    if not isinstance(expect_raw, list) or not expect_raw:
        raise error("FE277", where=where, what="a non-empty 'expect' list")
    expects = []
    for number, item in enumerate(expect_raw, 1):
        label = f"{where} expect {number}"
        patterns = _cue_or_patterns(item, cues, label) if isinstance(item, dict) else None
        if patterns is None:
            raise error("FE279", where=label)
        expects.append(Expect(
            name=str(item.get("name", common["id"])),
            speaker=_one_of(item.get("speaker", "agent"), label),
            before=_count(item.get("before", 0), label, "before") or 0,
            after=_count(item.get("after", 2), label, "after") or 0, patterns=patterns))
    require = _one_of(body.get("require", "all"), where, ("any", "all"), "require")
    return Rule(**common, trigger=trigger, expect=tuple(expects), require=require)


"""Column mapping: config first, then automatic detection of common export column names."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from ..errors import FeedbackEngineError, error
from .transcripts import TURNS_TEXT

# Common names per canonical column, most specific first. Compared after normalising case,
# spaces and punctuation ("Review Text" == "review_text").
ALIASES: dict[str, tuple[str, ...]] = {
    "record_id": ("record_id", "id", "ticket_id", "ticket", "case_id", "response_id",
                  "review_id", "chat_id", "call_id", "conversation_id", "interaction_id",
                  "contact_id", "message_id", "survey_id", "uid"),
    "text": ("text", "verbatim", "comment", "comments", "feedback", "review_text", "review",
             "body", "message", "summary", "call_summary", "transcript", "response", "answer",
             "open_text", "free_text", "description", "notes", "content", TURNS_TEXT),
    "timestamp": ("timestamp", "created_at", "created", "date", "datetime", "time",
                  "submitted_at", "received_at", "posted_at", "started_at", "start_time",
                  "call_date", "survey_date", "response_date", "date_time", "sent_at"),
    "channel": ("channel", "contact_channel", "source_channel", "medium"),
    "kind": ("kind", "record_type"),
    "agent_id": ("agent_id", "agent", "agent_name", "rep", "advisor", "handled_by",
                 "assignee", "owner"),
    "team": ("team", "team_name", "squad", "group"),
    "queue": ("queue", "queue_name", "skill", "skill_group"),
    "product": ("product", "product_name", "plan", "service"),
    "customer_id": ("customer_id", "customer", "client_id", "account_id", "account",
                    "caller_id"),
    "language": ("language", "lang", "locale"),
    "csat": ("csat", "csat_score", "satisfaction", "rating", "star_rating", "stars"),
    "nps": ("nps", "likelihood_to_recommend", "ltr", "nps_score", "recommend_score",
            "likelihood", "recommend", "score"),
    "ces": ("ces", "ces_score", "customer_effort", "effort", "effort_score"),
}
# Title-like columns joined in front of the detected text (reviews, emails).
TITLE_ALIASES = ("title", "subject", "headline", "review_title")
REQUIRED = ("text", "timestamp")

CHANNEL_HINTS = {"call": "call", "phone": "call", "voice": "call", "chat": "chat",
                 "email": "email", "mail": "email", "review": "review", "survey": "survey",
                 "nps": "survey", "csat": "survey", "social": "social", "tweet": "social"}
KIND_HINTS = {"summar": "summary", "survey": "survey_answer", "nps": "survey_answer",
              "review": "review", "transcript": "transcript", "email": "message",
              "mail": "message"}


def normalise_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def detect_mapping(columns: list[str], configured: Mapping[str, str | list[str]],
                   source: str, required: tuple[str, ...] = REQUIRED) -> dict[str, list[str]]:
    """Return ``{canonical: [raw column, ...]}`` for the columns of one source.

    Args:
        columns: the raw column names, as read.
        configured: explicit mapping from ``feedback.toml`` (wins over detection).
        source: the source name, for error messages.

    Raises:
        ColumnNotFoundError: a configured column is absent, or a required one can't be found.
    """
    by_norm: dict[str, str] = {}
    for column in columns:
        by_norm.setdefault(normalise_name(column), column)
    mapping: dict[str, list[str]] = {}
    for canonical, wanted in configured.items():
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        resolved = [by_norm.get(normalise_name(n)) for n in names]
        missing = [n for n, r in zip(names, resolved, strict=True) if r is None]
        if missing:
            raise _missing(canonical, missing[0], columns, source, configured=True)
        mapping[canonical] = [r for r in resolved if r]
    taken = {c for cols in mapping.values() for c in cols}
    if "text" not in mapping and TURNS_TEXT in columns:
        # A transcript's text is its joined turns (DESIGN.md), even when a header or field is
        # named like a text column ("# summary: ...", "subject"): those stay in extra.
        mapping["text"] = [TURNS_TEXT]
        taken.add(TURNS_TEXT)
    for canonical, aliases in ALIASES.items():
        if canonical in mapping:
            continue
        for alias in aliases:
            column = by_norm.get(normalise_name(alias))
            if column is not None and column not in taken:
                mapping[canonical] = [column]
                taken.add(column)
                break
    if ("text" in mapping and "text" not in configured and len(mapping["text"]) == 1
            and mapping["text"] != [TURNS_TEXT]):
        title = next((by_norm[a] for a in TITLE_ALIASES if a in by_norm), None)
        if title is not None and title not in taken:
            mapping["text"] = [title, *mapping["text"]]
    for canonical in required:
        if canonical not in mapping:
            raise _missing(canonical, canonical, columns, source)
    return mapping


def shown_names(columns: list[str]) -> dict[str, str]:
    """``{header: how a message shows it}``: PII redacted, control characters as ``?``.

    Header names can hold personal data (an email or a person's name as a column title); a
    name that redaction changes is shown by its position too (``#3 [EMAIL_ADDRESS]``).
    """
    from ..privacy import Redactor
    from ..stages.redact import scrub_label
    from .tabular import safe_name

    redactor = Redactor()
    shown: dict[str, str] = {}
    for index, column in enumerate(columns, start=1):
        clean = safe_name(column)
        redacted = scrub_label(redactor, clean)
        shown[column] = clean if redacted == clean else f"#{index} {redacted}"
    return shown


def _missing(canonical: str, wanted: str, columns: list[str], source: str,
             configured: bool = False) -> FeedbackEngineError:
    visible = [c for c in columns if not c.startswith("__")]
    shown = shown_names(visible)
    candidates = {normalise_name(c): c for c in visible}
    probes = [normalise_name(wanted), *ALIASES.get(canonical, ())]
    close: list[str] = []
    for probe in probes:
        for hit in difflib.get_close_matches(probe, list(candidates), n=2, cutoff=0.7):
            if candidates[hit] not in close:
                close.append(candidates[hit])
    hint = f"; closest: {', '.join(repr(shown[c]) for c in close[:3])}" if close else ""
    seen = ", ".join(shown[c] for c in visible) or "(none)"
    if configured:
        return error("FE108", wanted=wanted, canonical=canonical, source=source, seen=seen,
                     hint=hint)
    if canonical == "timestamp":
        return error("FE110", source=source, seen=seen, hint=hint)
    return error("FE109", canonical=canonical, source=source, seen=seen, hint=hint)


def guess_channel_kind(name: str, has_turns: bool) -> tuple[str, str]:
    """Guess a source's default channel and kind from its file name."""
    lowered = name.lower()
    channel = next((v for k, v in CHANNEL_HINTS.items() if k in lowered), "other")
    kind = "transcript" if has_turns else next(
        (v for k, v in KIND_HINTS.items() if k in lowered), "message")
    return channel, kind

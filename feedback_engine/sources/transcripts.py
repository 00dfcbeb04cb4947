"""Transcript sources: plain-text call transcripts and JSON conversations with a turns list.

Plain text (one conversation per file)::

    # call_id: CALL-000123          <- optional header lines, "# key: value"
    # timestamp: 2026-09-03T14:22:10Z
    [00:00:01] Agent: Thank you for calling, how can I help?
    [00:00:07] Customer: I've been charged twice.
    and this line continues the customer's turn.

A turn starts with a speaker alias and a colon, optionally after an ``[hh:mm:ss]`` or
``[mm:ss]`` time, or a start and end time ``[00:00:01 - 00:00:06]`` (``-->`` works too).
JSON files hold one conversation object or a list of them, each with a turns
list (``turns``, ``messages``, ``utterances``, ``dialogue`` or ``original``) whose items are
``{"speaker", "text", "start_s"?, "end_s"?}`` objects or ``[speaker, text]`` pairs.
A folder of transcript files is read as one source, one row per conversation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..records import ROW, SOURCE_REJECT, SPEAKERS
from .base import MAX_JSON_DEPTH, Source, json_value_problem

# Raw column holding the turns joined as "Speaker: text" lines, the default transcript text.
TURNS_TEXT = "__turns_text__"
FILE = "file"
TURN_KEYS = ("turns", "messages", "utterances", "dialogue", "original")
SPEAKER_KEYS = ("speaker", "role", "participant", "from", "author")
TEXT_KEYS = ("text", "utterance", "content", "message", "body")



def load_speakers(path: Path | None = None) -> dict[str, str]:
    """Read speaker aliases (``alias<TAB>speaker``) from the lexicon file."""
    from ..errors import error
    from ..resources import lexicon_path

    file = lexicon_path("speakers.tsv", path)
    aliases: dict[str, str] = {}
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or parts[1].strip() not in SPEAKERS:
            raise error("FE221", file=file, line=number, speakers=", ".join(SPEAKERS))
        aliases[parts[0].strip().lower()] = parts[1].strip()
    return aliases

_HEADER = re.compile(r"^#\s*([\w .-]+?)\s*:\s*(.*)$")
_CLOCK = r"\d{1,2}(?::\d{2}){1,2}(?:\.\d+)?"
# "[00:01:05]", or a start and end: "[00:01:05 - 00:01:09]", "[01:05 --> 01:09]".
_TIME = rf"\[(?P<time>{_CLOCK})(?:\s*(?:-->|->|-|–)\s*(?P<end>{_CLOCK}))?\]"


def _turn_pattern(speakers: dict[str, str]) -> re.Pattern[str]:
    names = "|".join(re.escape(a) for a in sorted(speakers, key=len, reverse=True))
    return re.compile(rf"^\s*(?:{_TIME}\s*)?(?P<speaker>{names})\s*:\s?(?P<text>.*)$",
                      re.IGNORECASE)


def _seconds(clock: str) -> float:
    total = 0.0
    for part in clock.split(":"):
        total = total * 60 + float(part)
    return total


# The label of every speaker that is no known alias. Labels are never stored as written:
# a JSON export may name its speakers by full name, email or phone number.
OTHER_SPEAKER = "other"


def normalize_speaker(name: Any, speakers: dict[str, str]) -> str:
    """Map a speaker alias (``Rep``, ``caller``, ``IVR``) to agent/customer/system/bot.

    The rule: the label, lower-cased and stripped, is looked up among the aliases (the
    lexicon's ``speakers.tsv`` plus ``[transcripts.speakers]``); failing that, its first word
    is (``Agent 2``, ``customer (Priya)``, ``rep-07``). Anything else, a person's name, an
    email, a phone number or an empty label, becomes ``other``: a label is never stored as
    it was written, since it may be personal data the redactor cannot see.
    """
    key = str(name or "").strip().lower()
    if key in speakers:
        return speakers[key]
    if key in SPEAKERS:
        return key
    first = re.split(r"[^\w]+|_|(?<=[a-z])(?=\d)", key, maxsplit=1)[0] if key else ""
    if first and first in speakers:
        return speakers[first]
    if first in SPEAKERS:
        return first
    return OTHER_SPEAKER


def normalize_turns(turns: Any, speakers: dict[str, str]) -> list[dict[str, Any]]:
    """Return turns as ``{speaker, text, start_s, end_s}`` dicts; raise ValueError if malformed."""
    if not isinstance(turns, list):
        raise ValueError("turns is not a list")
    out = []
    for index, turn in enumerate(turns):
        if isinstance(turn, list | tuple) and len(turn) >= 2:
            speaker, text, start, end = turn[0], turn[1], None, None
        elif isinstance(turn, dict):
            speaker = next((turn[k] for k in SPEAKER_KEYS if k in turn), None)
            text = next((turn[k] for k in TEXT_KEYS if k in turn), None)
            start = turn.get("start_s", turn.get("start"))
            end = turn.get("end_s", turn.get("end"))
        else:
            raise ValueError(f"turn {index} is neither an object nor a [speaker, text] pair")
        out.append({
            "speaker": normalize_speaker(speaker, speakers),
            "text": "" if text is None else str(text).strip(),
            "start_s": _number(start, index, "start"),
            "end_s": _number(end, index, "end"),
        })
    return out


def _number(value: Any, index: int, what: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and ":" in value:
        return _seconds(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"turn {index} has a {what} time that is not a number") from None


def turns_text(turns: list[dict[str, Any]]) -> str:
    """Join turns into ``Speaker: text`` lines, the record's ``text`` for transcripts."""
    return "\n".join(f"{t['speaker'].capitalize()}: {t['text']}" for t in turns if t["text"])


def parse_text_transcript(text: str, speakers: dict[str, str]) -> tuple[dict[str, str], list]:
    """Parse a plain-text transcript into ``(header fields, turns)``."""
    pattern = _turn_pattern(speakers)
    header: dict[str, str] = {}
    turns: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if not turns and (match := _HEADER.match(line)):
            header[match.group(1).strip()] = match.group(2).strip()
            continue
        match = pattern.match(line)
        if match:
            time, end = match.group("time"), match.group("end")
            turns.append({
                "speaker": normalize_speaker(match.group("speaker"), speakers),
                "text": match.group("text").strip(),
                "start_s": _seconds(time) if time else None,
                "end_s": _seconds(end) if end else None,
            })
        elif turns:
            turns[-1]["text"] = f"{turns[-1]['text']} {line.strip()}".strip()
    return header, turns


@dataclass
class TranscriptFolderSource(Source):
    """Transcript files (``.txt`` or ``.json``) of one folder, read as one table."""

    speakers: dict[str, str] = field(default_factory=dict)
    _columns: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, paths: list[Path], name: str, speakers: dict[str, str]):
        source = cls(name=name, paths=sorted(paths), format="transcript", speakers=speakers)
        keys: dict[str, None] = {}
        for row in source.rows(limit=50):
            keys.update(dict.fromkeys(k for k in row if k not in (ROW, SOURCE_REJECT)))
        keys.update(dict.fromkeys([FILE, "turns", TURNS_TEXT]))
        source._columns = list(keys)
        return source

    def columns(self) -> list[str]:
        return list(self._columns)

    def rows(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        number = 0
        for path in self.paths:
            for row in self._file_rows(path):
                number += 1
                row[ROW] = number
                yield row
                if limit is not None and number >= limit:
                    return

    def _file_rows(self, path: Path) -> Iterator[dict[str, Any]]:
        from .tabular import read_text  # tabular imports this module

        content, encoding = read_text(path)
        if encoding.warning and encoding.warning not in self.warnings:
            self.warnings.append(encoding.warning)  # files are read at open and again per run
        if path.suffix.lower() == ".json":
            yield from self._json_rows(path, content)
            return
        header, turns = parse_text_transcript(content, self.speakers)
        problem = "" if turns else (f"{path.name}: no speaker lines found (expected lines "
                                    "like 'Agent: …' or '[00:00:05] Customer: …')")
        yield {FILE: path.name, **header, "turns": turns, TURNS_TEXT: turns_text(turns),
               SOURCE_REJECT: problem}

    def _json_rows(self, path: Path, content: str) -> Iterator[dict[str, Any]]:
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            yield {FILE: path.name, SOURCE_REJECT: f"{path.name} is not valid JSON ({exc.msg})"}
            return
        except RecursionError:
            yield {FILE: path.name, SOURCE_REJECT: f"{path.name} is JSON nested deeper than "
                                                   f"{MAX_JSON_DEPTH} levels"}
            return
        items = data if isinstance(data, list) else [data]
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                yield {FILE: path.name, SOURCE_REJECT: f"{path.name}[{index}] is not an object"}
                continue
            problem = json_value_problem(item)
            if problem is not None:
                yield {FILE: f"{path.name}#{index}", SOURCE_REJECT: f"{path.name}[{index}] "
                                                                   f"{problem}"}
                continue
            key = next((k for k in TURN_KEYS if k in item), None)
            row: dict[str, Any] = {FILE: path.name if len(items) == 1 else
                                   f"{path.name}#{index}", SOURCE_REJECT: ""}
            for k, v in item.items():
                if k != key:
                    row[k] = json.dumps(v, ensure_ascii=False) if isinstance(
                        v, dict | list) else v
            try:
                turns = normalize_turns(item.get(key), self.speakers) if key else []
            except ValueError as exc:
                row[SOURCE_REJECT], turns = f"{path.name}: {exc}", []
            if not key:
                row[SOURCE_REJECT] = (f"{path.name}: no turns list (expected one of "
                                      f"{', '.join(TURN_KEYS)})")
            row["turns"], row[TURNS_TEXT] = turns, turns_text(turns)
            yield row

"""Messy rows: the blank, misdated, out-of-range, duplicated and broken rows of a real export."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from ._phrases import (
    EMOJI,
    NON_ENGLISH,
)

if TYPE_CHECKING:
    from .generator import Rec


TEXT_FIELD = {"surveys": "verbatim", "call_summaries": "summary", "emails": "body",
              "reviews": "review_text"}
TS_FIELD = {"surveys": "submitted_at", "call_summaries": "created_at", "emails": "received_at",
            "reviews": "posted_at", "chats": "started_at"}
_DATES = {"bad_date": 0.004, "missing_timestamp": 0.003}
MESSY = {  # kind -> share of the file's rows; an int is an absolute count
    "surveys": {"blank_text": 0.007, **_DATES, "out_of_range_score": 0.008, "non_english": 0.005},
    "call_summaries": {"blank_text": 0.007, **_DATES, "out_of_range_score": 0.005},
    "emails": {"html": 0.01, **_DATES, "non_english": 0.005, "oversize_text": 3,
               "malformed_json": 3},
    "reviews": {"emoji": 0.01, "non_english": 0.005, **_DATES},
    "chats": {"emoji": 0.01, "non_english": 0.005, **_DATES},
}
DUPLICATE_RATE = 0.007  # surveys.csv and emails.jsonl
BAD_DATES = ("31/02/2026", "yesterday", "N/A", "00/00/0000", "2026-13-45 25:61")
OUT_OF_RANGE = {"surveys": (("likelihood_to_recommend", 11), ("likelihood_to_recommend", -1),
                            ("csat", 0), ("csat", 6), ("ces", 9)),
                "call_summaries": (("csat", 0), ("csat", 6))}
LOG_EVENTS = ("[WAN] PPPoE session down, reason: LCP echo timeout",
              "[WAN] PPPoE up, IP 81.2.{a}.{b}", "[DSL] sync lost, SNR margin {a} dB",
              "[DSL] showtime, down {b}{a} kbps up {a}00 kbps", "[WLAN] 5GHz channel -> {a}",
              "[DHCP] lease renewed for 192.168.1.{b}", "[SYS] watchdog reset, uptime {b}s",
              "[DNS] query timeout for time.northwind.net")


def inject_messy(rng: random.Random, source: str, recs: list[Rec], counts: dict,
                 ids: dict) -> None:
    """Spoil disjoint, seeded subsets of rows, one subset per messy kind."""
    order = list(range(len(recs)))
    rng.shuffle(order)
    pos = 0
    for kind, rate in MESSY.get(source, {}).items():
        k = rate if isinstance(rate, int) else max(1, round(len(recs) * rate))
        for i in sorted(order[pos:pos + k]):
            _spoil(rng, source, kind, recs[i])
            counts[kind] = counts.get(kind, 0) + 1
            ids.setdefault(kind, []).append(recs[i].rid)
        pos += k


def _spoil(r: random.Random, source: str, kind: str, rec: Rec) -> None:
    row = rec.row
    if kind in _DATES:
        rec.valid = False
        missing = "" if source in ("surveys", "call_summaries") else None  # CSV has no null
        row[TS_FIELD[source]] = r.choice(BAD_DATES) if kind == "bad_date" else missing
    elif kind == "blank_text":
        row[TEXT_FIELD[source]] = r.choice(("", " ", "   ", "\n"))
    elif kind == "out_of_range_score":
        key, value = r.choice(OUT_OF_RANGE[source])
        row[key] = value
    elif kind in ("non_english", "emoji"):
        holder, key = row, TEXT_FIELD.get(source)
        if source == "chats":  # the customer's first message after the agent's greeting
            first_agent = next(i for i, t in enumerate(row["turns"]) if t["speaker"] == "agent")
            holder, key = row["turns"][first_agent + 1], "text"
        holder[key] = (r.choice(NON_ENGLISH) if kind == "non_english"
                       else f"{holder[key]} {r.choice(EMOJI[rec.sent])}")
    elif kind == "html":
        body = row["body"].replace("&", "&amp;").replace("'", "&#39;")
        paras = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in body.split("\n\n"))
        row["body"] = f'<div dir="ltr">{paras}<p>Sent from Mail &amp; Calendar</p></div>'
    elif kind == "oversize_text":
        lines, t = [], rec.ts - timedelta(days=3)
        while sum(map(len, lines)) < 26_000:  # a pasted router log, over 25,000 characters
            t += timedelta(seconds=r.randint(5, 900))
            event = r.choice(LOG_EVENTS).format(a=r.randint(1, 99), b=r.randint(100, 254))
            lines.append(f"{t:%Y-%m-%d %H:%M:%S} {event}")
        row["body"] += "\n\nHere's the log from my router in case it helps:\n" + "\n".join(lines)
    elif kind == "malformed_json":
        rec.valid = False
        row["__truncate__"] = r.uniform(0.3, 0.8)  # the writer cuts the JSON line there


def with_duplicates(items: list, recs: list[Rec], k: int, rng: random.Random,
                    ids: dict) -> list:
    """Insert exact copies of k rows a little after their originals (as re-exports do)."""
    out = list(items)
    candidates = [i for i, rec in enumerate(recs) if "__truncate__" not in rec.row]
    for i in sorted(rng.sample(candidates, min(k, len(candidates))), reverse=True):
        out.insert(min(len(out), i + rng.randint(1, 25)), items[i])
        ids.setdefault("duplicate_row", []).append(recs[i].rid)
    return out

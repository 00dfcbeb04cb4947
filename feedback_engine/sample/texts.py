"""Render planned records into the rows and transcripts of each corpus file."""

from __future__ import annotations

import json
import random
import re
from typing import TYPE_CHECKING

from ._phrases import (
    AGENT_BYE,
    AGENT_CLOSE,
    APP_UPDATE_LINES,
    BANKS,
    BOT_GREET,
    BOT_HANDOFF,
    BOT_INTENT,
    CALL_GREET,
    CAUSES,
    CHAT_GREET,
    CHECKING,
    CONFIRM,
    CONFIRM_YES,
    CUST_CLOSE,
    EMOTION,
    EMPATHY_LINES,
    ESCALATE_AGENT,
    ESCALATE_CUST,
    FIX,
    GENERIC_PROBES,
    GENERIC_SUBJECTS,
    GENERIC_TITLES,
    GREETINGS,
    HOLD,
    HOLD_BACK,
    IVR,
    NARRATIVE,
    NEUTRAL_ACK,
    OPENERS,
    PROBES,
    PROTECTED_WORDS,
    REACTION,
    REPEAT_CUE,
    REQUESTS,
    RESOLVED,
    REVIEW_PREFIX,
    SIGNOFFS,
    SLOT_CHOICES,
    SUMMARY_ESCALATED,
    SUMMARY_MOOD,
    SUMMARY_REPEAT,
    SUMMARY_TEMPLATES,
    SUMMARY_TRANSFER,
    TRANSFER,
    UNRESOLVED,
    VERIFY,
)
from ._phrases_intl import LOCALE

if TYPE_CHECKING:
    from .generator import Rec


SLOT_RE = re.compile(r"\{(\w+)\}")
FRESH_SLOTS = frozenset({"weekday", "date", "eta", "nth", "queue2"})  # re-drawn on every use
# Grievances that get mixed into another complaint ("...and I was on hold for 40 minutes").
SECONDARY = ("wait_time.long_hold", "agent_behaviour.unhelpful", "agent_behaviour.rude",
             "pricing.price_increase")


def _clamp(x: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, round(x)))


class Texts:
    """Slot filling and customer-text composition on one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def fill(self, template: str, ctx: dict) -> str:
        return SLOT_RE.sub(lambda m: str(self._slot(m.group(1), ctx)), template)

    def pick(self, bank: list[str], ctx: dict) -> str:
        return self.fill(self.r.choice(bank), ctx)

    def _slot(self, name: str, ctx: dict) -> str:
        # Cache per record so "{amount}" in the complaint matches the refund in the summary.
        if name in ctx and name not in FRESH_SLOTS:
            return ctx[name]
        r = self.r
        if name in SLOT_CHOICES:
            value = r.choice(SLOT_CHOICES[name])
        elif name in ("old_price", "new_price", "pct"):
            old, pct = r.randint(22, 75), r.choice((5, 6, 7, 8, 9, 11, 14))
            new = f"£{old * (100 + pct) / 100:.2f}"
            ctx.update(old_price=f"£{old}", new_price=new, pct=str(pct))
            return ctx[name]
        else:
            value = {
                "amount": lambda: f"£{r.randint(12, 140)}."
                                  + r.choice(("00", "49", "99", f"{r.randrange(100):02d}")),
                "fee": lambda: f"£{r.randint(60, 320)}",
                "fee_small": lambda: "£" + r.choice(("4.99", "7.50", "9.99", "12.00", "15.00",
                                                     "25.00")),
                "days": lambda: str(r.randint(3, 21)), "hours": lambda: str(r.randint(6, 72)),
                "mins": lambda: str(r.choice((25, 30, 35, 40, 45, 50, 55, 70, 90))),
                "speed": lambda: str(r.randint(1, 15)), "queue_pos": lambda: str(r.randint(14, 60)),
                "order": lambda: f"NW-{r.randint(1_000_000, 9_999_999)}",
                "ref": lambda: f"CAS-{r.randint(100_000, 999_999)}",
                "years": lambda: str(r.randint(2, 15)),
                "years_ago": lambda: str(int(ctx["year"]) - r.randint(2, 15)),
            }[name]()
        ctx[name] = value
        return value

    def typo(self, text: str) -> str:
        """One realistic slip (swap / drop / double a letter), never in signal keywords."""
        words = text.split(" ")
        ok = [i for i, w in enumerate(words) if w.isalpha() and w.islower() and len(w) > 3
              and w not in PROTECTED_WORDS]
        if not ok:
            return text
        i = self.r.choice(ok)
        w, j = words[i], self.r.randrange(1, len(words[i]) - 1)
        swapped, dropped, doubled = w[:j] + w[j + 1] + w[j] + w[j + 2:], w[:j] + w[j + 1:], \
            w[:j] + w[j] + w[j:]
        words[i] = self.r.choice((swapped, dropped, doubled))
        return " ".join(words)

    def customer_parts(self, rec: Rec, style: str, min_size: int = 0) -> list[str]:
        """Sentences a customer writes about rec.cause: 5-120 words, mixed causes, typos."""
        r, ctx, sent, bank = self.r, rec.ctx, rec.sent, BANKS[rec.cause]
        # short / medium / long / rambling: free text runs from ~5 to 120 words
        size = max(min_size, r.choices((0, 1, 2, 3), (0.3, 0.4, 0.2, 0.1))[0])
        parts = [self.pick(bank["cust"], ctx)]
        if rec.app_update:
            parts.insert(r.randrange(2), self.pick(APP_UPDATE_LINES, ctx))
        details = list(bank["detail"])
        r.shuffle(details)
        parts += [self.fill(d, ctx) for d in details[: size + r.randint(0, size)]]
        story = list(NARRATIVE[sent])
        r.shuffle(story)
        for line in story[: max(0, size - 1) * r.randint(1, 2)]:
            parts.insert(r.randint(1, len(parts)), self.fill(line, ctx))
        if size and sent == "neg" and r.random() < 0.25:  # a second grievance mixed in
            other = r.choice([c for c in SECONDARY if c != rec.cause])
            parts.insert(r.randint(1, len(parts)), self.pick(BANKS[other]["cust"], ctx))
        if style in ("survey", "review") and sent == "neg" and r.random() < 0.6:
            parts.append(self.pick(RESOLVED if rec.resolved else UNRESOLVED, ctx))
        if size and r.random() < 0.5 and not (sent == "neg" and rec.resolved):
            parts.append(self.pick(EMOTION[sent], ctx))
        if r.random() < 0.25 * size:
            opener = r.choice(OPENERS[sent])
            first = parts[0]
            if opener.endswith(",") and not re.match(r"I\b|I'|[A-Z][a-z]+ (was|went)", first):
                first = first[0].lower() + first[1:]
            parts[0] = f"{opener} {first}"
        while len(" ".join(parts).split()) > 120 and len(parts) > 1:
            parts.pop()
        if len(" ".join(parts).split()) < 5:
            parts.append(self.pick(EMOTION[sent], ctx))
        if r.random() < 0.08:  # the occasional slip of the finger
            i = r.randrange(len(parts))
            parts[i] = self.typo(parts[i])
        return parts

    def customer_text(self, rec: Rec, style: str, min_size: int = 0) -> str:
        parts = self.customer_parts(rec, style, min_size)
        # Occasional line break, as people press enter in free-text boxes.
        sep = "\n" if style == "survey" and len(parts) > 2 and self.r.random() < 0.06 else " "
        return sep.join(parts)


class Renderer(Texts):
    """Turns planned records into the rows / transcripts of each file."""

    def scores(self, rec: Rec, spread: float = 1.0) -> tuple[int, int, int]:
        g, s = self.r.gauss, rec.sat
        return (_clamp(10 * s + g(0, 0.7 * spread), 0, 10),
                _clamp(1 + 4 * s + g(0, 0.35 * spread), 1, 5),
                _clamp(1 + 6 * s + g(0, 0.6 * spread), 1, 7))

    def blank(self, value: int, p: float) -> int | None:
        return None if self.r.random() < p else value

    def surveys(self, rec: Rec) -> dict:
        ltr, csat, ces = self.scores(rec)
        return {"response_id": rec.rid, "submitted_at": rec.ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "channel": rec.channel, "likelihood_to_recommend": self.blank(ltr, 0.04),
                "csat": self.blank(csat, 0.06), "ces": self.blank(ces, 0.12),
                "verbatim": self.customer_text(rec, "survey"), "agent": rec.agent,
                "team": rec.team, "queue": rec.queue, "product": rec.product,
                "customer_id": rec.customer}

    def call_summaries(self, rec: Rec) -> dict:
        r, ctx, bank = self.r, rec.ctx, BANKS[rec.cause]
        issue, action = self.pick(bank["issue"], ctx), self.pick(bank["action"], ctx)
        parts = [self.fill(r.choice(SUMMARY_TEMPLATES).format(
            issue=issue, action=action, issue_cap=issue[0].upper() + issue[1:],
            action_cap=action[0].upper() + action[1:]), ctx)]
        extras = ((rec.repeat, SUMMARY_REPEAT), (rec.escalated, SUMMARY_ESCALATED),
                  (rec.transferred, SUMMARY_TRANSFER), (True, SUMMARY_MOOD[self.mood(rec)]))
        parts += [self.pick(lines, ctx) for flag, lines in extras if flag]
        text = " ".join(p for p in parts if p)
        if r.random() < 0.15:  # hurried agent notes
            text = text.lower().replace("customer", "cust")
        return {"ticket_id": rec.rid, "created_at": rec.ts.strftime("%Y-%m-%d %H:%M:%S"),
                "agent": rec.agent, "team": rec.team, "queue": rec.queue, "product": rec.product,
                "summary": text, "csat": self.blank(self.scores(rec)[1], 0.45)}

    def emails(self, rec: Rec) -> dict:
        r, ctx, bank = self.r, rec.ctx, BANKS[rec.cause]
        subject = self.pick(bank["subject"] if r.random() < 0.75 else GENERIC_SUBJECTS, ctx)
        body = [r.choice(GREETINGS), self.customer_text(rec, "email", min_size=1),
                self.pick(REQUESTS[rec.sent], ctx) if r.random() < 0.6 else "",
                self.pick(SIGNOFFS, ctx)]
        return {"id": rec.rid, "received_at": rec.ts.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "subject": subject, "body": "\n\n".join(b for b in body if b),
                "customer_id": rec.customer, "queue": rec.queue, "product": rec.product,
                "team": rec.team, "agent": rec.agent}

    def reviews(self, rec: Rec) -> dict:
        r, ctx = self.r, rec.ctx
        titles = BANKS[rec.cause].get("title") if r.random() < 0.6 else None
        text = self.customer_text(rec, "review")
        if r.random() < 0.2:
            text = f"{self.pick(REVIEW_PREFIX, ctx)} {text}".strip()
        rating = _clamp(1 + 4 * rec.sat + r.gauss(0, 0.4), 1, 5)
        return {"review_id": rec.rid, "posted_at": rec.ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "rating": self.blank(rating, 0.01),
                "title": self.pick(titles or GENERIC_TITLES[rec.sent], ctx),
                "review_text": text, "product": rec.product, "channel": "review",
                "locale": LOCALE["en"]}

    def mood(self, rec: Rec) -> str:
        return "pos" if rec.sat > 0.7 else "neu" if rec.sat > 0.45 else "neg"

    def conversation(self, rec: Rec, max_turns: int, voice: bool) -> list[tuple]:
        """Turns as (speaker, text, kind); kind marks turns the timing code treats specially."""
        r, ctx, bank = self.r, rec.ctx, BANKS[rec.cause]
        head: list[tuple[str, str, str]] = []
        if voice and r.random() < 0.25:
            head += [("IVR", IVR[0], ""), ("IVR", IVR[2], "queue")]
        elif not voice and r.random() < 0.7:
            intent = self.pick(bank["subject"], ctx) if r.random() < 0.6 else r.choice(BOT_INTENT)
            head += [("bot", BOT_GREET[r.randrange(3)], ""), ("customer", intent, ""),
                     ("bot", self.pick(BOT_HANDOFF, ctx), "queue")]
        head.append(("agent", self.pick(CALL_GREET if voice else CHAT_GREET, ctx), ""))
        parts = self.customer_parts(rec, "call" if voice else "chat")
        cuts = sorted(r.sample(range(1, len(parts)), min(len(parts) - 1, r.randint(0, 2))))
        for a, b in zip([0, *cuts], [*cuts, len(parts)], strict=True):
            head.append(("customer", " ".join(parts[a:b]), ""))
        if rec.repeat:
            head.append(("customer", r.choice(REPEAT_CUE), ""))
        question, answers = r.choice(VERIFY)
        ack = r.choice(EMPATHY_LINES if rec.empathy else NEUTRAL_ACK)
        head += [("agent", f"{ack} {question}", ""), ("customer", self.pick(answers, ctx), "")]
        if r.random() < (0.5 if voice else 0.3):
            issue = self.pick(bank["issue"], ctx)
            head += [("agent", self.fill(r.choice(CONFIRM), {**ctx, "issue": issue}), ""),
                     ("customer", r.choice(CONFIRM_YES), "")]
        tail = [("agent", r.choice(CHECKING), "check")]
        if rec.escalated:
            tail += [("customer", r.choice(ESCALATE_CUST), ""),
                     ("agent", r.choice(ESCALATE_AGENT), "")]
        if rec.transferred:
            tail.append(("agent", self.pick(TRANSFER, ctx), ""))
        tail += [("agent", self.pick(FIX[CAUSES[rec.cause][0]], ctx), ""),
                 ("customer", r.choice(REACTION[self.mood(rec)]), ""),
                 ("agent", r.choice(AGENT_CLOSE), "")]
        if r.random() < 0.8:
            tail.append(("customer", r.choice(CUST_CLOSE), ""))
            if r.random() < 0.5:
                tail.append(("agent", r.choice(AGENT_BYE), ""))
        # Topic questions in the middle, with any holds slotted in between them.
        pool = PROBES.get(rec.cause) or PROBES[CAUSES[rec.cause][0]]
        pool = pool + (GENERIC_PROBES if rec.sent == "neg" else [])
        holds = r.choices((0, 1, 2), (0.5, 0.35, 0.15))[0] if voice else 0
        room = (max_turns - len(head) - len(tail)) // 2 - holds
        wanted = r.randint(1, 4) if voice else r.randint(0, 2)
        probes = r.sample(pool, max(0, min(room, len(pool), wanted)))
        middle = [[("agent", q, ""), ("customer", self.pick(answers, ctx), "")]
                  for q, answers in probes]
        for _ in range(holds):
            middle.insert(r.randint(0, len(middle)), [("agent", r.choice(HOLD), "hold"),
                                                      ("agent", r.choice(HOLD_BACK), "")])
        return head + [t for pair in middle for t in pair] + tail

    def chats(self, rec: Rec) -> dict:
        r, t, turns = self.r, 0.0, []
        for speaker, text, kind in self.conversation(rec, 20, voice=False):
            # Typing time: customers type slower than agents; the bot answers at once.
            speed = r.uniform(3, 6) if speaker == "customer" else r.uniform(9, 15)
            dur = 0.4 if speaker == "bot" else len(text) / speed
            turns.append({"speaker": speaker, "text": text, "start_s": round(t, 1),
                          "end_s": round(t + dur, 1)})
            if kind == "queue":  # waiting for an agent after the bot hands over
                gap = r.uniform(20, 600)
            elif kind == "check" and r.random() < 0.3:  # agent goes quiet while investigating
                gap = r.uniform(120, 540)
            else:
                gap = r.uniform(2, 25)
            t += dur + gap
        started = rec.ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{r.randrange(1000):03d}Z"
        return {"chat_id": rec.rid, "started_at": started, "agent": rec.agent, "team": rec.team,
                "queue": rec.queue, "product": rec.product, "customer_id": rec.customer,
                "csat": self.blank(self.scores(rec)[1], 0.35), "turns": turns}

    def calls(self, rec: Rec) -> dict:
        r, lines = self.r, []
        t = float(r.randint(1, 3))
        for speaker, text, kind in self.conversation(rec, 40, voice=True):
            lines.append((int(t), speaker.capitalize() if speaker != "IVR" else "IVR", text))
            t += 0.35 * len(text.split()) + r.uniform(0.5, 2.5)
            if kind == "hold":
                hold = r.uniform(*rec.hold_range)
                rec.holds.append(round(hold, 1))
                t += hold
            elif kind == "queue":
                t += r.uniform(20, 240)
        header = {"call_id": rec.rid, "timestamp": rec.ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "agent": rec.agent, "team": rec.team, "queue": rec.queue,
                  "product": rec.product, "customer_id": rec.customer,
                  "csat": self.blank(self.scores(rec)[1], 0.5)}
        return {"header": header, "lines": lines}


# ---------------------------------------------------------------- reading back
def json_line(rec: Rec) -> str:
    """The record as one JSON line, cut short where a malformed_json row asks for it."""
    row = dict(rec.row)
    cut = row.pop("__truncate__", None)
    line = json.dumps(row, ensure_ascii=False)
    return line[: int(len(line) * cut)] if cut else line


# ---------------------------------------------------------------- reading rows back
def has_phrase(text: str, phrases) -> bool:
    """Case-insensitive: does text contain any of the phrases?"""
    low = text.lower()
    return any(p.lower() in low for p in phrases)


def said(rec: Rec, speaker: str) -> str:
    """What one party said in a chat or call; every text field for the other sources."""
    row = rec.row
    if "turns" in row:
        return " ".join(t["text"] for t in row["turns"] if t["speaker"] == speaker)
    if "lines" in row:
        return " ".join(text for _, who, text in row["lines"] if who.lower() == speaker)
    keys = ("verbatim", "summary", "subject", "body", "title", "review_text")
    return " ".join(str(row.get(k) or "") for k in keys)


def row_csat(rec: Rec) -> int | None:
    """The record's CSAT if it has a valid one (1-5), else None."""
    v = rec.row["header"]["csat"] if "header" in rec.row else rec.row.get("csat")
    return v if isinstance(v, int) and 1 <= v <= 5 else None


def call_text(row: dict) -> str:
    """A call transcript file: ``# key: value`` headers, then ``[hh:mm:ss] Speaker: text``."""
    head = [f"# {k}: {'' if v is None else v}".rstrip() for k, v in row["header"].items()]
    turns = [f"[{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}] {who}: {text}"
             for s, who, text in row["lines"]]
    return "\n".join(head + turns) + "\n"

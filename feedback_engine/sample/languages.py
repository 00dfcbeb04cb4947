"""The Chinese, Russian and German slices of the sample corpus, with their planted signals.

After the English rows of a source are rendered and its messy rows injected, :func:`localise`
turns a seeded share of the source's clean rows into another language: the record keeps its
time, id, customer, agent and team, and gets a cause drawn from that language's own weights
(``_phrases_intl.WEIGHTS``, with the planted signals applied), a satisfaction that fits the
cause, and a row rendered from the language's phrase banks. Every draw comes from one RNG per
source (``f"{seed}:{source}:lang"``) and the English rows are never re-rendered, so the
English records that stay English are byte-identical to a corpus without the slices.

Surveys, reviews and emails carry the slices (chats and calls stay English). Reviews declare
their language in a ``locale`` column, as app-store exports do; surveys and emails declare
none, so the engine must detect it.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from . import _phrases as P
from . import _phrases_intl as L
from .texts import has_phrase, said

if TYPE_CHECKING:
    from .generator import Calendar, Rec

# source -> language -> share of the source's rows. Surveys are 35%, reviews 12% and emails
# 10% of the corpus, so these give about 3% Chinese, 2% Russian and 2% German records overall.
SHARES = {"surveys": {"zh": 0.05, "ru": 0.045, "de": 0.04},
          "reviews": {"zh": 0.07, "ru": 0.04, "de": 0.05},
          "emails": {"zh": 0.04, "ru": 0.05, "de": 0.05}}
ZH_CAUSE, RU_CAUSE, DE_CAUSE = "delivery.late", "wait_time.long_hold", "billing.double_charge"
# The Russian long-hold weight by ``Calendar.ramp`` step: flat, then rising over the last
# four weeks with a jump in the last one (so it is rising *and* emerging in the final week).
RU_RAMP = (1.0, 1.4, 2.0, 3.0, 30.0)
LAST_WEEK_BOOST = 14.0  # zh late deliveries and de double charges in the final week
SHORT_REVIEW_RATE = 0.12  # foreign reviews of one or two words: only the locale says which


def weights(cal: Calendar, lang: str, week: int,
            tilt: dict[str, float] | None = None) -> tuple[list[str], list[float]]:
    """The causes of one language's slice in one week, and their weights; ``tilt`` scales
    them by the cause's sentiment (the source's skew, ``generator.TILT``)."""
    last = week == len(cal.starts) - 1
    causes, ws = [], []
    for cause, by_lang in L.WEIGHTS.items():
        w = by_lang[lang] * (tilt or {}).get(P.CAUSES[cause][2], 1.0)
        if (lang, cause) in (("zh", ZH_CAUSE), ("de", DE_CAUSE)) and last:
            w *= LAST_WEEK_BOOST
        if (lang, cause) == ("ru", RU_CAUSE):
            w *= RU_RAMP[min(cal.ramp(week), len(RU_RAMP) - 1)]
        causes.append(cause)
        ws.append(w)
    return causes, ws


def _satisfaction(r: random.Random, sent: str, resolved: bool) -> float:
    """Latent 0..1 satisfaction of a cause's sentiment (the English generator's ranges)."""
    if sent == "pos":
        return r.uniform(0.85, 1.0)
    if sent == "neu":
        return r.uniform(0.5, 0.95)
    return r.uniform(0.45, 0.9) if resolved else r.uniform(0.0, 0.5)


def localise(cal: Calendar, source: str, recs: list[Rec], rng: random.Random,
             spoiled: set[str], tilt: dict[str, float] | None = None) -> None:
    """Turn a seeded share of ``recs`` (clean rows only) into Chinese, Russian or German rows,
    in place. One draw per record, so which rows change does not depend on the others;
    ``tilt`` is the source's skew by sentiment (surveys are mostly happy customers)."""
    shares = SHARES.get(source)
    if not shares:
        return
    tables = {lang: [weights(cal, lang, w, tilt) for w in range(len(cal.starts))]
              for lang in shares}
    ren = IntlRenderer(rng)
    for rec in recs:
        u, acc, lang = rng.random(), 0.0, ""
        for code, share in shares.items():
            acc += share
            if u < acc:
                lang = code
                break
        if not lang or rec.rid in spoiled:
            continue
        causes, ws = tables[lang][rec.week]
        rec.lang = lang
        rec.cause = rng.choices(causes, ws)[0]
        _, _, sent, _, queues, products = P.CAUSES[rec.cause]
        rec.queue = rng.choices(list(queues), list(queues.values()))[0]
        rec.product = rng.choices(list(products), list(products.values()))[0]
        rec.resolved = sent != "neg" or rng.random() < 0.45
        rec.repeat = rec.app_update = rec.escalated = rec.transferred = rec.empathy = False
        rec.sat = _satisfaction(rng, sent, rec.resolved)
        rec.row = getattr(ren, source)(rec)


class IntlRenderer:
    """Rows of the three file kinds that carry the slices, in the record's language."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def text(self, rec: Rec, min_parts: int = 1) -> str:
        r, lang, sent = self.r, rec.lang, rec.sent
        bank = L.BANKS[lang][rec.cause]
        parts = [r.choice(bank["cust"])]
        details = list(bank["detail"])
        r.shuffle(details)
        parts += details[: r.choices((0, 1, 2), (0.4, 0.4, 0.2))[0]]
        # A complaint that was sorted out says so (its scores are middling, not low) and
        # does not end in anger, as in the English banks.
        settled = sent == "neg" and rec.resolved
        if settled or (sent == "neg" and r.random() < 0.5):
            parts.append(r.choice((L.RESOLVED if rec.resolved else L.UNRESOLVED)[lang]))
        if not settled and (len(parts) < min_parts + 1 or r.random() < 0.4):
            parts.append(r.choice(L.EMOTION[lang][sent]))
        name = rec.ctx.get("agent_name", "")
        amount = "£" + str(r.randint(12, 140))
        text = ("" if lang == "zh" else " ").join(parts)
        return text.replace("{agent_name}", name).replace("{amount}", amount)

    def scores(self, rec: Rec) -> tuple[int, int, int]:
        g, s = self.r.gauss, rec.sat
        return (_clamp(10 * s + g(0, 0.7), 0, 10), _clamp(1 + 4 * s + g(0, 0.35), 1, 5),
                _clamp(1 + 6 * s + g(0, 0.6), 1, 7))

    def surveys(self, rec: Rec) -> dict[str, Any]:
        ltr, csat, ces = self.scores(rec)
        row = dict(rec.row)
        row.update({"likelihood_to_recommend": ltr, "csat": csat,
                    "ces": None if self.r.random() < 0.12 else ces, "verbatim": self.text(rec),
                    "queue": rec.queue, "product": rec.product})
        return row

    def reviews(self, rec: Rec) -> dict[str, Any]:
        r, lang = self.r, rec.lang
        if r.random() < SHORT_REVIEW_RATE:
            text = r.choice(L.SHORT_REVIEWS[lang][rec.sent])
        else:
            text = self.text(rec)
        row = dict(rec.row)
        row.update({"rating": _clamp(1 + 4 * rec.sat + r.gauss(0, 0.4), 1, 5),
                    "title": r.choice(L.BANKS[lang][rec.cause]["title"]), "review_text": text,
                    "product": rec.product, "locale": L.LOCALE[lang]})
        return row

    def emails(self, rec: Rec) -> dict[str, Any]:
        r, lang = self.r, rec.lang
        subject = (L.SUBJECTS if rec.sent == "neg" else L.SUBJECTS_OTHER)[lang].format(
            title=r.choice(L.BANKS[lang][rec.cause]["title"]))
        name = L.CUSTOMER_NAMES[lang][int(rec.customer[3:]) % len(L.CUSTOMER_NAMES[lang])]
        body = [r.choice(L.GREETINGS[lang]), self.text(rec, min_parts=2),
                r.choice(L.REQUESTS[lang][rec.sent]) if r.random() < 0.6 else "",
                r.choice(L.SIGNOFFS[lang]).format(name=name)]
        row = dict(rec.row)
        row.update({"subject": subject, "body": "\n\n".join(b for b in body if b),
                    "queue": rec.queue, "product": rec.product})
        return row


def _clamp(x: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, round(x)))


def _share(items: list, pred) -> float | None:
    return round(sum(1 for x in items if pred(x)) / len(items), 4) if items else None


def measure(cal: Calendar, recs: dict[str, list[Rec]], n_records: int) -> dict[str, Any]:
    """Per language: records by source, share of the corpus; and each planted signal's
    cause and keyword shares by week, measured on the rendered rows (valid dates only)."""
    every = [x for src in recs.values() for x in src]
    langs: dict[str, Any] = {}
    for lang in ("en", *L.LANGUAGES):
        mine = [x for x in every if x.lang == lang]
        by_source = {s: sum(1 for x in recs[s] if x.lang == lang) for s in recs}
        langs[lang] = {"records": len(mine), "share": round(len(mine) / max(n_records, 1), 4),
                       "by_source": {s: n for s, n in by_source.items() if n},
                       "declared_in": ["reviews.parquet (locale)"] if by_source.get("reviews")
                       else []}
    wl, last = cal.labels, len(cal.labels) - 1
    signals = []
    for sid, lang, cause, weeks in (
            ("zh_delivery_delay_spike", "zh", ZH_CAUSE, wl[last:]),
            ("ru_wait_time_rising", "ru", RU_CAUSE, wl[cal.ramp_start:]),
            ("de_double_charge_spike", "de", DE_CAUSE, wl[last:])):
        pool = [x for x in every if x.lang == lang and x.valid]
        words = L.SIGNAL_KEYWORDS[sid]

        def cites(x: Rec, words: list[str] = words) -> bool:
            return has_phrase(said(x, "customer"), words)

        def planted(x: Rec, cause: str = cause) -> bool:
            return x.cause == cause

        by_week = {w: [x for x in pool if x.week == i] for i, w in enumerate(wl)}
        before = [x for x in pool if x.week < cal.ramp_start]
        signals.append({
            "id": sid, "language": lang, "cause": cause, "weeks": weeks,
            "expected": {
                "records_by_week": {w: len(g) for w, g in by_week.items()},
                "cause_share_by_week": {w: _share(g, planted)
                                        for w, g in by_week.items()},
                "keyword_share_by_week": {w: _share(g, cites) for w, g in by_week.items()},
                "cause_count_last_week": sum(map(planted, by_week[wl[last]])),
                "cause_share_last_week": _share(by_week[wl[last]], planted),
                "cause_share_before": _share(before, planted),
            },
            "description": L.SIGNAL_TEXT[sid], "keywords": words})
    return {"languages": langs, "signals": signals}

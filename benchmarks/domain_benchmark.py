"""Domain packs on data of their domain that nobody here wrote: Banking77 and clothing reviews.

Usage (figures and the machine in docs/rootcause.md, "Domain packs"):

    python benchmarks/domain_benchmark.py banking77 ../shared/datasets/banking77
    python benchmarks/domain_benchmark.py feed ../shared/datasets/banking77 --work /tmp/feed
    python benchmarks/domain_benchmark.py retail \
        ../shared/datasets/womens_ecommerce_reviews/reviews_public.csv --work /tmp/retail

``banking77`` classifies ``test_public.csv`` with each domain's taxonomy (rules, then the
semantic layer; nothing trained) and scores it against :data:`BANKING77_CAUSES`, a
hand-made table of the causes that answer each intent (``unknown`` counts as wrong).
The pack was written before this table and tuned on the first 2,000 rows of a seeded
shuffle of ``train.csv`` only (``--tune`` scores those instead).

``feed`` builds an 8-week feed from the other rows of ``train.csv``: dates spread over the
weeks, CSAT scores drawn from each intent's complaint level, and in the planted week three
times the usual share of ``--planted`` messages with low scores. It runs ``feedback
analyze`` and ``feedback report`` with ``[taxonomy] domain = "banking"`` and prints the share
of ``unknown`` causes, the accuracy against the table, and the planted week's drivers.

``retail`` analyzes the reviews (stars as CSAT) with the retail pack and with the core, and
prints the causes and aspects found, any telecom vocabulary among them, and the aspects
ranked by mean polarity.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The causes of the banking pack (core + lexicons/domains/banking) that answer each Banking77
# intent; a question with no complaint may also be how_to.question where the intent is one.
_HOW = "how_to.question"
BANKING77_CAUSES: dict[str, set[str]] = {
    "Refund_not_showing_up": {"billing.refund_not_received"},
    "activate_my_card": {"card.activation_pin"},
    "age_limit": {_HOW},
    "apple_pay_or_google_pay": {"card.declined", "top_up.problem", _HOW},
    "atm_support": {"cash.atm_problem", _HOW},
    "automatic_top_up": {"top_up.problem", _HOW},
    "balance_not_updated_after_bank_transfer": {"transfer.not_received"},
    "balance_not_updated_after_cheque_or_cash_deposit": {"top_up.problem",
                                                         "transfer.not_received"},
    "beneficiary_not_allowed": {"transfer.failed"},
    "cancel_transfer": {"transfer.wrong_or_cancel"},
    "card_about_to_expire": {"card.request", _HOW},
    "card_acceptance": {"card.declined", _HOW},
    "card_arrival": {"card.not_arrived"},
    "card_delivery_estimate": {"card.not_arrived"},
    "card_linking": {"card.request", _HOW},
    "card_not_working": {"card.declined"},
    "card_payment_fee_charged": {"fees.transaction_fee"},
    "card_payment_not_recognised": {"fraud_security.fraud"},
    "card_payment_wrong_exchange_rate": {"fx.exchange_rate"},
    "card_swallowed": {"cash.atm_problem"},
    "cash_withdrawal_charge": {"fees.transaction_fee"},
    "cash_withdrawal_not_recognised": {"fraud_security.fraud"},
    "change_pin": {"card.activation_pin"},
    "compromised_card": {"fraud_security.fraud"},
    "contactless_not_working": {"card.declined"},
    "country_support": {_HOW},
    "declined_card_payment": {"card.declined"},
    "declined_cash_withdrawal": {"cash.atm_problem", "card.declined"},
    "declined_transfer": {"transfer.failed"},
    "direct_debit_payment_not_recognised": {"fraud_security.fraud"},
    "disposable_card_limits": {"card.request", _HOW},
    "edit_personal_details": {"neutral.address_update"},
    "exchange_charge": {"fees.transaction_fee", "fx.exchange_rate"},
    "exchange_rate": {"fx.exchange_rate"},
    "exchange_via_app": {"fx.exchange_rate", _HOW},
    "extra_charge_on_statement": {"billing.wrong_amount", "fees.transaction_fee"},
    "failed_transfer": {"transfer.failed"},
    "fiat_currency_support": {"fx.exchange_rate", _HOW},
    "get_disposable_virtual_card": {"card.request"},
    "get_physical_card": {"card.request", "card.activation_pin"},  # asks about the PIN
    "getting_spare_card": {"card.request"},
    "getting_virtual_card": {"card.request"},
    "lost_or_stolen_card": {"card.lost_or_stolen"},
    "lost_or_stolen_phone": {"fraud_security.fraud"},
    "order_physical_card": {"card.request"},
    "passcode_forgotten": {"account_access.password_reset", "account_access.login_failure"},
    "pending_card_payment": {"payment.pending"},
    "pending_cash_withdrawal": {"cash.atm_problem", "payment.pending"},
    "pending_top_up": {"top_up.problem"},
    "pending_transfer": {"transfer.not_received"},
    "pin_blocked": {"card.activation_pin"},
    "receiving_money": {"transfer.not_received", _HOW},
    "request_refund": {"billing.refund_not_received", _HOW},
    "reverted_card_payment?": {"payment.pending", "billing.refund_not_received"},
    "supported_cards_and_currencies": {_HOW, "fx.exchange_rate", "card.request"},
    "terminate_account": {"cancellation.wants_to_cancel"},
    "top_up_by_bank_transfer_charge": {"fees.transaction_fee"},
    "top_up_by_card_charge": {"fees.transaction_fee"},
    "top_up_by_cash_or_cheque": {"top_up.problem", _HOW},
    "top_up_failed": {"top_up.problem"},
    "top_up_limits": {"top_up.problem", _HOW},
    "top_up_reverted": {"top_up.problem"},
    "topping_up_by_card": {"top_up.problem", _HOW},
    "transaction_charged_twice": {"billing.double_charge"},
    "transfer_fee_charged": {"fees.transaction_fee"},
    "transfer_into_account": {"transfer.not_received", "top_up.problem", _HOW},
    "transfer_not_received_by_recipient": {"transfer.not_received"},
    "transfer_timing": {"transfer.not_received"},
    "unable_to_verify_identity": {"identity.verification"},
    "verify_my_identity": {"identity.verification"},
    "verify_source_of_funds": {"identity.verification"},
    "verify_top_up": {"top_up.problem", "identity.verification"},
    "virtual_card_not_working": {"card.declined"},
    "visa_or_mastercard": {"card.request", _HOW},
    "why_verify_identity": {"identity.verification"},
    "wrong_amount_of_cash_received": {"cash.atm_problem"},
    "wrong_exchange_rate_for_cash_withdrawal": {"fx.exchange_rate"},
}
TUNE_ROWS = 2000  # rows of the shuffled train.csv the pack was tuned on
TELECOM_WORDS = ("router", "network", "contract", "broadband", "signal", "handset", "esim",
                 "outage", "agent_behaviour.rude")


def _train(folder: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``train.csv`` shuffled (seed 0): the tuning rows, and the rest."""
    train = pd.read_csv(Path(folder) / "train.csv").sample(frac=1, random_state=0)
    return train.iloc[:TUNE_ROWS], train.iloc[TUNE_ROWS:]


def _score(labels: list[str], intents: list[str]) -> dict:
    right = [label in BANKING77_CAUSES[i] for label, i in zip(labels, intents, strict=True)]
    return {"n": len(labels), "accuracy": round(float(np.mean(right)), 4),
            "unknown_share": round(float(np.mean([x == "unknown" for x in labels])), 4)}


def banking77(args: argparse.Namespace) -> dict:
    from feedback_engine.resources import domain_lexicon
    from feedback_engine.rootcause.rules import TaxonomyClassifier
    from feedback_engine.rootcause.taxonomy import load_taxonomy

    frame = _train(args.data)[0] if args.tune else pd.read_csv(Path(args.data) /
                                                                "test_public.csv")
    out = {"set": "train.csv tuning rows" if args.tune else "test_public.csv"}
    for domain in args.domains:
        taxonomy = load_taxonomy(domain_lexicon(domain, "root_causes.yaml"))
        for semantic in (False, True):
            results = TaxonomyClassifier(taxonomy, semantic=semantic).classify_many(
                frame.text.tolist())
            labels = [r.label for r, _ in results]
            key = f"{domain}{'+semantic' if semantic else ' rules'}"
            out[key] = _score(labels, frame.category.tolist())
            if semantic and args.errors:
                wrong = Counter((i, x) for x, i in zip(labels, frame.category, strict=True)
                                if x not in BANKING77_CAUSES[i])
                out[key]["errors"] = [f"{n} {i} -> {x}" for (i, x), n in
                                      wrong.most_common(args.errors)]
    return out


def _feed(rest: pd.DataFrame, planted: str, weeks: int, seed: int) -> pd.DataFrame:
    """``rest`` as an 8-week feed: each intent gets a CSAT level from its complaint
    share (fraud and failures low, questions high); the planted intent triples in the
    planted week (the last but one) with CSAT 1-2."""
    rng = np.random.default_rng(seed)
    base = rest[rest.category != planted]
    spike = rest[rest.category == planted]
    start = pd.Timestamp("2026-09-07")  # a Monday
    per_week = len(base) // weeks
    planted_week = weeks - 2
    normal = max(1, len(spike) // (weeks + 2))
    rows = []
    for week in range(weeks):
        chunk = base.iloc[week * per_week:(week + 1) * per_week]
        take = normal * 3 if week == planted_week else normal
        extra, spike = spike.iloc[:take], spike.iloc[take:]
        for frame, low in ((chunk, False), (extra, week == planted_week)):
            for text, intent in zip(frame.text, frame.category, strict=True):
                days = int(rng.integers(0, 7))
                rows.append({"created_at": (start + pd.Timedelta(weeks=week, days=days)).date(),
                             "text": text, "intent": intent, "channel": "chat",
                             "csat": int(rng.integers(1, 3)) if low else
                             int(rng.choice([1, 2, 3, 4, 5], p=_csat_mix(intent)))})
    frame = pd.DataFrame(rows)
    frame.insert(0, "record_id", [f"b{i:05d}" for i in range(len(frame))])
    return frame


def _csat_mix(intent: str) -> list[float]:
    """Scores for an intent: complaints mostly low, questions mostly high."""
    bad = ("not_recognised", "compromised", "declined", "failed", "not_working", "charged",
           "charge", "lost", "swallowed", "wrong", "not_received", "pending", "reverted",
           "unable", "not_showing", "twice")
    if any(word in intent for word in bad):
        return [0.3, 0.3, 0.2, 0.15, 0.05]
    return [0.05, 0.1, 0.2, 0.35, 0.3]


def feed(args: argparse.Namespace) -> dict:
    from feedback_engine import api

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    frame = _feed(_train(args.data)[1], args.planted, args.weeks, args.seed)
    source = work / "banking_feed.csv"
    frame.drop(columns=["intent"]).to_csv(source, index=False)
    config = work / "feedback.toml"
    config.write_text(f'[taxonomy]\ndomain = "{args.domain}"\n', encoding="utf-8")
    db = work / "feed.duckdb"
    db.unlink(missing_ok=True)
    summary = api.analyze([source], db=db, config=config, rejects_file=work / "rejects.csv")
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        got = dict(con.execute("SELECT record_id, root_cause FROM records").fetchall())
    labels = [got.get(r, "missing") for r in frame.record_id]
    out = {"domain": args.domain, "records": len(frame), "analyzed": summary.analyzed,
           "rejected": summary.rejected, **_score(labels, frame.intent.tolist())}
    weeks = sorted({pd.Timestamp(d).isocalendar()[:2] for d in frame.created_at})
    planted_week = "{}-W{:02d}".format(*weeks[-2])
    report = api.report(db=db, week=planted_week, fmt="json", out=work / "report.json",
                        config=config)
    model = json.loads(Path(report).read_text(encoding="utf-8"))
    drivers = model.get("drivers") or []
    out["planted"] = {"intent": args.planted, "week": planted_week,
                      "expected": sorted(BANKING77_CAUSES[args.planted])}
    out["top_drivers"] = [{k: d.get(k) for k in ("dimension", "value", "volume", "share",
                                                 "share_change_trailing", "impact_csat",
                                                 "reliable")}
                          for d in drivers[:5]]
    out["top_driver_is_planted"] = bool(drivers) and \
        drivers[0]["value"] in BANKING77_CAUSES[args.planted]
    out["emerging"] = [{k: e.get(k) for k in ("dimension", "value", "count", "expected")}
                       for e in (model.get("emerging") or [])[:5]]
    out["narrative"] = model.get("narrative", [])[:4]
    return out


def retail(args: argparse.Namespace) -> dict:
    from feedback_engine import api

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    reviews = pd.read_csv(args.data)
    frame = pd.DataFrame({
        "record_id": [f"r{i:05d}" for i in range(len(reviews))],
        "created_at": [(pd.Timestamp("2026-09-07") + pd.Timedelta(days=i % 56)).date()
                       for i in range(len(reviews))],
        "text": (reviews["Title"].fillna("") + ". " + reviews["Review Text"].fillna(""))
        .str.strip(". "),
        "csat": reviews["Rating"], "channel": "review"})
    frame = frame[frame.text.str.len() > 0].head(args.n)
    source = work / "reviews.csv"
    frame.to_csv(source, index=False)
    import duckdb

    out: dict = {"reviews": len(frame)}
    for domain in args.domains:
        config = work / f"{domain}.toml"
        config.write_text(f'[taxonomy]\ndomain = "{domain}"\n', encoding="utf-8")
        db = work / f"{domain}.duckdb"
        db.unlink(missing_ok=True)
        api.analyze([source], db=db, config=config, rejects_file=work / f"{domain}-rejects.csv")
        with duckdb.connect(str(db), read_only=True) as con:
            causes = Counter(dict(con.execute(
                "SELECT root_cause, count(*) FROM records GROUP BY 1").fetchall()))
            aspects = con.execute("""
                SELECT j->>'aspect' AS aspect, count(*) AS n,
                       avg((j->>'score')::DOUBLE) AS mean,
                       avg(CASE WHEN j->>'polarity' = 'negative' THEN 1 ELSE 0 END) AS neg
                FROM (SELECT unnest(from_json(aspects, '["json"]')) AS j FROM records)
                GROUP BY 1 HAVING count(*) >= 30 ORDER BY mean""").fetchall()
        leaked = {k: v for k, v in causes.items() if any(w in k for w in TELECOM_WORDS)}
        leaked.update({a: n for a, n, _, _ in aspects if a in TELECOM_WORDS})
        out[domain] = {
            "causes": dict(causes.most_common(12)),
            "unknown_share": round(causes.get("unknown", 0) / len(frame), 4),
            "telecom_found": leaked,
            "aspects_most_negative_first": [
                {"aspect": a, "n": n, "mean_score": round(m, 3), "negative_share": round(g, 3)}
                for a, n, m, g in aspects[:12]],
            # What a lead reads first: where most negative mentions are.
            "aspects_by_negative_mentions": [
                (a, round(n * g)) for a, n, _, g in sorted(aspects, key=lambda r: -r[1] * r[3])
            ][:8]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["banking77", "feed", "retail"])
    parser.add_argument("data", help="the Banking77 folder, or the reviews CSV (retail)")
    parser.add_argument("--domains", nargs="+", default=None)
    parser.add_argument("--domain", default="banking", help="feed: the pack used")
    parser.add_argument("--tune", action="store_true", help="banking77: the tuning rows")
    parser.add_argument("--errors", type=int, default=0, help="banking77: list top errors")
    parser.add_argument("--planted", default="card_payment_fee_charged")
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=30000, help="retail: reviews used")
    parser.add_argument("--work", default="/tmp/domain-benchmark")
    args = parser.parse_args()
    if args.domains is None:
        args.domains = ["core", "banking"] if args.what == "banking77" else ["core", "retail"]
    result = {"banking77": banking77, "feed": feed, "retail": retail}[args.what](args)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()

"""Per-language root causes on the public multilingual sets (evaluation only, nothing copied).

python benchmarks/languages_taxonomy_benchmark.py DATASETS [--aspects] [--show CAUSE --data NAME]

DATASETS is ``../shared/datasets`` (its ``multilingual/`` folder is read).
Each set is split in two by a seeded shuffle (or its own split column): "tune" is the half the
patterns were corrected on, "test" the other; figures are given for both.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter

import numpy as np
import pandas as pd

from feedback_engine.rootcause.rules import UNKNOWN, TaxonomyClassifier
from feedback_engine.rootcause.taxonomy import load_taxonomy

ROOT = "../shared/datasets/multilingual"  # set from DATASETS
NEG = {"delivery.late", "wait_time.long_hold"}


def halves(frame: pd.DataFrame, column: str | None = None, tune: tuple = ()) -> pd.Series:
    if column:
        return frame[column].map(lambda s: "tune" if s in tune else "test")
    order = np.random.default_rng(0).permutation(len(frame))
    part = np.where(order % 2 == 0, "tune", "test")
    return pd.Series(part, index=frame.index)


def classify(texts: list[str], language: str, taxonomy: str | None = None) -> list[str]:
    classifier = TaxonomyClassifier(load_taxonomy(taxonomy), semantic=False)
    return [r.label for r, _ in classifier.classify_many(texts, [language] * len(texts))]


def prf(pred: pd.Series, gold: pd.Series) -> dict:
    tp = int((pred & gold).sum())
    return {"hits": int(pred.sum()), "gold": int(gold.sum()), "tp": tp,
            "precision": round(tp / max(int(pred.sum()), 1), 3),
            "recall": round(tp / max(int(gold.sum()), 1), 3)}


def summary(frame: pd.DataFrame, checks: dict) -> dict:
    out = {}
    tax = load_taxonomy()
    polarity = {c.id: c.polarity for c in tax.causes}
    for part in ("tune", "test"):
        f = frame[frame.part == part]
        known = f[f.cause != UNKNOWN]
        row = {"n": len(f), "with_cause": len(known),
               "coverage": round(len(known) / max(len(f), 1), 3),
               "top": Counter(known.cause).most_common(8)}
        if "label" in f:
            pol = known.cause.map(lambda c: polarity.get(c, "negative"))
            agree = known[pol.isin(["negative", "positive"])]
            same = (agree.label == agree.cause.map(lambda c: polarity.get(c, "negative")))
            row["polarity_agreement"] = round(float(same.mean()), 3) if len(agree) else None
        for name, (pred, gold) in checks.items():
            row[name] = prf(pred(f), gold(f))
        out[part] = row
    return out


def main() -> None:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("datasets", help="the folder holding multilingual/")
    parser.add_argument("--show", default=None)
    parser.add_argument("--data", default=None)
    parser.add_argument("--part", default="tune")
    parser.add_argument("--aspects", action="store_true")
    args = parser.parse_args()
    ROOT = f"{args.datasets}/multilingual"
    if args.aspects:
        print(json.dumps(asap_aspects(), indent=1))
        return
    sets = {}
    w = pd.read_csv(f"{ROOT}/zh_waimai_10k/public.csv")
    w["part"] = halves(w)
    w["cause"] = classify(w.text.fillna("").astype(str).tolist(), "zh")
    sets["zh_waimai_10k"] = (w, {})
    a = pd.read_csv(f"{ROOT}/zh_asap_sample/public.csv")
    a["part"] = halves(a, "split", ("train_sample",))
    a["cause"] = classify(a.text.fillna("").astype(str).tolist(), "zh")
    a["label"] = a.label.map(lambda s: "positive" if s >= 4 else "negative" if s <= 2
                             else "neutral")
    sets["zh_asap_sample"] = (a, {
        "slow_or_wait_vs_speed_or_wait_negative": (
            lambda f: f.cause.isin(NEG),
            lambda f: (f.service_serving_speed == -1) | (f.service_wait_time == -1)),
        "price_vs_price_level_negative": (
            lambda f: f.cause == "pricing.price_increase", lambda f: f.price_level == -1),
        "rude_vs_attitude_negative": (
            lambda f: f.cause.isin(["agent_behaviour.rude"]),
            lambda f: f.service_waiters_attitude == -1),
        "excellent_help_vs_attitude_positive": (
            lambda f: f.cause == "agent_behaviour.excellent_help",
            lambda f: f.service_waiters_attitude == 1)})
    g = pd.read_csv(f"{ROOT}/de_germeval2017/public.csv")
    g["part"] = halves(g)
    g["cause"] = classify(g.text.fillna("").astype(str).tolist(), "de")
    cats = g.aspect_categories.fillna("")
    g["cats"] = cats
    sets["de_germeval2017"] = (g, {
        "late_vs_Zugfahrt_or_Unregelmaessigkeiten": (
            lambda f: f.cause == "delivery.late",
            lambda f: f.cats.str.contains("Zugfahrt|Sonstige_Unregelm")),
        "wait_vs_Zugfahrt_or_Unregelmaessigkeiten_or_Service": (
            lambda f: f.cause == "wait_time.long_hold",
            lambda f: f.cats.str.contains("Zugfahrt|Sonstige_Unregelm|Service")),
        "price_vs_Ticketkauf": (
            lambda f: f.cause == "pricing.price_increase",
            lambda f: f.cats.str.contains("Ticketkauf")),
        "agent_vs_Service_und_Kundenbetreuung": (
            lambda f: f.cause.str.startswith("agent_behaviour"),
            lambda f: f.cats.str.contains("Service_und_Kundenbetreuung")),
        "app_vs_DB_App_und_Website": (
            lambda f: f.cause == "technical_fault.app_crash",
            lambda f: f.cats.str.contains("DB_App"))})
    r = pd.read_csv(f"{ROOT}/ru_sentirueval2015_restaurants/public.csv")
    r["part"] = halves(r, "split", ("train",))
    r["cause"] = classify(r.text.fillna("").astype(str).tolist(), "ru")
    mentioned = {c: r[c].fillna("absence") != "absence" for c in ("cat_service", "cat_price")}
    r["svc"], r["prc"] = mentioned["cat_service"], mentioned["cat_price"]
    sets["ru_sentirueval2015_restaurants"] = (r, {
        "wait_or_agent_vs_cat_service": (
            lambda f: f.cause.isin(["wait_time.long_hold", "agent_behaviour.rude",
                                    "agent_behaviour.unhelpful", "agent_behaviour.excellent_help"]),
            lambda f: f.svc),
        "price_vs_cat_price": (lambda f: f.cause == "pricing.price_increase", lambda f: f.prc)})
    b = pd.read_csv(f"{ROOT}/ru_sentirueval_banks_telecom/public.csv")
    b["part"] = halves(b)
    for domain, pack in (("banks", "domains/banking/root_causes.yaml"),
                         ("telecom", "domains/telecom/root_causes.yaml")):
        f = b[b.domain == domain].copy()
        f["cause"] = classify(f.text.fillna("").astype(str).tolist(), "ru", pack)
        sets[f"ru_sentirueval_{domain}_{pack.split('/')[1]}_pack"] = (f, {})
    if args.show:
        frame = sets[args.data][0]
        picked = frame[(frame.cause == args.show) & (frame.part == args.part)]
        for t in picked.text.sample(min(25, len(picked)), random_state=0):
            print("-", str(t)[:160].replace("\n", " "))
        return
    print(json.dumps({k: summary(f, c) for k, (f, c) in sets.items()}, ensure_ascii=False,
                     indent=1, default=str))



ASAP_MAP = {  # our aspect -> ASAP columns, the first mentioned one gives the gold polarity
    "wait_time": ("service_wait_time", "service_serving_speed"),
    "price": ("price_level", "price_cost_effective", "price_discount"),
    "agent": ("service_waiters_attitude",),
    "product": ("dish_taste", "dish_portion", "dish_look"),
}
GOLD = {1: "positive", 0: "neutral", -1: "negative"}


def asap_aspects(split: str | None = None) -> dict:
    """Aspect detection and polarity on zh_asap_sample against its aspect columns."""
    from feedback_engine.stages.aspects import Aspects

    frame = pd.read_csv(f"{ROOT}/zh_asap_sample/public.csv")
    stage = Aspects()
    stage.setup()
    chunk = pd.DataFrame({"record_id": [str(i) for i in range(len(frame))],
                          "text_redacted": frame.text.fillna("").astype(str),
                          "language": "zh"})
    found = stage(chunk)["aspects"].tolist()
    out = {}
    for part in ("train_sample", "dev_sample+test_sample"):
        rows = frame.index[frame.split == "train_sample"] if part == "train_sample" else \
            frame.index[frame.split != "train_sample"]
        for aspect, columns in ASAP_MAP.items():
            tp = fp = fn = right = 0
            for i in rows:
                mine = next((a for a in found[i] if a["aspect"] == aspect), None)
                gold_cols = [c for c in columns if frame.at[i, c] != -2]
                if mine and gold_cols:
                    tp += 1
                    right += mine["polarity"] == GOLD[int(frame.at[i, gold_cols[0]])]
                elif mine:
                    fp += 1
                elif gold_cols:
                    fn += 1
            out[f"{part}/{aspect}"] = {
                "detected": tp + fp, "gold": tp + fn,
                "precision": round(tp / max(tp + fp, 1), 3),
                "recall": round(tp / max(tp + fn, 1), 3),
                "polarity_accuracy": round(right / max(tp, 1), 3), "both": tp}
    return out


if __name__ == "__main__":
    main()

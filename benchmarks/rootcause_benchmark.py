"""Root-cause benchmark: Banking77 accuracy, speed and abstention; rules on the demo corpus.

Usage (2-core machine figures are in docs/rootcause.md):

    python benchmarks/rootcause_benchmark.py banking77 ../shared/datasets/banking77 --kind fast
    python benchmarks/rootcause_benchmark.py banking77 ../shared/datasets/banking77 --kind accurate
    python benchmarks/rootcause_benchmark.py heldout ../shared/datasets/banking77 --kind fast
    python benchmarks/rootcause_benchmark.py rules --n 20000
    python benchmarks/rootcause_benchmark.py fewshot ../shared/datasets/banking77 --seeds 5 \
        --oos ../shared/datasets/womens_ecommerce_reviews/reviews_public.csv

``banking77`` trains on ``train.csv`` and tests on ``test_public.csv``: accuracy without
abstention (the published figures' measure), accuracy counting ``unknown`` as wrong, then
coverage and accuracy on the answered part at the tuned thresholds, train seconds and predict
docs/s. ``heldout`` removes ``--classes`` classes (chosen with ``--seed``) from training and
reports the share of their test texts that come out ``unknown`` and, for in-class texts,
coverage, accuracy on the covered part and accuracy counting ``unknown`` as wrong.
``rules`` classifies a generated demo corpus with the telecom pack (the demo's domain):
accuracy against the planted causes, per cause, and docs/s. ``fewshot`` writes a taxonomy with
``--per-class`` examples of each intent from ``train.csv`` (``feedback taxonomy
from-examples``, seeds 0..``--seeds``-1) and scores the semantic layer on ``test_public.csv``
counting ``unknown`` as wrong; then, for seed 0, with ``--classes`` intents left out of the
taxonomy (their texts should come out ``unknown``), and on ``--oos`` texts of another domain
(all should be ``unknown``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedback_engine.rootcause.evaluate import evaluate  # noqa: E402
from feedback_engine.rootcause.model import train_model  # noqa: E402


def _load(folder: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    root = Path(folder)
    return pd.read_csv(root / "train.csv"), pd.read_csv(root / "test_public.csv")


def _speed(model, texts: list[str], repeat: int) -> dict:
    """Wall-clock docs/s, and docs per CPU-second of this process (threads summed): on a
    shared machine the second is the figure other work does not distort."""
    batch = texts * repeat
    started, cpu = time.perf_counter(), time.process_time()
    model.predict(batch)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"predict_docs_per_s": round(len(batch) / wall, 1),
            "predict_docs_per_cpu_s": round(len(batch) / cpu, 1), "load_avg": os.getloadavg()}


def banking77(args: argparse.Namespace) -> dict:
    train, test = _load(args.data)
    started, cpu = time.perf_counter(), time.process_time()
    model = train_model(train.text.tolist(), train.category.tolist(), kind=args.kind,
                        target_precision=args.target_precision, seed=args.seed)
    train_s, train_cpu = time.perf_counter() - started, time.process_time() - cpu
    p = model.predict(test.text.tolist())
    scores = evaluate(test.category.tolist(), p.labels, raw=p.raw_labels)
    return {"kind": args.kind, "n_train": len(train), "n_test": len(test),
            "accuracy_no_abstention": scores.raw_accuracy,
            "accuracy_unknown_wrong": scores.accuracy,
            "coverage": scores.coverage, "covered_accuracy": scores.covered_accuracy,
            "macro_f1_with_abstention": scores.macro_f1,
            "thresholds": model.thresholds.__dict__, "train_seconds": round(train_s, 1),
            "train_cpu_seconds": round(train_cpu, 1),
            **_speed(model, test.text.tolist(), args.repeat), "cpus": os.cpu_count()}


def heldout(args: argparse.Namespace) -> dict:
    train, test = _load(args.data)
    classes = sorted(train.category.unique())
    rng = np.random.default_rng(args.seed)
    out = sorted(rng.choice(classes, size=args.classes, replace=False).tolist())
    kept = train[~train.category.isin(out)]
    started = time.perf_counter()
    model = train_model(kept.text.tolist(), kept.category.tolist(), kind=args.kind,
                        target_precision=args.target_precision, seed=args.seed)
    train_s = time.perf_counter() - started
    p = model.predict(test.text.tolist())
    labels, truth = np.array(p.labels), test.category.to_numpy()
    ood = test.category.isin(out).to_numpy()
    covered = ~ood & (labels != "unknown")
    return {"kind": args.kind, "held_out_classes": out,
            "ood_texts": int(ood.sum()),
            "ood_unknown_share": round(float((labels[ood] == "unknown").mean()), 4),
            "in_class_coverage": round(float(covered.sum() / (~ood).sum()), 4),
            "in_class_covered_accuracy": round(float((labels[covered] == truth[covered]).mean()),
                                               4),
            "in_class_accuracy_unknown_wrong": round(float((labels[~ood] == truth[~ood]).mean()),
                                                     4),
            "in_class_accuracy_no_abstention": round(
                float((np.array(p.raw_labels)[~ood] == truth[~ood]).mean()), 4),
            "thresholds": model.thresholds.__dict__, "train_seconds": round(train_s, 1)}


def rules(args: argparse.Namespace) -> dict:
    from feedback_engine.records import customer_text
    from feedback_engine.rootcause.rules import RuleClassifier
    from feedback_engine.rootcause.taxonomy import load_taxonomy
    from feedback_engine.sample import generator as G

    def text(source: str, row: dict) -> str:
        fields = {"surveys": ("verbatim",), "call_summaries": ("summary",),
                  "emails": ("subject", "body"), "reviews": ("title", "review_text")}
        if source in fields:
            return "\n".join(row[f] for f in fields[source])
        turns = row.get("turns") or [{"speaker": who.lower(), "text": t}
                                     for _, who, t in row["lines"]]
        return customer_text(turns, " ") or ""

    calendar = G.Calendar("2026-W47", 12)
    data = []
    for source, share in G.SHARES.items():
        planned = G.plan_records(calendar, source, int(args.n * share),
                                 random.Random(f"{args.seed}:{source}"), args.n // 2)
        renderer = G.Renderer(random.Random(f"{args.seed}:{source}:text"))
        data += [(rec.cause, text(source, getattr(renderer, source)(rec))) for rec in planned]
    classifier = RuleClassifier(load_taxonomy("domains/telecom/root_causes.yaml"))  # the demo's
    started, cpu = time.perf_counter(), time.process_time()
    labels = [classifier.classify(t).label for _, t in data]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    per: dict[str, Counter] = defaultdict(Counter)
    for (cause, _), label in zip(data, labels, strict=True):
        per[cause][label == cause] += 1
    return {"n": len(data), "accuracy": round(sum(c[True] for c in per.values()) / len(data), 4),
            "docs_per_s": round(len(data) / seconds, 1),
            "docs_per_cpu_s": round(len(data) / cpu, 1), "load_avg": os.getloadavg(),
            "mean_chars": round(float(np.mean([len(t) for _, t in data])), 1),
            "per_cause": {k: round(v[True] / sum(v.values()), 3) for k, v in sorted(per.items())}}


def fewshot(args: argparse.Namespace) -> dict:
    import yaml

    from feedback_engine.rootcause.fewshot import slug, taxonomy_from_examples
    from feedback_engine.rootcause.rules import TaxonomyClassifier
    from feedback_engine.rootcause.taxonomy import parse_taxonomy

    train, test = _load(args.data)

    def classifier(frame: pd.DataFrame, seed: int) -> TaxonomyClassifier:
        text = taxonomy_from_examples(frame.text.tolist(), frame.category.tolist(),
                                      per_class=args.per_class, seed=seed,
                                      embeddings=args.embeddings)
        return TaxonomyClassifier(parse_taxonomy(yaml.safe_load(text)))

    def labels(model: TaxonomyClassifier, texts: list[str]) -> np.ndarray:
        return np.array([r.label.split(".", 1)[-1] for r, _ in model.classify_many(texts)])

    truth = np.array([slug(c) for c in test.category])  # as the ids spell them
    runs = []
    for seed in range(args.seeds):
        started = time.perf_counter()
        model = classifier(train, seed)
        predicted = labels(model, test.text.tolist())
        runs.append({"seed": seed, "accuracy": round(float((predicted == truth).mean()), 4),
                     "coverage": round(float((predicted != "unknown").mean()), 4),
                     "threshold": round(model.matcher.threshold, 3),
                     "seconds": round(time.perf_counter() - started, 1)})
    classes = sorted(train.category.unique())
    out = set(np.random.default_rng(0).choice(classes, size=args.classes, replace=False))
    model = classifier(train[~train.category.isin(out)], 0)
    ood = test.category.isin(out).to_numpy()
    predicted = labels(model, test.text.tolist())
    result = {"embeddings": args.embeddings, "per_class": args.per_class, "runs": runs,
              "mean_accuracy": round(float(np.mean([r["accuracy"] for r in runs])), 4),
              "held_out_classes": len(out),
              "held_out_unknown_share": round(float((predicted[ood] == "unknown").mean()), 4),
              "in_class_accuracy": round(float((predicted[~ood] == truth[~ood]).mean()), 4)}
    if args.oos:
        texts = pd.read_csv(args.oos)[args.oos_column].dropna().astype(str)
        texts = texts.sample(min(1000, len(texts)), random_state=0).tolist()
        result["oos_texts"] = len(texts)
        result["oos_unknown_share"] = round(float((labels(model, texts) == "unknown").mean()), 4)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["banking77", "heldout", "rules", "fewshot"])
    parser.add_argument("data", nargs="?", help="folder with train.csv and test_public.csv")
    parser.add_argument("--kind", choices=["fast", "accurate"], default="fast")
    parser.add_argument("--target-precision", type=float, default=0.9)
    parser.add_argument("--classes", type=int, default=10, help="classes held out (heldout)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="test-set copies timed")
    parser.add_argument("--n", type=int, default=20000, help="demo records (rules)")
    parser.add_argument("--per-class", type=int, default=10, help="examples per intent (fewshot)")
    parser.add_argument("--seeds", type=int, default=5, help="picks scored (fewshot)")
    parser.add_argument("--embeddings", default="minilm", help="encoder (fewshot)")
    parser.add_argument("--oos", help="CSV of another domain's texts (fewshot)")
    parser.add_argument("--oos-column", default="Review Text")
    args = parser.parse_args()
    if args.what != "rules" and not args.data:
        parser.error("give the Banking77 folder")
    result = {"banking77": banking77, "heldout": heldout, "rules": rules,
              "fewshot": fewshot}[args.what](args)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

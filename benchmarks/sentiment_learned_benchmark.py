"""Held-out figures for the shipped learned sentiment model (docs/sentiment.md).

Every figure scores texts the model did not see:
- 5-fold CV on VADER's tweets and movie snippets: trained on the other three domains plus
  four folds, scored on the fifth;
- clothing reviews: a seeded 80/20 split (seed 0), trained on the other domains plus the 80%;
- leave-one-domain-out: trained on three domains, scored on the fourth.
Plain VADER and the engine's rules are scored on the same texts.

Usage::

    python benchmarks/sentiment_learned_benchmark.py ../shared/datasets [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.model_selection import KFold

from feedback_engine.evaluation.sentiment import low_high_auc
from feedback_engine.sentiment.build import embeddings_for, training_data
from feedback_engine.sentiment.learned import LearnedSentiment, rule_features
from feedback_engine.sentiment.rules import RuleScorer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("datasets")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    scorer = RuleScorer()
    data = training_data(args.datasets)
    vectors = embeddings_for(data, LearnedSentiment(scorer))
    rules = np.array([scorer.document(t)[0] or 0.0 for t in data.texts])
    vader = rule_features(scorer, data.texts, rules)[:, 7]
    domains = sorted(set(data.domain))
    index = {d: np.flatnonzero(data.domain == d) for d in domains}

    def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        texts = [data.texts[i] for i in train]
        weights = data.weights[train] / data.weights[train].mean()
        model = LearnedSentiment(scorer).fit(texts, data.gold[train], vectors[train], weights)
        return model.predict([data.texts[i] for i in test], vectors[test], list(rules[test]))

    def row(test: np.ndarray, predicted: np.ndarray, scale: bool = False) -> dict:
        gold = data.gold[test]
        out = {}
        for name, scores in (("plain VADER", vader[test]), ("rules", rules[test]),
                             ("learned", predicted)):
            entry = {"r": round(float(pearsonr(gold, scores)[0]), 3),
                     "spearman": round(float(spearmanr(gold, scores)[0]), 3)}
            if scale:
                entry["auc_low_high"] = round(low_high_auc(gold, scores, (1, 5)), 3)
            out[name] = entry
        return out

    results: dict = {"n": {d: len(index[d]) for d in domains}}
    started = time.perf_counter()
    for held in domains:  # leave one domain out
        train = np.concatenate([index[d] for d in domains if d != held])
        results.setdefault("leave-one-domain-out", {})[held] = row(
            index[held], fit_predict(train, index[held]), held == "clothing")
        print(held, results["leave-one-domain-out"][held], flush=True)
    for held in ("tweets", "movies"):  # 5-fold CV, the other domains always in training
        predicted = np.zeros(len(index[held]))
        others = np.concatenate([index[d] for d in domains if d != held])
        for train, test in KFold(5, shuffle=True, random_state=0).split(index[held]):
            predicted[test] = fit_predict(np.concatenate([others, index[held][train]]),
                                          index[held][test])
        results.setdefault("5-fold CV", {})[held] = row(index[held], predicted)
        print(held, results["5-fold CV"][held], flush=True)
    clothing = index["clothing"][np.random.default_rng(0).permutation(len(index["clothing"]))]
    cut = int(0.8 * len(clothing))
    others = np.concatenate([index[d] for d in domains if d != "clothing"])
    results["clothing 80/20"] = row(clothing[cut:], fit_predict(
        np.concatenate([others, clothing[:cut]]), clothing[cut:]), scale=True)
    print("clothing 80/20", results["clothing 80/20"], flush=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()

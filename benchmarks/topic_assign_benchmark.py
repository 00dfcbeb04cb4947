"""Topic assignment benchmark: prototypes against the k-nearest-neighbour vote they replace.

Usage (the data are read from where they lie, never copied; embeddings are cached as .npy
under ``--cache``, keyed by backend and texts):

    python benchmarks/topic_assign_benchmark.py --data /path/to/banking77 [--tune]
        [--pairs 15000] [--embeddings minilm] [--repeats 5]

The default run fits a :class:`TopicModel` on Banking77 ``train.csv`` (default settings) and
assigns ``test_public.csv`` twice: with the model's prototypes and with the old assignment
(kept here only, :func:`knn_assign`: the similarity-weighted vote of the ``n_neighbors``
most similar training texts, novelty at the 1st percentile of the training texts'
nearest-other-text similarity). It prints their agreement (all texts, and among texts both
give a topic), NMI against the intents (outliers counted as one cluster), outlier shares and
assignment docs/s (embeddings given, median of ``--repeats`` runs, one process).

It also prints, for context, how well the old vote agrees with itself on a seeded half of
the reference texts, and the agreement of an inverted-file index (:func:`ivf_assign`, the
old vote over the members of the 8 nearest of about n / 20 k-means lists), an approximate
index that was measured and not adopted because it still reads the reference texts.

``--tune`` chooses the prototype settings on train only: 5-fold cross-validation, each fold
fitted on 80% of train and assigning the other 20%, for several (per topic, texts per
prototype) settings. ``--pairs N`` repeats the comparison at the demo's scale: a model fitted
on N texts made of two train sentences each (seeded pairs, as in topics_benchmark.py's
memory test) assigns 2,000 pairs of test sentences (NMI against the first one's intent).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import normalized_mutual_info_score

from feedback_engine.topics import model as topic_model
from feedback_engine.topics.cluster import knn_graph
from feedback_engine.topics.model import TopicModel


# ---------------------------------------------------------------- the old assignment
def knn_threshold(model: TopicModel) -> float:
    """The old novelty threshold: the NOVELTY_QUANTILE of the reference texts'
    nearest-other-text similarity."""
    _, nearest_other = knn_graph(model.reference_.astype(np.float32), 1)
    return float(np.quantile(nearest_other[:, 0], topic_model.NOVELTY_QUANTILE))


def knn_assign(model: TopicModel, embeddings: np.ndarray, threshold: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """Return (topic ids, vote shares) by the old rule, scanning every reference text."""
    embeddings = np.asarray(embeddings, dtype=np.float32)
    reference = model.reference_.astype(np.float32)
    ids = np.full(len(embeddings), -1, dtype=np.int64)
    conf = np.zeros(len(embeddings))
    assert model.n_neighbors is not None
    k = min(model.n_neighbors, len(reference))
    slots = {t.id: i for i, t in enumerate(model.topics_)}
    topic_ids = np.array([t.id for t in model.topics_], dtype=np.int64)
    slot_of = np.array([slots.get(int(i), -1) for i in model.reference_ids_], dtype=np.int64)
    for start in range(0, len(embeddings), 256):
        sims = embeddings[start:start + 256] @ reference.T
        near = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        weight = np.clip(np.take_along_axis(sims, near, axis=1), 0.0, None)
        votes = np.zeros((len(sims), len(topic_ids)))
        voter = slot_of[near]
        rows = np.repeat(np.arange(len(sims)), k).reshape(len(sims), k)
        keep = voter >= 0
        np.add.at(votes, (rows[keep], voter[keep]), weight[keep])
        total = votes.sum(axis=1)
        best = np.argmax(votes, axis=1)
        novel = (sims.max(axis=1) < threshold) | (total <= 0)
        block = slice(start, start + len(sims))
        ids[block] = np.where(novel, -1, topic_ids[best])
        conf[block] = np.where(novel, 0.0, votes[np.arange(len(sims)), best]
                               / np.maximum(total, 1e-12))
    empty = np.linalg.norm(embeddings, axis=1) < 1e-6
    ids[empty], conf[empty] = -1, 0.0
    return ids, conf


def ivf_assign(model: TopicModel, embeddings: np.ndarray, threshold: float, nprobe: int = 8,
               list_size: int = 20) -> tuple[np.ndarray, float]:
    """The old vote over an inverted-file index instead of every reference text (measured,
    not adopted: it still reads reference texts). The reference texts are split by spherical
    k-means into lists of about ``list_size``; a text is compared with the list centres and
    then with the members of its ``nprobe`` nearest lists. Returns (topic ids, dot products
    per text)."""
    from feedback_engine.topics.cluster import spherical_kmeans

    reference = model.reference_.astype(np.float32)
    centres, owner = spherical_kmeans(reference, max(1, len(reference) // list_size), 0,
                                      max_iter=10)
    lists = [np.flatnonzero(owner == c) for c in range(len(centres))]
    known = {t.id for t in model.topics_}
    ids, dots = np.full(len(embeddings), -1, dtype=np.int64), 0
    assert model.n_neighbors is not None
    for row, vector in enumerate(np.asarray(embeddings, dtype=np.float32)):
        probe = np.argsort(-(centres @ vector), kind="stable")[:nprobe]
        candidates = np.concatenate([lists[c] for c in probe])
        sims = reference[candidates] @ vector
        dots += len(centres) + len(candidates)
        near = np.argsort(-sims, kind="stable")[:model.n_neighbors]
        votes: dict[int, float] = {}
        for j in near:
            topic = int(model.reference_ids_[candidates[j]])
            if topic in known:
                votes[topic] = votes.get(topic, 0.0) + max(float(sims[j]), 0.0)
        if len(sims) and sims.max() >= threshold and votes and np.linalg.norm(vector) > 1e-6:
            ids[row] = max(votes, key=lambda t: (votes[t], -t))
    return ids, dots / max(len(embeddings), 1)


# ------------------------------------------------------------------------- helpers
def embed(texts: Sequence[str], backend: str, cache: Path) -> np.ndarray:
    """Embed once per (backend, texts); later runs read the cached .npy."""
    from feedback_engine.embeddings import get_backend

    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache / f"topic_assign_{backend}_{len(texts)}_{digest}.npy"
    if path.exists():
        return np.load(path)
    started = time.perf_counter()
    x = np.asarray(get_backend(backend).encode(list(texts)), dtype=np.float32)
    print(f"embedded {len(texts)} texts with {backend} in "
          f"{time.perf_counter() - started:.1f} s -> {path}", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, x)
    return x


def pairs(texts: Sequence[str], labels: Sequence[str], n: int, seed: int
          ) -> tuple[list[str], list[str]]:
    """``n`` texts each made of two seeded-random sentences; labelled by the first."""
    rng = np.random.default_rng(seed)
    first, second = rng.integers(0, len(texts), n), rng.integers(0, len(texts), n)
    out = [f"{texts[a]} Also, {texts[b][0].lower()}{texts[b][1:]}"
           for a, b in zip(first, second, strict=True)]
    return out, [labels[a] for a in first]


def nmi(gold: Sequence[str], ids: np.ndarray) -> float:
    return round(float(normalized_mutual_info_score(gold, ids)), 4)


def speed(assign, x: np.ndarray, repeats: int) -> int:
    """Median docs/s of ``assign(x)`` over ``repeats`` runs (after one warm-up)."""
    assign(x)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        assign(x)
        times.append(time.perf_counter() - started)
    return round(len(x) / statistics.median(times))


def compare(model: TopicModel, x_train: np.ndarray, x: np.ndarray, gold: Sequence[str],
            repeats: int) -> dict:
    """Old kNN against the model's prototypes on ``x``; see the module docstring."""
    threshold = knn_threshold(model)
    old, old_prob = knn_assign(model, x, threshold)
    result = model.assign(embeddings=x)
    new, new_prob = result.topic_id, result.topic_prob
    both = (old >= 0) & (new >= 0)
    graph = model.reference_ids_ if len(model.reference_) == len(x_train) else None
    out = {"n_train": len(x_train), "n_assigned": len(x), "n_topics": len(model.topics_),
           "n_prototypes": int(len(model.prototypes_)),
           "n_reference": int(len(model.reference_)),
           "temperature": model.assign_temperature_,
           "agreement": round(float(np.mean(old == new)), 4),
           "agreement_both_assigned": round(float(np.mean(old[both] == new[both])), 4),
           "nmi_knn": nmi(gold, old), "nmi_prototypes": nmi(gold, new),
           "outliers_knn": round(float(np.mean(old < 0)), 4),
           "outliers_prototypes": round(float(np.mean(new < 0)), 4),
           "mean_prob_knn": round(float(old_prob[old >= 0].mean()), 3),
           "mean_prob_prototypes": round(float(new_prob[new >= 0].mean()), 3),
           "train_agreement_with_graph_prototypes":
               model.manifest_["metrics"]["assign_agreement"]}
    # How stable the old vote is itself: the same rule on a seeded half of the references.
    half = TopicModel(embeddings=model.embeddings, seed=model.seed)
    half.topics_, half.n_neighbors = model.topics_, model.n_neighbors
    keep = np.sort(np.random.default_rng(0).permutation(len(model.reference_))
                   [:len(model.reference_) // 2])
    half.reference_, half.reference_ids_ = model.reference_[keep], model.reference_ids_[keep]
    out["knn_half_reference_agreement"] = round(float(np.mean(
        knn_assign(half, x, threshold)[0] == old)), 4)
    ivf, dots = ivf_assign(model, x, threshold)
    out["ivf_agreement"], out["ivf_dots_per_text"] = round(float(np.mean(ivf == old)), 4), \
        round(dots)
    out["ivf_nmi"] = nmi(gold, ivf)
    if graph is not None:
        train_old, _ = knn_assign(model, x_train, threshold)
        out["train_agreement_with_graph_knn"] = round(float(np.mean(train_old == graph)), 4)
    started = time.perf_counter()
    model.rebuild_prototypes()  # what loading a folder saved before prototypes costs
    out["rebuild_prototypes_seconds"] = round(time.perf_counter() - started, 2)
    out["docs_per_s_knn"] = speed(lambda v: knn_assign(model, v, threshold), x, repeats)
    out["docs_per_s_prototypes"] = speed(lambda v: model.assign(embeddings=v), x, repeats)
    out["speedup"] = round(out["docs_per_s_prototypes"] / out["docs_per_s_knn"], 1)
    return out


def tune(texts: list[str], gold: list[str], x: np.ndarray, backend: str) -> list[dict]:
    """5-fold CV on train of the prototype settings against the old kNN assignment."""
    settings = [(1, 10 ** 9), (4, 20), (8, 20), (16, 20), (32, 20), (8, 10), (16, 10),
                (16, 40)]
    saved = topic_model.PROTOTYPES_PER_TOPIC, topic_model.TEXTS_PER_PROTOTYPE
    rows: dict[tuple[int, int], list[dict]] = {s: [] for s in settings}
    order = np.random.default_rng(7).permutation(len(texts))
    gold_array = np.asarray(gold)
    try:
        for fold in range(5):
            held = np.sort(order[fold::5])
            fit_rows = np.setdiff1d(np.arange(len(texts)), held)
            model = TopicModel(embeddings=backend).fit([texts[i] for i in fit_rows],
                                                       embeddings=x[fit_rows])
            old, _ = knn_assign(model, x[held], knn_threshold(model))
            for per_topic, per_prototype in settings:
                topic_model.PROTOTYPES_PER_TOPIC = per_topic
                topic_model.TEXTS_PER_PROTOTYPE = per_prototype
                model.rebuild_prototypes()
                new = model.assign(embeddings=x[held]).topic_id
                rows[(per_topic, per_prototype)].append({
                    "n_prototypes": len(model.prototypes_),
                    "agreement": float(np.mean(old == new)),
                    "nmi_knn": nmi(gold_array[held], old),
                    "nmi_prototypes": nmi(gold_array[held], new),
                    "outliers_knn": float(np.mean(old < 0)),
                    "outliers_prototypes": float(np.mean(new < 0)),
                    "temperature": model.assign_temperature_})
            print(f"fold {fold} done", flush=True)
    finally:
        topic_model.PROTOTYPES_PER_TOPIC, topic_model.TEXTS_PER_PROTOTYPE = saved
    table = []
    for (per_topic, per_prototype), folds in rows.items():
        mean = {k: round(float(np.mean([f[k] for f in folds])), 4) for k in folds[0]}
        mean["min_fold_agreement"] = round(min(f["agreement"] for f in folds), 4)
        table.append({"per_topic": per_topic, "texts_per_prototype": per_prototype, **mean})
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the banking77 folder")
    parser.add_argument("--embeddings", default="minilm")
    parser.add_argument("--cache", default="/tmp/feedback-engine-bench")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tune", action="store_true", help="CV of the settings on train")
    parser.add_argument("--pairs", type=int, default=0,
                        help="also fit on this many train sentence pairs (e.g. 15000)")
    args = parser.parse_args()
    folder, cache = Path(args.data), Path(args.cache)
    train = pd.read_csv(folder / "train.csv")
    test = pd.read_csv(folder / "test_public.csv")
    tr_texts, tr_gold = train["text"].astype(str).tolist(), train["category"].tolist()
    te_texts, te_gold = test["text"].astype(str).tolist(), test["category"].tolist()
    x_train = embed(tr_texts, args.embeddings, cache)
    x_test = embed(te_texts, args.embeddings, cache)
    report: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
                    "embeddings": args.embeddings,
                    "settings": {"per_topic": topic_model.PROTOTYPES_PER_TOPIC,
                                 "texts_per_prototype": topic_model.TEXTS_PER_PROTOTYPE}}
    if args.tune:
        report["tune_cv_on_train"] = tune(tr_texts, tr_gold, x_train, args.embeddings)
    started = time.perf_counter()
    model = TopicModel(embeddings=args.embeddings).fit(tr_texts, embeddings=x_train)
    report["fit_seconds"] = round(time.perf_counter() - started, 1)
    report["test"] = compare(model, x_train, x_test, te_gold, args.repeats)
    if args.pairs:
        p_texts, _ = pairs(tr_texts, tr_gold, args.pairs, seed=0)
        q_texts, q_gold = pairs(te_texts, te_gold, 2000, seed=1)
        xp, xq = embed(p_texts, args.embeddings, cache), embed(q_texts, args.embeddings, cache)
        big = TopicModel(embeddings=args.embeddings).fit(p_texts, embeddings=xp)
        report["pairs"] = compare(big, xp, xq, q_gold, args.repeats)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Rebuild the shipped learned sentiment model from the public data sets.

Usage::

    python -m feedback_engine.sentiment.build ../shared/datasets            # rebuild in place
    python -m feedback_engine.sentiment.build ../shared/datasets --check    # compare, write nothing
    python -m feedback_engine.sentiment.build ../shared/datasets -o /tmp/m  # somewhere else

Each domain (:mod:`feedback_engine.sentiment.corpora`) weighs the same in the fit, however many
texts it has. The MiniLM embeddings of the training texts are cached under the engine's cache
folder, keyed by the training data's SHA-256 (a plain ``.npy``, read without pickles).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .corpora import load_training_sets
from .learned import SHIPPED, LearnedSentiment
from .model import data_hash as data_sha256  # the hash `feedback eval sentiment` compares
from .rules import RuleScorer


@dataclass
class TrainingData:
    texts: list[str]
    gold: np.ndarray
    domain: np.ndarray  # each text's domain name
    weights: np.ndarray  # equal total weight per domain, mean 1
    training: dict  # what the manifest records


def training_data(root: str | Path, names: tuple[str, ...] | None = None) -> TrainingData:
    sets = load_training_sets(root, names)
    texts, gold, domain = [], [], []
    record = {}
    for name, part in sets.items():
        texts += part.texts
        gold.append(part.gold)
        domain += [name] * len(part.texts)
        record[name] = {"files": list(part.files), "n": len(part.texts),
                        "licence": part.licence, "sha256": data_sha256(part.texts, part.gold)}
    gold_array = np.concatenate(gold)
    domains = np.array(domain)
    counts = {name: int((domains == name).sum()) for name in sets}
    weights = np.array([1.0 / counts[d] for d in domain])
    weights /= weights.mean()
    training = {"domains": record, "n": len(texts), "sha256": data_sha256(texts, gold_array),
                "weighting": "each domain weighs the same"}
    return TrainingData(texts, gold_array, domains, weights, training)


def embeddings_for(data: TrainingData, model: LearnedSentiment) -> np.ndarray:
    """MiniLM embeddings of the training texts, cached by the data's hash."""
    from ..encoders import cache_dir

    cache = cache_dir() / f"sentiment-build-{data.training['sha256'][:20]}.npy"
    if cache.is_file():
        vectors = np.load(cache, allow_pickle=False)
        if vectors.shape == (len(data.texts), 384):
            return vectors
    vectors = model.embed(data.texts, progress=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors, allow_pickle=False)
    return vectors


def build(root: str | Path, out: str | Path) -> LearnedSentiment:
    data = training_data(root)
    model = LearnedSentiment(RuleScorer())
    vectors = embeddings_for(data, model)
    model.fit(data.texts, data.gold, vectors, weights=data.weights)
    model.save(out, data.training)
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m feedback_engine.sentiment.build",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("datasets", help="the folder holding vader/, "
                        "womens_ecommerce_reviews/ and semeval2014_absa/")
    parser.add_argument("-o", "--out", default=str(SHIPPED),
                        help="where to write the model folder (default: the shipped one)")
    parser.add_argument("--check", action="store_true",
                        help="rebuild into a temporary folder and compare with the shipped "
                             "weights; exit 1 when they differ")
    args = parser.parse_args(argv)
    if not args.check:
        build(args.datasets, args.out)
        print(f"wrote {args.out}")
        return 0
    shipped = LearnedSentiment.load(SHIPPED)
    with tempfile.TemporaryDirectory() as temp:
        rebuilt = build(args.datasets, Path(temp) / "model")
    same_data = (rebuilt.manifest["training_data"]["sha256"]
                 == shipped.manifest["training_data"]["sha256"])
    difference = float(np.max(np.abs(rebuilt.coef_ - shipped.coef_)))
    print(f"training data {'identical' if same_data else 'DIFFERENT'}; "
          f"largest weight difference {difference:.2e}")
    return 0 if same_data and difference < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())

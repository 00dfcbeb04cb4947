"""Language identification and Chinese topics on the public multilingual sets (docs/languages.md).

- ``lid``: accuracy of the language stage's detector (py3langid, and lingua when installed, for
  comparison) on a seeded sample of every public multilingual file plus Banking77's English
  test set, overall and on texts under 20 characters; with the engine's fallback rule (a
  short or unclear text takes the declared language) and without it.
- ``topics``: a topic model fitted on a seeded, category-stratified sample of
  ``zh_online_shopping_10_cats``; NMI of the topics against the product category, and the
  labels (which must be Chinese words, not sentences).

Usage::

    python benchmarks/languages_benchmark.py lid ../shared/datasets [--per-file 600]
    python benchmarks/languages_benchmark.py topics ../shared/datasets [--n 5000] \\
        [--embeddings tfidf-svd]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import normalized_mutual_info_score

FILES = {
    "zh": ["multilingual/zh_waimai_10k", "multilingual/zh_online_shopping_10_cats",
           "multilingual/zh_asap_sample"],
    "ru": ["multilingual/ru_sentirueval_banks_telecom",
           "multilingual/ru_sentirueval2015_restaurants"],
    "de": ["multilingual/de_germeval2017"],
    "en": ["banking77"],
}
SHORT = 20


def _sample(datasets: Path, per_file: int, seed: int) -> list[tuple[str, str, str]]:
    """(language, file, text) for a seeded sample of each file."""
    rows = []
    for language, folders in FILES.items():
        for folder in folders:
            path = datasets / folder / ("test_public.csv" if folder == "banking77"
                                        else "public.csv")
            texts = pd.read_csv(path)["text"].dropna().astype(str)
            texts = texts.sample(min(per_file, len(texts)), random_state=seed)
            rows += [(language, folder, t) for t in texts]
    return rows


def lid(args: argparse.Namespace) -> dict:
    from feedback_engine.languages.detect import SUPPORTED, LanguageDetector

    rows = _sample(Path(args.datasets), args.per_file, args.seed)
    gold = [r[0] for r in rows]
    texts = [r[2] for r in rows]
    short = np.array([len(t) < SHORT for t in texts])
    systems = {}
    # Declared "en" for every record: the worst case for the fallback on non-English files.
    engine = LanguageDetector(SUPPORTED, "en")
    started = time.perf_counter()
    found = engine.detect_many(texts)
    systems["engine (py3langid + fallback to en)"] = (
        [d.language for d in found], time.perf_counter() - started)
    # Each file's language declared (a source with a language column): the fallback's target.
    started = time.perf_counter()
    systems["engine, language declared by the source"] = (
        [d.language for d in engine.detect_many(texts, gold)], time.perf_counter() - started)
    raw = LanguageDetector(SUPPORTED, "en", min_confidence=0.0, min_letters=0)
    started = time.perf_counter()
    systems["py3langid alone"] = ([d.language for d in raw.detect_many(texts)],
                                  time.perf_counter() - started)
    try:
        from lingua import Language, LanguageDetectorBuilder

        codes = {Language.ENGLISH: "en", Language.CHINESE: "zh", Language.RUSSIAN: "ru",
                 Language.GERMAN: "de"}
        detector = LanguageDetectorBuilder.from_languages(*codes).build()
        started = time.perf_counter()
        systems["lingua"] = ([codes.get(detector.detect_language_of(t), "?") for t in texts],
                             time.perf_counter() - started)
    except ImportError:
        pass
    out = {"n": len(rows), "n_short": int(short.sum()), "files": dict(Counter(r[1] for r in rows)),
           "systems": {}}
    for name, (predicted, seconds) in systems.items():
        ok = np.array([p == g for p, g in zip(predicted, gold, strict=True)])
        errors = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
        out["systems"][name] = {
            "accuracy": round(float(ok.mean()), 4),
            "accuracy_short": round(float(ok[short].mean()), 4) if short.any() else None,
            "docs_per_s": round(len(texts) / seconds),
            "errors": {f"{g}->{p}": n for (g, p), n in errors.most_common(8)},
        }
    out["fallbacks"] = dict(Counter(d.source for d in found))
    return out


def topics(args: argparse.Namespace) -> dict:
    from feedback_engine.topics.model import TopicModel

    frame = pd.read_csv(Path(args.datasets) / "multilingual/zh_online_shopping_10_cats"
                        / "public.csv")
    # Two disjoint halves by row position: settings are chosen on "tune", figures come from
    # "test".
    frame = frame.iloc[(0 if args.part == "tune" else 1)::2]
    per = args.n // frame["category"].nunique()
    # At most `per` of each category, seeded: the big categories do not drown the small.
    picked = [g.sample(min(per, len(g)), random_state=args.seed).index
              for _, g in frame.groupby("category", sort=True)]
    sample = frame.loc[np.concatenate(picked)].reset_index(drop=True)
    texts = sample["text"].astype(str).tolist()
    started = time.perf_counter()
    model = TopicModel(embeddings=args.embeddings, seed=args.seed,
                       min_topic_size=args.min_topic_size, resolution=args.resolution,
                       n_neighbors=args.n_neighbors)
    model.fit(texts, languages=["zh"] * len(texts))
    seconds = time.perf_counter() - started
    labels = model.labels_
    assert labels is not None
    nmi_all = normalized_mutual_info_score(sample["category"], labels)
    inside = labels >= 0
    nmi_in = normalized_mutual_info_score(sample["category"][inside], labels[inside])
    han = re.compile(r"^[\u3400-\u9fff]+$")
    words = [w for t in model.topics_ for w in t.label.split(" / ")]
    return {"n": len(texts), "part": args.part, "resolution": args.resolution,
            "min_topic_size": args.min_topic_size, "n_neighbors": model.n_neighbors,
            "embeddings": model.manifest_["embeddings"],
            "n_topics": len(model.topics_), "outlier_share": round(float(np.mean(~inside)), 4),
            "nmi": round(float(nmi_all), 4), "nmi_assigned_only": round(float(nmi_in), 4),
            "label_words": len(words),
            "label_words_chinese": sum(bool(han.match(w)) for w in words),
            "label_word_max_chars": max((len(w) for w in words), default=0),
            "seconds": round(seconds, 1),
            "topics": [{"size": t.size, "label": t.label,
                        "top_category": sample["category"][labels == t.id].mode().iat[0]}
                       for t in sorted(model.topics_, key=lambda t: -t.size)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("lid")
    one.add_argument("datasets")
    one.add_argument("--per-file", type=int, default=600)
    one.add_argument("--seed", type=int, default=0)
    two = sub.add_parser("topics")
    two.add_argument("datasets")
    two.add_argument("--n", type=int, default=5000)
    two.add_argument("--embeddings", default="tfidf-svd")
    two.add_argument("--min-topic-size", type=int, default=20)
    two.add_argument("--resolution", type=float, default=1.0)
    two.add_argument("--n-neighbors", type=int, default=None,
                     help="default: the engine's (about sqrt(n) when most texts are not English)")
    two.add_argument("--part", choices=("tune", "test"), default="test")
    two.add_argument("--seed", type=int, default=0)
    for p in (one, two):
        p.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    result = lid(args) if args.command == "lid" else topics(args)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

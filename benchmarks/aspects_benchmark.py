"""Aspect polarity, effort and emotion: accuracy, correlation with stars, and speed.

    python benchmarks/aspects_benchmark.py \\
        --semeval ../shared/datasets/semeval2014_absa \\
        --reviews ../shared/datasets/womens_ecommerce_reviews/reviews_public.csv

1. SemEval-2014 Task 4 (Restaurants_Train_v2.xml, Laptop_Train_v2.xml): polarity of the
   gold terms on a held-out 20% of sentences (seeded shuffle, seed 13), rules alone and the
   model trained on the other 80%; term extraction precision / recall.
2. Women's e-commerce reviews: Spearman correlation of the star rating with the mean aspect
   score, the effort score and the emotion intensities (only reviews where each is present),
   so each output is checked for the expected direction.
3. Speed of each stage (docs/s, wall time, one process) on the reviews and on short
   contact-center texts built from the sample generator's phrase banks (seeded).
4. With ``--finetune-speed`` (needs ``--semeval`` and torch): scoring speed of the fine-tuned
   backend with one MiniLM network and with three (MiniLM's default ensemble), terms/s on the
   restaurants' held-out terms, alternating, ``--repeat`` times. The networks take one
   optimiser step only: scoring speed does not depend on the weights. ``--with-mpnet`` adds
   one all-mpnet-base-v2 network (the ``mpnet`` extra) to the rotation. Run it with
   ``OMP_NUM_THREADS=1`` for the one-core figure.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

import pandas as pd


def _short_texts(n: int, seed: int = 7) -> list[str]:
    from feedback_engine.sample._phrases import BANKS

    sentences = [re.sub(r"\{[^}]*\}", "it", s) for bank in BANKS.values()
                 for s in bank.get("cust", []) + bank.get("detail", [])]
    rng = random.Random(seed)
    return [" ".join(rng.sample(sentences, 2)) for _ in range(n)]


def _speed(stages: list[str], texts: list[str]) -> dict[str, float]:
    from feedback_engine.records import CANONICAL_COLUMNS
    from feedback_engine.stages import build_pipeline

    pipeline = build_pipeline(stages, {}, [*CANONICAL_COLUMNS, "turns", "text_redacted"])
    pipeline.setup()
    frame = pd.DataFrame({"record_id": [str(i) for i in range(len(texts))], "source": "b",
                          "text": texts, "turns": [None] * len(texts)})
    frame = pipeline.stages[0](frame)  # normalize
    frame["text_redacted"] = frame["text"]  # redaction is not what is measured here
    out = {}
    for s in pipeline.stages[1:]:
        started = time.perf_counter()
        frame = s(frame)
        out[s.name] = round(len(texts) / (time.perf_counter() - started))
    return out


def _correlations(reviews: Path, limit: int | None) -> dict[str, dict]:
    from scipy.stats import spearmanr

    from feedback_engine.aspects.effort import EffortScorer
    from feedback_engine.aspects.emotion import EmotionScorer
    from feedback_engine.aspects.extract import AspectMatcher, NounPhrases, RulePolarity
    from feedback_engine.aspects.lexicons import load_aspects
    from feedback_engine.sentiment.rules import RuleScorer

    data = pd.read_csv(reviews).dropna(subset=["Review Text"])
    if limit:
        data = data.head(limit)
    texts, stars = data["Review Text"].astype(str).tolist(), data["Rating"].tolist()
    matcher, nouns = AspectMatcher(load_aspects()), NounPhrases()
    rules, effort, emotion = RulePolarity(RuleScorer(), EffortScorer()), EffortScorer(), \
        EmotionScorer()
    mentions = [matcher.find(t) for t in texts]
    missing = [i for i, m in enumerate(mentions) if not m]
    for i, found in zip(missing, nouns.find_many([texts[i] for i in missing]), strict=True):
        mentions[i] = found
    columns: dict[str, list] = {"aspect_mean_score": [], "effort_score": []}
    emotions = emotion.emotions
    for name in emotions:
        columns[f"emotion:{name}"] = []
    for text, found in zip(texts, mentions, strict=True):
        scores = rules.text(text, found) if found else []
        columns["aspect_mean_score"].append(sum(scores) / len(scores) if scores else None)
        e = effort.score(text)
        columns["effort_score"].append(e.score if e else None)
        found_emotions = emotion.score(text)
        for name in emotions:
            columns[f"emotion:{name}"].append(found_emotions.get(name, 0.0))
    out = {}
    for name, values in columns.items():
        pairs = [(v, s) for v, s in zip(values, stars, strict=True) if v is not None]
        # coverage: for emotions, the reviews where the emotion is present
        emotion = name.startswith("emotion:")
        present = sum(1 for v, _ in pairs if v > 0) if emotion else len(pairs)
        rho = spearmanr([v for v, _ in pairs], [s for _, s in pairs]).statistic
        out[name] = {"n": len(pairs), "present": present, "spearman_vs_stars": round(rho, 3)}
    return out


def _finetune_speed(semeval: Path, repeat: int, with_mpnet: bool) -> dict[str, list[int]]:
    from feedback_engine.aspects.finetune import FinetunedPolarity
    from feedback_engine.evaluation.aspects import instances, read_semeval, split

    train, held = split(read_semeval(semeval / "Restaurants_Train_v2.xml"))
    items, _ = instances(held)
    fit_items, fit_gold = instances(train[:40])
    three = FinetunedPolarity.fit(fit_items, fit_gold, max_steps=1, batch_size=4, ensemble=3,
                                  encoder="minilm")
    one = FinetunedPolarity(three.networks[:1], three.tokenizer, three.settings)
    models = [("minilm_one_network", one), ("minilm_three_networks", three)]
    if with_mpnet:
        models.append(("mpnet_one_network", FinetunedPolarity.fit(
            fit_items, fit_gold, max_steps=1, batch_size=4, encoder="mpnet", ensemble=1)))
    out: dict[str, list[int]] = {"terms": [len(items)], **{name: [] for name, _ in models}}
    for _ in range(repeat):
        for name, model in models:
            started = time.perf_counter()
            model.probabilities(items)
            out[name].append(round(len(items) / (time.perf_counter() - started)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--semeval", type=Path, help="folder with the SemEval-2014 XML")
    parser.add_argument("--reviews", type=Path, help="womens_ecommerce_reviews CSV")
    parser.add_argument("--limit", type=int, help="use only the first N reviews")
    parser.add_argument("--speed-n", type=int, default=5000)
    parser.add_argument("--finetune-speed", action="store_true",
                        help="only measure the fine-tuned backend's scoring speed (terms/s)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--with-mpnet", action="store_true",
                        help="--finetune-speed: also one all-mpnet-base-v2 network")
    args = parser.parse_args()
    if args.finetune_speed:
        if not args.semeval:
            parser.error("--finetune-speed needs --semeval")
        print(json.dumps(_finetune_speed(args.semeval, args.repeat, args.with_mpnet), indent=2))
        return

    from feedback_engine.evaluation.aspects import evaluate_aspects

    report: dict[str, object] = {}
    if args.semeval:
        for name in ("Restaurants_Train_v2.xml", "Laptop_Train_v2.xml"):
            result = evaluate_aspects(args.semeval / name)
            report[name] = {"polarity": result["polarity"], "extraction": result["extraction"],
                            "extraction_learned": result.get("extraction_learned"),
                            "split": result["split"]}
    if args.reviews:
        report["reviews_vs_stars"] = _correlations(args.reviews, args.limit)
        texts = pd.read_csv(args.reviews)["Review Text"].dropna().astype(str).tolist()
        report["speed_docs_per_s_reviews"] = _speed(
            ["normalize", "aspects", "effort", "emotion"], texts[:args.speed_n])
    report["speed_docs_per_s_short_cc"] = _speed(["normalize", "aspects", "effort", "emotion"],
                                                 _short_texts(args.speed_n))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

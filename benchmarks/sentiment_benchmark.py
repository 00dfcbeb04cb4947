"""Sentiment speed: the engine's rule path against plain VADER on the same texts.

    python benchmarks/sentiment_benchmark.py DATA [--format vader] [--repeat 7]

Both run in one process, alternating, ``--repeat`` times, timed in process CPU time (other
processes on a shared machine do not count against either); the figure is the ratio of the
median docs/s (engine / plain VADER). The rule path is document scoring with sentences, as
the stage runs it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from feedback_engine.evaluation.sentiment import load_vader
from feedback_engine.sentiment.rules import RuleScorer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, nargs="+", help="VADER ground-truth files")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader, engine = SentimentIntensityAnalyzer(), RuleScorer()
    report = {}
    for path in args.data:
        texts = load_vader(path).texts
        plain_rates, engine_rates = [], []
        for _ in range(args.repeat):
            started = time.process_time()
            for text in texts:
                vader.polarity_scores(text)
            plain_rates.append(len(texts) / (time.process_time() - started))
            started = time.process_time()
            for text in texts:
                engine.document(text)
            engine_rates.append(len(texts) / (time.process_time() - started))
        plain, rules = statistics.median(plain_rates), statistics.median(engine_rates)
        report[path.name] = {"n": len(texts), "plain_vader_docs_per_s": round(plain),
                             "engine_rules_docs_per_s": round(rules),
                             "ratio": round(rules / plain, 3)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

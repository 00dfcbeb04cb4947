"""PII redaction in Russian, Chinese and German: speed, and redactions on real texts.

    python benchmarks/pii_lang_benchmark.py speed benchmarks/data/pii_eval_ru_test.jsonl
    python benchmarks/pii_lang_benchmark.py clean zh \
        ../shared/datasets/multilingual/zh_waimai_10k/public.csv --limit 2000

``speed``: documents per second of ``Redactor.find(text, language)`` over a labelled file's
texts, the median of ``--repeat`` passes after a warm-up (models loaded once, as in a worker),
one document at a time; also the first call's seconds (model loading).

``clean``: records the redactor changes per 1,000 on a file of real texts (a CSV's ``text``
column), read as ``LANGUAGE``. Such texts may hold real names (tweets name people), so every
change is listed with ``--show`` for a reader to judge; the figure is an upper bound of the
false redactions. The sets under ``../shared/datasets/multilingual`` are for evaluation only.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections import Counter
from pathlib import Path

from feedback_engine.evaluation.pii import load_pii_data
from feedback_engine.privacy import Redactor


def speed(path: Path, repeat: int) -> None:
    data = load_pii_data(path)
    redactor = Redactor()
    started = time.perf_counter()
    redactor.find(data[0].text, data[0].language)
    first = time.perf_counter() - started
    for item in data:
        redactor.find(item.text, item.language)  # warm-up: regex and phone caches
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        for item in data:
            redactor.find(item.text, item.language)
        rates.append(len(data) / (time.perf_counter() - started))
    chars = statistics.mean(len(item.text) for item in data)
    print(f"{path.name}: {len(data)} texts, {chars:.0f} characters on average; first call "
          f"{first:.2f} s; {statistics.median(rates):,.0f} docs/s (median of {repeat})")


def clean(language: str, path: Path, limit: int, show: bool, offset: int = 0) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle) if row.get("text", "").strip()]
    texts = texts[offset:offset + limit] if limit else texts[offset:]
    redactor = Redactor()
    by_type: Counter[str] = Counter()
    changed = 0
    started = time.perf_counter()
    for number, text in enumerate(texts, start=1):
        spans = redactor.find(text, language)
        if not spans:
            continue
        changed += 1
        for span in spans:
            by_type[span.type] += 1
            if show:
                print(f"{number}\t{span.type}\t{text[span.start:span.end]!r}\t"
                      f"{text[max(0, span.start - 20):span.end + 20]!r}")
    seconds = time.perf_counter() - started
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(by_type.items())) or "none"
    print(f"{path.parent.name} [{offset}:{offset + len(texts)}]: {len(texts):,} texts as "
          f"{language}; changed "
          f"{1000 * changed / len(texts):.2f} per 1,000 ({changed}; spans: {kinds}); "
          f"{len(texts) / seconds:,.0f} docs/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("speed")
    one.add_argument("data", type=Path)
    one.add_argument("--repeat", type=int, default=3)
    two = sub.add_parser("clean")
    two.add_argument("language")
    two.add_argument("data", type=Path)
    two.add_argument("--limit", type=int, default=0)
    two.add_argument("--offset", type=int, default=0, help="skip this many texts first")
    two.add_argument("--show", action="store_true")
    args = parser.parse_args()
    if args.command == "speed":
        speed(args.data, args.repeat)
    else:
        clean(args.language, args.data, args.limit, args.show, args.offset)


if __name__ == "__main__":
    main()

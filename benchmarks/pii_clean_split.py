"""Split a CSV of clean (PII-free) texts into a tuning half and a test half, by row order.

    python benchmarks/pii_clean_split.py \
        ../shared/datasets/womens_ecommerce_reviews/reviews_public.csv \
        /tmp/clothing_tune.csv /tmp/clothing_test.csv

Rows 1..n/2 (data rows, in file order) go to the first output, the rest to the second;
deterministic, so a false-redaction rule can be tuned on the first half only and measured
once on the second:

    feedback eval pii benchmarks/data/pii_eval.jsonl --clean /tmp/clothing_test.csv \
        --clean-column "Review Text"

The outputs are written outside the repository: the datasets must not be copied into it.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path


def split(source: Path, first: Path, second: Path) -> tuple[int, int]:
    with open(source, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, data = rows[0], rows[1:]
    half = len(data) // 2
    for path, part in ((first, data[:half]), (second, data[half:])):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(part)
    return half, len(data) - half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args()
    a, b = split(args.source, args.first, args.second)
    print(f"{args.first}: {a} rows; {args.second}: {b} rows")


if __name__ == "__main__":
    main()

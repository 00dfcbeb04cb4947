"""MiniLM runtimes side by side on Banking77: torch, ONNX fp32, ONNX int8.

Usage (the data set is read where it lies, never copied):

    python benchmarks/encoder_benchmark.py --data /path/to/banking77 [--repeats 3] \
        [--threads 1,2] [--json out.json]

For each runtime and thread count it prints docs/s encoding the test texts (test_public.csv;
the median of ``--repeats`` runs, runtimes interleaved so background load hits them alike) and
the load time (first call, one text, in this process); then each runtime's cold start in a
fresh process (imports included: torch's are most of it). Then, per runtime, the cosine of
each test text's vector to torch's (min, mean, share below 0.99) and the accuracy of
LogisticRegression(C=10) trained on train.csv's vectors and tested on test_public.csv's. The
ONNX export, when the cache has none yet, is timed on its own first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RUNTIMES = (("torch", "fp32"), ("onnx", "fp32"), ("onnx", "int8"))


def _texts(folder: str, name: str) -> pd.DataFrame:
    return pd.read_csv(Path(folder) / name, keep_default_na=False)


def _export_seconds() -> float | None:
    """Seconds the one-time ONNX export took now, or None when the cache had it already."""
    from feedback_engine import onnx_minilm

    if onnx_minilm.has_cached_folder():
        return None
    started = time.perf_counter()
    onnx_minilm.minilm_onnx_folder(threads=os.cpu_count() or 1)
    return time.perf_counter() - started


COLD_LOAD = """
import time
started = time.perf_counter()
from feedback_engine.embeddings import MiniLMBackend
MiniLMBackend(threads=1, runtime={runtime!r}, precision={precision!r}).encode(["warm up"])
print(time.perf_counter() - started)
"""


def _cold_loads() -> dict[str, float]:
    """Seconds from a fresh interpreter to the first vector, per runtime (imports included)."""
    out = {}
    for runtime, precision in RUNTIMES:
        code = COLD_LOAD.format(runtime=runtime, precision=precision)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True)
        out[f"{runtime}-{precision}"] = float(done.stdout.split()[-1])
    return out


def _speeds(texts: list[str], threads: list[int], repeats: int, batch_size: int
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(docs/s per runtime and thread count, load seconds per runtime and thread count)."""
    from feedback_engine.embeddings import MiniLMBackend

    backends, loads = {}, {}
    for runtime, precision in RUNTIMES:
        for n in threads:
            key = f"{runtime}-{precision}@{n}"
            backend = MiniLMBackend(threads=n, runtime=runtime, precision=precision)
            started = time.perf_counter()
            backend.encode(["warm up"])
            loads[key] = time.perf_counter() - started
            backends[key] = backend
    runs: dict[str, list[float]] = {key: [] for key in backends}
    for _ in range(repeats):
        for key, backend in backends.items():
            started = time.perf_counter()
            backend.encode(texts, batch_size=batch_size)
            runs[key].append(len(texts) / (time.perf_counter() - started))
    return {key: statistics.median(v) for key, v in runs.items()}, loads


def _quality(train: pd.DataFrame, test: pd.DataFrame, threads: int, batch_size: int
             ) -> dict[str, dict[str, float]]:
    """Cosine to torch per test text and LR(C=10) accuracy, per runtime."""
    from sklearn.linear_model import LogisticRegression

    from feedback_engine.embeddings import MiniLMBackend

    out, reference = {}, None
    for runtime, precision in RUNTIMES:
        backend = MiniLMBackend(threads=threads, runtime=runtime, precision=precision)
        test_vectors = backend.encode(test["text"].tolist(), batch_size=batch_size)
        train_vectors = backend.encode(train["text"].tolist(), batch_size=batch_size)
        reference = test_vectors if reference is None else reference
        cosine = np.sum(test_vectors * reference, axis=1)
        classifier = LogisticRegression(C=10, max_iter=3000)
        classifier.fit(train_vectors, train["category"])
        accuracy = float(np.mean(classifier.predict(test_vectors) == test["category"]))
        worst = int(np.argmin(cosine))
        out[f"{runtime}-{precision}"] = {
            "runtime": backend.runtime, "min_cosine": float(cosine.min()),
            "mean_cosine": float(cosine.mean()),
            "share_below_0.99": float(np.mean(cosine < 0.99)),
            "worst_text": test["text"].iloc[worst][:60], "accuracy": accuracy}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="the banking77 folder")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", default="1,2", help="thread counts, comma separated")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    train, test = _texts(args.data, "train.csv"), _texts(args.data, "test_public.csv")
    threads = [int(n) for n in args.threads.split(",")]
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{len(os.sched_getaffinity(0))} cores; {len(test)} test texts, "
          f"{len(train)} train texts, batch {args.batch_size}")
    export = _export_seconds()
    print(f"ONNX export: {'cached already' if export is None else f'{export:.1f} s'}")
    speeds, loads = _speeds(test["text"].tolist(), threads, args.repeats, args.batch_size)
    print(f"\n{'runtime':<12}{'threads':>8}{'docs/s':>10}{'load s':>9}"
          f"   (load average now {os.getloadavg()[0]:.1f})")
    for key, value in speeds.items():
        name, n = key.split("@")
        print(f"{name:<12}{n:>8}{value:>10.0f}{loads[key]:>9.2f}")
    cold = _cold_loads()
    print("cold start to the first vector (fresh process, imports included): "
          + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cold.items()))
    quality = _quality(train, test, max(threads), args.batch_size)
    print(f"\n{'runtime':<12}{'min cos':>9}{'mean cos':>10}{'<0.99':>8}{'LR acc':>8}  worst text")
    for name, row in quality.items():
        print(f"{name:<12}{row['min_cosine']:>9.4f}{row['mean_cosine']:>10.5f}"
              f"{row['share_below_0.99']:>8.1%}{row['accuracy']:>8.4f}  {row['worst_text']!r}")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"export_seconds": export, "docs_per_second": speeds, "load_seconds": loads,
             "cold_start_seconds": cold, "quality": quality}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

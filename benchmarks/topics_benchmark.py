"""Topics and keywords benchmark: quality on Banking77, speed, and memory at 100k texts.

Usage (each part is optional; the data sets are read from where they lie, never copied):

    python benchmarks/topics_benchmark.py banking77 /path/to/banking77 [--embeddings minilm]
    python benchmarks/topics_benchmark.py memory /path/to/banking77 --n 100000 \
        [--embeddings model2vec]
    python benchmarks/topics_benchmark.py keywords [--n 20000]

``banking77`` fits on train.csv + test_public.csv without the number of intents and prints
the engine beside BERTopic's defaults on the same embeddings (NMI, ARI, outliers, seconds).
``memory`` fits on ``--n`` texts made from Banking77 sentences (each joined with a second,
seeded-random one, so there are few exact duplicates) and reports peak RSS of the process.
``keywords`` times keyphrase extraction on the sample corpus's texts (docs/s, one core).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _banking(folder: str) -> pd.DataFrame:
    parts = [pd.read_csv(Path(folder) / name) for name in ("train.csv", "test_public.csv")]
    return pd.concat(parts, ignore_index=True)


def banking77(folder: str, embeddings: str) -> dict:
    from feedback_engine.topics.evaluate import evaluate_topics, format_topics_eval

    data = _banking(folder)
    result = evaluate_topics(data["text"].tolist(), data["category"].tolist(),
                             embeddings=embeddings, baseline=True)
    print(format_topics_eval(result))
    return result


def memory(folder: str, n: int, embeddings: str) -> dict:
    from feedback_engine.topics.model import TopicModel

    base = _banking(folder)["text"].tolist()
    rng = np.random.default_rng(0)
    first, second = rng.integers(0, len(base), n), rng.integers(0, len(base), n)
    texts = [f"{base[a]} Also, {base[b][0].lower()}{base[b][1:]}"
             for a, b in zip(first, second, strict=True)]
    started, cpu = time.perf_counter(), time.process_time()
    model = TopicModel(embeddings=embeddings).fit(texts)
    result = {"n": n, "embeddings": model.manifest_["embeddings"],
              "n_topics": len(model.topics_),
              "outlier_share": model.manifest_["metrics"]["outlier_share"],
              "seconds": round(time.perf_counter() - started, 1),
              "cpu_seconds": round(time.process_time() - cpu, 1),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(result))
    return result


def keywords(n: int) -> dict:
    """Analyze the sample corpus with normalize + keywords (raw text kept, no redaction, so
    the timing is the keywords stage's own) and time the stage inside the run."""
    import copy
    import tempfile

    import duckdb

    from feedback_engine import api
    from feedback_engine.config import DEFAULTS
    from feedback_engine.sample import generate_corpus
    from feedback_engine.stages.keywords import Keywords

    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus"
        generate_corpus(corpus, n_records=n, seed=7)
        config = copy.deepcopy(DEFAULTS)
        config["pipeline"]["stages"] = ["normalize"]
        inputs = [p for p in sorted(corpus.iterdir()) if p.name != "manifest.json"]
        api.analyze(inputs, db=Path(folder) / "k.duckdb", config=config, keep_raw=True)
        con = duckdb.connect(str(Path(folder) / "k.duckdb"), read_only=True)
        texts = [r[0] for r in con.execute("SELECT text FROM records").fetchall()]
        con.close()
    stage = Keywords()
    stage.setup()
    chunk = pd.DataFrame({"record_id": [str(i) for i in range(len(texts))],
                          "text_redacted": texts})
    started = time.process_time()
    stage(chunk)
    seconds = time.process_time() - started
    result = {"texts": len(texts), "cpu_seconds": round(seconds, 2),
              "docs_per_cpu_second": round(len(texts) / seconds)}
    print(json.dumps(result))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["banking77", "memory", "keywords"])
    parser.add_argument("folder", nargs="?", help="the banking77 folder")
    parser.add_argument("--embeddings", default="minilm")
    parser.add_argument("--n", type=int, default=None)
    args = parser.parse_args(argv)
    if args.part in ("banking77", "memory") and not args.folder:
        parser.error(f"{args.part} needs the banking77 folder")
    if args.part == "banking77":
        banking77(args.folder, args.embeddings)
    elif args.part == "memory":
        memory(args.folder, args.n or 100_000, args.embeddings)
    else:
        keywords(args.n or 20_000)
    return 0


if __name__ == "__main__":
    sys.exit(main())

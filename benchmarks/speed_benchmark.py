"""End-to-end speed with the embedding models on (issue #23): one embedding pass per record.

    python benchmarks/speed_benchmark.py --banking77 ../shared/datasets/banking77 \\
        --records 100000 --work-dir /tmp/speed --json speed.json [--demo]

Every step runs as its own ``feedback`` command in a fresh process, timed by wall clock from
start to end (imports and model loading included), with the peak RSS of its process tree:

1. **Feed**: the 10,003 Banking77 training messages written in order, again and again, to
   ``--records`` rows with fresh ids, a customer id, an NPS answer and timestamps over eight
   weeks. Rows are in the messages' order, so a 5,000-row chunk holds no text twice and no
   per-chunk cache helps; across the run each text comes back about ten times.
2. ``feedback rootcause train`` the accurate model (MiniLM + n-grams) on the same messages.
3. ``feedback analyze FEED --workers W`` with the default pipeline and no models.
4. ``feedback topics fit`` with default settings on that warehouse (nothing stored to reuse:
   every text is embedded).
5. ``feedback analyze FEED --workers W`` with that topic model and the root-cause model
   configured (the issue's end-to-end figure; the ``embed`` stage runs once per record).
6. ``feedback topics fit`` again, on the warehouse of step 5: its vectors are reused.
7. With ``--demo``: the demo corpus (``feedback demo``'s, 20,000 records generated with seed
   7) analyzed with ``--workers W`` and the demo's topic model.

The figures are only comparable within one run on one machine; the script prints the
machine's cores and load.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from scale_benchmark import communicate_sampled  # noqa: E402  (benchmarks/ is not a package)

FEEDBACK = [sys.executable, "-c", "from feedback_engine.cli import main; main()"]


def make_feed(banking77: Path, path: Path, n: int, seed: int = 0) -> dict[str, Any]:
    """Write ``n`` feed rows cycling through the Banking77 training messages."""
    with open(banking77 / "train.csv", encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    rng = random.Random(seed)
    start = datetime(2026, 9, 7)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "customer_id", "created_at", "channel", "nps", "text"])
        for i in range(n):
            when = start + timedelta(seconds=int(i * 56 * 86400 / n))
            writer.writerow([f"B{i + 1:08d}", f"C{rng.randrange(n // 3 + 1):07d}",
                             when.isoformat(), rng.choice(["chat", "email", "app"]),
                             rng.randrange(11), texts[i % len(texts)]])
    return {"records": n, "distinct_texts": len(texts),
            "mean_chars": round(sum(map(len, texts)) / len(texts), 1)}


def timed(args: list[str], label: str) -> dict[str, Any]:
    """Run one ``feedback`` command; return its wall seconds, peak RSS and JSON output."""
    started = time.perf_counter()
    process = subprocess.Popen([*FEEDBACK, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    out, err, peak_rss, _ = communicate_sampled(process)
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"{label} failed:\n{err.decode()[-3000:]}")
    text = out.decode()
    result: dict[str, Any] = {}
    if "{" in text:
        result = json.loads(text[text.index("{"):])
    row = {"step": label, "wall_s": round(wall, 1), "peak_rss_mb": round(peak_rss / 2**20)}
    print(json.dumps(row), flush=True)
    return {**row, "output": result}


def analyze(inputs: list[Path], db: Path, config: Path, workers: int,
            label: str) -> dict[str, Any]:
    db.unlink(missing_ok=True)
    run = timed(["analyze", *map(str, inputs), "--db", str(db), "--workers", str(workers),
                 "--config", str(config), "--json", "--no-progress"], label)
    summary = run.pop("output")
    run.update(records=summary["read"], docs_per_s=round(summary["read"] / run["wall_s"]),
               stages=summary.get("timings"))
    print(f"  {label}: {run['records']:,} records, {run['docs_per_s']:,} docs/s wall",
          flush=True)
    return run


def write_config(path: Path, topics: Path | None = None, rootcause: Path | None = None,
                 domain: str | None = None) -> Path:
    lines = []
    if domain:
        lines += ["[taxonomy]", f'domain = "{domain}"']
    if topics:
        lines += ["[stages.topics]", f'model = "{topics.as_posix()}"']
    if rootcause:
        lines += ["[stages.rootcause]", f'model = "{rootcause.as_posix()}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def topics_fit(db: Path, out: Path, label: str) -> dict[str, Any]:
    run = timed(["topics", "fit", "--db", str(db), "-o", str(out), "--json"], label)
    result = run.pop("output")
    run.update({k: result.get(k) for k in ("n_texts", "embeddings_reused", "n_topics",
                                           "outlier_share", "embeddings")})
    print(f"  {label}: {result.get('n_texts'):,} texts, {result.get('embeddings_reused'):,} "
          f"vectors reused, {run['wall_s']} s wall", flush=True)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--banking77", type=Path, required=True,
                        help="folder with Banking77's train.csv")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/feedback-speed"))
    parser.add_argument("--demo", action="store_true", help="also time the demo corpus")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("FEEDBACK_ENGINE_CACHE", str(work / "cache"))
    results: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "load_1min_at_start": round(os.getloadavg()[0], 2)}}
    feed = work / f"banking77-feed-{args.records}.csv"
    if not feed.is_file():
        results["feed"] = make_feed(args.banking77, feed, args.records)
    plain = write_config(work / "plain.toml")
    rc_model = work / "rootcause-accurate"
    if not (rc_model / "manifest.json").is_file():
        results["rootcause_train"] = timed(
            ["rootcause", "train", str(args.banking77 / "train.csv"), "--text-col", "text",
             "--label-col", "category", "--kind", "accurate", "-o", str(rc_model), "--json"],
            "rootcause train (accurate)")
        results["rootcause_train"].pop("output")
    db_plain = work / "plain.duckdb"
    results["analyze_no_models"] = analyze([feed], db_plain, plain, args.workers,
                                           "analyze, no models")
    topics = work / "topics"
    results["topics_fit_cold"] = topics_fit(db_plain, topics, "topics fit (nothing stored)")
    full = write_config(work / "full.toml", topics=topics, rootcause=rc_model)
    db_full = work / "full.duckdb"
    results["analyze_with_models"] = analyze([feed], db_full, full, args.workers,
                                             "analyze, topic + accurate root-cause models")
    results["topics_fit_reusing"] = topics_fit(db_full, work / "topics-again",
                                               "topics fit (vectors stored)")
    if args.demo:
        from feedback_engine.sample import generate_corpus

        corpus = work / "demo-corpus"
        if not (corpus / "manifest.json").is_file():
            generate_corpus(corpus, n_records=20_000, seed=7)
        # As `feedback demo` does: every data file and transcript folder, not manifest.json.
        inputs = [p for p in sorted(corpus.iterdir()) if p.is_dir() or p.suffix in (
            ".csv", ".jsonl", ".parquet", ".xlsx")]
        demo_db = work / "demo.duckdb"
        demo_plain = write_config(work / "demo.toml", domain="telecom")
        timed(["analyze", *map(str, inputs), "--db", str(demo_db), "--config", str(demo_plain),
               "--json", "--no-progress"], "demo analyze (to fit its topic model)")
        demo_topics = work / "demo-topics"
        timed(["topics", "fit", "--db", str(demo_db), "-o", str(demo_topics), "--embeddings",
               "model2vec", "--seed", "7", "--json"], "demo topics fit (model2vec)")
        demo_cfg = write_config(work / "demo-full.toml", topics=demo_topics, domain="telecom")
        results["demo_analyze_with_topics"] = analyze(
            inputs, demo_db, demo_cfg, args.workers, "demo analyze with its topic model")
    results["machine"]["load_1min_at_end"] = round(os.getloadavg()[0], 2)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in results.items()}, indent=2, default=str))


if __name__ == "__main__":
    main()

"""Speed of the conversation-metrics and QA stages, in transcripts per second.

Builds transcripts of about ``--turns`` turns from the sample corpus's calls and chats
(consecutive conversations are joined until they reach the length), scores their turns with
the sentiment stage first (not timed: QA reads the per-turn scores it stores), then times
``conversation`` + ``qa`` over chunks of 1,000, as the pipeline runs them, in one process.

Usage:
    python benchmarks/qa_benchmark.py [--records 6000] [--turns 30] [--repeat 3]

Prints wall-clock and CPU transcripts/s (best of the repeats) and turns/s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from feedback_engine.config import DEFAULTS
from feedback_engine.records import SeenIds, ValidationSettings, validate
from feedback_engine.sample.generator import generate_corpus
from feedback_engine.sources import open_sources
from feedback_engine.stages import build_pipeline


def load_transcripts(records: int, seed: int) -> pd.DataFrame:
    """The sample corpus's chats and calls as validated records with turns."""
    with tempfile.TemporaryDirectory() as tmp:
        generate_corpus(tmp, n_records=records, seed=seed)
        opened = open_sources([Path(tmp) / "chats.jsonl", Path(tmp) / "calls"], DEFAULTS)
        frames = []
        for o in opened:
            for raw in o.source.chunks(5000):
                good, _ = validate(raw, o.info, ValidationSettings(), SeenIds())
                frames.append(good)
    return pd.concat(frames, ignore_index=True)


def lengthen(frame: pd.DataFrame, turns: int) -> pd.DataFrame:
    """Join consecutive conversations until each has at least ``turns`` turns."""
    rows, current = [], None
    for row in frame.to_dict("records"):
        if current is None:
            current = {**row, "turns": list(row["turns"])}
        else:
            current["turns"] += row["turns"]
        if len(current["turns"]) >= turns:
            rows.append(current)
            current = None
    out = pd.DataFrame(rows)
    out["text"] = ["\n".join(f"{t['speaker']}: {t['text']}" for t in ts) for ts in out["turns"]]
    out["text_redacted"] = out["text"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=6000, help="sample corpus size")
    parser.add_argument("--turns", type=int, default=30, help="turns per transcript, at least")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    data = lengthen(load_transcripts(args.records, args.seed), args.turns)
    columns = [*data.columns]
    prep = build_pipeline(["sentiment"], DEFAULTS["stages"], columns)
    prep.setup()
    data = prep(data)
    stages = build_pipeline(["conversation", "qa"], DEFAULTS["stages"], data.columns)
    stages.setup()
    n, total_turns = len(data), int(data["turns"].map(len).sum())
    chunks = [data.iloc[i:i + 1000].reset_index(drop=True) for i in range(0, n, 1000)]
    walls, cpus = [], []
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        for chunk in chunks:
            stages(chunk)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    best_wall, best_cpu = min(walls), min(cpus)
    print(f"transcripts       {n:,} ({total_turns / n:.1f} turns each, {total_turns:,} turns)")
    print(f"wall seconds      best {best_wall:.3f}, median {statistics.median(walls):.3f}")
    print(f"transcripts/s     {n / best_wall:,.0f} wall, {n / best_cpu:,.0f} CPU (one process)")
    print(f"turns/s           {total_turns / best_wall:,.0f} wall")


if __name__ == "__main__":
    main()

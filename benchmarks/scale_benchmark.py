"""Scale: docs/s per stage and end to end, and peak memory, by engine, workers and input size.

    python benchmarks/scale_benchmark.py --records 20000 100000 --workers 1 2 \\
        --engine local --engine dask --json scale.json

1. Input: the sample generator (``feedback_engine.sample``, seed 7) writes a 20,000-record
   corpus once; its survey rows with a verbatim of at most 200 characters (short texts, as
   survey comments are) are written N times over into one CSV, streamed, with fresh ids and
   their own timestamps. Texts therefore repeat; no stage caches by text.
2. Per stage: each stage of the pipeline over the first 10,000 records, one process, in
   5,000-row chunks: docs/s by wall clock and by CPU time (the CPU figure holds on a busy
   machine, the wall one only on an idle one).
3. End to end: ``feedback analyze FILE --workers W [--engine dask]`` in a fresh process per
   run. Reported: wall seconds and docs/s; CPU seconds of the whole process tree and of the
   main process (with an idle-machine estimate: max(tree CPU / cores, main CPU)); the
   engine's own split (read+validate and warehouse write in the main process, stage time
   summed over workers); peak RSS of the process tree (sum over the main process and its
   workers, sampled every 0.1 s).

The pipeline is the default one of ``feedback_engine.config`` at the time of the run (its
stage ids are printed); ``--stages`` picks others. Its ``topics`` stage assigns topics with a
model fitted once on the 20,000-record sample corpus (model2vec embeddings when installed, as
``feedback demo`` does; ``--no-topic-model`` leaves the stage without one, so that it only
adds empty columns). ``--stages normalize --keep-raw`` measures
the engine alone (read, validate, write): the part whose memory could grow with the input.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

MAX_CHARS = 200


def make_input(path: Path, n: int, seed: int = 7) -> dict[str, Any]:
    """Write ``n`` short survey records to ``path`` (CSV) and return what it holds."""
    import pandas as pd

    from feedback_engine.sample import generate_corpus

    corpus = path.parent / f"corpus-{seed}"
    if not (corpus / "surveys.csv").is_file():
        generate_corpus(corpus, n_records=20_000, seed=seed)
    base = pd.read_csv(corpus / "surveys.csv", dtype=str, keep_default_na=False)
    base = base[base["verbatim"].str.len().between(1, MAX_CHARS)].reset_index(drop=True)
    columns = list(base.columns)
    rows = base.values.tolist()
    id_col = columns.index("response_id")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for i in range(n):
            row = list(rows[i % len(rows)])
            row[id_col] = f"S{i + 1:08d}"
            writer.writerow(row)
    return {"records": n, "distinct_texts": len(rows),
            "mean_chars": round(float(base["verbatim"].str.len().mean()), 1)}


def fit_topic_model(work: Path, seed: int = 7) -> Path:
    """A topic model for the ``topics`` stage to assign: fitted once on the 20,000-record
    sample corpus (every kind of record), with static embeddings where model2vec is
    installed (as ``feedback demo`` does), else TF-IDF + SVD. Reused when already there."""
    from feedback_engine.api import analyze
    from feedback_engine.config import load_config
    from feedback_engine.embeddings import available_backends
    from feedback_engine.topics.service import fit_topics

    folder = work / "topics-model"
    if (folder / "manifest.json").is_file():
        return folder
    corpus = work / f"corpus-{seed}"
    inputs = sorted(p for p in corpus.iterdir() if p.suffix in (".csv", ".jsonl"))
    db = work / "topics-fit.duckdb"
    db.unlink(missing_ok=True)
    config = load_config(None)
    config["pipeline"]["stages"] = ["normalize", "redact"]  # what fitting reads
    analyze(inputs, db=db, config=config)
    backend = "model2vec" if "model2vec" in available_backends() else "tfidf-svd"
    fit_topics(db, folder, embeddings=backend, seed=seed, assign=False)
    db.unlink()
    return folder


def write_config(work: Path, stages: list[str] | None, topics_model: Path | None) -> Path:
    """The ``feedback.toml`` every run of this benchmark uses."""
    lines = []
    if stages:
        lines += ["[pipeline]", "stages = [" + ", ".join(f'"{s}"' for s in stages) + "]"]
    if topics_model is not None:
        lines += ["[stages.topics]", f'model = "{topics_model.as_posix()}"']
    config = work / "feedback.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def stage_speed(path: Path, config: Path, n: int = 10_000) -> dict[str, Any]:
    """Docs/s of each stage over the first ``n`` records, in this process."""
    from feedback_engine.config import load_config
    from feedback_engine.records import CANONICAL_COLUMNS, SeenIds, ValidationSettings, validate
    from feedback_engine.sources import open_sources
    from feedback_engine.stages import build_pipeline

    cfg = load_config(config)
    opened = open_sources([path], cfg)[0]
    pipeline = build_pipeline(cfg["pipeline"]["stages"], cfg["stages"], list(CANONICAL_COLUMNS))
    pipeline.setup()
    chunks, seen, read = [], SeenIds(), 0
    for raw in opened.source.chunks(5000):
        records, _ = validate(raw, opened.info, ValidationSettings(), seen)
        chunks.append(records)
        read += len(raw)
        if read >= n:
            break
    out: dict[str, Any] = {}
    total_wall = total_cpu = 0.0
    docs = sum(len(c) for c in chunks)
    for s in pipeline.stages:
        wall = cpu = 0.0
        for i, chunk in enumerate(chunks):
            w0, c0 = time.perf_counter(), time.process_time()
            chunks[i] = s(chunk)
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
        total_wall += wall
        total_cpu += cpu
        out[s.name] = {"docs_per_s_wall": round(docs / wall), "docs_per_s_cpu": round(docs / cpu)}
    out["all stages"] = {"docs_per_s_wall": round(docs / total_wall),
                         "docs_per_s_cpu": round(docs / total_cpu)}
    return {"docs": docs, "stages": pipeline.ids(), "per_stage": out}


def _tree_sample(pid: int) -> tuple[int, float]:
    """Return (RSS of the process and its descendants, CPU seconds of the process itself)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
        times = root.cpu_times()
    except psutil.NoSuchProcess:
        return 0, 0.0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total, times.user + times.system


def communicate_sampled(process: subprocess.Popen) -> tuple[bytes, bytes, int, float]:
    """Wait for ``process``, sampling its tree every 0.1 s; return (stdout, stderr, peak RSS
    of the tree in bytes, the process's own CPU seconds)."""
    peak, main_cpu = [0], [0.0]

    def sample() -> None:
        while process.poll() is None:
            rss, cpu = _tree_sample(process.pid)
            peak[0] = max(peak[0], rss)
            main_cpu[0] = max(main_cpu[0], cpu)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    sampler.join()
    return out, err, peak[0], main_cpu[0]


def end_to_end(path: Path, workers: int, engine: str, work: Path, config: Path,
               keep_raw: bool = False) -> dict[str, Any]:
    """One ``feedback analyze`` run in a fresh process: time, CPU and peak memory."""
    db = work / f"bench-{engine}-{workers}-{time.time_ns()}.duckdb"
    cmd = [sys.executable, "-c", "from feedback_engine.cli import main; main()", "analyze",
           str(path), "--db", str(db), "--workers", str(workers), "--engine", engine,
           "--config", str(config), "--json", "--no-progress",
           *(["--keep-raw"] if keep_raw else [])]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err, peak_rss, main_cpu = communicate_sampled(process)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        raise SystemExit(f"analyze failed:\n{err.decode()[-3000:]}")
    text = out.decode()
    try:  # the summary is the JSON object at the end of stdout
        summary = json.loads(text[text.index("{\n"):])
    except ValueError:
        raise SystemExit(f"no JSON summary in the output:\n{text[-3000:]}") from None
    for leftover in work.glob(db.name + "*"):
        leftover.unlink()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"engine": engine, "workers": workers, "records": summary["read"],
            "wall_s": round(wall, 1), "docs_per_s": round(summary["read"] / wall),
            "engine_seconds": summary["seconds"], "engine_docs_per_s": summary["docs_per_s"],
            "cpu_s": round(cpu, 1), "main_process_cpu_s": round(main_cpu, 1),
            # On an idle machine with this many cores, the run could take no less than this:
            "idle_wall_estimate_s": round(max(cpu / os.cpu_count(), main_cpu), 1),
            "timings": summary["timings"],
            "peak_rss_mb": round(peak_rss / 2**20)}


def _steal_seconds() -> float:
    """CPU time the hypervisor gave other guests while this VM wanted it (Linux; else 0)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return 0.0
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if len(fields) > 8 else 0.0


def _medians(engine: str, records: int,
             runs: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    """Median docs/s per worker count, and each count's speed-up over the fewest workers."""
    import statistics

    docs = {w: statistics.median(r["docs_per_s"] for r in rs) for w, rs in runs.items()}
    base = min(docs)
    return {"engine": engine, "records": records, "repeat": len(runs[base]),
            "median_docs_per_s": docs,
            f"speedup_over_{base}_worker": {w: round(d / docs[base], 2)
                                              for w, d in docs.items()},
            "speedups_per_trial": {w: [round(r["docs_per_s"] / b["docs_per_s"], 2)
                                       for r, b in zip(rs, runs[base], strict=True)]
                                   for w, rs in runs.items() if w != base}}


def main() -> None:
    from feedback_engine.config import load_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[20_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--engine", action="append", choices=["local", "dask"])
    parser.add_argument("--stages", nargs="+", help="pipeline stages [default: config's]")
    parser.add_argument("--keep-raw", action="store_true",
                        help="allow a pipeline without redact (to measure the engine alone)")
    parser.add_argument("--skip-stage-speed", action="store_true")
    parser.add_argument("--no-topic-model", action="store_true",
                        help="leave the topics stage without a model (empty columns) instead "
                             "of fitting one on the sample corpus for it to assign")
    parser.add_argument("--work-dir", type=Path, help="where inputs and warehouses go")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run every worker count this many times, interleaved (1 2 2 1 "
                             "1 2 ...), and report medians: this VM's neighbours make single "
                             "runs vary by 10-20%%")
    args = parser.parse_args()
    engines = args.engine or ["local"]
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="scale-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    machine = platform.processor() or platform.machine()
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, {machine}, Python {platform.python_version()}",
        "load_average_at_start": os.getloadavg(), "runs": []}
    for n in args.records:
        path = work / f"short-{n}.csv"
        info = make_input(path, n)
        print(f"input: {info}", flush=True)
        if "config" not in results:
            uses_topics = "topics" in (args.stages or load_config(None)["pipeline"]["stages"])
            topics = (fit_topic_model(work) if uses_topics and not args.no_topic_model
                      else None)
            config = write_config(work, args.stages, topics)
            results["config"] = config.read_text(encoding="utf-8")
            print(f"config ({config}):\n{results['config']}", flush=True)
        if "stage_speed" not in results and not args.skip_stage_speed:
            results["stage_speed"] = stage_speed(path, config)
            print(json.dumps(results["stage_speed"], indent=1), flush=True)
        for engine in engines:
            runs: dict[int, list[dict[str, Any]]] = {w: [] for w in args.workers}
            for trial in range(args.repeat):
                order = args.workers if trial % 2 == 0 else args.workers[::-1]
                for workers in order:
                    steal = _steal_seconds()
                    run = end_to_end(path, workers, engine, work, config, args.keep_raw)
                    run["steal_s"] = round(_steal_seconds() - steal, 1)
                    run["load_average"] = [round(x, 1) for x in os.getloadavg()]
                    results["runs"].append(run)
                    runs[workers].append(run)
                    print(json.dumps(run), flush=True)
            if args.repeat > 1:
                summary = _medians(engine, n, runs)
                results.setdefault("medians", []).append(summary)
                print(json.dumps(summary), flush=True)
        path.unlink()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

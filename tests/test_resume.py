"""Resume: a run killed midway finishes with --resume, nothing lost and nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from test_engine import assert_same_tables, config, duplicate_keys, write_inputs

from feedback_engine import analyze
from feedback_engine.warehouse import Warehouse

# A stage that notes each chunk it sees in a file and takes a little time, so the test can
# kill the run when it is known to be midway (it adds no columns, so results are unchanged).
PACE_STAGE = '''
import time
from pathlib import Path
from feedback_engine.stages.base import stage

@stage("pace", version=1, requires=["record_id"], assigns={})
class Pace:
    def __init__(self, marker: str = "", seconds: float = 0.05) -> None:
        self.marker, self.seconds = marker, seconds
    def setup(self) -> None:
        pass
    def __call__(self, chunk):
        with open(self.marker, "a", encoding="utf-8") as handle:
            handle.write(f"{len(chunk)}\\n")
        time.sleep(self.seconds)
        return chunk
'''


def _run_status(db: Path) -> tuple[list[str], int]:
    with Warehouse(db, read_only=True) as w:
        status = w.query("SELECT status FROM runs")["status"].tolist()
        chunks = int(w.query("SELECT count(*) AS n FROM chunks")["n"].iloc[0])
    return status, chunks


def _start_cli(tmp_path: Path, args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    code = "import pace_stage\nfrom feedback_engine.cli import main\nmain()"
    return subprocess.Popen([sys.executable, "-c", code, "analyze", *args], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_midway_then_resume_matches_an_uninterrupted_run(tmp_path: Path,
                                                                 workers: int) -> None:
    inputs = write_inputs(tmp_path, n=120)
    (tmp_path / "pace_stage.py").write_text(PACE_STAGE, encoding="utf-8")
    marker = tmp_path / "chunks_seen.txt"
    # The core stages keep the start-up of each process short; the rest change nothing here.
    core = ["normalize", "redact", "sentiment"]
    stages = ", ".join(f'"{s}"' for s in [*core, "pace"])
    (tmp_path / "feedback.toml").write_text(textwrap.dedent(f"""
        [input]
        chunk_size = 5
        [pipeline]
        stages = [{stages}]
        [stages.pace]
        marker = "{marker.as_posix()}"
        """), encoding="utf-8")
    args = [*(str(p) for p in inputs), "--db", "killed.duckdb", "--workers", str(workers),
            "--no-progress"]
    process = _start_cli(tmp_path, args)
    deadline = time.monotonic() + 120
    # Stage calls before the kill: with 2 workers a chunk is analyzed in two halves and up to
    # four chunks are in flight before the first one loads.
    calls = 6 if workers == 1 else 14
    while (not marker.exists() or len(marker.read_text().splitlines()) < calls):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run never got going"
        time.sleep(0.02)
    workers_before = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # Its worker processes notice and exit rather than wait for tasks for ever.
    _, alive = psutil.wait_procs(workers_before, timeout=15)
    assert alive == [], f"orphaned workers still running: {alive}"

    status, committed = _run_status(tmp_path / "killed.duckdb")
    assert status == ["running"]  # no chance to say anything: it was killed
    assert 0 < committed < 26  # midway: 25 survey chunks and 1 transcript chunk

    resumed = _start_cli(tmp_path, [*args, "--resume", "--json"])
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err.decode()
    assert json.loads(out)["resumed_chunks"] == committed, err.decode()

    reference = config(5)
    reference["pipeline"]["stages"] = core
    full = analyze(inputs, db=tmp_path / "full.duckdb", config=reference)
    status, chunks = _run_status(tmp_path / "killed.duckdb")
    assert status == ["ok"] and chunks == 26
    with Warehouse(tmp_path / "killed.duckdb", read_only=True) as w:
        run = w.query("SELECT read, analyzed, rejected FROM runs").iloc[0].tolist()
        assert set(duplicate_keys(w).values()) == {0}
        assert w.counts()["records"] == full.analyzed
        assert w.counts()["rejects"] == full.rejected
    assert run == [full.read, full.analyzed, full.rejected]
    assert_same_tables(tmp_path / "killed.duckdb", tmp_path / "full.duckdb")


def test_resume_skips_the_chunks_an_interrupted_run_committed(tmp_path: Path,
                                                              monkeypatch) -> None:
    from feedback_engine.engines import local
    from feedback_engine.stages.normalize import Normalize

    monkeypatch.setattr(local, "PARTS", 1)  # one stage call per chunk: the calls count chunks
    inputs = write_inputs(tmp_path)
    db = tmp_path / "w.duckdb"
    seen: list[int] = []
    original = Normalize.__call__

    def failing_on_the_fourth(self, chunk: pd.DataFrame) -> pd.DataFrame:
        seen.append(len(chunk))
        if len(seen) == 4:
            raise RuntimeError("power cut")
        return original(self, chunk)

    monkeypatch.setattr(Normalize, "__call__", failing_on_the_fourth)
    with pytest.raises(RuntimeError, match="power cut"):
        analyze(inputs, db=db, config=config(10))
    assert _run_status(db) == (["failed"], 3)

    def counting(self, chunk: pd.DataFrame) -> pd.DataFrame:
        seen.append(len(chunk))
        return original(self, chunk)

    seen.clear()
    monkeypatch.setattr(Normalize, "__call__", counting)
    resumed = analyze(inputs, db=db, config=config(10), resume=True,
                      rejects_file=tmp_path / "resumed_rejects.csv")
    assert resumed.resumed_chunks == 3
    # Left of 8: survey chunks 3-6 and the transcript chunk; chunk 6 is only the duplicate
    # row, a reject, so the stages see 4 chunks.
    assert len(seen) == 4
    full = analyze(inputs, db=tmp_path / "full.duckdb", config=config(10),
                   rejects_file=tmp_path / "full_rejects.csv")
    # The rejects file of the resumed run has the committed chunks' rejects too.
    assert ((tmp_path / "resumed_rejects.csv").read_text(encoding="utf-8")
            == (tmp_path / "full_rejects.csv").read_text(encoding="utf-8"))
    assert (resumed.read, resumed.analyzed, resumed.rejected) == (
        full.read, full.analyzed, full.rejected)
    assert resumed.rejected_by_reason == full.rejected_by_reason
    assert _run_status(db) == (["ok"], 8)
    assert_same_tables(db, tmp_path / "full.duckdb")


def test_resume_with_nothing_interrupted_analyzes_from_the_start(tmp_path: Path,
                                                                caplog) -> None:
    inputs = write_inputs(tmp_path)
    db = tmp_path / "w.duckdb"
    first = analyze(inputs, db=db, config=config(10))
    again = analyze(inputs, db=db, config=config(10), resume=True)
    assert "no interrupted run" in caplog.text
    assert again.resumed_chunks == 0 and again.run_id != first.run_id
    with Warehouse(db, read_only=True) as w:
        assert w.counts()["records"] == first.analyzed
        assert set(duplicate_keys(w).values()) == {0}


def test_resume_ignores_an_interrupted_run_of_a_file_that_changed_since(
        tmp_path: Path, monkeypatch) -> None:
    from feedback_engine.stages.normalize import Normalize

    inputs = write_inputs(tmp_path)
    db = tmp_path / "w.duckdb"
    original = Normalize.__call__
    calls = {"n": 0}

    def failing_on_the_second(self, chunk: pd.DataFrame) -> pd.DataFrame:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return original(self, chunk)

    monkeypatch.setattr(Normalize, "__call__", failing_on_the_second)
    with pytest.raises(RuntimeError):
        analyze(inputs, db=db, config=config(10))
    monkeypatch.setattr(Normalize, "__call__", original)
    with inputs[0].open("a", encoding="utf-8") as handle:
        handle.write("999,2026-09-09T10:00:00Z,A late addition,7,A1\n")
    summary = analyze(inputs, db=db, config=config(10), resume=True)
    assert summary.resumed_chunks == 0
    assert summary.read == 64  # 62 survey rows, 2 calls: all of it, afresh

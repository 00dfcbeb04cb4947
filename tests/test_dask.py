"""The Dask engine: the same stages on a Dask cluster store exactly what the local engine does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("dask.distributed")

from test_engine import assert_same_tables, config, duplicate_keys, write_inputs  # noqa: E402

from feedback_engine import analyze  # noqa: E402
from feedback_engine.errors import ConfigError  # noqa: E402
from feedback_engine.warehouse import Warehouse  # noqa: E402


def _inputs(tmp_path: Path) -> list[Path]:
    inputs = write_inputs(tmp_path)
    reviews = pd.DataFrame({
        "review_id": ["RV1", "RV2", "RV3", "RV4"],
        "date": ["2026-09-01", "2026-09-08", "", "2026-09-15"],
        "body": ["Love the new plan", "Router died after a week, support useless",
                 "No date here", "Billing is confusing"],
        "stars": [5, 1, 3, 2]})
    reviews.to_parquet(tmp_path / "reviews.parquet", index=False)
    return [*inputs, tmp_path / "reviews.parquet"]


@pytest.mark.slow
def test_dask_engine_stores_the_same_rows_as_the_local_engine(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    local = analyze(inputs, db=tmp_path / "local.duckdb", config=config(7),
                    rejects_file=tmp_path / "local_rejects.csv")
    dask = analyze(inputs, db=tmp_path / "dask.duckdb", config=config(7), engine="dask",
                   out=tmp_path / "parquet", rejects_file=tmp_path / "dask_rejects.csv")
    assert (dask.read, dask.analyzed, dask.rejected) == (local.read, local.analyzed,
                                                         local.rejected)
    assert dask.rejected_by_reason == local.rejected_by_reason
    assert dask.engine == "dask" and local.analyzed > 50
    assert_same_tables(tmp_path / "local.duckdb", tmp_path / "dask.duckdb")
    assert ((tmp_path / "dask_rejects.csv").read_text(encoding="utf-8")
            == (tmp_path / "local_rejects.csv").read_text(encoding="utf-8"))
    # The Parquet the workers wrote, by week, holds every analyzed record once.
    weeks = sorted(p.name for p in (tmp_path / "parquet").glob("week=*"))
    assert weeks[0] == "week=2026-W36" and len(weeks) >= 4
    written = pd.concat([pd.read_parquet(f) for f in (tmp_path / "parquet").glob(
        "week=*/*.parquet")])
    assert len(written) == local.analyzed
    assert not written[["source", "record_id"]].duplicated().any()


@pytest.mark.slow
def test_dask_resumes_what_an_interrupted_run_committed(tmp_path: Path, monkeypatch) -> None:
    from feedback_engine.engines import local
    from feedback_engine.stages.normalize import Normalize

    monkeypatch.setattr(local, "PARTS", 1)  # one stage call per chunk: the calls count chunks
    inputs = _inputs(tmp_path)
    db = tmp_path / "w.duckdb"
    original = Normalize.__call__
    calls = {"n": 0}

    def failing_on_the_third(self, chunk: pd.DataFrame) -> pd.DataFrame:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return original(self, chunk)

    monkeypatch.setattr(Normalize, "__call__", failing_on_the_third)
    with pytest.raises(RuntimeError):
        analyze(inputs, db=db, config=config(10))
    monkeypatch.setattr(Normalize, "__call__", original)
    resumed = analyze(inputs, db=db, config=config(10), engine="dask", resume=True)
    full = analyze(inputs, db=tmp_path / "full.duckdb", config=config(10))
    assert resumed.resumed_chunks == 2
    assert (resumed.read, resumed.analyzed, resumed.rejected) == (
        full.read, full.analyzed, full.rejected)
    assert_same_tables(db, tmp_path / "full.duckdb")
    with Warehouse(db, read_only=True) as w:
        assert set(duplicate_keys(w).values()) == {0}


def test_a_remote_scheduler_needs_a_shared_output_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs --out DIR"):
        analyze(_inputs(tmp_path), db=tmp_path / "w.duckdb", engine="dask",
                scheduler="tcp://127.0.0.1:1")

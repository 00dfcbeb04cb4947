"""Undated data: a source without dates loads beside dated ones ([sources.NAME]
require_timestamp = false), `feedback report --all` covers every record, and a report of weeks
on undated data says what to do (FE455)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from feedback_engine.api import analyze
from feedback_engine.cli.main import main
from feedback_engine.config import DEFAULTS, apply_domain, load_config, merge_config
from feedback_engine.errors import ConfigError, WarehouseError
from feedback_engine.reports import build_report, write_report

REVIEWS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / \
    "womens_ecommerce_reviews" / "reviews_public.csv"


def _mixed(tmp_path: Path) -> tuple[Path, Path]:
    dated = tmp_path / "survey.csv"
    pd.DataFrame({"timestamp": ["2026-09-01T10:00:00"] * 4 + ["2026-09-08T10:00:00"] * 4,
                  "text": [f"The refund for order {i} never came." if i % 2 else
                           f"Great help with order {i}, thanks." for i in range(8)],
                  "nps": [2, 10] * 4}).to_csv(dated, index=False)
    undated = tmp_path / "reviews.csv"
    pd.DataFrame({"text": ["Lovely fabric.", "It arrived torn.", "Fits well."],
                  "csat": [5, 1, 4]}).to_csv(undated, index=False)
    return dated, undated


def test_an_undated_source_loads_beside_dated_ones_with_a_per_source_setting(
        tmp_path: Path) -> None:
    dated, undated = _mixed(tmp_path)
    config = merge_config(copy.deepcopy(DEFAULTS), {"sources": {"reviews": {
        "match": "reviews.csv", "require_timestamp": False}}})
    summary = analyze([dated, undated], db=tmp_path / "w.duckdb", config=config)
    assert (summary.analyzed, summary.rejected) == (11, 0)
    week = build_report(str(tmp_path / "w.duckdb"))
    assert week.kpis["current"]["volume"] == 4  # the latest week: dated records only
    everything = build_report(str(tmp_path / "w.duckdb"), everything=True)
    assert everything.kpis["current"]["volume"] == 11
    assert everything.period["label"] == "all data (2026-W36 to 2026-W37 and 3 undated records)"
    assert everything.period["previous"] == [] and everything.actions == []
    text = write_report(everything, "md", tmp_path / "all.md").read_text(encoding="utf-8")
    assert "no comparison period" in text and "3 undated records" in text


def test_without_the_setting_an_undated_source_is_refused_with_the_fix(tmp_path: Path) -> None:
    _, undated = _mixed(tmp_path)
    with pytest.raises(Exception, match="require_timestamp = false"):
        analyze([undated], db=tmp_path / "w.duckdb")


def test_require_timestamp_per_source_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError, match=r"\[FE235\].*true or false"):
        merge_config(copy.deepcopy(DEFAULTS), {"sources": {"reviews": {
            "match": "r.csv", "require_timestamp": "no"}}}, origin="test")


def test_a_weekly_report_on_undated_data_says_how_many_and_what_to_do(tmp_path: Path) -> None:
    _, undated = _mixed(tmp_path)
    config = merge_config(copy.deepcopy(DEFAULTS), {"input": {"require_timestamp": False}})
    analyze([undated], db=tmp_path / "w.duckdb", config=config)
    with pytest.raises(WarehouseError, match=r"\[FE455\].*\(3 records have no date\).*--all"):
        build_report(str(tmp_path / "w.duckdb"))
    out = tmp_path / "all.json"
    result = CliRunner().invoke(main, ["report", "--db", str(tmp_path / "w.duckdb"), "--all",
                                       "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["kpis"]["current"]["volume"] == 3 and report["kpis"]["headline"] == "csat"
    refused = CliRunner().invoke(main, ["report", "--db", str(tmp_path / "w.duckdb"), "--all",
                                        "--week", "2026-W01"])
    assert refused.exit_code != 0 and "--all reports on every record" in refused.output


@pytest.mark.slow
@pytest.mark.skipif(not REVIEWS.is_file(), reason="../shared/datasets is not here")
def test_report_all_on_real_undated_clothing_reviews_is_useful(tmp_path: Path) -> None:
    sample = pd.read_csv(REVIEWS).dropna(subset=["Review Text"]).sample(3000, random_state=0)
    path = tmp_path / "reviews.csv"
    sample[["Review Text", "Rating", "Department Name"]].to_csv(path, index=False)
    cfg = load_config(None)
    cfg["taxonomy"]["domain"] = "retail"
    apply_domain(cfg, "the test")
    cfg = merge_config(cfg, {"input": {"require_timestamp": False},
                             "columns": {"text": "Review Text", "csat": "Rating",
                                         "product": "Department Name"}})
    analyze([path], db=tmp_path / "w.duckdb", config=cfg)
    report = build_report(str(tmp_path / "w.duckdb"), everything=True)
    assert report.kpis["current"]["volume"] == 3000
    assert report.kpis["headline"] == "csat" and report.kpis["current"]["csat"] > 0.5
    assert report.drivers, "no measurable driver on 3,000 reviews"
    assert report.drivers[0]["impact"] < 0  # the worst cause pulls CSAT down
    # With no earlier period, what to do lists the drivers that surely pull CSAT down.
    assert report.actions and report.actions[0]["value"] == report.drivers[0]["value"]
    assert all(a["impact_ci"][1] < 0 for a in report.actions)
    assert report.segments["product"]  # by department
    md = write_report(report, "md", tmp_path / "r.md").read_text(encoding="utf-8")
    assert "## Drivers" in md and "&lt;" not in md

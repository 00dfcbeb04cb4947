"""The weekly report on the demo corpus: the planted billing incident is found, named and
tested; a quiet week stays quiet. Asserted on the JSON report model.

The corpus (feedback_engine/sample) plants a double-charge incident four weeks before its
last week; weeks before the app release (six weeks before the end) carry no planted change.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from feedback_engine import analyze
from feedback_engine.config import DEFAULTS, merge_config
from feedback_engine.reports import build_report, render
from feedback_engine.sample import generate_corpus
from feedback_engine.topics.service import fit_topics

pytestmark = pytest.mark.slow

INCIDENT, QUIET = "2026-W44", "2026-W40"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("demo")
    manifest = generate_corpus(root / "corpus", n_records=20_000, seed=7)  # the demo's own size
    incident = next(s for s in manifest["signals"] if s["id"] == "billing_incident")
    assert incident["week"] == INCIDENT  # the test's premise, from the generator's manifest
    inputs = sorted(p for p in (root / "corpus").iterdir()
                    if p.suffix in (".csv", ".jsonl", ".parquet") or p.is_dir())
    # As `feedback demo` does: the telecom pack, and a topic model with static embeddings
    # guided by it, assigned to every record.
    config = merge_config(copy.deepcopy(DEFAULTS), {"taxonomy": {"domain": "telecom"}})
    analyze(inputs, db=root / "demo.duckdb", config=config, progress=False)
    fit_topics(root / "demo.duckdb", root / "topics", embeddings="model2vec", seed=7,
               taxonomy=config["stages"]["rootcause"]["taxonomy"])
    return str(root / "demo.duckdb")


def _json(db: str, week: str) -> dict:
    return json.loads(render(build_report(db, week=week), "json"))


def test_incident_week_names_the_billing_issue_as_top_negative_driver(demo_db: str) -> None:
    report = _json(demo_db, INCIDENT)
    causes = [d for d in report["drivers"] if d["dimension"] == "root_cause"]
    assert causes[0]["value"] == "billing.double_charge"
    assert causes[0]["impact_nps"] < 0
    assert "billing.double_charge" in {e["value"] for e in report["emerging"]}
    nps = report["kpis"]["changes"]["nps"]
    assert nps["significant"] and nps["delta"] < 0
    text = " ".join(report["narrative"])
    assert "NPS fell" in text
    assert "The top negative driver was billing › double charge" in text
    assert "Emerging: billing › double charge" in text
    assert any(q["value"] == "billing.double_charge" for q in report["quotes"])


def test_quiet_week_claims_no_significant_change(demo_db: str) -> None:
    report = _json(demo_db, QUIET)
    assert not any(c["significant"] for c in report["kpis"]["changes"].values())
    assert not any(c["significant"] for rows in report["segments"].values()
                   for row in rows for c in row["changes"].values())
    text = " ".join(report["narrative"])
    assert "significant drop" not in text and "significant rise" not in text
    assert "a significant change" not in text
    assert "billing.double_charge" not in {e["value"] for e in report["emerging"]}


def test_report_sections_are_all_present_on_real_pipeline_output(demo_db: str,
                                                                 tmp_path: Path) -> None:
    report = _json(demo_db, INCIDENT)
    for key in ("period", "kpis", "drivers", "emerging", "segments", "qa", "data_quality",
                "narrative"):
        assert report[key] is not None
    assert set(report["segments"]) == {"channel", "team", "queue", "product"}
    assert report["data_quality"]["redactions_in_period"]


def test_qa_section_puts_the_planted_low_empathy_team_first(demo_db: str) -> None:
    qa = _json(demo_db, INCIDENT)["qa"]
    assert qa["available"] and len(qa["weeks"]) == 4
    first = qa["training_needs"][0]
    assert (first["team"], first["rule"]) == ("Orion", "empathy")


def test_planted_esim_issue_emerges_as_a_topic_in_its_first_week(demo_db: str) -> None:
    report = _json(demo_db, "2026-W46")  # the generator's `emerging_esim` starts here
    topics = [e for e in report["emerging"] if e["dimension"] == "topic_label"]
    assert any("esim" in e["value"].lower() for e in topics), topics
    quiet = _json(demo_db, QUIET)
    assert not any("esim" in e["value"].lower() for e in quiet["emerging"])

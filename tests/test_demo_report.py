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
    # One ranked list of causes and topics: double charge leads it, and what to do.
    top = report["drivers"][0]
    assert ["root_cause", "billing.double_charge"] in top["match"]
    assert top["impact"] < 0 and top["metric"] == "nps"
    assert report["actions"][0]["value"] == top["value"]
    assert "billing.double_charge" in {e["value"] for e in report["emerging"]}
    nps = report["kpis"]["changes"]["nps"]
    assert nps["significant"] and nps["delta"] < 0
    text = " ".join(report["narrative"])
    assert "NPS fell" in text
    assert f"The biggest driver was {top['label']}" in text
    assert f"{top['impact']:+.1f} NPS points" in text
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
    # The planted gap: Orion is the one team below the organisation on empathy, the lowest.
    # (Since qa v2's stricter upset trigger the organisation's empathy rate is under 50%, an
    # organisation-wide gap, and Orion's agents are no longer flagged one by one: see #22's
    # closing note.)
    empathy = {t["team"]: r for t in qa["teams"] for r in t["rules"] if r["rule"] == "empathy"}
    assert [t for t, r in empathy.items() if r["below_org"]] == ["Orion"]
    assert min(empathy, key=lambda t: empathy[t]["pass_rate"]) == "Orion"


def test_planted_esim_issue_emerges_as_a_topic_in_its_first_week(demo_db: str) -> None:
    report = _json(demo_db, "2026-W46")  # the generator's `emerging_esim` starts here
    # A topic, or a cause and topic made one driver.
    names = [" ".join(str(v) for _, v in e["match"]).lower() for e in report["emerging"]]
    assert any("esim" in n for n in names), names
    quiet = _json(demo_db, QUIET)
    assert not any("esim" in e["value"].lower() for e in quiet["emerging"])


def test_what_to_do_leads_with_the_planted_issue_of_each_week(demo_db: str) -> None:
    incident, last, quiet = (_json(demo_db, w) for w in (INCIDENT, "2026-W47", QUIET))

    def names(action: dict) -> str:
        return " ".join(str(n["value"]) for n in action["names"]).lower()

    assert "billing.double_charge" in names(incident["actions"][0]), incident["actions"][0]
    assert "esim" in names(last["actions"][0]), last["actions"][0]
    assert quiet["actions"] == []

"""QA rollups: shrinkage, the minimum-n guard, ranking, filters, CLI and CSV; the demo signal."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from feedback_engine.cli import main
from feedback_engine.periods import Period
from feedback_engine.rollups.qa import prior_strength, qa_summary


def _results(empathy: bool, greeting: bool = True) -> str:
    return json.dumps([
        {"rule": "greeting", "name": "Greeting", "passed": greeting, "evidence": []},
        {"rule": "empathy", "name": "Empathy", "passed": empathy,
         "note": None if empathy else "no agent phrase",
         "evidence": [] if empathy else [
             {"turn": 1, "speaker": "customer", "text": "I'm fed up."},
             {"turn": 2, "speaker": "agent", "text": "Postcode?"}]}])


def _warehouse(path: Path | str = ":memory:") -> duckdb.DuckDBPyConnection:
    """Team Kind (k1-k3, empathy ~80%), team Cold (c1, c2 ~20%; c3 with only 3 calls)."""
    rng = random.Random(3)
    rows = []
    plan = [("k1", "Kind", 40, 0.8), ("k2", "Kind", 40, 0.8), ("k3", "Kind", 40, 0.8),
            ("c1", "Cold", 40, 0.2), ("c2", "Cold", 40, 0.2), ("c3", "Cold", 3, 0.0)]
    for agent, team, n, rate in plan:
        for i in range(n):
            day = dt.datetime(2026, 11, 2) + dt.timedelta(days=i % 14, hours=i % 5)
            rows.append((f"{agent}-{i}", agent, team, day, 75.0, _results(rng.random() < rate)))
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE records (record_id VARCHAR, source VARCHAR, agent_id VARCHAR, "
                "team VARCHAR, timestamp TIMESTAMP, qa_score DOUBLE, qa_results JSON)")
    con.executemany("INSERT INTO records VALUES (?, 'calls/', ?, ?, ?, ?, ?)", rows)
    return con


def test_low_team_agents_top_the_needs_and_the_small_sample_is_not_flagged() -> None:
    summary = qa_summary(_warehouse(), min_conversations=20)
    needs = summary["training_needs"]
    assert [(n["agent"], n["rule"]) for n in needs] == [("c1", "empathy"), ("c2", "empathy")] \
        or [(n["agent"], n["rule"]) for n in needs] == [("c2", "empathy"), ("c1", "empathy")]
    assert needs[0]["rank"] == 1 and needs[0]["confidence"] > 0.95
    assert needs[0]["evidence"][0]["turns"][0]["text"] == "I'm fed up."
    c3 = next(a for a in summary["agents"] if a["agent"] == "c3")
    empathy = next(r for r in c3["rules"] if r["rule"] == "empathy")
    assert empathy["rate"] == 0.0 and not empathy["flagged"] and empathy["confidence"] is None


def test_shrunk_rate_lies_between_the_agent_and_the_team() -> None:
    summary = qa_summary(_warehouse(), min_conversations=1)
    for agent in summary["agents"]:
        for rule in agent["rules"]:
            low, high = sorted([rule["rate"], rule["team_rate"]])
            assert low - 1e-9 <= rule["shrunk_rate"] <= high + 1e-9


def test_lowering_the_guard_assesses_small_samples_near_their_team_rate() -> None:
    summary = qa_summary(_warehouse(), min_conversations=3)
    c3 = next(a for a in summary["agents"] if a["agent"] == "c3")
    empathy = next(r for r in c3["rules"] if r["rule"] == "empathy")
    # 0 of 3 on its own, but three calls say little: the estimate stays near Cold's rate.
    assert empathy["confidence"] is not None
    assert empathy["rate"] == 0.0 and empathy["shrunk_rate"] > 0.8 * empathy["team_rate"]


def test_rules_and_teams_views() -> None:
    summary = qa_summary(_warehouse())
    assert summary["n_conversations"] == 203
    rules = {r["rule"]: r for r in summary["rules"]}
    assert rules["greeting"]["pass_rate"] == 1.0 and rules["greeting"]["n"] == 203
    assert [r["rule"] for r in summary["rules"]] == ["greeting", "empathy"]
    teams = {t["team"]: t for t in summary["teams"]}
    assert teams["Cold"]["rules_below_org"] == ["empathy"]
    assert teams["Kind"]["rules_below_org"] == []
    assert teams["Cold"]["agents"] == 3 and teams["Cold"]["n_conversations"] == 83
    json.dumps(summary)  # JSON-serialisable for the report


def test_dates_agent_and_team_filters() -> None:
    con = _warehouse()
    one_day = qa_summary(con, dt.date(2026, 11, 2), dt.date(2026, 11, 2))
    assert 0 < one_day["n_conversations"] < 30
    assert one_day["training_needs"] == []  # nobody has 20 conversations in a day
    only = qa_summary(con, agent="c1")
    assert {n["agent"] for n in only["training_needs"]} == {"c1"}
    assert [a["agent"] for a in only["agents"]] == ["c1"]
    kind = qa_summary(con, team="Kind")
    assert [t["team"] for t in kind["teams"]] == ["Kind"] and kind["training_needs"] == []


def test_warehouse_without_qa_results_gives_an_empty_summary() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE records (record_id VARCHAR, timestamp TIMESTAMP)")
    assert qa_summary(con)["n_conversations"] == 0


def test_prior_strength_reflects_real_spread_between_agents() -> None:
    assert prior_strength([40] * 4, [20] * 4, [0.5] * 4) == 50.0
    assert prior_strength([40] * 4, [4, 36, 4, 36], [0.5] * 4) == 2.0
    middle = prior_strength([40] * 4, [14, 26, 14, 26], [0.5] * 4)
    assert 2.0 < middle < 50.0


def test_cli_prints_needs_and_teams_and_writes_csv(tmp_path: Path) -> None:
    db = tmp_path / "qa.duckdb"
    _warehouse(db).close()
    out = tmp_path / "needs.csv"
    result = CliRunner().invoke(main, ["qa", "--db", str(db), "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "203 conversations" in result.output
    assert "training needs: 2" in result.output
    assert "Cold" in result.output and "empathy" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["rank"] for r in rows] == ["1", "2"]
    assert rows[0]["example_text"] == "I'm fed up." and rows[0]["team"] == "Cold"


def test_cli_json_agent_view_and_errors(tmp_path: Path) -> None:
    db = tmp_path / "qa.duckdb"
    _warehouse(db).close()
    result = CliRunner().invoke(main, ["qa", "--db", str(db), "--agent", "c3", "--json"])
    payload = json.loads(result.output)
    assert payload["agents"][0]["agent"] == "c3" and payload["training_needs"] == []
    text = CliRunner().invoke(main, ["qa", "--db", str(db), "--agent", "c1"])
    assert "agent c1 (Cold)" in text.output
    empty = CliRunner().invoke(main, ["qa", "--db", str(db), "--week", "2020-W01"])
    assert empty.exit_code == 1 and "no QA-scored conversations" in empty.output
    bad = CliRunner().invoke(main, ["qa", "--db", str(db), "--from", "soon"])
    assert bad.exit_code == 1 and "neither an ISO week" in bad.output


@pytest.mark.slow
def test_demo_low_empathy_team_tops_the_empathy_training_needs(tmp_path: Path) -> None:
    from feedback_engine import api
    from feedback_engine.sample.generator import LOW_EMPATHY_TEAM, TEAM, generate_corpus

    corpus = tmp_path / "corpus"
    generate_corpus(corpus, n_records=8000, seed=7)
    db = tmp_path / "demo.duckdb"
    api.analyze([corpus / "chats.jsonl", corpus / "calls"], db=db)
    con = duckdb.connect(str(db), read_only=True)
    summary = qa_summary(con, min_conversations=10)
    empathy = [n for n in summary["training_needs"] if n["rule"] == "empathy"]
    orion = [a for a, t in TEAM.items() if t == LOW_EMPATHY_TEAM]
    assert len(empathy) >= 5
    assert all(n["team"] == LOW_EMPATHY_TEAM for n in empathy[:5])
    assert summary["training_needs"][0]["rule"] == "empathy"
    assert summary["training_needs"][0]["agent"] in orion
    teams = {t["team"]: t for t in summary["teams"]}
    assert "empathy" in teams[LOW_EMPATHY_TEAM]["rules_below_org"]
    # One week: every agent has fewer conversations than the guard, so nobody is flagged,
    # while the team view still shows the gap.
    latest = con.execute("SELECT max(week) FROM records").fetchone()[0]
    span = Period.parse(week=latest)
    week = qa_summary(con, span.start, span.end, min_conversations=10)
    assert week["training_needs"] == []
    con.close()

"""The weekly report over a warehouse with planted drivers: statistics, narrative, outputs."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from feedback_engine.periods import weeks_before, weeks_between
from feedback_engine.reports import build_report, export_tables, render
from feedback_engine.rollups.weekly import (
    Kpis,
    Rollups,
    compare,
    emerging,
    holm,
    poisson_sf,
)
from feedback_engine.warehouse import Warehouse

WEEKS = weeks_between("2026-W36", "2026-W45")
CAUSES = ["delivery.late", "account_access.login_failure", "pricing.price_increase",
          "praise.general", "neutral.plan_change"]
INCIDENT = "2026-W43"
HOSTILE = '<script>alert("x")</script> =HYPERLINK("http://evil") my card was charged twice'


def _records(seed: int = 3, per_week: int = 400) -> pd.DataFrame:
    """Steady weeks, except INCIDENT: a surge of furious double-charge complaints."""
    rng = random.Random(seed)
    rows = []
    for week in WEEKS:
        monday = pd.Timestamp.fromisocalendar(int(week[:4]), int(week[6:]), 1)
        n = per_week + (150 if week == INCIDENT else 0)
        for i in range(n):
            surge = week == INCIDENT and i >= per_week
            cause = "billing.double_charge" if surge or rng.random() < 0.04 else \
                rng.choice(CAUSES)
            unhappy = cause.startswith(("billing", "delivery", "account"))
            nps = rng.choice([0, 1, 2, 3]) if surge else (
                rng.choice([3, 5, 6, 7, 8, 9]) if unhappy else rng.choice([6, 7, 8, 9, 10, 10]))
            text = (HOSTILE if surge and i == per_week else
                    f"record {i} about {cause.replace('.', ' ')} in {week}")
            rows.append({
                "record_id": f"{week}-{i}", "source": "synthetic", "row": i,
                "channel": rng.choice(["chat", "email", "call"]),
                "team": rng.choice(["Atlas", "Orion"]), "kind": "survey",
                "timestamp": monday + pd.Timedelta(hours=1 + i % 100), "week": week,
                "nps": nps, "csat": 5 if nps >= 9 else 4 if nps >= 7 else 2,
                "ces": rng.randint(1, 7),
                "sentiment": (-0.8 if surge else -0.3 if unhappy else 0.5) + rng.uniform(-.2, .2),
                "root_cause": cause, "root_cause_conf": 0.9, "text_redacted": text,
                "pii_counts": json.dumps({"PERSON": 1}) if i % 10 == 0 else None,
            })
    frame = pd.DataFrame(rows)
    frame["sentiment_label"] = ["negative" if s <= -0.05 else "positive" if s >= 0.05
                                else "neutral" for s in frame["sentiment"]]
    return frame


STAGE_COLUMNS = {"sentiment": "DOUBLE", "sentiment_label": "VARCHAR", "root_cause": "VARCHAR",
                 "root_cause_conf": "DOUBLE", "text_redacted": "VARCHAR", "pii_counts": "JSON",
                 "effort_score": "DOUBLE", "emotion_top": "VARCHAR", "aspects": "JSON"}


def _load(path: Path, frame: pd.DataFrame) -> str:
    """Write ``frame`` as the records of a new warehouse; stage columns it lacks stay absent."""
    with Warehouse(path) as w:
        w.ensure_columns({c: t for c, t in STAGE_COLUMNS.items() if c in frame})
        w.con.register("frame", frame)
        w.con.execute("INSERT INTO records BY NAME SELECT * FROM frame")
    return str(path)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("weekly") / "w.duckdb"
    frame = _records()
    return _load(path, frame)


def test_incident_week_names_the_planted_driver_and_the_nps_fall(warehouse: str) -> None:
    report = build_report(warehouse, week=INCIDENT)
    top = report.drivers[0]
    assert top["value"] == "billing.double_charge"
    assert top["impact_nps"] < -5
    assert top["share"] > 0.25 and top["share_previous"] < 0.1
    assert [e["value"] for e in report.emerging] == ["billing.double_charge"]
    assert report.emerging[0]["status"] == "spiking"
    assert report.kpis["changes"]["nps"]["significant"]
    text = " ".join(report.narrative)
    assert "NPS fell" in text and "a significant drop" in text
    # One biggest driver, one figure: the narrative states the table's impact.
    figure = f"{top['impact']:+.1f} NPS points"
    assert "The biggest driver was billing › double charge" in text
    assert figure in next(x for x in report.narrative if x.startswith("The biggest driver"))
    assert "Emerging: billing › double charge is spiking" in text
    # What to do leads with it, owned as the taxonomy says (or "unassigned").
    first = report.actions[0]
    assert first["value"] == "billing.double_charge" and first["impact"] == top["impact"]
    assert "spiking" in first["why"] and first["count"] == top["volume"]
    assert any(x.startswith("What to do first") for x in report.narrative)


def test_the_report_speaks_in_the_taxonomys_labels(warehouse: str) -> None:
    from feedback_engine.api import cause_labels
    from feedback_engine.config import DEFAULTS

    labels = cause_labels(DEFAULTS)
    assert labels["billing.double_charge"] == "Billing › double charge"  # the YAML label
    report = build_report(warehouse, week=INCIDENT, labels={"billing.double_charge": "Paid twice"})
    assert report.drivers[0]["label"] == report.emerging[0]["label"] == "Paid twice"
    assert "The biggest driver was Paid twice" in " ".join(report.narrative)
    assert {q["label"] for q in report.quotes if q["value"] == "billing.double_charge"} == {
        "Paid twice"}
    html = render(report, "html")
    assert "Paid twice" in html and "billing › double charge" not in html
    # A value the labels do not know keeps the spelt-out id.
    assert all(d["label"] == d["value"].replace(".", " › ").replace("_", " ")
               for d in report.drivers if d["value"].startswith("delivery."))


def test_the_report_says_who_acts_on_the_top_driver(warehouse: str) -> None:
    from feedback_engine.api import cause_actions
    from feedback_engine.config import DEFAULTS

    actions = cause_actions(DEFAULTS)
    assert actions["billing.double_charge"]["owner"] == "Billing operations"  # the YAML's
    report = build_report(warehouse, week=INCIDENT, actions={"billing.double_charge": {
        "owner": "Payments team", "action": "Refund the duplicates."}})
    assert report.drivers[0]["owner"] == "Payments team"
    assert ("Who acts: Payments team, who should refund the duplicates."
            in " ".join(report.narrative))
    plain = build_report(warehouse, week=INCIDENT)
    assert plain.drivers[0]["owner"] is None
    assert "Who acts" not in " ".join(plain.narrative)


def test_the_trend_shows_the_weekly_share_of_unknown_causes(warehouse: str) -> None:
    report = build_report(warehouse, week=INCIDENT)
    with Warehouse(warehouse, read_only=True) as w:
        expected = dict(w.query("SELECT week, avg((root_cause = 'unknown')::INT) FROM records "
                                "GROUP BY week").values.tolist())
    assert report.trend and all(
        row["unknown_share"] == pytest.approx(expected[row["week"]]) for row in report.trend)
    assert "| cause unknown |" in render(report, "md")
    assert "<th>cause unknown</th>" in render(report, "html")


def test_quiet_week_claims_no_significant_change(warehouse: str) -> None:
    report = build_report(warehouse, week="2026-W41")
    text = " ".join(report.narrative)
    assert "significant drop" not in text and "significant rise" not in text
    assert "a significant change" not in text
    assert report.emerging == []
    assert "No cause or topic rose significantly" in text
    assert not any(c["significant"] for rows in report.segments.values() for row in rows
                   for c in row["changes"].values())


def test_driver_impact_equals_nps_recomputed_without_the_driver(warehouse: str) -> None:
    report = build_report(warehouse, week=INCIDENT)
    frame = _records()
    week = frame[frame.week == INCIDENT]

    def nps(scores: pd.Series) -> float:
        return 100 * ((scores >= 9).mean() - (scores <= 6).mean())

    for d in report.drivers:
        rest = week[week.root_cause != d["value"]]
        assert d["nps_without"] == pytest.approx(nps(rest.nps))
        assert d["impact_nps"] == pytest.approx(nps(week.nps) - nps(rest.nps))
        assert d["volume"] == int((week.root_cause == d["value"]).sum())


def test_json_report_has_the_documented_sections(warehouse: str) -> None:
    data = json.loads(render(build_report(warehouse, week=INCIDENT), "json"))
    for key in ("period", "kpis", "drivers", "emerging", "segments", "qa", "data_quality",
                "narrative"):
        assert key in data
    assert data["period"]["weeks"] == [INCIDENT]
    assert data["data_quality"]["redactions_in_period"] == {"PERSON": 55}
    assert all(isinstance(s, str) and any(ch.isdigit() for ch in s) for s in data["narrative"])


def test_quotes_are_escaped_deduplicated_and_tied_to_drivers(warehouse: str) -> None:
    report = build_report(warehouse, week=INCIDENT)
    quotes = [q for q in report.quotes if q["value"] == "billing.double_charge"]
    assert {q["kind"] for q in quotes} == {"most negative", "most typical"}
    assert len({q["text"] for q in report.quotes}) == len(report.quotes)
    html = render(report, "html")
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    md = render(report, "md")
    assert "<script>" not in md


def test_range_report_covers_every_week_and_compares_with_the_period_before(
        warehouse: str) -> None:
    report = build_report(warehouse, date_from="2026-W42", date_to="2026-W45")
    assert report.period["weeks"] == ["2026-W42", "2026-W43", "2026-W44", "2026-W45"]
    assert report.period["previous"] == ["2026-W38", "2026-W39", "2026-W40", "2026-W41"]
    assert report.kpis["current"]["volume"] == 4 * 400 + 150
    assert report.week == "2026-W42 to 2026-W45"


def test_table_exports_guard_formulas_in_csv_and_xlsx(warehouse: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    report = build_report(warehouse, week=INCIDENT)
    written = export_tables(report, tmp_path / "csv", "csv")
    assert {p.name for p in written} >= {"kpis.csv", "drivers.csv", "emerging.csv",
                                         "segments.csv", "trend.csv", "quotes.csv"}
    with open(tmp_path / "csv" / "quotes.csv", encoding="utf-8") as handle:
        cells = [c for row in csv.reader(handle) for c in row]
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    hostile = next(q["text"] for q in report.quotes if "HYPERLINK" in q["text"])
    assert hostile.startswith("<script>")  # not a formula prefix, kept as text
    [book] = export_tables(report, tmp_path / "xlsx", "xlsx")
    sheet = load_workbook(book)["drivers"]
    assert sheet.cell(1, 1).value == "dimension"
    values = [c.value for row in load_workbook(book)["quotes"].iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_formula_like_driver_names_are_guarded_in_exports(tmp_path: Path) -> None:
    frame = _records(per_week=60)
    frame.loc[frame.root_cause == "pricing.price_increase", "root_cause"] = "=cmd|' /C calc'!A0"
    path = tmp_path / "w.duckdb"
    report = build_report(_load(path, frame), week=INCIDENT, min_n=10)
    export_tables(report, tmp_path / "out", "csv")
    text = (tmp_path / "out" / "drivers.csv").read_text(encoding="utf-8")
    assert "'=cmd" in text and ",=cmd" not in text


# ------------------------------------------------------------------ statistics


def test_nps_change_test_uses_both_periods_variances() -> None:
    a = Kpis.build(200, 200, 100, 40, 0, 0, None, 0, None, None, 0, None, None, 0)
    b = Kpis.build(200, 200, 70, 70, 0, 0, None, 0, None, None, 0, None, None, 0)
    change = compare(a, b, min_n=30)["nps"]
    assert change.delta == pytest.approx(30.0)
    # var per answer: p + d - (p - d)^2 -> 0.7 - 0.09 = 0.61 and 0.7 - 0 = 0.7
    se = 100 * ((0.61 + 0.7) / 200) ** 0.5
    assert change.z == pytest.approx(30 / se)
    assert change.significant


def test_below_minimum_n_nothing_is_significant() -> None:
    a = Kpis.build(20, 20, 20, 0, 20, 20, 5.0, 0, None, None, 0, None, None, 0)
    b = Kpis.build(20, 20, 0, 20, 20, 0, 1.0, 0, None, None, 0, None, None, 0)
    changes = compare(a, b, min_n=30)
    assert not changes["nps"].significant and not changes["nps"].comparable
    assert not changes["csat"].significant


def test_holm_keeps_a_strong_change_and_drops_marginal_ones() -> None:
    family = [{"comparable": True, "p_value": p, "significant": True}
              for p in (0.0001, 0.03, 0.04, 0.2)]
    assert holm(family) == 1
    assert [c["significant"] for c in family] == [True, False, False, False]


def test_poisson_tail_matches_a_hand_computed_value() -> None:
    # P(X >= 2 | mean 1) = 1 - e^-1 - e^-1
    assert poisson_sf(2, 1.0) == pytest.approx(1 - 2 * 2.718281828 ** -1)


def test_emerging_flags_a_new_value_but_not_a_steady_one() -> None:
    drivers = [
        {"dimension": "topic", "value": "esim", "volume": 40, "n_trailing": 0, "share": .04,
         "share_trailing": 0.0, "nps": -10.0, "sentiment": -0.4},
        {"dimension": "topic", "value": "billing", "volume": 100, "n_trailing": 400,
         "share": .1, "share_trailing": .1, "nps": 0.0, "sentiment": -0.2},
        {"dimension": "topic", "value": "tiny", "volume": 3, "n_trailing": 0, "share": .003,
         "share_trailing": 0.0, "nps": 0.0, "sentiment": 0.0},
    ]
    found = emerging(drivers, period_volume=1000, trailing_volume=4000)
    assert [(e["value"], e["status"]) for e in found] == [("esim", "new")]


def test_week_helpers_cross_year_boundaries() -> None:
    assert weeks_before("2027-W01", 2) == ["2026-W52", "2026-W53"]
    assert weeks_between("2026-W52", "2027-W02") == ["2026-W52", "2026-W53", "2027-W01",
                                                     "2027-W02"]


def test_malformed_week_gets_an_actionable_error(warehouse: str) -> None:
    from feedback_engine.errors import ConfigError

    with pytest.raises(ConfigError, match="write it like 2026-W47"):
        build_report(warehouse, week="2026-47")


def test_unknown_segment_column_is_a_config_error(warehouse: str) -> None:
    from feedback_engine.errors import ConfigError
    from feedback_engine.warehouse import Warehouse as W

    with W(warehouse, read_only=True) as w, pytest.raises(ConfigError, match="no column"):
        Rollups(w.con).prepare(["channel", "region"], [INCIDENT])


def test_effort_emotion_and_aspects_roll_up_per_period_and_driver(tmp_path: Path) -> None:
    frame = _records(per_week=40)
    surge = frame.root_cause == "billing.double_charge"
    frame["effort_score"] = [3.0 if s else (-2.0 if i % 2 else None)
                             for i, s in enumerate(surge)]
    frame["emotion_top"] = ["anger" if s else ("gratitude" if i % 3 == 0 else None)
                            for i, s in enumerate(surge)]
    frame["aspects"] = [json.dumps([{"aspect": "refund", "span": "refund", "polarity":
                                     "negative" if s else "positive", "score": -0.5}])
                        for s in surge]
    path = tmp_path / "w.duckdb"
    report = build_report(_load(path, frame), week=INCIDENT, min_n=10)
    week = frame[frame.week == INCIDENT]
    effort = report.experience["effort"]
    assert effort["high_effort"] == int((week.effort_score >= 2).sum())
    assert effort["records"] == len(week)
    top = next(d for d in report.drivers if d["value"] == "billing.double_charge")
    assert top["high_effort_share"] == 1.0 and top["top_emotion"] == "anger"
    [refund] = report.experience["aspects"]
    share = (week.root_cause == "billing.double_charge").mean()
    assert refund["n"] == len(week) and refund["negative_share"] == pytest.approx(share)
    text = " ".join(report.narrative)
    assert "describe a high-effort contact" in text
    assert "refund drew the most negative mentions" in text
    assert 'data-chart="aspects"' in render(report, "html")


def test_without_driver_columns_quotes_fall_back_to_the_periods_extremes(
        tmp_path: Path) -> None:
    frame = _records(per_week=30).drop(columns=["root_cause", "root_cause_conf"])
    # Distinct wording per record (the de-duplication ignores digits and punctuation).
    frame["text_redacted"] = [f"comment {chr(97 + i % 26)}{chr(97 + i // 26 % 26)}"
                              for i in range(len(frame))]
    path = tmp_path / "w.duckdb"
    report = build_report(_load(path, frame), week=INCIDENT, min_n=10)
    assert report.drivers == [] and report.emerging == []
    kinds = [q["kind"] for q in report.quotes]
    assert kinds.count("most negative") == 3 and kinds.count("most positive") == 3
    assert report.quotes[0]["sentiment"] == min(q["sentiment"] for q in report.quotes)
    assert "drivers and emerging issues (no root cause or topic column" in render(report, "html")

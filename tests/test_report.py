"""The plain weekly report: sentences backed by figures, significance, hostile text escaped."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from feedback_engine import analyze, report
from feedback_engine.reports import build_report, render


def _survey(tmp_path: Path, weeks: dict[str, list[int]], channel: str = "chat") -> Path:
    path = tmp_path / "survey.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "created_at", "comment", "nps", "csat", "channel"])
        n = 0
        for day, scores in weeks.items():
            for score in scores:
                n += 1
                csat = 5 if score >= 9 else 2
                writer.writerow([n, day, f"answer {n}", score, csat, channel])
    return path


def test_report_claims_a_significant_nps_drop(tmp_path: Path) -> None:
    path = _survey(tmp_path, {"2026-09-01": [10] * 70 + [3] * 30,
                              "2026-09-08": [10] * 30 + [3] * 70})
    analyze([path], db=tmp_path / "w.duckdb")
    model = build_report(str(tmp_path / "w.duckdb"), min_n=30)
    assert model.week == "2026-W37"
    assert model.narrative[1].startswith("NPS fell 80.0 points to -40.0")
    assert "a significant drop from 40.0 in 2026-W36" in model.narrative[1]
    assert model.narrative[2].startswith("CSAT fell 40.0 points to 30.0%")
    assert model.kpis["changes"]["nps"]["significant"] is True


def test_report_makes_no_claim_for_a_change_within_noise(tmp_path: Path) -> None:
    path = _survey(tmp_path, {"2026-09-01": [10] * 18 + [3] * 12,
                              "2026-09-08": [10] * 16 + [3] * 14})
    analyze([path], db=tmp_path / "w.duckdb")
    model = build_report(str(tmp_path / "w.duckdb"), min_n=30)
    assert "no significant change from 20.0 in 2026-W36" in model.narrative[1]


def test_report_refuses_comparison_below_minimum_n(tmp_path: Path) -> None:
    path = _survey(tmp_path, {"2026-09-01": [10] * 5, "2026-09-08": [1] * 5})
    analyze([path], db=tmp_path / "w.duckdb")
    model = build_report(str(tmp_path / "w.duckdb"), min_n=30)
    assert "too few answers to compare with 2026-W36 (n=5; minimum 30)" in model.narrative[1]
    assert model.kpis["changes"]["nps"]["significant"] is False


def test_html_report_escapes_hostile_values(tmp_path: Path) -> None:
    path = _survey(tmp_path, {"2026-09-01": [9] * 3}, channel="<script>alert(1)</script>")
    db = tmp_path / "w.duckdb"
    analyze([path], db=db)
    html = render(build_report(str(db)), "html")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = render(build_report(str(db)), "md")
    assert "<script>" not in md  # Markdown viewers render raw HTML
    # Inert by a word joiner after "<" (issue #22: no entities, so "p < 0.001" reads as is).
    assert "| <\u2060script>alert(1)<\u2060/script> |" in md


def test_report_defaults_to_reports_week_folder(tmp_path: Path, monkeypatch) -> None:
    path = _survey(tmp_path, {"2026-09-01": [9] * 3})
    analyze([path], db=tmp_path / "w.duckdb")
    monkeypatch.chdir(tmp_path)
    written = report(db=tmp_path / "w.duckdb", fmt="md")
    assert written == Path("reports/2026-W36/report.md")
    assert written.read_text(encoding="utf-8").startswith(
        "# Weekly customer feedback report — 2026-W36")


@pytest.mark.parametrize("fmt", ["docx", "txt"])
def test_report_rejects_unknown_format(tmp_path: Path, fmt: str) -> None:
    from feedback_engine.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown report format"):
        report(db=tmp_path / "w.duckdb", fmt=fmt)

"""How the report formats read (issue #22): Markdown that stays inert yet shows ``p < 0.001``
as written, no empty ``(, n=0)`` cells, QA evidence as quotes, empty sections left out and
listed once, the segment chart on the KPI that moved, the share of unknown causes, and a PDF
with every column of every table on the page.

The small tests render hand-built report models; the slow ones the demo corpus (its
warehouse is built once, by the fixture of ``test_demo_report``).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from devtools import required_tool
from hypothesis import given, settings
from hypothesis import strategies as st
from test_demo_report import INCIDENT, demo_db  # noqa: F401  (a fixture)
from test_report_browser import chromium  # noqa: F401  (a fixture)

from feedback_engine.reports import build_report, render, write_report
from feedback_engine.reports.model import Report
from feedback_engine.reports.render import (
    WORD_JOINER,
    _estimate,
    _evidence,
    _md_cell,
    build_charts,
    not_shown,
    segment_chart,
)

try:  # a CommonMark parser (markdown-it-py comes with rich); else the regex checks alone
    from markdown_it import MarkdownIt
except ImportError:  # pragma: no cover
    MarkdownIt = None

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</p><p>",
           "<!-- c -->", "<?php x ?>", "<![CDATA[x]]>", "<http://evil.example>",
           "<mailto:a@b.example>", "[x](javascript:alert(1))", "![x](http://evil.example/t.png)",
           "[x]: http://evil.example", "http://evil.example/a", "www.evil.example",
           "phish@evil.example", "&lt;script&gt;", "&#60;b&#62;", "&#x3C;", "&amp;",
           "`code`", "**bold** _em_ ~~s~~", "# heading", "> quote", "- item", "1. item",
           "a | b", "back\\slash", "\\<b>", "<\\b>", "x\n# y\n\n<div>", "\x00<a>"]


# -- Markdown escaping

def _parse(md: str) -> list[Any]:
    """The inline tokens of the last block of ``md`` (the table's body cell), parsed as
    CommonMark with GFM tables and raw HTML allowed."""
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    inline = [t for t in tokens if t.type == "inline"]
    return (inline[-1].children or []) if inline else []


def _assert_inert(cell: str, original: str) -> None:
    """No HTML, entity, link, image, emphasis, code or bare URL can form from ``cell``, and
    once rendered it reads as ``original`` (whitespace runs folded to one space)."""
    assert not re.search(r"<[A-Za-z/!?]", cell), cell
    assert not re.search(r"&(#|[A-Za-z0-9]+;)", cell), cell
    assert not re.search(r"(?<!\\)(\\\\)*[\[\]`*_!|~#]", cell), cell  # each one escaped
    assert not re.search(r"(?i)[a-z]://|www\.|\w@\w", cell), cell
    assert "\n" not in cell
    if MarkdownIt is None:
        return
    expected = " ".join(original.replace("\x00", "\ufffd").split()).replace(WORD_JOINER, "")
    for md in (f"- {cell}\n", f"| h |\n| --- |\n| {cell} |\n", f"{cell}\n"):
        children = _parse(md)
        kinds = {c.type for c in children}
        assert kinds <= {"text", "softbreak"}, (md, kinds)
        shown = "".join(c.content for c in children).replace(WORD_JOINER, "")
        assert shown == expected, (md, shown)


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_cell_keeps_hostile_text_inert(text: str) -> None:
    _assert_inert(_md_cell(text), text)


def test_markdown_cell_shows_comparisons_and_ampersands_as_written() -> None:
    for text in ("p < 0.001", "a & b", "x >5 days", "3 < 4 & 5 > 4", "AT&T", "<3", "< 5",
                 "R&D; done"):
        cell = _md_cell(text)
        assert "&lt;" not in cell and "&gt;" not in cell and "&amp;" not in cell
        assert cell.replace(WORD_JOINER, "") == text
        _assert_inert(cell, text)
    assert _md_cell("<script>") == f"<{WORD_JOINER}script>"  # "<script" is not in the file


_FRAGMENTS = st.sampled_from(["<", ">", "&", "#", ";", "/", "!", "?", "[", "]", "(", ")",
                              "`", "*", "_", "~", "|", "\\", ":", "@", ".", "-", "+", "1",
                              "a", "B", " ", "\n", "\t", "http", "www", "amp", "script",
                              "\u2060", "\x00", "é", "快"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(st.one_of(_FRAGMENTS, st.text(max_size=3)),
                                     max_size=30).map("".join)))
def test_markdown_cell_of_any_text_parses_to_plain_text(text: str) -> None:
    _assert_inert(_md_cell(text), text)


# -- small report models

def _change(delta: float | None = None, z: float | None = None,
            significant: bool = False) -> dict[str, Any]:
    return {"delta": delta, "z": z, "significant": significant, "comparable": delta is not None}


def _kpis(**values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"volume": 0, "negative_share": None}
    for m in ("nps", "csat", "ces", "sentiment"):
        out.update({m: None, f"{m}_ci": None, f"{m}_n": 0})
    return {**out, **values}


def _segment(value: str, **values: Any) -> dict[str, Any]:
    return {"value": value, **_kpis(**values),
            "changes": {m: _change() for m in ("nps", "csat", "ces", "sentiment")}}


def _report(**fields: Any) -> Report:
    """A report model with one week of data; ``fields`` replace its parts."""
    week = "2026-W44"
    current = _kpis(volume=400, nps=12.0, nps_ci=(4.0, 20.0), nps_n=240, csat=0.6,
                    csat_ci=(0.55, 0.65), csat_n=300, ces=3.1, ces_ci=(3.0, 3.2), ces_n=200,
                    sentiment=0.1, sentiment_ci=(0.05, 0.15), sentiment_n=400,
                    negative_share=0.2)
    base: dict[str, Any] = {
        "title": "Weekly report",
        "period": {"label": week, "weeks": [week], "start": "2026-10-26", "end": "2026-11-01",
                   "previous": ["2026-W43"], "trailing": ["2026-W40", "2026-W41", "2026-W42",
                                                          "2026-W43"], "min_n": 30},
        "kpis": {"current": current, "previous": current,
                 "changes": {m: _change(0.0, 0.1) for m in ("nps", "csat", "ces",
                                                            "sentiment")}},
        "trend": [{"week": week, **current, "unknown_share": None}],
        "segments": {"channel": [_segment("chat", volume=200, nps=10.0, nps_ci=(0.0, 20.0),
                                          nps_n=120, csat=0.6, csat_ci=(0.5, 0.7), csat_n=150,
                                          sentiment=0.1, sentiment_ci=(0.0, 0.2),
                                          sentiment_n=200),
                                 _segment("call", volume=200, nps=14.0, nps_ci=(4.0, 24.0),
                                          nps_n=120, csat=0.6, csat_ci=(0.5, 0.7), csat_n=150,
                                          sentiment=0.1, sentiment_ci=(0.0, 0.2),
                                          sentiment_n=200)]},
        "drivers": [], "driver_trend": {}, "emerging": [], "quotes": [],
        "qa": {"available": False},
        "data_quality": {"records": 400, "records_in_period": 400, "records_undated": 0,
                         "rejects": 0, "rejects_by_reason": {}, "redactions_in_period": {},
                         "last_run": None},
        "narrative": ["In 2026-W44, 400 records were analyzed."],
    }
    return Report(**{**base, **fields})


def _text(page: str) -> str:
    """An HTML page's text: tags dropped, entities decoded, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_markdown_report_shows_a_p_value_with_a_plain_less_than() -> None:
    report = _report(narrative=["Emerging: billing is spiking (2.6×, p < 0.001).",
                                "Calls & chats: <b>more</b> than 5 > 4."])
    md = render(report, "md")
    assert "p < 0.001" in md and "Calls & chats" in md and "5 > 4" in md
    assert not re.search(r"&(lt|gt|amp);", md)
    assert "<b>" not in md and f"<{WORD_JOINER}b>" in md


def test_kpi_without_answers_is_a_dash_without_empty_interval_or_n() -> None:
    no_nps = _kpis(volume=50, csat=0.5, csat_ci=(0.4, 0.6), csat_n=50, sentiment=0.0,
                   sentiment_ci=(-0.1, 0.1), sentiment_n=50, negative_share=0.3)
    report = _report(kpis={"current": no_nps, "previous": no_nps,
                           "changes": {m: _change() for m in ("nps", "csat", "ces",
                                                              "sentiment")}},
                     segments={"channel": [_segment("chat", volume=50, csat=0.5, csat_n=50,
                                                    sentiment=0.0)]})
    md, page = render(report, "md"), render(report, "html")
    for text in (md, _text(page)):
        assert "(, n=0)" not in text and "n=0" not in text and "(0)" not in text
        assert "95% CI ·" not in text and "( " not in text
    assert "| – | 50.0% (40.0 to 60.0, n=50) | – |" in md
    assert "| chat | 50 | – | 50.0% (n=50) |" in md
    assert _estimate("41.0", "", 7) == "41.0 (n=7)" and _estimate("–", "1 to 2", 9) == "–"


NEED = {"agent": "A7", "team": "Orion", "rule": "apology", "name": "Apology", "rate": 0.1,
        "shrunk_rate": 0.2, "team_rate": 0.5, "org_rate": 0.6, "n": 30, "confidence": 0.99,
        "evidence": [{"record_id": "CALL-1", "source": "calls/", "timestamp": "2026-10-27",
                      "note": "no apology <after> the complaint",
                      "turns": [{"turn": 7, "speaker": "agent", "gap_s": 45.2,
                                 "text": "Let me check <that> & see."}]}]}
QA = {"available": True, "weeks": ["2026-W44"], "start": "2026-10-26", "end": "2026-11-01",
      "n_conversations": 120, "rules": [], "training_needs": [NEED]}


def test_training_need_evidence_is_a_quote_with_turn_and_speaker() -> None:
    shown = "Turn 7 (agent, after a 45 s silence): “Let me check <that> & see.” " \
            "(no apology <after> the complaint)"
    assert _evidence(NEED["evidence"][0]) == shown
    assert _evidence({"turns": [{"turn": 2, "speaker": "customer", "text": "hi"}],
                      "note": ""}) == "Turn 2 (customer): “hi”"
    assert _evidence({"note": "silence_s = 193.4 (max 120)", "turns": []}) == \
        "silence_s = 193.4 (max 120)"
    report = _report(qa=QA)
    page, md = render(report, "html"), render(report, "md")
    assert html.escape(shown, quote=True) in page and "{'" not in page
    assert "<that>" not in page
    assert f"Turn 7 (agent, after a 45 s silence): “Let me check <{WORD_JOINER}that> & see.”" \
        in md and "{'" not in md


def test_empty_sections_are_left_out_and_listed_once_as_not_shown() -> None:
    segments = {"channel": [_segment("chat", volume=10, sentiment=0.1, sentiment_n=10)],
                "queue": [], "product": [_segment("TV", volume=10), _segment("Mobile")]}
    report = _report(segments=segments,
                     qa={**QA, "n_conversations": 0, "training_needs": []})
    note = ("Not shown: by queue, by product (no data in this period); "
            "drivers and emerging issues (no root cause or topic column: add the rootcause "
            "or topics stage); QA (no scored conversations).")
    page, md = render(report, "html"), render(report, "md")
    assert note in _text(page)
    assert f"_{note}_" in md
    for absent in ("By queue", "By product", "Quality assurance", "0 conversations",
                   "<h2>Drivers</h2>", "Emerging issues"):
        assert absent not in page and absent not in md, absent
    assert "By channel" in page and "## By channel" in md
    data = json.loads(render(report, "json"))
    assert set(data["segments"]) == {"channel", "queue", "product"}  # JSON keeps its keys


def test_not_shown_names_only_what_has_no_data() -> None:
    assert not_shown(_report(qa=QA)) == [
        "drivers and emerging issues (no root cause or topic column: add the rootcause or "
        "topics stage)"]
    assert "QA (no scored conversations)" in not_shown(_report())  # no QA columns at all


def _moved(**z: float) -> dict[str, Any]:
    changes = {m: _change(0.1, z.get(m, 0.5), significant=m in z)
               for m in ("nps", "csat", "ces", "sentiment")}
    return {"current": _kpis(), "previous": _kpis(), "changes": changes}


def test_segment_chart_plots_the_kpi_with_the_largest_significant_change() -> None:
    assert segment_chart(_report(kpis=_moved(nps=-4.0, sentiment=2.5))) == ("channel", "nps")
    assert segment_chart(_report(kpis=_moved(nps=-2.1, csat=-5.0))) == ("channel", "csat")
    chart = build_charts(_report(kpis=_moved(nps=-4.0)))["segment_chart"]
    assert 'aria-label="NPS by channel, with 95% interval"' in chart
    assert "sentiment" not in chart.lower()


def test_segment_chart_without_a_significant_change_plots_nps_then_csat_then_sentiment(
        ) -> None:
    report = _report()
    assert segment_chart(report) == ("channel", "nps")
    rows = report.segments["channel"]
    for row in rows:
        row["nps"] = None
    assert segment_chart(report) == ("channel", "csat")
    for row in rows:
        row["csat"] = None
    assert segment_chart(report) == ("channel", "sentiment")
    assert "Mean sentiment by channel" in build_charts(report)["segment_chart"]
    assert segment_chart(_report(segments={"channel": []})) is None


def test_segment_chart_falls_back_to_another_dimension_without_channels() -> None:
    report = _report(segments={"channel": [], "team": [_segment("Atlas", nps=5.0, nps_n=40)]})
    assert segment_chart(report) == ("team", "nps")


def test_the_periods_share_of_unknown_causes_is_shown_in_html_and_markdown() -> None:
    report = _report()
    report.trend = [{**report.trend[0], "week": "2026-W43", "unknown_share": 0.5},
                    {**report.trend[0], "volume": 300, "unknown_share": 0.1},
                    {**report.trend[0], "week": "2026-W45", "volume": 100,
                     "unknown_share": 0.3}]
    report.period = {**report.period, "weeks": ["2026-W44", "2026-W45"]}
    line = "Root cause unknown: 15.0% of records in the period."  # (30 + 30) / 400
    assert line in _text(render(report, "html")) and line in render(report, "md")
    assert "Root cause unknown" not in render(_report(), "md")  # no root causes: no line


# -- the demo corpus, every format (slow)

@pytest.mark.slow
def test_every_format_on_the_demo_reads_cleanly(demo_db: str) -> None:  # noqa: F811
    report = build_report(demo_db, week=INCIDENT)
    md, page = render(report, "md"), render(report, "html")
    assert not re.search(r"&(lt|gt|amp);", md)
    assert "p < 0.001" in md
    assert "{'" not in page and "{'" not in md  # no dict repr
    assert "Turn " in _text(page)
    # The main drivers table (being reworked into one merged list) is left as it is.
    outside = re.sub(r"## Drivers\n.*?\n## ", "## ", md, flags=re.S)
    assert "(, n=0)" not in md and "– (0)" not in outside and "– (n=" not in md
    assert "Root cause unknown:" in md and "Root cause unknown:" in _text(page)
    for dimension in ("queue", "product"):  # every drawn table has rows
        assert re.search(rf"<h3>By {dimension}</h3>\s*<table>.*?<tbody>\s*<tr>", page, re.S)
    assert not re.search(r"<tbody>\s*</tbody>", page)
    assert "Not shown" not in md  # the demo has data for every section
    data = json.loads(render(report, "json"))
    assert set(data["segments"]) == {"channel", "team", "queue", "product"}


def _pdftotext() -> str:
    return required_tool(shutil.which("pdftotext"), "pdftotext", "apt install poppler-utils")


def _headers(page: str) -> set[str]:
    return {" ".join(html.unescape(re.sub(r"<[^>]+>", "", h)).split())
            for h in re.findall(r"<th>(.*?)</th>", page)}


@pytest.mark.slow
def test_demo_pdf_has_every_column_of_every_table_on_the_page(
        demo_db: str, tmp_path: Path, chromium: str) -> None:  # noqa: F811
    pdftotext = _pdftotext()
    report = build_report(demo_db, week=INCIDENT)
    # A label with no place to break, as real taxonomies have, must not push columns off.
    report.drivers[0]["label"] = "billing.double_charge_" + "x" * 60
    headers = _headers(render(report, "html"))
    assert {"high effort", "top emotion", "impact NPS (95% CI)", "vs trailing"} <= headers
    pdf = write_report(report, "pdf", tmp_path / "report.pdf")
    assert b"/MediaBox [0 0 841.9" in pdf.read_bytes()  # A4 landscape
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    lines = [" ".join(line.split()) for line in text.splitlines()]
    header_lines = [line for line in lines if line.startswith("driver records share vs previous")]
    assert header_lines, "no driver table header in the PDF"
    for line in header_lines:  # each driver table's header row, whole, on one line
        assert line.endswith("sentiment high effort top emotion"), line
    folded = " ".join(text.split())
    missing = sorted(h for h in headers if h not in folded)
    assert missing == []

"""Render a :class:`~feedback_engine.reports.model.Report`: HTML, Markdown, JSON, PDF, tables.

All formats format the same model. HTML is one self-contained file (inline CSS and SVG, a
Content-Security-Policy that forbids scripts and every network request); PDF is that HTML
printed by headless Chromium. The tables export to CSV (one file each) or one XLSX workbook,
with every text cell guarded against formula injection.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..errors import error
from ..exports import guard_cell
from ..resources import template_text
from . import charts
from .model import Report, driver_label
from .narrative import METRIC_NAMES, impact_text

FORMATS = ("html", "md", "json", "pdf")
TABLE_FORMATS = ("csv", "xlsx")


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def _num(value: float | None, digits: int = 1, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _ci(pair: Any, scale: float = 1.0, digits: int = 1) -> str:
    if not pair:
        return ""
    return f"{scale * pair[0]:.{digits}f} to {scale * pair[1]:.{digits}f}"


def _detail(ci: str, n: int | None = None) -> str:
    """The parts of "8.1 to 15.9, n=240" that there are: an empty interval and an n of 0 or
    None are left out, so a KPI without answers never shows as ``(, n=0)``."""
    return ", ".join(part for part in (ci, f"n={n}" if n else "") if part)


def _estimate(shown: str, ci: str = "", n: int | None = None) -> str:
    """A formatted value with its interval and n: ``12.0 (8.1 to 15.9, n=240)``; ``–``
    alone when there is no value, the value alone when it has neither.

    >>> _estimate("–", "", 0), _estimate("41.0", "", 7)
    ('–', '41.0 (n=7)')
    """
    if shown == "–":
        return shown
    detail = _detail(ci, n)
    return f"{shown} ({detail})" if detail else shown


def _evidence(item: Any) -> str:
    """One QA evidence item as text: each turn quoted with its number and speaker, then the
    note, e.g. ``Turn 7 (agent, after a 45 s silence): “Sorry about that.” (no apology)``.

    ``item`` is what :func:`feedback_engine.rollups.qa.qa_summary` lists per training need:
    ``{"record_id", "source", "timestamp", "note", "turns": [{"turn", "speaker", "text",
    "gap_s"?}]}``; a bare turn or a string is shown the same way. The result is plain text:
    the HTML template escapes it, the Markdown one passes it through ``md``.
    """
    if not isinstance(item, dict):
        return str(item)
    turns = item.get("turns") if "turns" in item else [item] if "text" in item else []
    quoted = []
    for turn in turns or []:
        number = turn.get("turn", turn.get("index"))
        about = [str(turn["speaker"])] if turn.get("speaker") else []
        if turn.get("gap_s") is not None:
            about.append(f"after a {float(turn['gap_s']):.0f} s silence")
        head = "Turn" if number is None else f"Turn {number}"
        head += f" ({', '.join(about)})" if about else ""
        quoted.append(f"{head}: “{' '.join(str(turn.get('text') or '').split())}”")
    note = item.get("note")
    return " · ".join(quoted) + (f" ({note})" if note and quoted else note or "")


# Markdown syntax a value could use to become a link, an image, a heading, emphasis or code;
# CommonMark renders any backslash-escaped ASCII punctuation literally. With the brackets
# escaped, a "(url)" after them is plain text, so parentheses stay as they are.
_MD_SYNTAX = re.compile(r"([\\`*_\[\]#!|~])")
# GFM turns bare "http://…" and "www.…" into live links: escaping the slashes and the dot
# breaks the pattern while the text reads the same once rendered.
_MD_AUTOLINK = re.compile(r"(?i)(?<=[a-z]):(?=//)|//|(?<=www)\.")
# A "<" starts raw HTML or an autolink only when a letter, "/", "!" or "?" follows it, and
# "&" starts an entity only before "#" or "name;" (CommonMark 0.31, sections 6.5, 6.6 and
# 2.5); GFM links "a@b.example" as an e-mail. A WORD JOINER (U+2060, invisible, no line
# break) after the "<" or "&" (before the "@") breaks exactly those cases, so "p < 0.001"
# and "a & b" stay as written and "<script>" shows as text, in the file as well as rendered.
WORD_JOINER = "\u2060"
_MD_MARKUP_START = re.compile(r"(?<=<)(?=[A-Za-z/!?])|(?<=&)(?=#|[A-Za-z0-9]+;)"
                              r"|(?<=[\w.+-])(?=@\w)")
# A cell that starts like a block (a quote, a list item) would nest one inside a list item.
_MD_BLOCK_START = re.compile(r"^(?=[>+-])|^(\d{1,9})(?=[.)])")


def _md_cell(value: object) -> str:
    """Make a value inert in Markdown: no HTML, link, image, heading, emphasis, code, nested
    block or table cell break, while it reads as written once rendered.

    Runs of whitespace (newlines included) become one space. ``![x](http://attacker.example/
    t.png)`` renders as that literal text, not an image; ``p < 0.001`` stays as it is.
    """
    text = " ".join(str(value).replace("\x00", "\ufffd").split())
    text = _MD_SYNTAX.sub(r"\\\1", text)
    text = _MD_AUTOLINK.sub(lambda m: "\\/\\/" if m.group() == "//" else "\\" + m.group(),
                            text)
    text = _MD_MARKUP_START.sub(WORD_JOINER, text)
    return _MD_BLOCK_START.sub(lambda m: (m.group(1) or "") + "\\", text, count=1)


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(autoescape=autoescape, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=_pct, num=_num, ci=_ci, md=_md_cell, detail=_detail,
                       estimate=_estimate, evidence=_evidence)
    env.globals["impact_text"] = impact_text
    return env


# The headline KPIs, as a segment chart shows them: name, display scale, number format.
SEGMENT_METRICS: dict[str, tuple[str, float, Callable[[float], str]]] = {
    "nps": ("NPS", 1.0, lambda v: f"{v:+.1f}"),
    "csat": ("CSAT (4–5, %)", 100.0, lambda v: f"{v:.0f}"),
    "ces": ("CES (mean)", 1.0, lambda v: f"{v:.2f}"),
    "sentiment": ("Mean sentiment", 1.0, lambda v: f"{v:+.2f}"),
}
# What the segment chart plots when no headline KPI changed significantly.
SEGMENT_FALLBACK = ("nps", "csat", "sentiment")


def shown_segments(report: Report) -> dict[str, list[dict[str, Any]]]:
    """The segment tables worth drawing: a dimension is left out when it has no row with a
    value and at least one KPI (a column that is empty, or all None, in the period)."""
    return {dimension: rows for dimension, rows in report.segments.items()
            if any(row.get("value") is not None
                   and any(row.get(m) is not None for m in SEGMENT_METRICS) for row in rows)}


def segment_metric(report: Report, rows: list[dict[str, Any]]) -> str | None:
    """The KPI a segment chart plots: the headline KPI whose change is significant with the
    largest |z|, else NPS, CSAT or sentiment, the first that ``rows`` have; None if none."""
    present = [m for m in SEGMENT_METRICS if any(row.get(m) is not None for row in rows)]
    changes = report.kpis.get("changes", {})
    moved = [m for m in present if (changes.get(m) or {}).get("significant")
             and changes[m].get("z") is not None]
    if moved:
        return max(moved, key=lambda m: abs(changes[m]["z"]))
    return next((m for m in SEGMENT_FALLBACK if m in present), None)


def segment_chart(report: Report) -> tuple[str, str] | None:
    """(dimension, metric) of the segments chart: channel if shown, else the first shown
    segment dimension, with :func:`segment_metric`; None when there is nothing to plot."""
    segments = shown_segments(report)
    for dimension in sorted(segments, key=lambda d: d != "channel"):
        metric = segment_metric(report, segments[dimension])
        if metric:
            return dimension, metric
    return None


def unknown_share(report: Report) -> float | None:
    """The share of the period's records whose root cause is ``unknown`` (the weekly shares
    weighted by volume); None without root causes."""
    weeks = [w for w in report.trend if w["week"] in report.period["weeks"]
             and w.get("unknown_share") is not None and w.get("volume")]
    total = sum(w["volume"] for w in weeks)
    return sum(w["unknown_share"] * w["volume"] for w in weeks) / total if total else None


def not_shown(report: Report) -> list[str]:
    """What the report leaves out for want of data, one phrase per reason, e.g. ``by queue,
    by product (no data in this period)``; empty when every section is drawn."""
    out = []
    empty = [d for d in report.segments if d not in shown_segments(report)]
    if empty:
        out.append(", ".join(f"by {d.replace('_', ' ')}" for d in empty)
                   + " (no data in this period)")
    if not report.drivers:
        out.append("drivers and emerging issues (no root cause or topic column: add the "
                   "rootcause or topics stage)")
    if not report.qa.get("available") or not report.qa.get("n_conversations"):
        out.append("QA (no scored conversations)")
    return out


def _view(report: Report) -> dict[str, Any]:
    """What the templates show beyond the model itself: the sections with data and notes."""
    return {"segments": shown_segments(report), "not_shown": not_shown(report),
            "unknown_share": unknown_share(report)}


def build_charts(report: Report) -> dict[str, str]:
    """The report's SVG charts by name (empty where there is nothing to draw)."""
    trend = report.trend
    weeks = [w["week"] for w in trend]
    period = report.period["weeks"]
    out: dict[str, str] = {}
    if any(w["nps"] is not None for w in trend):
        out["nps_trend"] = charts.trend_chart(
            "nps-trend", "NPS by week, with 95% interval", weeks,
            [("NPS", [w["nps"] for w in trend], [w["nps_ci"] for w in trend])],
            highlight=period)
    if any(w["csat"] is not None for w in trend):
        out["csat_trend"] = charts.trend_chart(
            "csat-trend", "CSAT (share of 4–5) by week, with 95% interval", weeks,
            [("CSAT %", [None if w["csat"] is None else 100 * w["csat"] for w in trend],
              [(100 * w["csat_ci"][0], 100 * w["csat_ci"][1]) if w["csat_ci"] else None
               for w in trend])], highlight=period)
    if any(w["sentiment"] is not None for w in trend):
        out["sentiment_trend"] = charts.trend_chart(
            "sentiment-trend", "Mean sentiment by week, with 95% interval", weeks,
            [("sentiment", [w["sentiment"] for w in trend], [w["sentiment_ci"] for w in trend])],
            fmt=lambda v: f"{v:+.2f}", highlight=period)
    impact = [(d["label"], d["impact"], None) for d in report.drivers
              if d["impact"] is not None][:10]
    if impact:
        name = METRIC_NAMES[report.kpis["headline"]]
        out["driver_impact"] = charts.bar_chart(
            "driver-impact", f"Driver impact on {name}: {name}(all) − {name}(all without it)",
            impact)
    for dimension, rows in report.driver_trend.items():
        if not rows:
            continue
        values = list(rows[0]["shares"])
        series = [(driver_label(v, report.labels), [100 * r["shares"][v] for r in rows], None)
                  for v in values[:6]]
        out[f"share_{dimension}"] = charts.trend_chart(
            f"share-{dimension}", f"Share of records by {dimension.replace('_', ' ')} (%)",
            [r["week"] for r in rows], series, highlight=period)
    chart = segment_chart(report)
    if chart:
        dimension, metric = chart
        name, scale, fmt = SEGMENT_METRICS[metric]
        rows = [s for s in report.segments[dimension] if s.get(metric) is not None]
        out["segment_chart"] = charts.bar_chart(
            f"segments-{dimension}", f"{name} by {dimension.replace('_', ' ')}, with 95% interval",
            [(str(s["value"]), scale * s[metric],
              (scale * s[f"{metric}_ci"][0], scale * s[f"{metric}_ci"][1])
              if s.get(f"{metric}_ci") else None) for s in rows], fmt=fmt)
    aspects = report.experience.get("aspects", [])
    if aspects:
        out["aspects"] = charts.bar_chart(
            "aspects", "Aspects mentioned most: share of negative mentions (%)",
            [(f"{str(a['aspect']).replace('_', ' ')} (n={a['n']})", 100 * a["negative_share"],
              None) for a in aspects],
            fmt=lambda v: f"{v:.0f}", domain=(0.0, 100.0), signed_colors=False,
            color=charts.NEG)
    rules = [r for r in report.qa.get("rules", []) if r.get("pass_rate") is not None]
    if rules:
        out["qa_rules"] = charts.bar_chart(
            "qa-rules", "QA rule pass rates (%)",
            [(r.get("name") or r["rule"], 100 * r["pass_rate"], None) for r in rules],
            fmt=lambda v: f"{v:.0f}", domain=(0.0, 100.0), signed_colors=False)
    return out


def render(report: Report, fmt: str) -> str:
    """Return the report as text in ``fmt`` (html, md or json; pdf is binary: use
    :func:`write_report`)."""
    if fmt == "json":
        return json.dumps(report.as_dict(), indent=2, default=str) + "\n"
    if fmt == "md":
        return _environment(False).from_string(template_text("report.md.j2")).render(
            r=report, v=_view(report))
    if fmt == "html":
        # Autoescape: customer text and labels are hostile until proven otherwise. The SVG
        # charts escape their own text (charts._e) and are marked safe here.
        svgs = {k: Markup(v) for k, v in build_charts(report).items()}  # noqa: S704
        return _environment(True).from_string(template_text("report.html.j2")).render(
            r=report, v=_view(report), charts=svgs)
    raise error("FE453", fmt=fmt, choices=", ".join(FORMATS))


def write_report(report: Report, fmt: str, path: str | Path) -> Path:
    """Write the report in ``fmt`` to ``path`` and return it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        from .browser import html_to_pdf

        # A4 landscape with 10 mm margins, as Chromium's --print-to-pdf takes its paper from
        # CSS: the driver tables have a dozen columns, and on portrait A4 the last ones fell
        # off the page. The template's print rules also let every cell wrap (issue #22).
        html = render(report, "html").replace(
            "</head>", "<style>@page { size: A4 landscape; margin: 10mm; }</style>\n</head>",
            1)
        with tempfile.TemporaryDirectory(prefix="feedback-report-") as tmp:
            page = Path(tmp) / "report.html"
            page.write_text(html, encoding="utf-8")
            return html_to_pdf(page, out)
    out.write_text(render(report, fmt), encoding="utf-8")
    return out


def report_tables(report: Report) -> dict[str, list[dict[str, Any]]]:
    """The report's tables as flat rows: kpis, trend, segments, drivers, emerging, qa."""
    def flat(row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, list | tuple) and key.endswith("_ci"):
                out[f"{key}_low"], out[f"{key}_high"] = value if len(value) == 2 else (None, None)
            elif isinstance(value, dict):
                for sub, inner in value.items():
                    if isinstance(inner, dict):
                        out.update({f"{sub}_{k2}": v2 for k2, v2 in inner.items()})
                    else:
                        out[f"{key}_{sub}"] = inner
            elif isinstance(value, list):
                out[key] = json.dumps(value, default=str)
            else:
                out[key] = value
        return out

    k = report.kpis
    kpis = [{"period": report.period["label"], "which": "current", **k["current"]},
            {"period": ", ".join(report.period["previous"]), "which": "previous",
             **k["previous"]}]
    tables = {
        "kpis": [flat(r) for r in kpis],
        "kpi_changes": [flat(c) for c in k["changes"].values()],
        "trend": [flat(r) for r in report.trend],
        "segments": [flat(r) for rows in report.segments.values() for r in rows],
        "actions": [flat({k: v for k, v in a.items() if k != "names"})
                    for a in report.actions],
        "drivers": [flat(r) for r in report.drivers],
        "emerging": [flat(r) for r in report.emerging],
        "quotes": [flat(r) for r in report.quotes],
    }
    if report.languages:
        tables["languages"] = [flat({
            "language": x["language"], "name": x["name"], "share": x["share"],
            **x["kpis"], "changes": x["changes"],
            "top_emerging": x["emerging"][0]["value"] if x["emerging"] else None})
            for x in report.languages]
        tables["language_drivers"] = [flat({"language": x["language"], **d})
                                      for x in report.languages for d in x["drivers"]]
        tables["language_emerging"] = [flat({"language": x["language"], **e})
                                       for x in report.languages for e in x["emerging"]]
        tables["language_quotes"] = [flat({"language": x["language"], **q})
                                     for x in report.languages for q in x["quotes"]]
    for name in ("aspects", "emotions"):
        if report.experience.get(name):
            tables[name] = [flat(r) for r in report.experience[name]]
    qa = report.qa
    if qa.get("available"):
        tables["qa_rules"] = [flat(r) for r in qa.get("rules", [])]
        tables["qa_training_needs"] = [flat(r) for r in qa.get("training_needs", [])]
    return tables


def export_tables(report: Report, directory: str | Path, fmt: str = "csv") -> list[Path]:
    """Write the report's tables: one CSV each, or one XLSX workbook with a sheet each.

    Text cells that a spreadsheet would run as a formula are prefixed with a quote.
    """
    if fmt not in TABLE_FORMATS:
        raise error("FE454", fmt=fmt, choices=", ".join(TABLE_FORMATS))
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    tables = {name: _grid(rows) for name, rows in report_tables(report).items()}
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for name, grid in tables.items():
            sheet = book.create_sheet(name[:31])
            for line in grid:
                sheet.append(line)
        path = target / "report_tables.xlsx"
        book.save(path)
        return [path]
    import csv

    written = []
    for name, grid in tables.items():
        path = target / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(grid)
        written.append(path)
    return written


def _grid(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """A table as lines of cells: the header (every key, in order of first use), then rows."""
    columns = list(dict.fromkeys(c for row in rows for c in row))
    return [columns] + [[_cell(row.get(c)) for c in columns] for row in rows]


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return guard_cell(str(value))

"""Render a :class:`~feedback_engine.reports.model.Report`: HTML, Markdown, JSON, PDF, tables.

All formats format the same model. HTML is one self-contained file (inline CSS and SVG, a
Content-Security-Policy that forbids scripts and every network request); PDF is that HTML
printed by headless Chromium. The tables export to CSV (one file each) or one XLSX workbook,
with every text cell guarded against formula injection.
"""

from __future__ import annotations

import html
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..errors import error
from ..exports import guard_cell
from ..resources import template_text
from . import charts
from .model import Report, driver_label

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


# Markdown syntax a value could use to become a link, an image, a heading, emphasis or code;
# CommonMark renders any backslash-escaped ASCII punctuation literally. With the brackets
# escaped, a "(url)" after them is plain text, so parentheses stay as they are.
_MD_SYNTAX = re.compile(r"([\\`*_\[\]#!|~])")
# GFM turns bare "http://…" and "www.…" into live links: escaping the slashes and the dot
# breaks the pattern while the text reads the same once rendered.
_MD_AUTOLINK = re.compile(r"(?i)(?<=[a-z]):(?=//)|//|(?<=\bwww)\.")


def _md_cell(value: object) -> str:
    """Make a value inert in Markdown: no markup, link, image, heading or table cell break.

    ``![x](http://attacker.example/t.png)`` renders as that literal text, not an image.
    """
    text = " ".join(str(value).splitlines())
    text = _MD_SYNTAX.sub(r"\\\1", text)
    text = _MD_AUTOLINK.sub(lambda m: "\\/\\/" if m.group() == "//" else "\\" + m.group(),
                            text)
    # Markdown viewers render raw HTML: entities keep <script> as text (< > & are not
    # backslash-escaped above, so the entities stay entities).
    return html.escape(text, quote=False)


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(autoescape=autoescape, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=_pct, num=_num, ci=_ci, md=_md_cell)
    return env


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
    impact = [(d["label"], d["impact_nps"], None) for d in report.drivers
              if d["impact_nps"] is not None][:10]
    if impact:
        out["driver_impact"] = charts.bar_chart(
            "driver-impact", "Driver impact on NPS: NPS(all) − NPS(all without it)", impact)
    for dimension, rows in report.driver_trend.items():
        if not rows:
            continue
        values = list(rows[0]["shares"])
        series = [(driver_label(v, report.labels), [100 * r["shares"][v] for r in rows], None)
                  for v in values[:6]]
        out[f"share_{dimension}"] = charts.trend_chart(
            f"share-{dimension}", f"Share of records by {dimension.replace('_', ' ')} (%)",
            [r["week"] for r in rows], series, highlight=period)
    channels = report.segments.get("channel", [])
    if channels:
        out["sentiment_channel"] = charts.bar_chart(
            "sentiment-channel", "Mean sentiment by channel, with 95% interval",
            [(c["value"], c["sentiment"], c["sentiment_ci"]) for c in channels
             if c["sentiment"] is not None], fmt=lambda v: f"{v:+.2f}")
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
        return _environment(False).from_string(template_text("report.md.j2")).render(r=report)
    if fmt == "html":
        # Autoescape: customer text and labels are hostile until proven otherwise. The SVG
        # charts escape their own text (charts._e) and are marked safe here.
        svgs = {k: Markup(v) for k, v in build_charts(report).items()}  # noqa: S704
        return _environment(True).from_string(template_text("report.html.j2")).render(
            r=report, charts=svgs)
    raise error("FE453", fmt=fmt, choices=", ".join(FORMATS))


def write_report(report: Report, fmt: str, path: str | Path) -> Path:
    """Write the report in ``fmt`` to ``path`` and return it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        from .browser import html_to_pdf

        # A4 with 10 mm margins, as Chromium's --print-to-pdf takes its paper from CSS.
        html = render(report, "html").replace(
            "</head>", "<style>@page { size: A4; margin: 10mm; }</style>\n</head>", 1)
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

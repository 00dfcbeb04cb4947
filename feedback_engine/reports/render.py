"""Render a :class:`~feedback_engine.reports.model.Report` to Markdown, HTML or JSON."""

from __future__ import annotations

import html
import json
from pathlib import Path

import jinja2

from ..errors import ConfigError
from ..resources import template_text
from .model import Report

FORMATS = ("html", "md", "json")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 1, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _ci(pair: tuple[float, float] | None, scale: float = 1.0, digits: int = 1) -> str:
    if not pair:
        return ""
    return f"{scale * pair[0]:.{digits}f} to {scale * pair[1]:.{digits}f}"


def _md_cell(value: object) -> str:
    # Markdown viewers render raw HTML, and tables break on pipes and newlines: escape all
    # three so a hostile value can neither inject markup nor forge table cells.
    return html.escape(str(value), quote=False).replace("|", "\\|").replace("\n", " ")


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(autoescape=autoescape, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=_pct, num=_num, ci=_ci, md=_md_cell)
    return env


def render(report: Report, fmt: str) -> str:
    """Return the report as text in ``fmt`` (html, md or json)."""
    if fmt == "json":
        return json.dumps(report.as_dict(), indent=2, default=str) + "\n"
    if fmt == "md":
        return _environment(False).from_string(template_text("report.md.j2")).render(r=report)
    if fmt == "html":
        # Autoescape: customer text and labels are hostile until proven otherwise.
        return _environment(True).from_string(template_text("report.html.j2")).render(
            r=report)
    raise ConfigError(f"unknown report format '{fmt}'; choose one of {', '.join(FORMATS)}")


def write_report(report: Report, fmt: str, path: str | Path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(report, fmt), encoding="utf-8")
    return out

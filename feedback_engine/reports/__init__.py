"""Reports: a plain-data report model and its renderers."""

from .model import Report, build_report
from .render import FORMATS, render, write_report

__all__ = ["FORMATS", "Report", "build_report", "render", "write_report"]

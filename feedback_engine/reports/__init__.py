"""Reports: a plain-data report model and its renderers."""

from .model import Report, ReportSettings, build_report
from .render import FORMATS, TABLE_FORMATS, export_tables, render, write_report

__all__ = ["FORMATS", "TABLE_FORMATS", "Report", "ReportSettings", "build_report",
           "export_tables", "render", "write_report"]

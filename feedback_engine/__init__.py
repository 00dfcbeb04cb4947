"""feedback-engine: offline, reproducible contact-center feedback and text analytics."""

from __future__ import annotations

from ._version import __version__
from .api import AnalyzeSummary, DemoResult, analyze, demo, init_project, report

__all__ = ["AnalyzeSummary", "DemoResult", "__version__", "analyze", "demo", "init_project",
           "report"]

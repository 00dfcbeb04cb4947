"""feedback-engine: offline, reproducible contact-center feedback and text analytics."""

from __future__ import annotations

__version__ = "0.1.0"

from .api import AnalyzeSummary, DemoResult, analyze, demo, init_project, report  # noqa: E402

__all__ = ["AnalyzeSummary", "DemoResult", "__version__", "analyze", "demo", "init_project",
           "report"]

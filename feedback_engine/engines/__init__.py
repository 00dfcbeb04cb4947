"""Engines run the same stages over the sources: ``local`` streams chunks in one process."""

from .local import RunCounts, run_local

__all__ = ["RunCounts", "run_local"]

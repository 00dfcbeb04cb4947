"""Rollups: metrics computed from the warehouse."""

from .metrics import NPS, Z95, Mean, Proportion, csat, mean_ci, nps, nps_from_counts, wilson

__all__ = ["Z95", "NPS", "Mean", "Proportion", "csat", "mean_ci", "nps", "nps_from_counts",
           "wilson"]

"""Stages: per-chunk DataFrame transforms with declared inputs and outputs."""

from .base import REGISTRY, Pipeline, build_pipeline, stage, stage_id

__all__ = ["REGISTRY", "Pipeline", "build_pipeline", "stage", "stage_id"]

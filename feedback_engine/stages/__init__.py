"""Stages: per-chunk DataFrame transforms with declared inputs and outputs.

Importing this package registers every built-in stage; plugin stages come from the
``feedback_engine.stages`` entry points, loaded on first use (:func:`base.find_stage`).
"""

import importlib

from .base import REGISTRY, Pipeline, build_pipeline, find_stage, stage, stage_id

# Importing a module runs its @stage decorators; in pipeline order, as the template shows them.
for _module in ("normalize", "language", "redact", "sentiment", "aspects", "keywords", "embed",
                "rootcause", "topics", "conversation"):
    importlib.import_module(f"{__name__}.{_module}")
BUILTIN_STAGES: tuple[str, ...] = tuple(REGISTRY)  # plugins register later

__all__ = ["BUILTIN_STAGES", "REGISTRY", "Pipeline", "build_pipeline", "find_stage", "stage",
           "stage_id"]

"""Engines run the same stages over the sources.

``local`` streams chunks through the stages in this process or a pool of worker processes;
``dask`` (:mod:`feedback_engine.engines.dask`, imported on demand) runs them on a Dask
distributed cluster. Both load the warehouse chunk by chunk with checkpoints.
"""

from .local import RunCounts, run_local
from .work import PipelineSpec

__all__ = ["PipelineSpec", "RunCounts", "run_local"]

"""The ``feedback`` command line: one module per command group over :mod:`feedback_engine.api`.

``options`` holds what the commands share; ``main`` gathers the groups with ``add_command``.
"""

from .main import main

__all__ = ["main"]

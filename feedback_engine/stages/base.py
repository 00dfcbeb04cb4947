"""The stage contract, the registry, and pipeline building with a requirements check.

A stage is a small class: ``__init__`` stores options (no work), ``setup()`` loads lexicons
or models once per worker, and ``__call__(chunk) -> chunk`` adds the columns it declares.
Stages never read files or touch the warehouse, so the same objects run in any engine.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from ..errors import ConfigError, PipelineError, StageOutputError


class Stage(Protocol):
    name: str
    version: int
    requires: tuple[str, ...]
    optional: tuple[str, ...]
    rewrites: tuple[str, ...]
    assigns: dict[str, str]

    def setup(self) -> None: ...

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame: ...


REGISTRY: dict[str, type] = {}


def stage(name: str, *, version: int, requires: Iterable[str], assigns: Mapping[str, str],
          optional: Iterable[str] = (), rewrites: Iterable[str] = ()) -> Callable[[type], type]:
    """Register a stage class under ``name``.

    Args:
        name: the name used in ``[pipeline] stages``.
        version: bumped when outputs change meaning; recorded in each run as ``name.vN``.
        requires: columns that must exist before the stage runs.
        assigns: the columns it adds, with their DuckDB types (the warehouse schema).
        optional: columns used when present (e.g. ``turns``).
        rewrites: existing columns the stage may replace in place, when present (only the
            redact stage does: it scrubs turns, extra and ids rather than adding copies).
    """

    def register(cls: type) -> type:
        if name in REGISTRY:
            raise PipelineError(f"stage '{name}' is registered twice")
        cls.name, cls.version = name, version
        cls.requires, cls.optional = tuple(requires), tuple(optional)
        cls.rewrites = tuple(rewrites)
        cls.assigns = dict(assigns)
        REGISTRY[name] = cls
        return cls

    return register


def stage_id(instance: Stage) -> str:
    return f"{instance.name}.v{instance.version}"


@dataclass
class Pipeline:
    """Stages in order, checked to have their inputs, set up once."""

    stages: list[Any]

    @property
    def assigns(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for s in self.stages:
            out.update(s.assigns)
        return out

    def ids(self) -> list[str]:
        return [stage_id(s) for s in self.stages]

    def setup(self) -> None:
        for s in self.stages:
            s.setup()

    def get(self, name: str) -> Any | None:
        """Return the stage called ``name``, or None."""
        return next((s for s in self.stages if s.name == name), None)

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        for s in self.stages:
            before = len(chunk)
            ids = chunk["record_id"].tolist() if "record_id" in chunk else None
            chunk = s(chunk)
            missing = [c for c in s.assigns if c not in chunk]
            if len(chunk) != before or missing or (
                    ids is not None and chunk["record_id"].tolist() != ids):
                raise StageOutputError(
                    f"stage {stage_id(s)} broke its contract: rows {before} -> {len(chunk)}, "
                    f"missing columns {missing or 'none'}; stages must keep every row "
                    "in order and add what they declare")
        return chunk


def build_pipeline(names: list[str], options: Mapping[str, Mapping[str, Any]],
                   available: Iterable[str]) -> Pipeline:
    """Instantiate the named stages with their options and check their requirements.

    Raises:
        PipelineError: unknown stage, or a stage whose input no earlier step produces.
        ConfigError: an option the stage does not take.
    """
    _load_builtin_stages()
    have = set(available)
    stages = []
    for name in names:
        if name not in REGISTRY:
            raise PipelineError(f"unknown stage '{name}'; available: "
                                f"{', '.join(sorted(REGISTRY))}")
        cls = REGISTRY[name]
        kwargs = dict(options.get(name, {}))
        parameters = inspect.signature(cls.__init__).parameters
        accepted = set(parameters) - {"self"}
        unknown = set(kwargs) - accepted
        if unknown:
            raise ConfigError(f"unknown option 'stages.{name}.{sorted(unknown)[0]}'; "
                              f"{name} takes: {', '.join(sorted(accepted)) or 'no options'}")
        for key, value in kwargs.items():
            _check_option_type(name, key, parameters[key].default, value)
        missing = [c for c in cls.requires if c not in have]
        if missing:
            raise PipelineError(f"stage '{name}' needs {', '.join(missing)}, which no source "
                                "column or earlier stage provides; reorder [pipeline] stages")
        stages.append(cls(**kwargs))
        have.update(cls.assigns)
    return Pipeline(stages)


def _check_option_type(stage_name: str, key: str, default: Any, value: Any) -> None:
    """Refuse an option whose type differs from its default (``neutral_band = "wide"``).

    An option without a usable default (None, or none at all) is left to the stage.
    """
    if default is None or default is inspect.Parameter.empty:
        return
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(default, list | tuple):
        ok = isinstance(value, list | tuple)
    elif isinstance(default, Mapping):
        ok = isinstance(value, Mapping)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        expected = "number" if isinstance(default, float) else type(default).__name__
        raise ConfigError(f"'stages.{stage_name}.{key}' should be {expected} (default "
                          f"{default!r}), got {value!r}")


def _load_builtin_stages() -> None:
    # Importing the modules runs their @stage decorators.
    from . import (  # noqa: F401
        aspects,
        conversation,
        keywords,
        normalize,
        redact,
        rootcause,
        sentiment,
        topics,
    )

"""The stage contract, the registry, and pipeline building with a requirements check.

A stage is a small class: ``__init__`` stores options (no work), ``setup()`` loads lexicons
or models once per worker, and ``__call__(chunk) -> chunk`` adds the columns it declares.
Stages never read files or touch the warehouse, so the same objects run in any engine.
"""

from __future__ import annotations

import inspect
import signal
import threading
import time
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
            chunk = _apply(s, chunk)
        return chunk

    def run_budgeted(self, chunk: pd.DataFrame,
                     budget_s: float) -> tuple[pd.DataFrame, dict[int, str]]:
        """Run the stages with a time budget per record and stage; drop the rows over it.

        Stages stay vectorised: each stage's call on the whole chunk gets ``budget_s`` per
        row (at least ``budget_s``). Only when that call overruns is the stage run again row
        by row, each row with ``budget_s``; a row that overruns is dropped from the chunk and
        reported, so one pathological row costs about the budget per stage, not the run.

        Returns:
            The surviving rows, analyzed (index reset), and ``{position in the input chunk:
            stage id}`` for each row that ran out of time.
        """
        chunk = chunk.reset_index(drop=True)
        alive = list(range(len(chunk)))  # input positions of the rows still in ``chunk``
        timed_out: dict[int, str] = {}
        for s in self.stages:
            if not len(chunk):
                break
            try:
                chunk = run_with_deadline(budget_s * len(chunk), _apply, s, chunk)
                continue
            except StageTimeout:
                pass
            pieces: list[pd.DataFrame] = []
            kept: list[int] = []
            for i in range(len(chunk)):
                row = chunk.iloc[i:i + 1].reset_index(drop=True)
                try:
                    pieces.append(run_with_deadline(budget_s, _apply, s, row))
                    kept.append(alive[i])
                except StageTimeout:
                    timed_out[alive[i]] = stage_id(s)
            alive = kept
            chunk = (pd.concat(pieces, ignore_index=True) if pieces
                     else chunk.iloc[:0].reset_index(drop=True))
        return chunk, timed_out


def _apply(s: Any, chunk: pd.DataFrame) -> pd.DataFrame:
    """Run one stage and check its contract: same rows, in order, declared columns added."""
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


class StageTimeout(BaseException):
    """A stage call ran past its deadline.

    A BaseException, so that a stage's own ``except Exception`` cannot swallow it.
    """


def _alarm(signum: int, frame: Any) -> None:
    raise StageTimeout


def run_with_deadline(seconds: float, func: Callable[..., Any], *args: Any) -> Any:
    """Return ``func(*args)``, or raise :class:`StageTimeout` when it takes over ``seconds``.

    In the main thread of a process (the local engine's process and its pool workers) a
    ``SIGALRM`` interval timer interrupts the call at the deadline. Python runs the handler
    between bytecodes, so a single long call into C code (one regex match) is interrupted
    when it returns. Signals cannot reach other threads (Dask worker threads): there the
    call runs to its end and is measured, and an overrun raises after the fact, so the row
    still becomes a reject, but its time is spent.
    """
    if seconds <= 0:
        return func(*args)
    if (threading.current_thread() is not threading.main_thread()
            or not hasattr(signal, "setitimer")):
        started = time.perf_counter()
        result = func(*args)
        if time.perf_counter() - started > seconds:
            raise StageTimeout
        return result
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return func(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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

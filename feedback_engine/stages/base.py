"""The stage contract, the registry, and pipeline building with a requirements check.

A stage is a small class: ``__init__`` stores options (no work), ``setup()`` loads lexicons
or models once per worker, and ``__call__(chunk) -> chunk`` adds the columns it declares.
Stages never read files or touch the warehouse, so the same objects run in any engine.

The keyword defaults of ``__init__`` are the stage's ``[stages.NAME]`` defaults (None: unset);
``option_help`` (and ``option_examples`` for unset ones) are its comments in ``feedback init``.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import inspect
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from ..errors import error
from ..vectors import new_chunk

# Plugins declare their stages under [project.entry-points."feedback_engine.stages"].
ENTRY_POINT_GROUP = "feedback_engine.stages"


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
            raise error("FE330", name=name)
        cls.name, cls.version = name, version
        cls.requires, cls.optional = tuple(requires), tuple(optional)
        cls.rewrites = tuple(rewrites)
        cls.assigns = dict(assigns)
        REGISTRY[name] = cls
        return cls

    return register


def find_stage(name: str, origin: str = "") -> type:
    """The stage class called ``name``: registered, else loaded from a plugin's entry point.

    Raises:
        PipelineError: no such stage (ConfigError for a ``[stages.NAME]`` table of the file
            ``origin``), or the plugin fails to import or registers no stage of that name.
    """
    if name in REGISTRY:
        return REGISTRY[name]
    points = {p.name: p for p in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    if name not in points:
        known = sorted({*REGISTRY, *points})
        values = {"name": name, "known": ", ".join(known), "hint": closest(name, known)}
        raise error("FE332", origin=origin, **values) if origin else error("FE331", **values)
    try:
        points[name].load()  # importing the plugin's module runs its @stage decorator
    except Exception as exc:
        raise error("FE333", name=name, value=points[name].value,
                    problem=f"{type(exc).__name__}: {exc}") from exc
    if name not in REGISTRY:
        raise error("FE334", name=name, value=points[name].value)
    return REGISTRY[name]


def closest(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"``: the choice nearest ``word`` (difflib), else one holding it."""
    choices = list(choices)
    match = difflib.get_close_matches(word, choices, n=1) or [c for c in choices if word in c]
    return f"; did you mean '{match[0]}'?" if match else ""


def stage_options(cls: type) -> dict[str, Any]:
    """``{option: default}`` for each keyword of the stage's ``__init__`` (None: unset)."""
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {key: None if p.default is inspect.Parameter.empty else p.default
            for key, p in inspect.signature(cls.__init__).parameters.items()
            if key != "self" and p.kind in kinds}


def stage_defaults(cls: type) -> dict[str, Any]:
    """The options with a default, as TOML holds them (None is unset: TOML has no null)."""
    return {key: list(default) if isinstance(default, tuple) else default
            for key, default in stage_options(cls).items() if default is not None}


def check_options(name: str, cls: type, options: Mapping[str, Any], origin: str = "") -> None:
    """Raise ConfigError for an option the stage does not take or of another type."""
    defaults = stage_options(cls)
    for key, value in options.items():
        if key not in defaults:
            raise error("FE335", name=name, key=key, where=f" in {origin}" if origin else "",
                        options=", ".join(sorted(defaults)) or "no options",
                        hint=closest(key, defaults))
        check_type(f"stages.{name}.{key}", defaults[key], value, origin)


def stage_id(instance: Stage) -> str:
    """``name.vN``, plus ``+variant`` for a stage that says which method it resolved to."""
    variant = getattr(instance, "variant", None)
    return f"{instance.name}.v{instance.version}" + (f"+{variant}" if variant else "")


def column(chunk: pd.DataFrame, name: str) -> list[Any]:
    """``chunk[name]`` as a list; a None per row when the chunk has no such column."""
    return chunk[name].tolist() if name in chunk else [None] * len(chunk)


@dataclass
class Pipeline:
    """Stages in order, checked to have their inputs, set up once."""

    stages: list[Any]

    @property
    def assigns(self) -> dict[str, str]:
        return {column: kind for s in self.stages for column, kind in s.assigns.items()}

    def ids(self) -> list[str]:
        return [stage_id(s) for s in self.stages]

    def setup(self) -> None:
        for s in self.stages:
            s.setup()

    def get(self, name: str) -> Any | None:
        """Return the stage called ``name``, or None."""
        return next((s for s in self.stages if s.name == name), None)

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        new_chunk()
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
        new_chunk()
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
        raise error("FE336", stage=stage_id(s), before=before, after=len(chunk),
                    missing=missing or "none")
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
    have = set(available)
    stages = []
    for name in names:
        cls = find_stage(name)
        kwargs = dict(options.get(name, {}))
        check_options(name, cls, kwargs)
        missing = [c for c in cls.requires if c not in have]
        if missing:
            raise error("FE337", name=name, missing=", ".join(missing))
        stages.append(cls(**kwargs))
        have.update(cls.assigns)
    return Pipeline(_with_embed(stages))


def _with_embed(stages: list[Any]) -> list[Any]:
    """Resolve the ``embed`` stage's ``auto`` encoder to what a later stage needs, or put an
    ``embed`` stage before the first stage that needs one when the list has none."""
    from .embed import Embed, needed_model

    need = needed_model(stages)
    embed = next((s for s in stages if isinstance(s, Embed)), None)
    if embed is None:
        if need is None:
            return stages
        position, model = need
        return [*stages[:position], Embed(model=model), *stages[position:]]
    if embed.model == "auto" and need is not None and stages.index(embed) < need[0]:
        embed.model = need[1]
    return stages


def check_type(key: str, default: Any, value: Any, origin: str = "") -> None:
    """Raise ConfigError when ``value`` differs in type from a non-None default
    (``neutral_band = "wide"``); ``origin`` is the file it came from."""
    if default is None:
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
        raise error("FE250", key=key, where=f" in {origin}" if origin else "", expected=expected,
                    default=default, value=value)

"""What every command shares: the error handler, the common options and one JSON serialiser.

Command modules import this module and :mod:`feedback_engine.api`, never each other.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
from collections.abc import Callable
from typing import Any

import click

from ..errors import FeedbackEngineError, error


def os_error(exc: OSError) -> FeedbackEngineError:
    """The coded one-line error for a failed read or write: the path, the cause, the fix.

    The message names the file the system call failed on (never its contents).
    """
    path = exc.filename if exc.filename is not None else "an output file"
    if exc.errno == errno.ENOSPC or "No space left on device" in str(exc):
        return error("FE412", path=path)
    if isinstance(exc, PermissionError):
        return error("FE146", path=path)
    if isinstance(exc, IsADirectoryError):
        return error("FE147", path=path)
    if isinstance(exc, NotADirectoryError):
        return error("FE148", path=path)
    if isinstance(exc, FileNotFoundError):
        return error("FE149", path=path)
    return error("FE150", path=path, reason=exc.strerror or type(exc).__name__)


class OneLineUsageError(click.UsageError):
    """A command-line mistake as one coded line (``[FE001]``), exit code 2."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def _usage(exc: click.UsageError) -> OneLineUsageError:
    if isinstance(exc, OneLineUsageError):
        return exc
    command = exc.ctx.command_path if exc.ctx is not None else "feedback"
    return OneLineUsageError(str(error("FE001", message=exc.format_message().rstrip("."),
                                       command=command)), exc.ctx)


class FeedbackGroup(click.Group):
    """The top ``feedback`` group: whatever fails below it ends as one coded line on stderr,
    never a traceback (``FEEDBACK_DEBUG=1`` shows the traceback of an engine fault)."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise _usage(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _usage(exc) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt,
                EOFError):
            raise
        except FeedbackEngineError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise
            raise click.ClickException(str(os_error(exc))) from None
        except Exception as exc:
            if os.environ.get("FEEDBACK_DEBUG"):
                raise
            # The type only: an exception's text may quote customer data.
            raise click.ClickException(str(error("FE900", kind=type(exc).__name__))) from None


db_option = click.option("--db", type=click.Path(dir_okay=False),
                         help="DuckDB warehouse file [default: feedback.duckdb or config].")
config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help="feedback.toml to use [default: ./feedback.toml if present].")


def json_option(what: str = "the result") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--json``: print ``what`` as JSON (through :func:`echo_json`) instead of a table."""
    return click.option("--json", "as_json", is_flag=True, help=f"Print {what} as JSON.")


def jsonable(value: Any) -> Any:
    """Plain JSON values for a command's result: dicts, lists, dataclasses (their
    ``as_dict()`` or ``to_json()`` when they have one), paths and dates as strings."""
    for method in ("as_dict", "to_json"):
        if callable(getattr(value, method, None)):
            return jsonable(getattr(value, method)())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # paths, dates, numpy scalars


def echo_json(value: Any) -> None:
    """The one JSON form every ``--json`` prints: indented, UTF-8 kept as is."""
    click.echo(json.dumps(jsonable(value), indent=2, ensure_ascii=False))


def show(value: Any, as_json: bool, render: Callable[[Any], str]) -> None:
    """A command's result: JSON with ``--json``, else the text ``render`` makes of it."""
    if as_json:
        echo_json(value)
    else:
        click.echo(render(value))


class EchoHandler(logging.Handler):
    """Library warnings on stderr, one yellow line each."""

    def emit(self, record: logging.LogRecord) -> None:
        click.secho(f"warning: {record.getMessage()}", fg="yellow", err=True)


def labelled_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by the commands that read labelled sentiment data."""
    options = [
        click.option("--format", "fmt", type=click.Choice(["vader", "csv"]), default="vader",
                     show_default=True,
                     help="vader: id<TAB>mean rating (-4..4)<TAB>text; csv: columns below."),
        click.option("--text-col", default="text", show_default=True),
        click.option("--label-col", help="CSV column of positive/negative/neutral labels."),
        click.option("--score-col", help="CSV column of numeric scores (see --scale)."),
        click.option("--scale", help="Score range mapped to -1..1, e.g. 1,5 for stars."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def parse_scale(scale: str | None) -> tuple[float, float] | None:
    """``--scale LOW,HIGH`` as two numbers, or None."""
    if not scale:
        return None
    try:
        low, high = (float(v) for v in scale.split(","))
    except ValueError:
        raise click.BadParameter("use LOW,HIGH, e.g. 1,5", param_hint="--scale") from None
    return low, high


def progress_echo(line: str) -> None:
    """Progress lines of long commands, on stderr."""
    click.echo(line, err=True)

"""One period type for every command that looks at a span of time.

A :class:`Period` is an ISO week (``2026-W47``), a range of weeks, a range of dates, or all
time. Both ends are inclusive days. ``--week``, ``--from`` and ``--to`` take an ISO week or a
date everywhere (report, qa, topics, rootcause suggest); :func:`period_options` adds them to a
click command and hands it a ``period``. The weekly report works in whole weeks, so a date
range there covers the weeks that hold its dates (:meth:`Period.weeks`).

>>> span = Period.parse(week="2026-W47")
>>> span.start, span.end
(datetime.date(2026, 11, 16), datetime.date(2026, 11, 22))
>>> Period.parse(date_from="2026-W46", date_to="2026-11-20").label
'2026-W46 to 2026-11-20'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from .errors import PeriodError, error

WEEK_RE = re.compile(r"^\d{4}-W\d{2}$")
_WEEK = re.compile(r"(\d{4})-W(\d{1,2})")


def parse_week(label: str) -> dt.date:
    """Return the Monday of ISO week ``label`` (``2026-W47``).

    Raises:
        PeriodError: not an ISO week label.
    """
    if not isinstance(label, str) or not WEEK_RE.match(label):
        raise error("FE216", value=label)
    try:
        return dt.date.fromisocalendar(int(label[:4]), int(label[6:]), 1)
    except ValueError:
        raise error("FE216", value=label) from None


def week_label(day: dt.date) -> str:
    """The ISO week holding ``day``: ``2026-W47``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_between(first: str, last: str) -> list[str]:
    """ISO weeks from ``first`` to ``last`` inclusive."""
    start, end = parse_week(first), parse_week(last)
    if end < start:
        raise error("FE214", start=first, end=last)
    return [week_label(start + dt.timedelta(weeks=i))
            for i in range((end - start).days // 7 + 1)]


def weeks_before(first: str, n: int) -> list[str]:
    """The ``n`` weeks just before ``first``, oldest first."""
    start = parse_week(first)
    return [week_label(start - dt.timedelta(weeks=n - i)) for i in range(n)]


def _day(value: str, option: str, first: bool) -> dt.date:
    """An ISO week's first or last day, or a date."""
    text = value.strip()
    match = _WEEK.fullmatch(text)
    try:
        if match:
            return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1 if first else 7)
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise error("FE211", option=option, value=value)


@dataclass(frozen=True)
class Period:
    """Inclusive days ``start``..``end``; None on a side means open (all time when both)."""

    start: dt.date | None = None
    end: dt.date | None = None
    label: str = "all dates"
    week: str | None = None  # set when the period is exactly one ISO week

    @classmethod
    def parse(cls, week: str | None = None, date_from: str | None = None,
              date_to: str | None = None) -> Period:
        """``--week`` or ``--from``/``--to`` (ISO weeks or dates) as a period.

        Raises:
            PeriodError: both forms given, a value that is neither a week nor a date, or
                ``--from`` after ``--to``.
        """
        if week and (date_from or date_to):
            raise error("FE213")
        if week:
            if not WEEK_RE.match(week.strip()):
                raise error("FE212", value=week)
            return cls(_day(week, "--week", True), _day(week, "--week", False), week.strip(),
                       week.strip())
        start = _day(date_from, "--from", True) if date_from else None
        end = _day(date_to, "--to", False) if date_to else None
        if start and end and end < start:
            raise error("FE214", start=date_from, end=date_to)
        if not (start or end):
            return cls()
        return cls(start, end, f"{date_from or '…'} to {date_to or '…'}")

    @property
    def is_all(self) -> bool:
        return self.start is None and self.end is None

    def bounds(self) -> tuple[str | None, str | None]:
        """ISO ``[since, until)``: the first day and the day after the last, for SQL."""
        until = self.end + dt.timedelta(days=1) if self.end else None
        return (self.start.isoformat() if self.start else None,
                until.isoformat() if until else None)

    def weeks(self, available: list[str]) -> list[str]:
        """The ISO weeks the period covers; open ends take the first or last of ``available``
        (weeks with data), and all time the latest week alone (the weekly report's default)."""
        if self.week:
            return [self.week]
        if self.is_all:
            return [available[-1]]
        first = week_label(self.start) if self.start else available[0]
        last = week_label(self.end) if self.end else available[-1]
        return weeks_between(first, last)


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def period_options(default: str = "all dates") -> Decorator:
    """Add ``--week``, ``--from`` and ``--to`` to a click command; it receives ``period``.

    ``default`` says in the help what no period means for that command. ``--since`` (first
    day) and ``--until`` (the day *after* the range), the topics commands' old flags, still
    work for one release and print a deprecation line.
    """
    import click

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def wrapper(*args: Any, week: str | None, date_from: str | None, date_to: str | None,
                    since: str | None, until: str | None, **kwargs: Any) -> Any:
            try:
                period = _from_options(week, date_from, date_to, since, until)
            except PeriodError as exc:
                raise click.ClickException(str(exc)) from None
            return func(*args, period=period, **kwargs)

        options = [
            click.option("--week", help=f"ISO week, e.g. 2026-W47 [default: {default}]."),
            click.option("--from", "date_from",
                         help="First ISO week or date of the period (2026-W40, 2026-10-01)."),
            click.option("--to", "date_to", help="Last ISO week or date, inclusive."),
            click.option("--since", hidden=True),
            click.option("--until", hidden=True),
        ]
        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def _from_options(week: str | None, date_from: str | None, date_to: str | None,
                  since: str | None, until: str | None) -> Period:
    if since or until:
        import click

        click.secho("warning: --since/--until are deprecated and go in the next release; use "
                    "--from/--to (inclusive ISO weeks or dates)", fg="yellow", err=True)
        if (since and date_from) or (until and date_to):
            raise error("FE215")
        date_from = date_from or since
        if until:
            date_to = (_day(until, "--until", True) - dt.timedelta(days=1)).isoformat()
    return Period.parse(week, date_from, date_to)

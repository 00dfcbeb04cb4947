"""One period type: ISO weeks, week ranges, date ranges and all time, the same everywhere."""

from __future__ import annotations

import datetime as dt

import click
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from feedback_engine.errors import ConfigError
from feedback_engine.periods import Period, period_options, week_label, weeks_between


def _days(span: Period) -> tuple[dt.date | None, dt.date | None]:
    return span.start, span.end


def test_a_week_is_monday_to_sunday() -> None:
    span = Period.parse(week="2026-W01")
    assert (span.start, span.end) == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))
    assert span.label == "2026-W01" and span.week == "2026-W01"


def test_weeks_and_dates_mix_in_a_range_and_an_open_end_stays_open() -> None:
    assert _days(Period.parse(date_from="2026-W46", date_to="2026-11-20")) == (
        dt.date(2026, 11, 9), dt.date(2026, 11, 20))
    assert _days(Period.parse(date_from="2026-11-01")) == (dt.date(2026, 11, 1), None)
    assert Period.parse().is_all


def test_bounds_are_the_first_day_and_the_day_after_the_last() -> None:
    assert Period.parse(date_from="2026-11-01", date_to="2026-11-30").bounds() == (
        "2026-11-01", "2026-12-01")
    assert Period.parse().bounds() == (None, None)


def test_report_weeks_cover_the_dates_and_default_to_the_latest() -> None:
    available = ["2026-W44", "2026-W45", "2026-W46"]
    assert Period.parse(date_from="2026-11-04", date_to="2026-11-10").weeks(available) == [
        "2026-W45", "2026-W46"]
    assert Period.parse(date_from="2026-W45").weeks(available) == ["2026-W45", "2026-W46"]
    assert Period.parse().weeks(available) == ["2026-W46"]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"date_to": "last friday"}, "neither an ISO week"),
    ({"week": "2026-W47", "date_from": "2026-W40"}, "either --week"),
    ({"week": "2026-11-20"}, "not an ISO week"),
    ({"week": "2026-W54"}, "FE211"),
    ({"date_from": "2026-11-20", "date_to": "2026-11-01"}, "FE214.*swap"),
])
def test_bad_periods_are_config_errors_that_say_what_to_write(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Period.parse(**kwargs)


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_the_week_of_any_day_holds_that_day(day: dt.date) -> None:
    start, end = _days(Period.parse(week=week_label(day)))
    assert start <= day <= end and (end - start).days == 6


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)),
       st.integers(0, 120))
def test_weeks_between_is_contiguous(day: dt.date, n: int) -> None:
    last = week_label(day + dt.timedelta(weeks=n))
    weeks = weeks_between(week_label(day), last)
    assert len(weeks) == n + 1 and weeks[-1] == last


@click.command()
@period_options()
def _echo(period: Period) -> None:
    click.echo(f"{period.start} {period.end} {period.label}")


def test_the_options_give_one_period_and_coded_errors_without_traceback() -> None:
    runner = CliRunner()
    assert runner.invoke(_echo, ["--week", "2026-W47"]).output == (
        "2026-11-16 2026-11-22 2026-W47\n")
    bad = runner.invoke(_echo, ["--from", "yesterday"])
    assert bad.exit_code == 1 and "[FE" in bad.output and "Traceback" not in bad.output


def test_old_since_until_flags_still_work_with_a_deprecation_line() -> None:
    result = CliRunner().invoke(_echo, ["--since", "2026-11-01", "--until", "2026-12-01"])
    assert result.exit_code == 0
    assert "2026-11-01 2026-11-30" in result.output  # --until was the day after the range
    assert "deprecated" in result.output

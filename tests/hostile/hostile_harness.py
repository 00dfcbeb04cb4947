"""The hostile-input harness: run a command, then prove it lost nothing and leaked nothing.

Every case in ``tests/hostile/`` builds its input in ``tmp_path`` and checks the same things:
no traceback, the exit code and a coded one-line message, inputs byte-identical afterwards,
``read == analyzed + rejected``, and no raw PII value anywhere the run wrote (every table of
the warehouse, Parquet output, the rejects file, reports, stdout and stderr).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from feedback_engine.cli import main

CODED = re.compile(r"\[FE\d{3}\]")


@dataclass
class CliRun:
    """What one command did: its exit code and what it printed on each stream."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str | Path) -> CliRun:
    """Run ``feedback ARGS`` in-process; fail the test on any traceback or uncaught error."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        detail = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"feedback {' '.join(map(str, args))} raised:\n{detail}")
    run = CliRun(result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in run.output, run.output
    return run


def assert_coded_error(run: CliRun, code: str | None = None, exit_code: int = 1) -> str:
    """The run failed with ``exit_code`` and one coded error line (``code`` when given)."""
    assert run.exit_code == exit_code, run.output
    lines = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, run.output
    assert CODED.search(lines[0]), lines[0]
    if code is not None:
        assert f"[{code}]" in lines[0], lines[0]
    return lines[0]


def snapshot(*paths: Path) -> dict[Path, bytes]:
    """The bytes of every file at or below ``paths``: compare with :func:`assert_unchanged`."""
    files: dict[Path, bytes] = {}
    for path in paths:
        for file in ([path] if path.is_file() else sorted(p for p in path.rglob("*")
                                                           if p.is_file())):
            files[file] = file.read_bytes()
    return files


def assert_unchanged(before: dict[Path, bytes]) -> None:
    """Every file captured by :func:`snapshot` still exists with the same bytes."""
    for file, data in before.items():
        assert file.is_file(), f"input {file} was removed"
        assert file.read_bytes() == data, f"input {file} was changed"


def warehouse_strings(db: Path) -> Iterator[str]:
    """Every table name, column name and value of the warehouse, as text."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()]
        for table in tables:
            yield table
            columns = [row[0] for row in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [table]).fetchall()]
            yield from columns
            select = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
            for row in con.execute(f'SELECT {select} FROM "{table}"').fetchall():
                yield from (value for value in row if value is not None)
    finally:
        con.close()


def file_strings(*paths: Path) -> Iterator[str]:
    """Every path and the text of every file at or below ``paths`` (Parquet decoded)."""
    for path in paths:
        if not path.exists():
            continue
        for file in [path] if path.is_file() else sorted(path.rglob("*")):
            yield str(file)
            if not file.is_file():
                continue
            if file.suffix == ".parquet":
                con = duckdb.connect()
                try:
                    rel = con.execute("SELECT * FROM read_parquet(?)", [str(file)])
                    yield from (d[0] for d in rel.description)
                    for row in rel.fetchall():
                        yield from (str(v) for v in row if v is not None)
                finally:
                    con.close()
            else:
                yield file.read_bytes().decode("utf-8", errors="replace")


def assert_no_pii(pii: Iterable[str], *, db: Path | None = None, files: Iterable[Path] = (),
                  texts: Iterable[str] = ()) -> None:
    """No value of ``pii`` appears in the warehouse, the files or the texts.

    JSON-escaped forms are searched too, so a value inside ``raw`` or ``extra`` is found.
    """
    needles = {value for p in pii for value in (p, json.dumps(p)[1:-1])}
    haystack: list[str] = [*texts, *file_strings(*files)]
    if db is not None and db.is_file():
        haystack.extend(warehouse_strings(db))
    for text in haystack:
        for needle in needles:
            assert needle not in text, f"raw PII {needle!r} found in: {text[:300]!r}"


def last_run_counts(db: Path) -> dict[str, int]:
    """``read``, ``analyzed`` and ``rejected`` of the latest run, checked to reconcile."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        read, analyzed, rejected, status = con.execute(
            "SELECT read, analyzed, rejected, status FROM runs "
            "ORDER BY started_at DESC LIMIT 1").fetchone()
    finally:
        con.close()
    assert status == "ok", status
    assert read == analyzed + rejected, (read, analyzed, rejected)
    return {"read": read, "analyzed": analyzed, "rejected": rejected}


def table_count(db: Path, table: str, where: str = "TRUE") -> int:
    """Rows of ``table`` matching ``where``."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f'SELECT count(*) FROM "{table}" WHERE {where}').fetchone()[0]
    finally:
        con.close()

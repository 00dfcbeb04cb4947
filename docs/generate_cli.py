"""Regenerate docs/cli.md from the commands' --help text: ``python docs/generate_cli.py``.

tests/test_docs.py fails when docs/cli.md is out of date with the code.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from feedback_engine.cli import main

TARGET = Path(__file__).with_name("cli.md")


def render() -> str:
    parts = ["# Command line reference", "",
             "Generated from `--help` by `python docs/generate_cli.py`; do not edit by hand.", ""]
    commands = [[]] + [[name] for name in sorted(main.commands)]
    for args in commands:
        title = " ".join(["feedback", *args])
        result = CliRunner().invoke(main, [*args, "--help"], prog_name="feedback",
                                   terminal_width=100)
        if result.exit_code != 0:
            raise click.ClickException(f"{title} --help failed: {result.output}")
        parts += [f"## `{title}`", "", "```text", result.output.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")

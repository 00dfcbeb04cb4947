"""Regenerate docs/cli.md from the commands' --help text: ``python docs/generate_cli.py``.

tests/test_docs.py fails when docs/cli.md is out of date with the code.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from feedback_engine.cli import main

TARGET = Path(__file__).with_name("cli.md")


def command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command and subcommand, depth first, groups before their commands."""
    paths = [list(prefix)]
    for name in sorted(group.commands):
        command = group.commands[name]
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
        else:
            paths.append([*prefix, name])
    return paths


def render() -> str:
    parts = ["# Command line reference", "",
             "Generated from `--help` by `python docs/generate_cli.py`; do not edit by hand.",
             "Every command and subcommand is listed; each is also one call in "
             "`feedback_engine.api`.", ""]
    for args in command_paths():
        title = " ".join(["feedback", *args])
        result = CliRunner().invoke(main, [*args, "--help"], prog_name="feedback",
                                   terminal_width=100)
        if result.exit_code != 0:
            raise click.ClickException(f"{title} --help failed: {result.output}")
        level = "#" * min(2 + len(args), 4)
        parts += [f"{level} `{title}`", "", "```text", result.output.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")

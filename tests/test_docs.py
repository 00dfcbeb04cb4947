"""Docs built from code stay current."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _generator(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_matches_the_commands_help() -> None:
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == _generator("generate_cli").render(), (
        "docs/cli.md is stale: run python docs/generate_cli.py")


def test_error_reference_matches_the_catalogue() -> None:
    current = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert current == _generator("generate_errors").render(), (
        "docs/errors.md is stale: run python docs/generate_errors.py")

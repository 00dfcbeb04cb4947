"""The package's structure: modules import alone, every command is documented and is one
``api`` call."""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
import pytest

import feedback_engine
from feedback_engine import api
from feedback_engine.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(feedback_engine.__path__,
                                                        prefix="feedback_engine."))


def _import_alone(module: str) -> tuple[str, str]:
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True, timeout=300)
    return module, done.stderr.strip().splitlines()[-1] if done.returncode else ""


@pytest.mark.slow
def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    """A module that only imports after another one (an import cycle) fails here."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        failures = {m: err for m, err in pool.map(_import_alone, _modules()) if err}
    assert not failures


def _module_files() -> dict[str, tuple[Path, bool]]:
    """Module name to (file, is a package) for every module of the package."""
    found = {}
    for path in (ROOT / "feedback_engine").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def _load_time_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module loads: not in functions, not under TYPE_CHECKING."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            test = getattr(node.test, "id", None) or getattr(node.test, "attr", None)
            if test != "TYPE_CHECKING":
                found += _load_time_imports(node.body) + _load_time_imports(node.orelse)
        elif isinstance(node, ast.Try):
            found += _load_time_imports(node.body) + _load_time_imports(node.finalbody)
            for handler in node.handlers:
                found += _load_time_imports(handler.body)
    return found


def _import_graph() -> dict[str, set[str]]:
    modules = _module_files()
    graph: dict[str, set[str]] = {}
    for name, (path, package) in modules.items():
        here = name if package else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in _load_time_imports(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in modules}
                continue
            base = here.split(".")[:len(here.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + [node.module] if node.module else base)
            if target not in modules:
                continue
            subs = {f"{target}.{a.name}" for a in node.names} & modules.keys()
            edges |= subs if len(subs) == len(node.names) else subs | {target}
        graph[name] = edges - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in stack:
                low[node] = min(low[node], index[child])
    return found


def test_no_import_cycles_between_modules() -> None:
    """Load-time imports only; TYPE_CHECKING blocks and imports inside functions are free."""
    assert _cycles(_import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[str]:
    paths = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths += _command_paths(command, (*prefix, name))
        else:
            paths.append(" ".join(("feedback", *prefix, name)))
    return sorted(paths)


def test_the_readme_names_one_api_function_for_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `(feedback [a-z -]+)` \| `api\.([a-z_]+)\(", readme, re.M))
    assert sorted(table) == _command_paths()
    missing = [name for name in table.values() if not callable(getattr(api, name, None))]
    assert not missing


def test_the_cli_reference_has_a_section_for_every_command() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    titled = set(re.findall(r"^#+ `(feedback[a-z -]*)`", reference, re.M))
    assert set(_command_paths()) <= titled


def test_command_modules_import_only_the_shared_options_and_the_api() -> None:
    """cli/<group>.py never imports another command module (the old circle)."""
    folder = ROOT / "feedback_engine" / "cli"
    for file in folder.glob("*.py"):
        if file.name in ("__init__.py", "main.py"):
            continue
        source = file.read_text(encoding="utf-8")
        siblings = set(re.findall(r"^from \.(\w+) import", source, re.M))
        assert siblings <= {"options"}, file.name


def test_generate_cli_walks_every_subcommand() -> None:
    spec = importlib.util.spec_from_file_location("generate_cli",
                                                  ROOT / "docs" / "generate_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    listed = {" ".join(("feedback", *p)) for p in module.command_paths()}
    assert set(_command_paths()) <= listed


def test_every_catalogued_error_is_raised_somewhere_and_every_raised_code_exists() -> None:
    from feedback_engine.errors import CATALOGUE

    package = ROOT / "feedback_engine"
    source = "\n".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    used = set(re.findall(r"""\berror\(\s*["'](FE\d{3})["']""", source))
    assert used <= set(CATALOGUE), used - set(CATALOGUE)
    assert set(CATALOGUE) - {"FE001", "FE900"} <= used  # those two are raised by the CLI group


def test_a_catalogued_error_has_its_code_class_cause_and_fix() -> None:
    from feedback_engine.errors import PeriodError, error

    exc = error("FE214", start="2026-11-20", end="2026-11-01")
    assert isinstance(exc, PeriodError) and exc.code == "FE214"
    assert str(exc) == ("[FE214] the period starts (2026-11-20) after it ends (2026-11-01); "
                        "swap --from and --to")


def _layers() -> dict[str, int]:
    """Folder or module name to its layer in docs/architecture.md's picture (0 = top)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    picture = text.split("## Layers", 1)[1].split("```", 2)[1]
    layers: dict[str, int] = {}
    for number, block in enumerate(re.split(r"\n\s*├[─]+┤", picture)):
        for name in re.findall(r"([a-z_]+)(?:/|\.py)", block):
            layers.setdefault(name, number)
    return layers


def test_imports_follow_the_layers_drawn_in_the_architecture_doc() -> None:
    layers = _layers()

    def layer(module: str) -> int:
        parts = module.split(".")
        return layers[parts[1]] if len(parts) > 1 else -1  # the package itself: the top

    tops = {m.split(".")[1] for m in _module_files() if "." in m}
    assert tops <= layers.keys(), f"not in the picture: {tops - layers.keys()}"
    upward = [f"{a} -> {b}" for a, edges in _import_graph().items() for b in edges
              if layer(b) < layer(a)]
    assert not upward

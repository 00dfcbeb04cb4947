"""The installed wheel finds its lexicons and templates: build it, install it, run the demo."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_runs_the_demo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                    "--outdir", str(dist), str(ROOT)], check=True, capture_output=True)
    wheel = next(dist.glob("feedback_engine-*.whl"))

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # Dependencies come from this environment (no network); the package itself only from
    # the wheel: a .pth line appends our site-packages, whose own .pth files (the editable
    # install) are not processed.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], check=True, capture_output=True,
                          text=True).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True)

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    located = subprocess.run([str(python), "-c", "import feedback_engine as f; "
                              "print(f.__file__)"], cwd=work, env=env, check=True,
                             capture_output=True, text=True).stdout.strip()
    assert located.startswith(str(env_dir)), located

    result = subprocess.run([str(env_dir / "bin" / "feedback"), "demo", "--records", "600"],
                            cwd=work, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (work / "feedback.duckdb").is_file()
    for fmt in ("html", "md", "json"):
        assert (work / "reports" / "demo" / f"report.{fmt}").stat().st_size > 500
    init = subprocess.run([str(env_dir / "bin" / "feedback"), "init", "proj"], cwd=work,
                          env=env, capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    assert (work / "proj" / "lexicons" / "speakers.tsv").is_file()

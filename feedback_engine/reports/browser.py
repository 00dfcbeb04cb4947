"""Print a local HTML file to PDF with the system's headless Chromium (``--print-to-pdf``).

One subprocess with a timeout, a throwaway profile and no network; no DevTools client, no
extra Python package, nothing downloaded. Chromium comes from the system (Debian: ``apt
install chromium``; elsewhere Google Chrome) or from ``$FEEDBACK_CHROMIUM``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import error

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Where installers put Chrome when it is not on PATH (macOS apps, Windows per-machine or
# per-user installs).
_INSTALLED = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    *(os.path.join(os.environ[var], "Google", "Chrome", "Application", "chrome.exe")
      for var in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA") if os.environ.get(var)),
)
# Chromium's log prefix, "[pid:tid:mmdd/hhmmss.us:LEVEL:file.cc(line)] ", and the lines that
# say nothing about printing (no system bus in containers, the Debian wrapper's shell noise).
_LOG_PREFIX = re.compile(r"^\[[\d:/.]+[A-Z]+:[^\]]*\]\s*")
_NOISE = re.compile(r"dbus|unexpected operator|Fontconfig", re.IGNORECASE)


def find_chromium() -> str | None:
    """The Chromium executable: ``$FEEDBACK_CHROMIUM`` (a path or a name on PATH), else the
    first of :data:`CANDIDATES` on PATH, else a standard install location; None if none."""
    explicit = os.environ.get("FEEDBACK_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    found = next((p for p in map(shutil.which, CANDIDATES) if p), None)
    return found or next((p for p in _INSTALLED if Path(p).is_file()), None)


def chromium_args(executable: str, page: Path, pdf: Path, profile: str) -> list[str]:
    """The command line that prints ``page`` to ``pdf`` with a throwaway ``profile``."""
    args = [executable, "--headless", "--disable-gpu",
            "--no-pdf-header-footer", "--print-to-pdf-no-header",  # new and old headless
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-sync", "--disable-background-networking", "--disable-component-update",
            "--disable-default-apps", "--mute-audio",
            # No network: every host name fails to resolve (the page loads from file://, and
            # its Content-Security-Policy already blocks every fetch).
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", page.resolve().as_uri()]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox
    return args


def _stderr_tail(log: Path, lines: int = 3, limit: int = 400) -> str:
    """The last few meaningful lines Chromium wrote to stderr, without its log prefixes.

    The page is our own report, and Chromium logs no page content here (console messages
    go to stderr only with ``--enable-logging``), so nothing needs redacting."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [_LOG_PREFIX.sub("", line).strip() for line in text.splitlines()
            if line.strip() and not _NOISE.search(line)]
    tail = "; ".join(kept[-lines:])
    return tail if len(tail) <= limit else "…" + tail[-limit:]


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 60.0,
                executable: str | None = None) -> Path:
    """Print a local HTML file to PDF with headless Chromium and return the PDF's path.

    The PDF is written next to ``pdf_path`` under a temporary name and renamed into place
    once Chromium has finished, so ``pdf_path`` is never left half-written. Page size and
    margins come from the page's CSS ``@page`` rule; backgrounds are printed.

    Args:
        html_path: the page to print (read, never written).
        pdf_path: the PDF to write; replaced if it exists.
        timeout: seconds Chromium may take before it is killed.
        executable: the browser to run (default: :func:`find_chromium`).

    Raises:
        MissingDependencyError: no Chromium found.
        OutputPathError: ``pdf_path`` is ``html_path``.
        OutputWriteError: Chromium failed, wrote no PDF, or ran past ``timeout``.

    Example:
        >>> html_to_pdf("report.html", "report.pdf")  # doctest: +SKIP
        PosixPath('report.pdf')
    """
    page, out = Path(html_path), Path(pdf_path)
    exe = executable or find_chromium()
    if not exe:
        where = os.environ.get("FEEDBACK_CHROMIUM")
        found = f"FEEDBACK_CHROMIUM={where} is not an executable" if where else "none found"
        raise error("FE580", found=found)
    if out.resolve() == page.resolve() or (out.exists() and os.path.samefile(out, page)):
        raise error("FE457", out=out)
    with tempfile.TemporaryDirectory(prefix="feedback-chromium-") as profile:
        fd, part_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part",
                                         dir=out.parent)
        os.close(fd)
        part = Path(part_name)
        try:
            problem = _print(exe, page, part, profile, timeout)
            if problem:
                raise error("FE458", exe=exe, out=out, problem=problem)
            os.replace(part, out)
        finally:
            with contextlib.suppress(OSError):
                part.unlink()  # gone already when the PDF was moved into place
    return out


def _print(exe: str, page: Path, part: Path, profile: str, timeout: float) -> str | None:
    """Run Chromium once; return what went wrong, or None when ``part`` holds a PDF."""
    log = Path(profile) / "stderr.log"
    try:
        with log.open("wb") as err:
            # stderr to a file, not a pipe: a helper process that outlives the browser
            # cannot keep us waiting on it; on timeout the browser is killed.
            done = subprocess.run(chromium_args(exe, page, part, profile),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=err, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return (f"it ran past the {timeout:g} s timeout and was stopped (last message: "
                f"{_stderr_tail(log) or 'none'})")
    except OSError as exc:  # not executable, a folder, a broken link
        raise error("FE581", exe=exe, problem=exc.strerror or exc) from None
    try:
        with part.open("rb") as f:
            printed = f.read(5) == b"%PDF-"
    except OSError:
        printed = False
    # Chromium exits 0 even when it could not load the page or write the file.
    if done.returncode == 0 and printed:
        return None
    return (f"exit code {done.returncode}, {'a PDF' if printed else 'no PDF'} written: "
            f"{_stderr_tail(log) or 'no message'}")

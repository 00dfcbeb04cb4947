"""The HTML report in a real browser: headless Chromium loads it, the charts render, the
console stays clean, hostile text shows as text; and the PDF prints. Then the PDF printer's
failures, with fake browsers: none found, one that fails, one that hangs.

The real-browser tests need Chromium (`.ci/run` installs Debian's). Without it they skip,
unless FEEDBACK_REQUIRE_BROWSER=1 (set by CI), where a missing browser is a failure. The
fake-browser tests are shell scripts, so they skip on Windows.
"""

from __future__ import annotations

import os
import struct
import time
import zlib
from pathlib import Path

import pytest
from devtools import required_tool
from test_weekly_report import HOSTILE, INCIDENT, warehouse  # noqa: F401  (a fixture)

from feedback_engine import report
from feedback_engine.errors import MissingDependencyError, OutputPathError, OutputWriteError
from feedback_engine.reports import browser, build_report, write_report
from feedback_engine.reports.browser import find_chromium, html_to_pdf

posix_only = pytest.mark.skipif(os.name == "nt", reason="fake browsers are shell scripts")
CHARTS = ["nps-trend", "csat-trend", "sentiment-trend", "driver-impact", "share-root_cause",
          "segments-channel"]


@pytest.fixture
def chromium() -> str:
    """The system Chromium; a missing one skips the test, or fails it where required."""
    return required_tool(find_chromium(), "Chromium", "apt install chromium")


def _png_colours(path: Path) -> set[tuple[int, int, int]]:
    """Distinct RGB colours of an 8-bit RGB/RGBA PNG (enough to tell a blank page)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    colours: set[tuple[int, int, int]] = set()
    prev = bytearray(stride)
    for row in range(0, height, 1):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):  # undo the PNG row filters
            left = line[i - channels] if i >= channels else 0
            up, corner = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 255
        if row % 8 == 0:
            colours.update(tuple(line[i:i + 3]) for i in range(0, stride, channels * 4))
        prev = line
    return colours


@pytest.fixture(scope="module")
def html_report(warehouse: str, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    out = tmp_path_factory.mktemp("html") / "report.html"
    return write_report(build_report(warehouse, week=INCIDENT), "html", out)


@pytest.mark.slow
@posix_only  # the DevTools client talks to Chromium on inherited pipe fds
def test_report_renders_its_charts_without_console_errors(html_report: Path, tmp_path: Path,
                                                          chromium: str) -> None:
    from devtools import Browser

    with Browser(chromium) as browser:
        browser.open(html_report, width=1100, height=900)
        sizes = browser.evaluate(
            "Array.from(document.querySelectorAll('svg[data-chart]')).map(s => {"
            " const r = s.getBoundingClientRect();"
            " return [s.dataset.chart, r.width, r.height, s.querySelectorAll("
            " 'rect, polyline, polygon, circle').length]; })")
        browser.screenshot(tmp_path / "report.png")  # the whole page, for a person to look at
        browser.evaluate("document.querySelector('[data-chart=driver-impact]').scrollIntoView()")
        shot = browser.screenshot(tmp_path / "drivers.png", full_page=False)
        problems = browser.problems()
        scripts = browser.evaluate("document.scripts.length")
        text = browser.evaluate("document.body.innerText")
    drawn = {name: (w, h, marks) for name, w, h, marks in sizes}
    for name in CHARTS:
        assert name in drawn, f"chart {name} missing"
        width, height, marks = drawn[name]
        assert width > 300 and height > 50 and marks >= 3, (name, drawn[name])
    assert problems == []
    assert scripts == 0
    assert HOSTILE.split(" my card")[0] in text  # the <script> tag shows as text
    colours = _png_colours(shot)
    assert len(colours) > 20  # a rendered page, not a blank one
    assert any(r > 150 and g < 110 and b < 110 for r, g, b in colours)  # red driver bars


@pytest.mark.slow
def test_report_prints_to_pdf(warehouse: str, tmp_path: Path,  # noqa: F811
                              chromium: str) -> None:
    out = report(db=warehouse, week=INCIDENT, fmt="pdf", out=tmp_path / "report.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 20_000
    assert b"/MediaBox [0 0 841.9" in data  # A4 landscape (842 x 595 pt), the injected @page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]  # no .part left


# -- failures, with fake browsers (fast; no Chromium needed)

@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "page.html"
    path.write_text("<!DOCTYPE html><title>t</title><p>hello</p>", encoding="utf-8")
    return path


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No browser anywhere: an empty PATH, no standard install, no FEEDBACK_CHROMIUM."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("FEEDBACK_CHROMIUM", raising=False)
    monkeypatch.setattr(browser, "_INSTALLED", ())


def _fake_browser(tmp_path: Path, script: str) -> str:
    """A shell script standing in for Chromium; ``$out`` is its --print-to-pdf path."""
    path = tmp_path / "fake-chromium"
    path.write_text("#!/bin/sh\n"
                    'for a in "$@"; do case "$a" in --print-to-pdf=*) out="${a#*=}";; esac; done\n'
                    + script + "\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_pdf_without_a_browser_is_a_missing_dependency(no_browser: None, page: Path,
                                                       tmp_path: Path) -> None:
    assert find_chromium() is None
    with pytest.raises(MissingDependencyError, match=r"\[FE580\].*apt install chromium"):
        html_to_pdf(page, tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


def test_report_pdf_without_a_browser_is_a_missing_dependency(
        no_browser: None, warehouse: str, tmp_path: Path) -> None:  # noqa: F811
    with pytest.raises(MissingDependencyError, match="FEEDBACK_CHROMIUM"):
        report(db=warehouse, week=INCIDENT, fmt="pdf", out=tmp_path / "report.pdf")
    assert list(tmp_path.glob("report.pdf*")) == []


def test_pdf_with_feedback_chromium_pointing_nowhere_names_it(
        monkeypatch: pytest.MonkeyPatch, page: Path, tmp_path: Path) -> None:
    monkeypatch.setenv("FEEDBACK_CHROMIUM", str(tmp_path / "no-such-chrome"))
    with pytest.raises(MissingDependencyError, match="no-such-chrome is not an executable"):
        html_to_pdf(page, tmp_path / "out.pdf")


@posix_only
def test_pdf_runs_the_browser_headless_with_a_throwaway_profile(
        monkeypatch: pytest.MonkeyPatch, page: Path, tmp_path: Path) -> None:
    args_file = tmp_path / "args.txt"
    fake = _fake_browser(tmp_path, f'printf "%s\\n" "$@" > "{args_file}"\n'
                                   "printf '%%PDF-1.4 fake' > \"$out\"")
    monkeypatch.setenv("FEEDBACK_CHROMIUM", fake)
    out = html_to_pdf(page, tmp_path / "out.pdf")
    assert out.read_bytes() == b"%PDF-1.4 fake"
    args = args_file.read_text(encoding="utf-8").splitlines()
    assert {"--headless", "--no-pdf-header-footer", "--disable-background-networking"} <= set(args)
    assert ("--no-sandbox" in args) == (os.geteuid() == 0)
    profile = next(a.split("=", 1)[1] for a in args if a.startswith("--user-data-dir="))
    assert not Path(profile).exists()  # thrown away
    printed_to = Path(next(a.split("=", 1)[1] for a in args if a.startswith("--print-to-pdf=")))
    assert printed_to.parent == tmp_path and printed_to.name.endswith(".part")
    assert args[-1] == page.resolve().as_uri()


@posix_only
def test_pdf_from_a_failing_browser_is_a_coded_error_and_keeps_the_old_file(
        page: Path, tmp_path: Path) -> None:
    fake = _fake_browser(tmp_path, 'echo "[1:2:0101/000000.1:ERROR:x.cc(1)] boom" >&2; exit 1')
    out = tmp_path / "out.pdf"
    out.write_bytes(b"old")
    with pytest.raises(OutputWriteError, match=r"\[FE458\].*exit code 1.*: boom"):
        html_to_pdf(page, out, executable=fake)
    assert out.read_bytes() == b"old"  # never half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake-chromium", "out.pdf",
                                                           "page.html"]


@posix_only
def test_pdf_from_a_browser_that_exits_0_without_a_pdf_is_a_coded_error(
        page: Path, tmp_path: Path) -> None:
    fake = _fake_browser(tmp_path, "echo 'Page load failed: net::ERR_FILE_NOT_FOUND' >&2")
    with pytest.raises(OutputWriteError, match="exit code 0, no PDF written.*ERR_FILE"):
        html_to_pdf(page, tmp_path / "out.pdf", executable=fake)
    assert not (tmp_path / "out.pdf").exists()


@posix_only
def test_pdf_from_a_hanging_browser_times_out_with_a_coded_error(
        page: Path, tmp_path: Path) -> None:
    fake = _fake_browser(tmp_path, "exec sleep 30")
    started = time.monotonic()
    with pytest.raises(OutputWriteError, match=r"\[FE458\].*0\.3 s timeout"):
        html_to_pdf(page, tmp_path / "out.pdf", executable=fake, timeout=0.3)
    assert time.monotonic() - started < 2
    assert not list(tmp_path.glob("*.pdf*"))


def test_pdf_never_overwrites_the_page_it_prints(page: Path) -> None:
    with pytest.raises(OutputPathError, match="is the page being printed"):
        html_to_pdf(page, page, executable="unused")
    assert page.read_text(encoding="utf-8").endswith("hello</p>")

"""The HTML report in a real browser: headless Chromium loads it, the charts render, the
console stays clean, hostile text shows as text; and the PDF prints.

Needs Chromium (`.ci/run` installs Debian's). Without it these tests skip, unless
FEEDBACK_REQUIRE_BROWSER=1 (set by CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest
from test_weekly_report import HOSTILE, INCIDENT, warehouse  # noqa: F401  (a fixture)

from feedback_engine.reports import build_report, write_report
from feedback_engine.reports.browser import Browser, find_chromium

if find_chromium() is None:
    if os.environ.get("FEEDBACK_REQUIRE_BROWSER") == "1":
        pytest.fail("Chromium is required here (FEEDBACK_REQUIRE_BROWSER=1) but not found",
                    pytrace=False)
    pytest.skip("Chromium not installed (apt install chromium)", allow_module_level=True)

pytestmark = pytest.mark.slow

CHARTS = ["nps-trend", "csat-trend", "sentiment-trend", "driver-impact", "share-root_cause",
          "sentiment-channel"]


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


def test_report_renders_its_charts_without_console_errors(html_report: Path,
                                                          tmp_path: Path) -> None:
    with Browser() as browser:
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


def test_report_prints_to_pdf(warehouse: str, tmp_path: Path) -> None:  # noqa: F811
    from feedback_engine import report

    out = report(db=warehouse, week=INCIDENT, fmt="pdf", out=tmp_path / "report.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 20_000

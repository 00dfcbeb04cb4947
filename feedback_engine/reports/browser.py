"""Headless Chromium over the DevTools protocol, on a pipe (no port, no extra packages).

Used to print the HTML report to PDF and, in the tests, to check it in a real browser:
load it, collect console messages and errors, evaluate a DOM query, take a screenshot.
Chromium comes from the system (Debian: ``apt install chromium``); nothing is downloaded.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from ..errors import ConfigError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_chromium() -> str | None:
    """The Chromium executable: ``$FEEDBACK_CHROMIUM`` or the first candidate on PATH."""
    explicit = os.environ.get("FEEDBACK_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    return next((p for p in map(shutil.which, CANDIDATES) if p), None)


def _pipe_fds(read_end: int, write_end: int):
    """In the child: put ``read_end`` on fd 3 and ``write_end`` on fd 4, even when either
    already sits on 3 or 4 (both are first moved out of the way)."""

    def move() -> None:
        high_r = fcntl.fcntl(read_end, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(write_end, fcntl.F_DUPFD, 10)
        os.dup2(high_r, 3)
        os.dup2(high_w, 4)

    return move


class Browser:
    """One headless Chromium with one page. Use as a context manager.

    Raises:
        ConfigError: no Chromium found.
    """

    def __init__(self, executable: str | None = None, timeout: float = 60.0) -> None:
        self.executable = executable or find_chromium()
        if not self.executable:
            raise ConfigError("this needs Chromium, which was not found: install it "
                              "(Debian/Ubuntu: apt install chromium) or set FEEDBACK_CHROMIUM "
                              "to its path")
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self._id = 0

    def __enter__(self) -> Browser:
        self._profile = tempfile.TemporaryDirectory(prefix="feedback-chromium-")
        ours_to_chrome_r, ours_to_chrome_w = os.pipe()
        chrome_to_ours_r, chrome_to_ours_w = os.pipe()
        args = [self.executable, "--headless", "--remote-debugging-pipe", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--mute-audio",
                f"--user-data-dir={self._profile.name}", "about:blank"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with the sandbox
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        self._proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, pass_fds=(3, 4),
            preexec_fn=_pipe_fds(ours_to_chrome_r, chrome_to_ours_w))
        os.close(ours_to_chrome_r)
        os.close(chrome_to_ours_w)
        self._out = os.fdopen(ours_to_chrome_w, "wb", buffering=0)
        self._in = os.fdopen(chrome_to_ours_r, "rb", buffering=0)
        self._buffer = b""
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget",
                                   {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        return self

    def __exit__(self, *exc: object) -> None:
        # Closing is best effort: the process is waited for, then killed, below.
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):
            self._call("Browser.close")
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
        self._out.close()
        self._in.close()
        self._profile.cleanup()

    # -- protocol
    def _send(self, message: dict[str, Any]) -> None:
        self._out.write(json.dumps(message).encode() + b"\0")

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = self._in.read(65536)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _call(self, method: str, params: dict[str, Any] | None = None,
              session: str | None = None) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._send(message)
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a command to the page."""
        return self._call(method, params, self._session)

    def wait_for(self, event: str) -> dict[str, Any]:
        """Wait for a page event (already received ones count)."""
        for seen in self.events:
            if seen.get("method") == event:
                return seen
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if "method" in reply:
                self.events.append(reply)
                if reply["method"] == event:
                    return reply

    # -- what callers use
    def open(self, path: str | Path, width: int = 1100, height: int = 900) -> None:
        """Load a local file and wait for its load event."""
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.call("Page.navigate", {"url": Path(path).resolve().as_uri()})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its JSON value."""
        result = self.call("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluation failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and browser log errors
        (blocked requests and CSP violations land there)."""
        out = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error",
                                                                                "warning"):
                out.append(f"console.{params['type']}: "
                           + " ".join(str(a.get("value", a.get("description", "")))
                                      for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                out.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in (
                    "error", "warning"):
                entry = params["entry"]
                out.append(f"log {entry.get('level')} ({entry.get('source')}): "
                           f"{entry.get('text')}")
        return out

    def screenshot(self, path: str | Path, full_page: bool = True) -> Path:
        """A PNG of the whole page (or of the viewport only)."""
        data = self.call("Page.captureScreenshot", {"format": "png",
                                                    "captureBeyondViewport": full_page}
                         )["data"]
        out = Path(path)
        out.write_bytes(base64.b64decode(data))
        return out

    def pdf(self, path: str | Path) -> Path:
        """Print the page to an A4 PDF with its backgrounds."""
        data = self.call("Page.printToPDF", {"printBackground": True, "paperWidth": 8.27,
                                             "paperHeight": 11.69, "marginTop": 0.4,
                                             "marginBottom": 0.4, "marginLeft": 0.4,
                                             "marginRight": 0.4})["data"]
        out = Path(path)
        out.write_bytes(base64.b64decode(data))
        return out


def html_to_pdf(html_path: str | Path, pdf_path: str | Path) -> Path:
    """Print a local HTML file to PDF with headless Chromium."""
    with Browser() as browser:
        browser.open(html_path)
        return browser.pdf(pdf_path)

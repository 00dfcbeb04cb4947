"""Test tooling: headless Chromium over the DevTools protocol, on a pipe (POSIX only).

The browser test uses it to check the HTML report in a real browser: load it, collect
console messages and errors, evaluate a DOM query, take a screenshot. The package itself
prints PDFs with Chromium's own ``--print-to-pdf`` (``feedback_engine/reports/browser.py``).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from feedback_engine.reports.browser import find_chromium


def required_tool(found: str | None, name: str, install: str) -> str:
    """A system tool a test needs: its path; when missing, skip the test, or fail it where
    CI requires the browser tools (``FEEDBACK_REQUIRE_BROWSER=1``)."""
    import pytest

    if found is None:
        if os.environ.get("FEEDBACK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{name} is required here (FEEDBACK_REQUIRE_BROWSER=1) but not found",
                        pytrace=False)
        pytest.skip(f"{name} not installed ({install})")
    return found


def _pipe_fds(read_end: int, write_end: int):
    """In the child: put ``read_end`` on fd 3 and ``write_end`` on fd 4, even when either
    already sits on 3 or 4 (both are first moved out of the way)."""
    import fcntl  # POSIX only

    def move() -> None:
        high_r = fcntl.fcntl(read_end, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(write_end, fcntl.F_DUPFD, 10)
        os.dup2(high_r, 3)
        os.dup2(high_w, 4)

    return move


class Browser:
    """One headless Chromium with one page. Use as a context manager."""

    def __init__(self, executable: str | None = None, timeout: float = 60.0) -> None:
        self.executable = executable or find_chromium()
        assert self.executable, "Chromium not found"
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self._id = 0

    def __enter__(self) -> Browser:
        self._profile = tempfile.TemporaryDirectory(prefix="feedback-devtools-")
        ours_to_chrome_r, ours_to_chrome_w = os.pipe()
        chrome_to_ours_r, chrome_to_ours_w = os.pipe()
        args = [self.executable, "--headless", "--remote-debugging-pipe", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--mute-audio",
                f"--user-data-dir={self._profile.name}", "about:blank"]
        if os.geteuid() == 0:
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
        with contextlib.suppress(OSError, AssertionError):
            self._call("Browser.close")
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._out.close()
        self._in.close()
        self._profile.cleanup()

    # -- protocol
    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            # select() first, so the deadline holds even when Chromium says nothing.
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = self._in.read(65536)
            assert chunk, "Chromium closed the DevTools pipe"
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _call(self, method: str, params: dict[str, Any] | None = None,
              session: str | None = None) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._out.write(json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                assert "error" not in reply, f"{method}: {reply['error'].get('message')}"
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

    # -- what tests use
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
        assert "exceptionDetails" not in result, result["exceptionDetails"]
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

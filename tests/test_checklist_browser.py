"""The QA checklist in headless Chromium: every page renders, nothing on the console, screenshots in reports/.

The browser is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``),
so the test sees console messages with their level, uncaught exceptions and
failed loads, and takes full-page screenshots; nothing listens on a port.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from reports_support import ROOT, synthetic_records

from dataflow_qa.reports.checklist import build_checklist
from dataflow_qa.reports.render import RunInfo, write_checklist
from dataflow_qa.generator.lint import lint
from dataflow_qa.generator.parse import DocumentParser, find_documents

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed: `make test` installs Debian's chromium package when it runs as root "
           "(apt-get install chromium); as another user, install it and run again",
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
         "--remote-debugging-pipe"]
WIDTH = 1400
TIMEOUT = 30.0


class Browser:
    """A headless Chromium and one page, spoken to over the DevTools pipe."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def fds() -> None:
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.process = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],  # type: ignore[list-item]
                                        preexec_fn=fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._ids = iter(range(1, 1_000_000))
        threading.Thread(target=self._read, daemon=True).start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._from_browser, 1 << 16):
            buffer += chunk
            *complete, buffer = buffer.split(b"\0")
            for raw in complete:
                self.messages.put(json.loads(raw))

    def _next(self, deadline: float) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("Chromium did not answer in time")
        return self.messages.get(timeout=remaining)

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer (events seen meanwhile are kept)."""
        ident = next(self._ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            answer = self._next(deadline)
            if answer.get("id") == ident:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, accept: Callable[[dict[str, Any]], bool]) -> None:
        """Wait for an event that ``accept`` recognises."""
        deadline = time.monotonic() + TIMEOUT
        while not any(accept(e) for e in self.events):
            self.events.append(self._next(deadline))

    def open(self, url: str) -> list[str]:
        """Load a page; the console errors, exceptions and failed loads it caused."""
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait_for(lambda e: e.get("method") == "Page.loadEventFired")
        problems = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                problems.append(f"console.{params['type']}: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                problems.append(f"exception: {params['exceptionDetails'].get('exception', {}).get('description') or params['exceptionDetails']['text']}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                problems.append(f"{params['entry']['source']}: {params['entry']['text']} {params['entry'].get('url', '')}")
        return problems

    def screenshot(self, path: Path) -> tuple[int, int]:
        """The whole page as a PNG; its (width, height)."""
        size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
        width, height = WIDTH, int(size["height"]) + 1
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height, deviceScaleFactor=1, mobile=False)
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=WIDTH, height=1000, deviceScaleFactor=1, mobile=False)
        return width, height

    def close(self) -> None:
        """Close the browser and wait for it."""
        try:
            self.call("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            self.process.kill()
        self.process.wait(timeout=TIMEOUT)
        os.close(self._to_browser)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chromium = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


def test_the_console_watch_sees_errors(browser: Browser, tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text('<p>x</p><script>console.error("deliberate"); missingFunction();</script>', encoding="utf-8")
    problems = browser.open(page.as_uri())
    assert any("deliberate" in p for p in problems) and any("missingFunction" in p for p in problems)


def test_the_checklist_renders_without_console_errors_and_is_screenshot(browser: Browser, tmp_path: Path) -> None:
    parser = DocumentParser()
    results = [parser.parse_file(p, p.relative_to(ROOT).as_posix()) for p in find_documents([str(ROOT / "specs")])]
    documents = [r.document for r in results if r.document]
    records = synthetic_records(documents, ("passed", "passed", "passed", "failed", "passed", "skipped", "passed", "gap"))
    checklist = build_checklist(documents, lint(results), records[: len(records) * 9 // 10], "fake",
                                href=lambda nodeid: f"../report.html#{nodeid}")
    folder = tmp_path / "checklist"
    write_checklist(checklist, folder, RunInfo("fake", "specs", documents[0].sha256, "now", report_href="../report.html"))
    out = ROOT / "reports"
    out.mkdir(exist_ok=True)
    for page in ["index.html", *(view.page for view in checklist.documents)]:
        assert browser.open((folder / page).as_uri()) == [], page
        shot = out / f"checklist-{Path(page).stem}.png"
        width, height = browser.screenshot(shot)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and height > 400, page

"""A real headless Chromium opens the HTML report with scripts disabled, checks what it shows and prints it."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.render.html import render_html
from tests.conftest import DEMO_PROJECT, RunCli
from tests.report_data import sample_input

websocket = pytest.importorskip("websocket", reason="websocket-client (the test extra) drives Chromium's DevTools")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)"
    ),
    pytest.mark.slow,  # a real browser
]

_LISTENING = re.compile(r"DevTools listening on (ws://\S+)")
_DEADLINE_SECONDS = 60.0


@dataclass
class Page:
    """One page of a headless Chromium, spoken to over the DevTools protocol."""

    socket: Any
    next_id: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result, keeping the events that arrive meanwhile."""
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method} failed: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result
            self.events.append(message)

    def wait_for(self, method: str) -> dict[str, Any]:
        """Return the first (already received or next) event named ``method``."""
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            message = json.loads(self.socket.recv())
            self.events.append(message)
            if message.get("method") == method:
                return message

    def open(self, url: str) -> None:
        """Navigate and wait for the load event; earlier events are dropped."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        # Console messages can trail the load event by a moment; a no-op round trip collects them.
        self.call("DOM.getDocument", depth=0)

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error-level log entries seen since the last navigation."""
        found: list[str] = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(str(params["exceptionDetails"].get("text")))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(json.dumps(params.get("args")))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(str(params["entry"].get("text")))
        return found

    def count(self, selector: str) -> int:
        """How many elements match ``selector`` (through the DOM domain: it works with scripts disabled)."""
        root = self.call("DOM.getDocument", depth=0)["root"]["nodeId"]
        return len(self.call("DOM.querySelectorAll", nodeId=root, selector=selector)["nodeIds"])

    def box(self, selector: str) -> tuple[float, float]:
        """Width and height of the first element matching ``selector`` as laid out."""
        root = self.call("DOM.getDocument", depth=0)["root"]["nodeId"]
        node = self.call("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        model = self.call("DOM.getBoxModel", nodeId=node)["model"]
        return float(model["width"]), float(model["height"])


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """A headless Chromium with one blank page, shut down after the module."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    drain: threading.Thread | None = None
    process = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        endpoint = None
        deadline = time.monotonic() + _DEADLINE_SECONDS
        while endpoint is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            match = _LISTENING.search(line)
            if match:
                endpoint = match.group(1)
        assert endpoint is not None, "Chromium did not open its DevTools endpoint"
        # Keep draining Chromium's log so a full pipe can never stall it.
        drain = threading.Thread(target=process.stderr.read, daemon=True)
        drain.start()
        port = endpoint.split(":")[2].split("/")[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.load(response)
        target = next(t for t in targets if t["type"] == "page")
        socket = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=_DEADLINE_SECONDS)
        try:
            chrome = Page(socket)
            for domain in ("Page", "Runtime", "Log"):
                chrome.call(f"{domain}.enable")
            # The report must read without scripts; run the whole module with them disabled.
            chrome.call("Emulation.setScriptExecutionDisabled", value=True)
            yield chrome
        finally:
            socket.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if drain is not None:
            drain.join(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def test_chromium_renders_the_report_prints_it_and_takes_a_screenshot(page: Page, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(render_html(sample_input()), encoding="utf-8")
    page.open(report.as_uri())
    assert page.errors() == []
    assert page.count("#matrix-table tbody tr") == 47
    assert page.count("#practice-chart g.bar") == 8
    width, height = page.box("#practice-chart")
    assert width > 300 and height > 200, "the practice chart is laid out and visible"
    diagram_width, _ = page.box("svg.diagram")
    assert diagram_width > 300
    pdf = base64.b64decode(page.call("Page.printToPDF", preferCSSPageSize=True, printBackground=True)["data"])
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert boxes, "the PDF has pages"
    # A4 is 595 x 842 points; every page is A4 because the report's @page rule says so.
    assert all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes)
    (tmp_path / "report.pdf").write_bytes(pdf)
    shot = base64.b64decode(page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"])
    assert shot.startswith(b"\x89PNG")
    (tmp_path / "report.png").write_bytes(shot)


def test_the_error_listener_sees_a_blocked_external_load(page: Page, tmp_path: Path) -> None:
    # Proves the check above could fail: an external image breaks the report's Content-Security-Policy.
    html = render_html(sample_input()).replace("<main>", '<main><img alt="" src="https://example.invalid/x.png">')
    report = tmp_path / "tampered.html"
    report.write_text(html, encoding="utf-8")
    page.open(report.as_uri())
    errors = page.errors()
    assert any("Content Security Policy" in e for e in errors), errors


def test_chromium_shows_the_demo_zones_and_conduits_from_check(page: Page, run_cli: RunCli, tmp_path: Path) -> None:
    root = tmp_path / "demo-project"
    # A copy, so the run does not write evidence into the source tree.
    shutil.copytree(DEMO_PROJECT, root, ignore=shutil.ignore_patterns(".sdl-gate"))
    report = tmp_path / "demo.html"
    result = run_cli("check", root, "--format", "html", "--output", report)
    assert result.code == 1, result.stderr
    page.open(report.as_uri())
    assert page.errors() == []
    assert page.count("svg.diagram g.zone") == 4  # the demo's four zones
    assert page.count("svg.diagram g.component") == 6
    assert page.count("svg.diagram g.flow.crossing") == 6  # F-1, F-2, F-3, F-6, F-7, F-8 cross conduits
    assert page.count("svg.diagram g.flow.internal") == 2
    width, height = page.box("svg.diagram")
    assert width > 300 and height > 100, "the diagram is laid out and visible"
    root_node = page.call("DOM.getDocument", depth=-1, pierce=False)["root"]["nodeId"]
    title = page.call("DOM.querySelector", nodeId=root_node, selector="svg.diagram g.zone text")["nodeId"]
    html = page.call("DOM.getOuterHTML", nodeId=title)["outerHTML"]
    assert "Control zone (PLCs)" in html
    shot = base64.b64decode(page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"])
    (tmp_path / "demo.png").write_bytes(shot)


_OVERFLOWS = """(() => {
  const found = [];
  const table = document.querySelector('#matrix-table');
  const column = table.parentElement.getBoundingClientRect();
  const whole = table.getBoundingClientRect();
  if (whole.right > column.right + 0.5) found.push(`table ends at ${whole.right}, its column at ${column.right}`);
  for (const cell of table.querySelectorAll('th, td')) {
    const box = cell.getBoundingClientRect();
    if (cell.scrollWidth > cell.clientWidth + 1) found.push(`${cell.closest('tr').id || 'head'}: cell scrolls`);
    for (const inner of cell.querySelectorAll('*')) {
      for (const part of inner.getClientRects()) {
        if (part.right > box.right + 0.5 || part.left < box.left - 0.5) {
          found.push(`${cell.closest('tr').id || 'head'}: <${inner.tagName.toLowerCase()}> leaves its cell`);
        }
      }
    }
  }
  return found;
})()"""


def _matrix_overflows(page: Page, width: int, media: str) -> list[str]:
    """What of the compliance matrix overflows its cell or its column at ``width`` CSS pixels under ``media``."""
    page.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=False)
    page.call("Emulation.setEmulatedMedia", media=media)
    # Measuring needs layout queries only a script can make; the report itself stays script-free.
    page.call("Emulation.setScriptExecutionDisabled", value=False)
    try:
        result = page.call("Runtime.evaluate", expression=_OVERFLOWS, returnByValue=True)
    finally:
        page.call("Emulation.setScriptExecutionDisabled", value=True)
        page.call("Emulation.setEmulatedMedia", media="")
        page.call("Emulation.clearDeviceMetricsOverride")
    found: list[str] = result["result"]["value"]
    return found


#: A4 (210 mm) less the report's 12 mm print margins on each side, at 96 CSS pixels per inch.
A4_PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)


def test_the_matrix_of_a_bundle_report_fits_its_column_on_screen_and_on_a4(page: Page, tmp_path: Path) -> None:
    from sdl_gate.bundle import layout
    from sdl_gate.render.view import ReportInput, SourceKind

    sample = sample_input().assessment
    # Rationales quote what the evidence named: a long path has no place to break but its slashes.
    long_path = "src/modbus_mqtt_gateway/" + "_".join(["generated_register_map"] * 6) + ".py:1204"
    first = sample.requirements[0]
    assessment = sample.model_copy(
        update={
            "requirements": [
                first.model_copy(update={"rationale": f"{first.rationale} ({long_path})"}),
                *sample.requirements[1:],
            ]
        }
    )
    evidence_ids = {e for r in assessment.requirements for e in r.evidence}
    bundled = ReportInput(
        assessment,
        SourceKind.VERIFIED_BUNDLE,
        "modbus-mqtt-gateway-1.4.0.sdl-evidence.zip",
        bundle_paths={e: layout.object_entry(e) for e in evidence_ids},
    )
    report = tmp_path / "bundle-report.html"
    report.write_text(render_html(bundled), encoding="utf-8")
    page.open(report.as_uri())
    assert page.errors() == []
    assert _matrix_overflows(page, 1280, "screen") == []
    assert _matrix_overflows(page, A4_PRINTABLE_PX, "print") == []

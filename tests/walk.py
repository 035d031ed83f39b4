"""The kit every browser walk shares: the app served as `make run` serves it, Chromium, and the steps a user takes.

Streamlit redraws a page after every rerun; on a busy machine a rerun can land between
drawing an element and clicking it. The steps below wait for the rerun to finish and,
where a redraw replaces the element under the click (a selectbox's open list, a download
button's deferred file), take the step again, as a user clicking a second time would. A
step that still fails raises with the end of the server's log.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need_tool

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT = 30_000  # milliseconds for a rerun to show its result
TRIES = 3  # a step a redraw interrupted is taken again, at most this often
LOGS: list[Path] = []  # the logs of the servers running, newest last


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(database_url: str, log: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port and the store at ``database_url``; yields its address."""
    need_tool(CHROMIUM.exists(), "Chromium")
    port = free_port()
    out = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none"],
        cwd=ROOT,
        env={**os.environ, "SLM_PSR_DATABASE_URL": database_url},
        stdout=out,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{address}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out.close()
            pytest.fail(f"streamlit did not start:\n{log_tail(log)}")
        time.sleep(0.3)
    LOGS.append(log)
    try:
        yield address
    finally:
        LOGS.remove(log)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        out.close()


def log_tail(log: Path | None = None, lines: int = 40) -> str:
    log = log or (LOGS[-1] if LOGS else None)
    if log is None or not log.exists():
        return "(no server log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) or "(the server log is empty)"


def title(page, text: str):
    return page.locator("h1").filter(has_text=text)


def settle(page) -> None:
    """Wait until Streamlit has finished the current rerun."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden")
    page.wait_for_timeout(300)


def open_page(page, label: str, heading: str, timeout: int = WAIT) -> None:
    """Follow a link of the sidebar's navigation and wait for the page, which must show no exception."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=label).click()
    try:
        title(page, heading).wait_for(timeout=timeout)
    except Exception as exc:
        raise AssertionError(f"{heading} did not open: {exc}\n{log_tail()}") from exc
    settle(page)
    assert page.get_by_test_id("stException").count() == 0, f"{heading} shows an exception"


def _chosen(box, option: str | re.Pattern) -> bool:
    """Whether the selectbox shows ``option`` as its value (its text, or its input's value)."""
    shown = box.inner_text().splitlines() + [i.input_value() for i in box.locator("input").all()]
    if isinstance(option, str):
        return option in shown
    return any(option.search(line) for line in shown)


def choose(page, label: str, option: str | re.Pattern) -> None:
    """Pick ``option`` in the selectbox labelled ``label``: open it, type to filter a long list, click."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    item = page.get_by_role("option", name=option, exact=isinstance(option, str))
    for _ in range(TRIES):
        settle(page)
        if _chosen(box, option):
            return
        try:
            box.get_by_role("combobox").click()
            if isinstance(option, str):
                page.keyboard.type(option[:20])  # a long list scrolls: typing filters it to the option
            item.click(timeout=WAIT // 3)
        except PlaywrightTimeout:  # a rerun redrew the box under the click: close what is open, again
            page.keyboard.press("Escape")
    settle(page)
    assert _chosen(box, option), f"{option!r} could not be chosen in {label!r}\n{log_tail()}"


def download(page, button):
    """Click a download button and return the download (Playwright's), taking the step again if a redraw ate it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(TRIES):
        settle(page)
        try:
            with page.expect_download(timeout=WAIT) as done:
                button.click()
            return done.value
        except PlaywrightTimeout as exc:
            if attempt == TRIES - 1:
                raise AssertionError(f"no download after {TRIES} clicks: {exc}\n{log_tail()}") from exc
    raise AssertionError("unreachable")


def screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main area, so grow the viewport to fit it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    settle(page)
    page.wait_for_timeout(1000)  # tables and charts draw after the rerun ends
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(height, 1000), 8000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})

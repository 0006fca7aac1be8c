"""Browser-test fixtures: the real service in a subprocess, Debian's Chromium through Playwright, and a
page that records console errors and saves a screenshot of every test.

IWAE_TEST_BASE_URL=http://host:port runs the tests against a service that is already running instead
of starting one; CHROMIUM names another Chromium binary than /usr/bin/chromium.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from app.local_server import CHROMIUM, CHROMIUM_ARGS, ServerFailed, local_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
READY_TIMEOUT_S = 600  # loading and warming up every bundle; minutes when the two cores are busy with training


@pytest.fixture(scope="session")
def base_url(tmp_path_factory) -> str:
    """The service's root URL: started with the shipped bundles unless IWAE_TEST_BASE_URL is set."""
    external = os.environ.get("IWAE_TEST_BASE_URL")
    if external:
        yield external.rstrip("/")
        return
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    try:
        with local_server(log_path, ROOT / "model" / "bundles", READY_TIMEOUT_S) as url:
            yield url
    except ServerFailed as failure:
        pytest.fail(str(failure))


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; the tests skip when it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (`make chromium` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ConsoleLog:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))


@pytest.fixture
def context(browser, base_url):
    """A fresh browser context (own storage, clipboard allowed) on a desktop-sized window."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def new_page(context, request):
    """Opens pages whose console errors are in page.console.errors; each page's last state is saved as
    artifacts/screenshots/<test name>[-<n>].png."""
    pages = []

    def open_page():
        page = context.new_page()
        page.console = ConsoleLog(page)
        pages.append(page)
        return page

    yield open_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    for i, page in enumerate(pages):
        if page.is_closed():
            continue
        try:
            page.screenshot(path=str(SCREENSHOTS / f"{name}{f'-{i + 1}' if i else ''}.png"), full_page=True)
        except Exception as error:  # a screenshot must never hide the test's own result
            print(f"screenshot failed: {error}")


@pytest.fixture
def page(new_page):
    """One watched page (see new_page)."""
    return new_page()

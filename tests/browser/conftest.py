"""Fixtures for the end-to-end tests: the real app under `streamlit run` and Debian's headless Chromium.

Without Chromium the tests skip on a developer's machine and fail in CI (where `CI` is set), so a
missing browser can never pass for a green run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.harness import CHROMIUM, Server, chromium_available, launch, require, streamlit_server

VIEWPORT = {"width": 1366, "height": 768}


def _require_browser() -> None:
    require(chromium_available(), f"{CHROMIUM} is missing (apt-get install chromium)")


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    _require_browser()
    # Compile (or load) the engine's kernels here first, so the server's first page is not the one
    # that waits for Numba.
    from optviz.racing import run_race
    from optviz.settings import RaceSettings

    run_race(RaceSettings(steps=5))
    with streamlit_server("app.py", timeout=180) as s:
        yield s


@pytest.fixture(scope="session")
def app_url(server: Server) -> str:
    return server.url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """Playwright, started once: its sync API keeps an event loop running in this thread, so a second
    `sync_playwright()` while it runs is refused. A test that needs a browser of its own launches it
    from here."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    b = launch(playwright)
    yield b
    b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cache, no cookies) at laptop size; fails on a script error."""
    context = browser.new_context(viewport=VIEWPORT)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda error: errors.append(str(error)))
    yield p
    context.close()
    assert not errors, f"script errors on the page: {errors}"

"""Headless Chromium for the console tests: Debian's ``chromium`` and ``chromium-driver``
driven by Selenium (nothing downloaded: both paths are given, so Selenium Manager stays idle).

``LOCUS_CHROMIUM`` / ``LOCUS_CHROMEDRIVER`` override the paths. Screenshots go to
``$LOCUS_TEST_ARTIFACTS`` (default ``/tmp/locus-logs/screenshots``) at 1280x800; with
``LOCUS_DOCS_SCREENSHOTS=docs`` the ones the README shows are written there too
(``console-<name>.png``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

WIDTH, HEIGHT = 1280, 800
WAIT = 60.0
T = TypeVar("T")


def artifacts() -> Path:
    folder = Path(os.environ.get("LOCUS_TEST_ARTIFACTS", "/tmp/locus-logs/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _executable(env: str, *names: str) -> str | None:
    if os.environ.get(env):
        return os.environ[env]
    return next((found for n in names if (found := shutil.which(n))), None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium window of 1280x800 (skips, with the reason, without Chromium)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    chromium = _executable("LOCUS_CHROMIUM", "chromium", "chromium-browser")
    chromedriver = _executable("LOCUS_CHROMEDRIVER", "chromedriver")
    if chromium is None or chromedriver is None:
        pytest.skip("headless Chromium is missing: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={WIDTH},{HEIGHT}",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
    ):
        options.add_argument(arg)
    service = webdriver.ChromeService(executable_path=chromedriver)
    browser = webdriver.Chrome(options=options, service=service)
    viewport(browser)
    try:
        yield browser
        if request.node.stash.get(_FAILED, False):  # what the page showed when it failed
            screenshot(browser, f"failed-{request.node.name}")
    finally:
        browser.quit()


def wait_for(check: Callable[[], T | None], what: str, timeout: float = WAIT) -> T:
    """Poll ``check`` until it returns something truthy (selenium's own wait, re-exported)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    def probe(_: Any) -> T | None:
        try:
            return check()
        except StaleElementReferenceException:  # the page redrew between find and read
            return None

    try:
        return WebDriverWait(None, timeout, poll_frequency=0.1).until(probe)  # type: ignore[arg-type]
    except Exception as exc:
        raise AssertionError(f"timed out waiting for {what}") from exc


def viewport(browser: Any, width: int = WIDTH, height: int = HEIGHT) -> None:
    """Make the page's viewport (not the window around it) ``width`` x ``height``."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def screenshot(browser: Any, name: str, docs: str | None = None) -> Path:
    """A 1280x800 screenshot of the current page into the artifacts folder (and, when
    ``docs`` names it and ``LOCUS_DOCS_SCREENSHOTS`` is set, as ``console-<docs>.png``)."""
    viewport(browser)
    path = artifacts() / f"{name}.png"
    assert browser.save_screenshot(str(path)), f"no screenshot {path}"
    folder = os.environ.get("LOCUS_DOCS_SCREENSHOTS")
    if docs and folder:
        shutil.copyfile(path, Path(folder) / f"console-{docs}.png")
    return path

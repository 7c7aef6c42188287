"""Fixtures of the console tests: the NBI with the file-controlled test runner (as in
``tests/nbi``; ``runners.py`` adds the product's placement step and stack outputs), served
by uvicorn on a free 127.0.0.1 port, and a logged-in console client.

The browser tests (``test_console_browser.py``) add headless Chromium (``browser.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from support.servers import served_in_thread

from locus_iac.nbi import Settings, create_app

from .browser import driver, pytest_runtest_makereport
from .runners import PLACING_RUNNER

__all__ = ["driver", "pytest_runtest_makereport"]  # the browser fixture, failure screenshots

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "admin-pw"


@pytest.fixture
def runner_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder that steers the file-controlled runner (``tests/lcm/runners.py``)."""
    folder = tmp_path / "runner"
    folder.mkdir()
    monkeypatch.setenv("LOCUS_TEST_RUNNER_DIR", str(folder))
    monkeypatch.setenv("LOCUS_LCM_POLL", "0.05")
    monkeypatch.setenv("LOCUS_LCM_GRACE", "2")
    # the worker processes import the runner as pytest does (``ui.runners``, tests/ on the path)
    tests = str(REPO / "tests")
    path = os.pathsep.join(filter(None, [str(REPO), tests, os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.syspath_prepend(str(REPO))
    return folder


@pytest.fixture
def app(tmp_path: Path, runner_dir: Path) -> Iterator[FastAPI]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'catalogue.db'}",
        admin_password=PASSWORD,
        vim_check=False,
    )
    application = create_app(settings, runner=PLACING_RUNNER)
    yield application
    application.state.services.db.dispose()


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn (lifespan included: the LCM workers run) on 127.0.0.1."""
    with served_in_thread(app) as url:
        yield url


def bearer(url: str, username: str = "admin", password: str = PASSWORD) -> dict[str, str]:
    response = httpx.post(
        f"{url}/admin/v1/tokens", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['id']}"}


def console_login(client: httpx.Client, username: str = "admin", password: str = PASSWORD) -> str:
    """Log ``client`` in through the form, as a browser does; returns the CSRF token."""
    form = client.get("/ui/login")
    assert form.status_code == 200
    nonce = form.text.split('name="nonce" value="', 1)[1].split('"', 1)[0]
    done = client.post(
        "/ui/login", data={"username": username, "password": password, "nonce": nonce}
    )
    assert done.status_code == 303, done.text
    session = client.get("/ui/session")
    assert session.status_code == 200, session.text
    return str(session.json()["csrf_token"])


@pytest.fixture
def console(live_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_url, timeout=30) as client:
        yield client

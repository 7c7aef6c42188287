"""Fixtures of the NBI tests: an app per database backend, tokens, example packages.

Every API test runs on SQLite and on PostgreSQL; PostgreSQL needs LOCUS_TEST_POSTGRES_URL
(``postgresql+psycopg://user:pw@127.0.0.1/db``, a database the tests may wipe); without it
those cases are skipped with that reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lcm.runners import FILE_RUNNER
from support.databases import database_url
from support.servers import served_in_thread

from locus_iac.lcm import PRODUCT_RUNNER, RunnerFactory
from locus_iac.nbi import Settings, create_app
from locus_iac.packages import archive_bytes, read_package

from .harness import EXAMPLES, PASSWORD, REPO, Api, login

__all__ = ["database_url"]


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    """The NBI tests' settings; a test module's ``settings`` fixture passes what it changes."""
    fields: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "admin_password": PASSWORD,
        "page_size": 100,
        "vim_check": False,  # example Keystone URLs; tests/nbi/test_vim_account_check.py checks
    }
    return Settings(**(fields | overrides))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
def runner_factory(request: pytest.FixtureRequest) -> RunnerFactory:
    """The file-controlled test runner for a test that controls it (``runner_dir``), else the
    product's."""
    return FILE_RUNNER if "runner_dir" in request.fixturenames else PRODUCT_RUNNER


@pytest.fixture
def app(settings: Settings, runner_factory: RunnerFactory) -> Iterator[FastAPI]:
    application = create_app(settings, runner=runner_factory)
    yield application
    application.state.services.db.dispose()


@pytest.fixture
def api(app: FastAPI) -> Iterator[Api]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, login(client))


@pytest.fixture(scope="session")
def example_packages() -> dict[str, bytes]:
    """The exemplary service (seed §5) as OSM tar.gz archives, by folder name."""
    if not EXAMPLES.is_dir():
        pytest.skip("examples/packages is absent")
    return {
        name: archive_bytes(read_package(EXAMPLES / name))
        for name in ("cloud_vnf", "edge_knf", "cloud_ns", "edge_ns", "locus_nst")
    }


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free 127.0.0.1 port (in a thread)."""
    with served_in_thread(app) as url:
        yield url


@pytest.fixture
def runner_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "runner"
    folder.mkdir()
    monkeypatch.setenv("LOCUS_TEST_RUNNER_DIR", str(folder))
    monkeypatch.setenv("LOCUS_LCM_POLL", "0.05")
    monkeypatch.setenv("LOCUS_LCM_GRACE", "2")
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)  # the worker processes
    monkeypatch.syspath_prepend(str(REPO))  # the server (recovery)
    return folder


@pytest.fixture
def lcm_api(runner_dir: Path, app: FastAPI) -> Iterator[Api]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, login(client))

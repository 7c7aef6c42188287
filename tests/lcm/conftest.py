"""A migrated catalogue database (SQLite, and PostgreSQL when configured) with one project."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from locus_iac.catalogue import Database, create_project
from locus_iac.lcm.settings import LcmSettings

from .runners import ENV, FileControlledRunner

REPO = Path(__file__).resolve().parents[2]
PG_ENV = "LOCUS_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'queue.db'}"
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL case: set {PG_ENV} to a database the tests may wipe")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def project(db: Database) -> str:
    with db.session() as session:
        return create_project(session, "p1").id


@pytest.fixture
def runner_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder shared with the test runner; worker processes find it via the env."""
    folder = tmp_path / "runner"
    folder.mkdir()
    monkeypatch.setenv(ENV, str(folder))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    )
    return folder


@pytest.fixture
def runner(runner_dir: Path) -> FileControlledRunner:
    return FileControlledRunner(runner_dir)


@pytest.fixture
def lcm_settings(database_url: str, tmp_path: Path, runner_dir: Path) -> LcmSettings:
    return LcmSettings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        runner="tests.lcm.runners:from_env",
        max_workers=4,
        poll_interval=0.05,
        grace=2.0,
    )

"""The catalogue database under test: SQLite, and PostgreSQL when LOCUS_TEST_POSTGRES_URL names a
database the tests may wipe (``postgresql+psycopg://user:pw@127.0.0.1/db``); without it the
PostgreSQL cases skip with that reason. Conftests import these fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from locus_iac.catalogue import Database

PG_ENV = "LOCUS_TEST_POSTGRES_URL"


def wipe_postgres(url: str) -> None:
    """Drop every table of the test database (a fresh public schema)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalogue.db'}"
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL case: set {PG_ENV} to a database the tests may wipe")
    wipe_postgres(url)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated catalogue database."""
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()

"""Engine, sessions and schema migrations of the catalogue.

SQLite (the default, one file in the data dir) and PostgreSQL (``postgresql+psycopg://``) are
both first-class. On SQLite every transaction starts with ``BEGIN IMMEDIATE`` and the
database runs in WAL mode: writers are serialised by SQLite itself and readers never block,
which avoids the lock-upgrade deadlocks of deferred transactions under concurrent requests.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from locus_iac.errors import PermanentError, RetryableError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Create the engine for ``url`` (``sqlite:///...`` or ``postgresql+psycopg://...``)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        log.exception("catalogue migration failed")
        raise PermanentError(
            f"cannot migrate the catalogue database: {type(exc).__name__}"
        ) from exc


class Database:
    """The catalogue database: an engine plus a session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error.

        A database that cannot be reached (or, on SQLite, stays locked past the busy
        timeout) becomes :class:`RetryableError`; nothing of the driver's message leaks.
        """
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as exc:
            log.warning("catalogue database unavailable: %s", type(exc.orig).__name__)
            raise RetryableError("the catalogue database is unavailable; retry later", 5.0) from exc

    def migrate(self) -> None:
        migrate(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

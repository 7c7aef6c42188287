"""PostgreSQL connections are not pinged before each transaction (a round trip each, issue 19):
a connection the server closed fails its one transaction as retryable, the pool replaces it,
and :meth:`Database.read` reads again at once on a fresh connection."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from locus_iac.catalogue import Database
from locus_iac.errors import RetryableError


def _backend(session: Session) -> int:
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _kill(db: Database, pid: int) -> None:
    """Close the server side of connection ``pid`` (from a connection of another pool)."""
    other = create_engine(db.url, poolclass=NullPool)
    with other.connect() as connection:
        query = text("SELECT pg_terminate_backend(:pid)")
        assert connection.execute(query, {"pid": pid}).scalar()
    other.dispose()


@pytest.fixture
def postgres(db: Database) -> Database:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite connections are in-process: never closed by a server")
    return db


def test_a_read_on_a_connection_the_server_closed_is_read_again(postgres: Database) -> None:
    db = Database(postgres.url, connections=2)  # one pooled connection, one overflow
    try:
        first = db.read(_backend)
        _kill(db, first)
        second = db.read(_backend)  # the dead one fails, the read runs again
        assert second != first
        assert db.read(_backend) == second  # the pool keeps the new one
    finally:
        db.dispose()


def test_a_transaction_on_a_dead_connection_is_retryable_once(postgres: Database) -> None:
    db = Database(postgres.url, connections=2)
    try:
        first = db.read(_backend)
        _kill(db, first)
        with pytest.raises(RetryableError), db.session() as session:
            _backend(session)
        with db.session() as session:  # the pool replaced its connections
            assert _backend(session) != first
    finally:
        db.dispose()

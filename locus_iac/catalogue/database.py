"""Engine, sessions and schema migrations of the catalogue.

SQLite (the default, one file in the data dir) and PostgreSQL (``postgresql+psycopg://``) are
both first-class. On SQLite every transaction starts with ``BEGIN IMMEDIATE`` and the
database runs in WAL mode: writers are serialised by SQLite itself and readers never block,
which avoids the lock-upgrade deadlocks of deferred transactions under concurrent requests.

SQLite runs with ``synchronous=NORMAL``, the setting SQLite documents for WAL mode: a commit
appends to the WAL without waiting for fsync (the WAL is synced at checkpoints), so a commit
survives a crash of this process or of any process using the file, and the database is never
corrupted; only a power loss or operating-system crash may roll back the last commits. With
the default ``FULL`` every commit waited for an fsync, most of an onboarding's time (session
8 profile: 8 of 27 ms per package on this machine).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from locus_iac.catalogue.change_clock import ChangeClock
from locus_iac.errors import Issue, PermanentError, RetryableError, ValidationError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(engine: Engine, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def secure_sqlite_files(url: str) -> None:
    """Keep a SQLite catalogue private: the database file and its companions 0600.

    The file is created here (empty, 0600) before SQLite opens it, because SQLite gives its
    ``-wal`` and ``-shm`` files the mode of the database file; files left world-readable by
    an older version are tightened. A missing folder is created 0700 (an existing one is the
    owner's business; ``locus serve`` makes its data dir 0700). Does nothing for in-memory
    databases or PostgreSQL.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(str(parsed.database))
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    # Only a missing file is opened (and closed) here: closing any descriptor of a database
    # file drops every POSIX lock this process holds on it, and a worker that then finds no
    # other reader checkpoints and deletes the WAL under this process' open connections.
    with contextlib.suppress(FileExistsError):
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        os.close(os.open(path, flags, PRIVATE_FILE))
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        candidate = path.parent / name
        if candidate.is_file() and not candidate.is_symlink():
            candidate.chmod(PRIVATE_FILE)


# Blocking request handlers run on anyio's worker threads (40 by default), each holding at most
# one connection at a time: with fewer pooled connections than threads, requests queue for a
# connection under load (session 5 profile: 10 % of list time with SQLAlchemy's default 5 + 10).
POOL_SIZE = 40
MIN_POOL = 8
"""The fewest PostgreSQL connections a process pools when several share the budget."""
SINGLE_WAIT = 1.0
"""Seconds to wait for the connection of a ``single`` engine: its one user never holds it
across a wait, so the wait is never needed; a bug that leaked it fails fast (503)."""


def make_engine(
    url: str, *, readonly: bool = False, connections: int = POOL_SIZE, single: bool = False
) -> Engine:
    """Create the engine for ``url`` (``sqlite:///...`` or ``postgresql+psycopg://...``).

    On SQLite, ``readonly`` engines start deferred transactions (a WAL snapshot that never
    takes the write lock, so reads run side by side); the others ``BEGIN IMMEDIATE``. On
    PostgreSQL the engine opens at most ``connections`` (half kept in the pool): several
    serving processes split one budget, since the server's ``max_connections`` (100 by
    default) is shared by all of them. A ``single`` engine keeps exactly one connection, for
    one thread that uses it a transaction at a time (:meth:`Database.loop_session`).
    """
    if url.startswith("sqlite"):
        secure_sqlite_files(url)
        in_memory = make_url(url).database in (None, "", ":memory:")  # one shared connection
        pool: dict[str, Any] = (
            {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": POOL_SIZE // 4}
        )
        if single and not in_memory:
            pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": SINGLE_WAIT}
        connect = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, connect_args=connect, **pool)
        _sqlite_pragmas(engine, "BEGIN" if readonly else "BEGIN IMMEDIATE")
        return engine
    if single:
        single_pool: dict[str, Any] = {
            "pool_size": 1,
            "max_overflow": 0,
            "pool_timeout": SINGLE_WAIT,
        }
        return create_engine(url, pool_pre_ping=True, **single_pool)
    kept = connections // 2
    return create_engine(url, pool_pre_ping=True, pool_size=kept, max_overflow=connections - kept)


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
    """The catalogue database: an engine plus a session factory.

    Besides the pooled sessions (:meth:`session`, used from worker threads), on SQLite one
    connection is kept for the event loop's own reads (:meth:`loop_session`): the hot package
    reads of the NBI run there, start to end, without a worker thread (issue 19). On
    PostgreSQL the event loop reads the catalogue's change count instead (:attr:`clock`), over
    one connection of the process' budget of ``connections``.
    """

    def __init__(self, url: str, *, connections: int = POOL_SIZE) -> None:
        self.url = url
        sqlite = make_url(url).get_backend_name() == "sqlite"
        self.engine = make_engine(url, connections=connections if sqlite else connections - 1)
        self.read_engine = make_engine(url, readonly=True) if sqlite else self.engine
        in_memory = sqlite and make_url(url).database in (None, "", ":memory:")
        #: whether short reads belong on the event loop: SQLite's are in-process calls;
        #: PostgreSQL's are network round trips, which the loop must not wait for
        self.reads_on_loop = sqlite
        single = sqlite and not in_memory
        self.loop_engine = (
            make_engine(url, readonly=True, single=True) if single else self.read_engine
        )
        #: PostgreSQL: the catalogue's change count, read on the event loop; else None
        self.clock = None if sqlite else ChangeClock(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._reads = sessionmaker(self.read_engine, expire_on_commit=False)
        self._loop_reads = sessionmaker(self.loop_engine, expire_on_commit=False)

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error.

        ``readonly`` sessions must not write (on SQLite they do not hold the write lock).

        A database that cannot be reached (or, on SQLite, stays locked past the busy
        timeout) becomes :class:`RetryableError`; nothing of the driver's message leaks.
        """
        with _transaction(self._reads if readonly else self._sessions) as session:
            yield session

    @contextmanager
    def loop_session(self) -> Iterator[Session]:
        """A read-only transaction on the event loop's own connection (errors as
        :meth:`session`). Only for short reads run by the event loop's thread, start to end
        with no ``await`` inside the block: the one connection is then never waited for, and
        no worker thread is involved. Reads only: it never takes SQLite's write lock."""
        with _transaction(self._loop_reads) as session:
            yield session

    def version(self, session: Session) -> Hashable | None:
        """What the database holds, as a value that changes whenever any connection (of any
        process) commits a change: equal values read in two read-only sessions mean both saw
        the same data. Must be the session's first statement. ``None`` when there is no such
        value (an in-memory SQLite database, whose one connection also writes).

        SQLite: ``PRAGMA data_version`` of the session's connection (a read-only one, which
        never writes), with that connection's identity (the counter is per connection); it
        starts the read transaction, so the session's queries see exactly that version.
        PostgreSQL: the statement's snapshot (``xmin:xmax:in-progress``): two equal snapshots
        see the same committed transactions; the session's later statements see that or newer
        data. The
        snapshot is the whole server's: a commit to another database changes it too (a value
        changes more often than needed, never less); where the event loop can read it, the
        catalogue's own change count (:attr:`clock`) is the finer version.
        """
        if self.engine.dialect.name == "sqlite":
            if self.loop_engine is self.read_engine:  # in memory
                return None
            connection = session.connection()
            identity = connection.connection.info.setdefault(_IDENTITY, object())
            return (identity, connection.exec_driver_sql("PRAGMA data_version").scalar())
        return session.connection().exec_driver_sql(_PG_SNAPSHOT).scalar()

    def migrate(self) -> None:
        migrate(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
        self.loop_engine.dispose()


_IDENTITY = "locus.loop_identity"  # connection info: this connection's own object
_PG_SNAPSHOT = "SELECT txid_current_snapshot()::text"


@contextmanager
def _transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    try:
        with factory() as session, session.begin():
            yield session
    except OperationalError as exc:
        log.warning("catalogue database unavailable: %s", type(exc.orig).__name__)
        raise RetryableError("the catalogue database is unavailable; retry later", 5.0) from exc
    except DataError as exc:  # input that passed validation but the backend refuses
        log.warning("catalogue refused a value: %s", type(exc.orig).__name__)
        raise ValidationError(
            "a value cannot be stored (too long, or contains a NUL character)",
            [Issue("", "unstorable-value", "the database refused a value of the request")],
        ) from exc

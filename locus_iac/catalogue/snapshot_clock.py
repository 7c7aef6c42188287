"""PostgreSQL's snapshot, read on the event loop: the version of the NBI's hot reads (issue 19).

On PostgreSQL a hot read (a package get, a plain list page) is answered from the answer cache
when the database is unchanged since the answer was built; finding that out took a worker
thread, a pooled connection (its ``pool_pre_ping``), ``BEGIN``, the snapshot and ``COMMIT``:
four round trips and a thread hop per request. :class:`SnapshotClock` reads the snapshot
(``txid_current_snapshot()``, :meth:`~locus_iac.catalogue.Database.version`) on the event loop
instead, over one psycopg ``AsyncConnection`` in autocommit mode: one round trip, no thread.

* Read-your-writes: :meth:`SnapshotClock.after_now` answers the snapshot of a query that
  *started after the call*, so a write a client saw committed is in the snapshot of its next
  read.
* Coalesced: callers arriving while a query is in flight share the *next* query (never the
  one in flight, which may have started before their call); at most one query runs at a time.
* Never in the way: the connection opens on first use and reopens on the next call after it
  is lost; a failed or slow query answers ``None`` (the caller then reads as it would without
  the clock), logged by type only (the URL and password never appear).

One connection per event loop (a serving process has one; a test app may run lifespans on
several loops): :meth:`SnapshotClock.aclose` closes the calling loop's one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Any

import psycopg
from sqlalchemy import Engine

log = logging.getLogger(__name__)

QUERY = "SELECT txid_current_snapshot()::text"
"""The same statement as :meth:`~locus_iac.catalogue.Database.version`: equal strings mean
the same committed data."""
TIMEOUT = 2.0
"""Seconds a connect plus query may take before the callers give up (and read without it)."""


class SnapshotClock:
    """The snapshot of a query started after each call (see the module docstring)."""

    def __init__(self, engine: Engine, *, timeout: float = TIMEOUT) -> None:
        args, params = engine.dialect.create_connect_args(engine.url)
        self._connect_args: tuple[list[Any], dict[str, Any]] = (list(args), dict(params))
        self._timeout = timeout
        self._tickers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Ticker] = (
            weakref.WeakKeyDictionary()
        )

    async def after_now(self) -> str | None:
        """The snapshot of a query that started after this call, or ``None`` when the clock
        cannot read it now."""
        return await self._ticker().after_now()

    async def aclose(self) -> None:
        """Close this event loop's connection (app shutdown)."""
        ticker = self._tickers.pop(asyncio.get_running_loop(), None)
        if ticker is not None:
            await ticker.aclose()

    def _ticker(self) -> _Ticker:
        loop = asyncio.get_running_loop()
        ticker = self._tickers.get(loop)
        if ticker is None:
            ticker = self._tickers[loop] = _Ticker(self._connect_args, self._timeout)
        return ticker

    @property
    def backend_pids(self) -> list[int]:
        """The server process of each open connection (tests, diagnostics)."""
        return [t.backend_pid for t in self._tickers.values() if t.backend_pid is not None]


class _Ticker:
    """One event loop's connection and the query its callers wait for."""

    def __init__(self, connect_args: tuple[list[Any], dict[str, Any]], timeout: float) -> None:
        self._args, self._params = connect_args
        self._timeout = timeout
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._next: asyncio.Future[str | None] | None = None  # the query not yet started
        self._runner: asyncio.Task[None] | None = None
        self.queries = 0  # queries sent (tests)

    @property
    def backend_pid(self) -> int | None:
        connection = self._connection
        return None if connection is None or connection.closed else connection.info.backend_pid

    async def after_now(self) -> str | None:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waited = self._next
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await asyncio.shield(waited)  # one caller cancelled: the others still wait

    async def _run(self) -> None:
        """Answer the next query's callers, query after query, while callers arrive."""
        while self._next is not None:
            answered, self._next = self._next, None  # later callers: the query after this
            value: str | None = None
            try:
                value = await self._read()
            finally:  # cancelled (shutdown) too: no caller is left waiting
                if not answered.done():
                    answered.set_result(value)

    async def _read(self) -> str | None:
        try:
            async with asyncio.timeout(self._timeout):
                connection = self._connection
                if connection is None or connection.closed:
                    connection = self._connection = await psycopg.AsyncConnection.connect(
                        *self._args, **self._params, autocommit=True
                    )
                self.queries += 1
                cursor = await connection.execute(QUERY)
                row = await cursor.fetchone()
                return None if row is None else str(row[0])
        except (psycopg.Error, OSError, TimeoutError) as exc:
            log.warning("snapshot clock unavailable (reads go without it): %s", type(exc).__name__)
            await self._drop()
            return None

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except (psycopg.Error, OSError):
                log.debug("snapshot clock: closing a lost connection failed", exc_info=False)

    async def aclose(self) -> None:
        runner = self._runner
        if runner is not None and not runner.done():
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        if self._next is not None and not self._next.done():
            self._next.set_result(None)
        self._next = None
        await self._drop()

"""The catalogue's count of committed changes, read on the event loop: the version of the
NBI's hot reads on PostgreSQL (issue 19).

On PostgreSQL a hot read (a package get, a plain list page) is answered from the answer cache
when the catalogue is unchanged since the answer was built; finding that out took a worker
thread, a pooled connection (its ``pool_pre_ping``), ``BEGIN``, a query and ``COMMIT``: four
round trips and a thread hop per request. :class:`ChangeClock` answers on the event loop
instead, over one psycopg ``AsyncConnection`` in autocommit mode listening
on ``locus_catalogue``: every table of the catalogue notifies that channel on each write
(migration ``0008_change_notices``), and PostgreSQL delivers a transaction's notice when it
commits. The version is this connection and the number of notices it has received
(:class:`ChangeCount`). It moves only when this catalogue changes: the server's snapshot, the
version used before, moved with every commit to any database of the server (2-6 times a
second with another database busy), and each move dropped every kept answer.

* Read-your-writes: :meth:`ChangeClock.after_now` answers after a round trip that *started
  after the call*. The server sends a listener the notices of every transaction committed
  before it answers a query (before its ``ReadyForQuery``), and psycopg counts them before the
  query returns, so a write a client saw committed is in the count of its next read.
* Coalesced: callers arriving while a round trip is in flight share the *next* one (never the
  one in flight, which may have started before their call); at most one runs at a time.
* Never in the way: the connection opens on first use and reopens on the next call after it
  is lost (with a new identity: notices sent meanwhile were missed); a failed or slow round trip
  answers ``None`` (the caller then reads as it would without the clock), logged by type only
  (the URL and password never appear).

One connection per event loop (a serving process has one; a test app may run lifespans on
several loops): :meth:`ChangeClock.aclose` closes the calling loop's one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import weakref
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Engine

log = logging.getLogger(__name__)

CHANNEL = "locus_catalogue"
"""Where the catalogue's tables notify each committed write (migration 0008)."""
TIMEOUT = 2.0
"""Seconds a connect plus round trip may take before the callers give up (and read without
it)."""
IDLE_ROUND_TRIP = 10.0
"""Seconds without a round trip after which the clock makes one anyway: the server sends an
idle listener its notices at once, and one that never reads leaves them to pile up in its
socket; once that is full the server stops reading its notice queue, which then cannot be
trimmed for anyone."""
_CONNECTIONS = itertools.count(1)  # each clock connection's identity in this process


@dataclass(frozen=True)
class ChangeCount:
    """The catalogue's version as one clock connection saw it: equal values mean no change
    was committed between them. ``connection`` tells the connections of this process apart
    (one that was lost missed the notices sent meanwhile)."""

    connection: int
    changes: int


class ChangeClock:
    """The catalogue's change count after a round trip started after each call (see the
    module docstring)."""

    def __init__(
        self, engine: Engine, *, timeout: float = TIMEOUT, idle_round_trip: float = IDLE_ROUND_TRIP
    ) -> None:
        args, params = engine.dialect.create_connect_args(engine.url)
        self._connect_args: tuple[list[Any], dict[str, Any]] = (list(args), dict(params))
        self._timeout = timeout
        self._idle_round_trip = idle_round_trip
        self._tickers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Ticker] = (
            weakref.WeakKeyDictionary()
        )

    async def after_now(self) -> ChangeCount | None:
        """The change count after a round trip that started after this call, or ``None``
        when the clock cannot read it now."""
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
            ticker = self._tickers[loop] = _Ticker(
                self._connect_args, self._timeout, self._idle_round_trip
            )
        return ticker

    @property
    def backend_pids(self) -> list[int]:
        """The server process of each open connection (tests, diagnostics)."""
        return [t.backend_pid for t in self._tickers.values() if t.backend_pid is not None]

    @property
    def round_trips(self) -> int:
        """Round trips made so far, callers' and idle ones (tests, diagnostics)."""
        return sum(t.queries for t in self._tickers.values())


class _Ticker:
    """One event loop's listening connection, its count, and the round trip its callers wait
    for."""

    def __init__(
        self, connect_args: tuple[list[Any], dict[str, Any]], timeout: float, idle: float
    ) -> None:
        self._args, self._params = connect_args
        self._timeout = timeout
        self._idle = idle
        self._last_trip = 0.0  # time.monotonic() of the last answered round trip
        self._timer: asyncio.TimerHandle | None = None  # the idle round trip's check
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._count = ChangeCount(0, 0)
        self._next: asyncio.Future[ChangeCount | None] | None = None  # not yet started
        self._runner: asyncio.Task[None] | None = None
        self.queries = 0  # round trips sent (tests)

    @property
    def backend_pid(self) -> int | None:
        connection = self._connection
        return None if connection is None or connection.closed else connection.info.backend_pid

    async def after_now(self) -> ChangeCount | None:
        return await asyncio.shield(self._start())  # one caller cancelled: the others wait

    def _start(self) -> asyncio.Future[ChangeCount | None]:
        """The next round trip's answer (started now, or after the one in flight)."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waited = self._next
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return waited

    def _check_idle(self) -> None:
        """Make a round trip when none was made for ``idle`` seconds (see IDLE_ROUND_TRIP);
        checks again while the connection is open."""
        self._timer = None
        if self._connection is None or self._connection.closed:
            return  # the next connection checks again
        idle = time.monotonic() - self._last_trip
        if idle >= self._idle:
            self._start()
            idle = 0.0
        self._timer = asyncio.get_running_loop().call_later(self._idle - idle, self._check_idle)

    async def _run(self) -> None:
        """Answer the next round trip's callers, one after another, while callers arrive."""
        while self._next is not None:
            answered, self._next = self._next, None  # later callers: the round trip after
            value: ChangeCount | None = None
            try:
                value = await self._read()
            finally:  # cancelled (shutdown) too: no caller is left waiting
                if not answered.done():
                    answered.set_result(value)

    async def _read(self) -> ChangeCount | None:
        try:
            async with asyncio.timeout(self._timeout):
                connection = self._connection
                if connection is None or connection.closed:
                    connection = self._connection = await self._listen()
                self.queries += 1
                await connection.execute("SELECT 1")  # the notices committed before come first
                self._last_trip = time.monotonic()
                return self._count
        except (psycopg.Error, OSError, TimeoutError) as exc:
            log.warning("change clock unavailable (reads go without it): %s", type(exc).__name__)
            await self._drop()
            return None

    async def _listen(self) -> psycopg.AsyncConnection[Any]:
        """A new connection listening on :data:`CHANNEL`, counting from zero under a new
        identity."""
        connection = await psycopg.AsyncConnection.connect(
            *self._args, **self._params, autocommit=True
        )
        identity = next(_CONNECTIONS)

        def counted(_notice: psycopg.Notify) -> None:
            if self._count.connection == identity:
                self._count = ChangeCount(identity, self._count.changes + 1)

        self._count = ChangeCount(identity, 0)
        connection.add_notify_handler(counted)
        if self._timer is not None:  # the lost connection's
            self._timer.cancel()
        try:
            await connection.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            await connection.close()
            raise
        self._last_trip = time.monotonic()
        self._timer = asyncio.get_running_loop().call_later(self._idle, self._check_idle)
        return connection

    async def _drop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except (psycopg.Error, OSError):
                log.debug("change clock: closing a lost connection failed", exc_info=False)

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

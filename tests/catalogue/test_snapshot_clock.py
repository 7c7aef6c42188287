"""The snapshot clock (PostgreSQL's version read on the event loop): each answer comes from a
query started after the call, callers share the next query, a lost connection reopens, and
nothing of the URL is logged."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from locus_iac.catalogue import Database
from locus_iac.catalogue.snapshot_clock import SnapshotClock

PG_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


class _Gated:
    """A real clock connection whose answers wait, once the server has answered, for a gate."""

    def __init__(self, real: psycopg.AsyncConnection[Any], gate: asyncio.Event) -> None:
        self.real, self.gate, self.executed = real, gate, 0

    @property
    def closed(self) -> bool:
        return self.real.closed

    @property
    def info(self) -> Any:
        return self.real.info

    async def execute(self, query: str) -> Any:
        cursor = await self.real.execute(query)
        self.executed += 1
        await self.gate.wait()
        return cursor

    async def close(self) -> None:
        await self.real.close()


def _commit_a_write(db: Database) -> None:
    with db.session() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS clock_probe (x INTEGER)"))
        session.execute(text("INSERT INTO clock_probe VALUES (1)"))


@PG_ONLY
def test_callers_during_a_query_share_the_next_one(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = asyncio.Event()
    gated: list[_Gated] = []
    connect = psycopg.AsyncConnection.connect

    async def gated_connect(*args: Any, **kwargs: Any) -> _Gated:
        gated.append(_Gated(await connect(*args, **kwargs), gate))
        return gated[-1]

    monkeypatch.setattr(psycopg.AsyncConnection, "connect", gated_connect)

    async def scenario() -> tuple[str | None, str | None, str | None]:
        clock = SnapshotClock(db.engine)
        try:
            first = asyncio.create_task(clock.after_now())
            while not gated or gated[0].executed < 1:  # the server answered; held here
                await asyncio.sleep(0.01)
            late = [asyncio.create_task(clock.after_now()) for _ in range(2)]
            await asyncio.sleep(0.05)
            assert not first.done() and gated[0].executed == 1  # one query at a time
            await asyncio.to_thread(_commit_a_write, db)  # after the in-flight query
            gate.set()
            values = await asyncio.gather(first, *late)
            assert gated[0].executed == 2  # the late callers shared one query
            return values[0], values[1], values[2]
        finally:
            await clock.aclose()

    first, second, third = asyncio.run(scenario())
    assert first is not None and second is not None
    assert second == third  # the same query
    assert second != first  # ... started after their call: the commit is in it


@PG_ONLY
def test_each_answer_sees_every_commit_before_the_call(db: Database) -> None:
    """Read-your-writes: a commit (on another connection, as another process makes it) is in
    the snapshot of every later call, time after time."""

    async def scenario() -> None:
        clock = SnapshotClock(db.engine)
        try:
            before = await clock.after_now()
            for _ in range(10):
                assert await clock.after_now() is not None
                await asyncio.to_thread(_commit_a_write, db)
                now = await clock.after_now()
                assert now is not None and now != before
                before = now
        finally:
            await clock.aclose()

    asyncio.run(scenario())


@PG_ONLY
def test_a_killed_connection_answers_none_then_reopens(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        clock = SnapshotClock(db.engine)
        try:
            assert await clock.after_now() is not None
            (pid,) = clock.backend_pids
            with db.session() as session:
                session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await asyncio.sleep(0.2)
            assert await clock.after_now() is None  # the read goes on without the clock
            assert await clock.after_now() is not None  # reopened
            assert clock.backend_pids and clock.backend_pids != [pid]
        finally:
            await clock.aclose()
        assert clock.backend_pids == []

    with caplog.at_level(logging.DEBUG, logger="locus_iac.catalogue.snapshot_clock"):
        asyncio.run(scenario())
    assert "snapshot clock unavailable" in caplog.text
    password = db.engine.url.password
    assert password and password not in caplog.text


def test_an_unreachable_server_answers_none_and_logs_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = Database("postgresql+psycopg://clockuser:s3cret-of-clock@127.0.0.1:1/none")
    clock = db.clock
    assert clock is not None

    async def scenario() -> list[str | None]:
        try:
            return await asyncio.gather(*(clock.after_now() for _ in range(3)))
        finally:
            await clock.aclose()

    try:
        with caplog.at_level(logging.DEBUG):
            assert asyncio.run(scenario()) == [None, None, None]
    finally:
        db.dispose()
    assert "snapshot clock unavailable" in caplog.text
    for secret in ("s3cret-of-clock", "clockuser", "127.0.0.1:1"):
        assert secret not in caplog.text


def test_sqlite_has_no_clock(tmp_path: Any) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        assert db.clock is None
    finally:
        db.dispose()

"""The change clock (the catalogue's count of committed changes, read on the event loop on
PostgreSQL): each answer comes after a round trip started after the call, callers share the
next one, only this catalogue's commits move it, every table notifies, a lost connection
reopens, and nothing of the URL is logged."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import psycopg
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from locus_iac.catalogue import Database
from locus_iac.catalogue.change_clock import ChangeClock, ChangeCount

PG_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


class _Gated:
    """A real clock connection whose round trips wait, once the server has answered, for a
    gate."""

    def __init__(self, real: psycopg.AsyncConnection[Any], gate: asyncio.Event) -> None:
        self.real, self.gate, self.executed = real, gate, 0

    @property
    def closed(self) -> bool:
        return self.real.closed

    @property
    def info(self) -> Any:
        return self.real.info

    def add_notify_handler(self, handler: Any) -> None:
        self.real.add_notify_handler(handler)

    async def execute(self, query: str) -> Any:
        if query.startswith("LISTEN"):  # setting up, not a caller's round trip
            return await self.real.execute(query)
        cursor = await self.real.execute(query)
        self.executed += 1
        await self.gate.wait()
        return cursor

    async def close(self) -> None:
        await self.real.close()


def _commit_a_write(db: Database) -> None:
    """A committed change to the catalogue, as any connection of any process makes one."""
    with db.session() as session:
        session.execute(text("UPDATE projects SET name = name"))


def _run(db: Database, scenario: Any) -> Any:
    async def with_clock() -> Any:
        clock = ChangeClock(db.engine)
        try:
            return await scenario(clock)
        finally:
            await clock.aclose()

    return asyncio.run(with_clock())


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

    async def scenario() -> tuple[ChangeCount | None, ...]:
        clock = ChangeClock(db.engine)
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
    """Read-your-writes: a commit (on another connection, as another process makes it) is
    counted in every later call, time after time."""

    async def scenario() -> None:
        clock = ChangeClock(db.engine)
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
        clock = ChangeClock(db.engine)
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

    with caplog.at_level(logging.DEBUG, logger="locus_iac.catalogue.change_clock"):
        asyncio.run(scenario())
    assert "change clock unavailable" in caplog.text
    password = db.engine.url.password
    assert password and password not in caplog.text


def test_an_unreachable_server_answers_none_and_logs_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = Database("postgresql+psycopg://clockuser:s3cret-of-clock@127.0.0.1:1/none")
    clock = db.clock
    assert clock is not None

    async def scenario() -> list[ChangeCount | None]:
        try:
            return await asyncio.gather(*(clock.after_now() for _ in range(3)))
        finally:
            await clock.aclose()

    try:
        with caplog.at_level(logging.DEBUG):
            assert asyncio.run(scenario()) == [None, None, None]
    finally:
        db.dispose()
    assert "change clock unavailable" in caplog.text
    for secret in ("s3cret-of-clock", "clockuser", "127.0.0.1:1"):
        assert secret not in caplog.text


def test_sqlite_has_no_clock(tmp_path: Any) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        assert db.clock is None
    finally:
        db.dispose()


@PG_ONLY
def test_an_idle_clock_still_reads_its_notices(db: Database) -> None:
    """With no caller, the clock makes a round trip every ``idle_round_trip`` seconds, so the
    notices of a busy catalogue never pile up unread in its socket; they are counted."""

    async def scenario() -> None:
        clock = ChangeClock(db.engine, idle_round_trip=0.2)
        try:
            before = await clock.after_now()
            trips = clock.round_trips
            for _ in range(3):
                await asyncio.to_thread(_commit_a_write, db)
            await asyncio.sleep(1.0)
            assert clock.round_trips >= trips + 3  # idle ones: nobody called
            after = await clock.after_now()
            assert before is not None and after is not None
            assert after.changes == before.changes + 3
        finally:
            await clock.aclose()
        trips = clock.round_trips
        await asyncio.sleep(0.5)
        assert clock.round_trips == trips  # closed: no more idle round trips

    asyncio.run(scenario())


@PG_ONLY
def test_only_this_catalogues_commits_move_it(db: Database) -> None:
    """A commit to another database of the same server (which moves the server's snapshot, the
    version used before), a rolled-back write and a write outside the catalogue's tables leave
    the count as it was; a catalogue commit moves it once."""
    other_db = make_url(db.url).set(database="postgres")
    outsider = Database(other_db.render_as_string(hide_password=False))

    def elsewhere() -> None:
        with outsider.session() as session:  # another database, same server and role
            session.execute(text("CREATE TEMP TABLE elsewhere (x INTEGER)"))
            session.execute(text("INSERT INTO elsewhere VALUES (1)"))
        with db.session() as session:  # this database, a table that is not the catalogue's
            session.execute(text("CREATE TEMP TABLE scratch (x INTEGER)"))
            session.execute(text("INSERT INTO scratch VALUES (1)"))
        with pytest.raises(RuntimeError), db.session() as session:
            session.execute(text("UPDATE projects SET name = name"))
            raise RuntimeError("rolled back")

    def server_snapshot() -> str:
        with db.session(readonly=True) as session:
            return str(session.execute(text("SELECT txid_current_snapshot()::text")).scalar())

    async def scenario(clock: ChangeClock) -> None:
        before, snapshot = await clock.after_now(), server_snapshot()
        await asyncio.to_thread(elsewhere)
        assert server_snapshot() != snapshot  # the old version would have moved
        assert await clock.after_now() == before
        await asyncio.to_thread(_commit_a_write, db)
        after = await clock.after_now()
        assert before is not None and after == ChangeCount(before.connection, before.changes + 1)

    try:
        _run(db, scenario)
    finally:
        outsider.dispose()


@PG_ONLY
def test_every_catalogue_table_notifies_its_writes(db: Database) -> None:
    """A table added without the change trigger would serve stale kept answers after a write
    to it: every table of the migrated catalogue has it, and a write to each is counted."""
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    with db.session(readonly=True) as session:
        triggered = {
            row[0]
            for row in session.execute(
                text(
                    "SELECT DISTINCT event_object_table FROM information_schema.triggers "
                    "WHERE trigger_name = 'locus_catalogue_changed' "
                    "AND event_object_schema = current_schema()"
                )
            )
        }
    assert tables and triggered == tables

    def touch(table: str) -> None:
        with db.session() as session:
            session.execute(text(f"DELETE FROM {table} WHERE false"))  # a statement, no row

    async def scenario(clock: ChangeClock) -> None:
        for table in sorted(tables):
            before = await clock.after_now()
            await asyncio.to_thread(touch, table)
            after = await clock.after_now()
            assert before is not None and after is not None, table
            assert after.changes == before.changes + 1, table

    _run(db, scenario)

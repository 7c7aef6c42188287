"""Bearer tokens resolved once, reused for a moment (issue 19).

Resolving a token (:func:`locus_iac.catalogue.authenticate`: the token, its user, project and
membership in one query) was a database session and a worker-thread hop of every request,
on top of the route's own. Here a token's :class:`~locus_iac.catalogue.Caller` is kept for
at most ``ttl`` seconds, and never past the token's expiry, so the hot GETs of a client
resolve their token on the event loop without the database.

What a caller may do is still the catalogue's *current* answer:

* any write to tokens, users, projects or memberships committed by this process (a log-out,
  a revoked token, a changed role, a removed member, a deleted user) drops every kept
  caller at once (SQLAlchemy session events, :func:`_track`), and a resolution that raced
  with such a write is not kept;
* a write by another process (another ``locus serve`` worker, a script on the database)
  takes effect within ``ttl`` seconds.

Tokens are kept by their SHA-256 digest, never as text. Failures are never kept: an unknown
or expired token is looked up again on every request.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from starlette.concurrency import run_in_threadpool

from locus_iac.catalogue import Caller, Database, authenticate
from locus_iac.catalogue.models import MembershipRow, ProjectRow, TokenRow, UserRow, utcnow

_IDENTITY = (TokenRow, UserRow, ProjectRow, MembershipRow)
_TABLES = frozenset(cls.__tablename__ for cls in _IDENTITY)
_CHANGED = "locus.identity_changed"  # Session.info flag: an identity write awaits commit
DEFAULT_TTL = 2.0


class _Generation:
    """A counter bumped whenever an identity write of this process commits."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def bump(self) -> None:
        with self._lock:
            self.value += 1


GENERATION = _Generation()


@dataclass(frozen=True)
class _Resolution:
    """A token's resolution in flight: the identity generation it started at, its loop."""

    generation: int
    loop: asyncio.AbstractEventLoop
    task: asyncio.Task[Caller]


class CallerCache:
    """Callers by token digest, each for at most ``ttl`` seconds (see the module docstring)."""

    def __init__(self, ttl: float = DEFAULT_TTL, max_entries: int = 4096) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, tuple[Caller, int, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[bytes, _Resolution] = {}  # resolutions in flight, by token digest

    async def resolve(self, db: Database, token: str) -> Caller:
        """The caller of ``token``; the catalogue is asked (on a worker thread) on a miss.

        Requests that miss while the same token is being resolved on the same event loop, with
        no identity write committed since that resolution started, wait for it instead of
        asking again: when a kept caller expired under 50 clients of one token, each of them
        asked on a thread of its own, and the event loop stalled for 40-190 ms every ``ttl``."""
        key = hashlib.sha256(token.encode()).digest()
        found = self._get(key)
        if found is not None:
            return found
        generation = GENERATION.value  # read before the query: a write after it is seen
        loop = asyncio.get_running_loop()
        pending = self._pending.get(key)
        if pending is None or pending.generation != generation or pending.loop is not loop:
            pending = self._start(key, db, token, generation, loop)
        return await asyncio.shield(pending.task)  # a cancelled waiter leaves it to the others

    def _start(
        self,
        key: bytes,
        db: Database,
        token: str,
        generation: int,
        loop: asyncio.AbstractEventLoop,
    ) -> _Resolution:
        async def ask() -> Caller:
            who = await run_in_threadpool(_authenticate, db, token)
            self._put(key, who, generation)
            return who

        resolution = _Resolution(generation, loop, loop.create_task(ask()))
        self._pending[key] = resolution

        def done(task: asyncio.Task[Caller]) -> None:
            if self._pending.get(key) is resolution:
                del self._pending[key]
            if not task.cancelled():
                task.exception()  # retrieved: a failure reaches its waiters, not the loop's log

        resolution.task.add_done_callback(done)
        return resolution

    def _get(self, key: bytes) -> Caller | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        who, generation, until = entry
        if generation != GENERATION.value or time.monotonic() >= until or who.expires <= utcnow():
            with self._lock:
                self._entries.pop(key, None)
            return None
        return who

    def _put(self, key: bytes, who: Caller, generation: int) -> None:
        if generation != GENERATION.value:
            return  # an identity write committed meanwhile: the answer may be stale
        with self._lock:
            self._entries[key] = (who, generation, time.monotonic() + self.ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def _authenticate(db: Database, token: str) -> Caller:
    with db.session(readonly=True) as session:
        return authenticate(session, token)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush: UOWTransaction) -> None:
    del flush
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, _IDENTITY) for obj in changed):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table: Any = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _TABLES:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        GENERATION.bump()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_CHANGED, None)

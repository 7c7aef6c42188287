"""Requests that miss the caller cache together for one token share one resolution
(:meth:`locus_iac.nbi.callers.CallerCache.resolve`): 50 clients of one token made 50
resolutions on 50 worker threads each time the kept caller expired, and the event loop
stalled for up to 190 ms. An identity write committed meanwhile starts a new one."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from locus_iac.catalogue import Database
from locus_iac.nbi import callers


class _Slow:
    """A stand-in for the catalogue's lookup that holds each call until released."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = threading.Event()

    def __call__(self, db: Database, token: str) -> Any:
        self.calls += 1
        number = self.calls
        assert self.release.wait(10)
        if token == "unknown":
            raise LookupError("no such token")
        return f"caller-{number}"


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> _Slow:
    lookup = _Slow()
    monkeypatch.setattr(callers, "_authenticate", lookup)
    monkeypatch.setattr(callers.CallerCache, "_put", lambda *args: None)  # no expiry to fake
    return lookup


def _resolve_together(cache: callers.CallerCache, token: str, count: int, slow: _Slow) -> list[Any]:
    async def run() -> list[Any]:
        waiting = [asyncio.create_task(cache.resolve(None, token)) for _ in range(count)]  # type: ignore[arg-type]
        await asyncio.sleep(0.05)  # all of them are waiting now
        slow.release.set()
        return await asyncio.gather(*waiting, return_exceptions=True)

    return asyncio.run(run())


def test_concurrent_misses_of_one_token_share_one_resolution(slow: _Slow) -> None:
    answers = _resolve_together(callers.CallerCache(), "token-a", 50, slow)
    assert slow.calls == 1
    assert answers == ["caller-1"] * 50


def test_a_failure_reaches_every_waiter_and_is_not_kept(slow: _Slow) -> None:
    cache = callers.CallerCache()
    answers = _resolve_together(cache, "unknown", 5, slow)
    assert slow.calls == 1
    assert all(isinstance(a, LookupError) for a in answers)
    _resolve_together(cache, "unknown", 1, slow)
    assert slow.calls == 2  # asked again: failures are never kept


def test_an_identity_write_meanwhile_starts_a_new_resolution(slow: _Slow) -> None:
    cache = callers.CallerCache()

    async def run() -> list[Any]:
        first = asyncio.create_task(cache.resolve(None, "token-b"))  # type: ignore[arg-type]
        await asyncio.sleep(0.02)
        callers.GENERATION.bump()  # e.g. this process revoked a token meanwhile
        second = asyncio.create_task(cache.resolve(None, "token-b"))  # type: ignore[arg-type]
        await asyncio.sleep(0.02)
        slow.release.set()
        return list(await asyncio.gather(first, second))

    answers = asyncio.run(run())
    assert slow.calls == 2
    assert sorted(answers) == ["caller-1", "caller-2"]

"""The upload pool: a job is abandoned when its client leaves, and the pool is bounded."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from locus_iac.errors import RetryableError
from locus_iac.nbi.workers import UploadPool
from locus_iac.packages import DEFAULT_LIMITS
from locus_iac.packages._collect import StopReading
from locus_iac.packages.budget import current_budget


class FakeRequest:
    """What the pool asks of a request: whether its client is still there."""

    def __init__(self, leaves_after: int) -> None:
        self.polls = 0
        self.leaves_after = leaves_after

    async def is_disconnected(self) -> bool:
        self.polls += 1
        return self.polls > self.leaves_after


def _endless_read() -> str:
    """A read that only ends when its budget says so (as a hostile archive would)."""
    budget = current_budget(DEFAULT_LIMITS)
    while True:
        budget.check()
        time.sleep(0.01)


@pytest.mark.timeout(60)
def test_a_job_is_abandoned_when_its_client_leaves() -> None:
    pool = UploadPool(workers=1, queue=0, seconds=3600)
    request: Any = FakeRequest(leaves_after=2)
    try:
        with pytest.raises(StopReading) as stopped:
            asyncio.run(pool.run(request, _endless_read))
        assert stopped.value.issue.code == "read-cancelled"
        assert request.polls == 3
        assert pool.in_flight == 0
    finally:
        pool.shutdown()


@pytest.mark.timeout(60)
def test_a_job_runs_out_of_time() -> None:
    pool = UploadPool(workers=1, queue=0, seconds=0.5)
    request: Any = FakeRequest(leaves_after=10**9)
    try:
        with pytest.raises(StopReading) as stopped:
            asyncio.run(pool.run(request, _endless_read))
        assert stopped.value.issue.code == "read-time-exceeded"
    finally:
        pool.shutdown()


@pytest.mark.timeout(60)
def test_the_pool_refuses_more_than_its_capacity() -> None:
    pool = UploadPool(workers=1, queue=1, seconds=3600)
    release = threading.Event()
    request: Any = FakeRequest(leaves_after=10**9)

    async def scenario() -> list[object]:
        first = asyncio.create_task(pool.run(request, release.wait))
        second = asyncio.create_task(pool.run(request, release.wait))
        await asyncio.sleep(0.1)
        with pytest.raises(RetryableError):
            await pool.run(request, release.wait)
        release.set()
        return list(await asyncio.gather(first, second))

    try:
        assert asyncio.run(scenario()) == [True, True]
    finally:
        pool.shutdown()

"""A bounded pool that reads and onboards uploaded packages off the event loop.

Uploads never run on the event loop nor in the thread pool that serves the other
synchronous endpoints (log-in, lists): they get ``workers`` threads of their own, at most
``queue`` more wait for one (beyond that, 503 with ``Retry-After``), and each runs under a
:class:`~locus_iac.packages.budget.ReadBudget` of ``seconds``. While a job runs the request
watches its client: when the client leaves (or the request task is cancelled, or the
server shuts down) the budget is cancelled and the reader stops at its next check, so no
work outlives its purpose. A hostile upload therefore costs at most one worker for at most
``seconds``, and the rest of the API keeps answering.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fastapi import Request

from locus_iac.errors import RetryableError
from locus_iac.packages.budget import ReadBudget, reading_budget

log = logging.getLogger(__name__)

T = TypeVar("T")
_POLL = 0.25


class UploadPool:
    """``workers`` threads for uploads, ``queue`` waiting places, ``seconds`` per job."""

    def __init__(self, workers: int, queue: int, seconds: float) -> None:
        self.workers = workers
        self.capacity = workers + queue
        self.seconds = seconds
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="locus-upload")
        self._lock = threading.Lock()
        self._events: set[threading.Event] = set()

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._events)

    def _admit(self) -> threading.Event:
        with self._lock:
            if len(self._events) >= self.capacity:
                raise RetryableError(
                    f"{self.capacity} uploads are already being processed; retry later", 5.0
                )
            cancelled = threading.Event()
            self._events.add(cancelled)
            return cancelled

    def _release(self, cancelled: threading.Event) -> None:
        with self._lock:
            self._events.discard(cancelled)

    async def run(self, request: Request, job: Callable[[], T]) -> T:
        """Run ``job`` in the pool under a read budget; cancel it if the client leaves."""
        cancelled = self._admit()
        seconds = self.seconds

        def budgeted() -> T:
            with reading_budget(ReadBudget(seconds, cancelled)):  # the clock starts here
                return job()

        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, context.run, budgeted)
            return await self._watch(request, future, cancelled)
        finally:
            cancelled.set()  # a job still queued or running stops at its next check
            self._release(cancelled)

    def submit(self, job: Callable[[], object], seconds: float) -> None:
        """Run ``job`` in the pool in the background under a budget of ``seconds`` (the
        request that asked for it has been answered already; shutdown cancels it)."""
        cancelled = self._admit()

        def budgeted() -> None:
            try:
                with reading_budget(ReadBudget(seconds, cancelled)):
                    job()
            except Exception:  # the job records its own failures; this is a last resort
                log.exception("a background upload failed")
            finally:
                self._release(cancelled)

        try:
            self._executor.submit(contextvars.copy_context().run, budgeted)
        except RuntimeError:  # shutting down
            self._release(cancelled)
            raise RetryableError("the server is shutting down; retry later", 5.0) from None

    async def _watch(
        self, request: Request, future: asyncio.Future[T], cancelled: threading.Event
    ) -> T:
        try:
            while True:
                done, _ = await asyncio.wait({future}, timeout=_POLL)
                if done:
                    return future.result()
                if not cancelled.is_set() and await request.is_disconnected():
                    log.info("client left during an upload; its processing is abandoned")
                    cancelled.set()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    def shutdown(self) -> None:
        """Cancel every job and stop the threads (jobs end at their next budget check)."""
        with self._lock:
            for event in self._events:
                event.set()
        self._executor.shutdown(wait=False, cancel_futures=True)


def upload_pool(request: Request) -> UploadPool:
    """The application's pool (made by :func:`locus_iac.nbi.app.create_app`)."""
    pool = request.app.state.uploads
    assert isinstance(pool, UploadPool)
    return pool

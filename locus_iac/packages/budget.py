"""Wall-time budget and cancellation of one package read.

Every loop of the archive readers calls :meth:`ReadBudget.check`, so a read stops when its
time is up (``read-time-exceeded``) or when the party that asked for it has gone away
(``read-cancelled``: the NBI sets the event when the client disconnects or the server shuts
down). The budget travels in a context variable, so a caller scopes it around any call that
reads packages (``with reading_budget(budget): ...``) without threading it through every
signature; a read without a scoped budget gets a fresh one of ``limits.max_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from locus_iac.errors import Issue
from locus_iac.packages._collect import StopReading
from locus_iac.packages.limits import PackageLimits

_YIELD_EVERY = 0.005  # seconds


class ReadBudget:
    """A deadline (monotonic clock) and an optional cancellation event."""

    def __init__(self, seconds: float, cancelled: threading.Event | None = None) -> None:
        if not seconds > 0:
            raise ValueError("a read budget needs a positive number of seconds")
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.cancelled = cancelled or threading.Event()
        self._yielded = time.monotonic()

    def cancel(self) -> None:
        self.cancelled.set()

    def check(self) -> None:
        """Raise :class:`StopReading` when the read must stop.

        Every few milliseconds a check also yields the GIL (``sleep(0)``), so a reader busy
        with a hostile archive in a worker thread does not hold up the server's event loop.
        """
        now = time.monotonic()
        if now - self._yielded > _YIELD_EVERY:
            time.sleep(0)
            self._yielded = now
        if self.cancelled.is_set():
            raise StopReading(
                Issue("/archive", "read-cancelled", "reading was abandoned (the caller left)")
            )
        if now > self.deadline:
            raise StopReading(
                Issue(
                    "/archive",
                    "read-time-exceeded",
                    f"reading took longer than {self.seconds:g} s; the package is refused",
                )
            )


_current: ContextVar[ReadBudget | None] = ContextVar("locus_read_budget", default=None)


@contextmanager
def reading_budget(budget: ReadBudget) -> Iterator[ReadBudget]:
    """Make ``budget`` govern every package read in this context."""
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current_budget(limits: PackageLimits) -> ReadBudget:
    """The scoped budget, or a fresh one of ``limits.max_seconds``."""
    return _current.get() or ReadBudget(limits.max_seconds)

"""Which process of ``locus serve --workers N`` runs what must run once.

With ``--workers N`` (N > 1) uvicorn binds the listening socket once in a parent process and
spawns N child processes that all serve HTTP on it (``locus serve`` sets ``LOCUS_SERVE_WORKERS``
and a fresh ``LOCUS_SERVE_RUN`` id for them). Every child builds the whole app, but exactly
one of them, the *owner*, runs what must be single: the LCM recovery and the worker
supervisor (:class:`locus_iac.lcm.service.LcmService`), the monitoring outbox drain and the
notifications drain. The owner is the process that holds an exclusive ``flock`` on
``serve-owner.lock`` in the data dir. The kernel releases it when its holder dies (even by
``kill -9``), and every other child tries to take it every ``retry`` seconds, so the role moves
to a surviving process; uvicorn's parent restarts the dead child, which then serves HTTP.

Request handlers never launch workers themselves: an accepted operation is a queue row, which
the owner's supervisor picks up at its next look (``LOCUS_LCM_POLL``, 0.5 s by default; a
non-owner's wake-up call reaches only its own process). Notifications and monitoring events
are outbox rows drained the same way (``LOCUS_NOTIFY_INTERVAL``, the monitoring
``drain_interval``). Nothing is lost; a non-owner only adds that delay.

Start-up (migrations, user ``admin``, the secret key) runs under a second lock,
``serve-start.lock``, one child after the other. Returning interrupted uploads to CREATED runs
once per ``locus serve`` run, in the first owner: a later owner (after a takeover) must not
touch uploads that live processes are receiving.

With one worker (the default) there is no lock: the one process is the owner, as before.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

OWNER_LOCK = "serve-owner.lock"
START_LOCK = "serve-start.lock"


def serve_workers() -> int:
    """How many serving processes ``locus serve`` started (``LOCUS_SERVE_WORKERS``, 1)."""
    try:
        return max(1, int(os.environ.get("LOCUS_SERVE_WORKERS", "1")))
    except ValueError:
        return 1


@contextlib.contextmanager
def start_lock(data_dir: Path) -> Iterator[None]:
    """One serving process at a time starts up (several when ``--workers`` > 1)."""
    if serve_workers() == 1:
        yield
        return
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(data_dir / START_LOCK, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class OwnerRole:
    """Holds (or waits for) the owner lock; runs ``start`` once this process owns it."""

    def __init__(self, data_dir: Path | None, retry: float = 1.0) -> None:
        self._path = data_dir / OWNER_LOCK if data_dir is not None else None
        self._retry = retry
        self._handle: IO[bytes] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.first = False  # the first owner of this locus serve run

    @classmethod
    def from_env(cls, data_dir: Path) -> OwnerRole:
        return cls(data_dir if serve_workers() > 1 else None)

    @property
    def owned(self) -> bool:
        return self._path is None or self._handle is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this process is (now) the owner."""
        if self.owned:
            self.first = self.first or self._path is None
            return True
        assert self._path is not None
        handle = open(self._path, "a+b")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        run = os.environ.get("LOCUS_SERVE_RUN", "").encode()
        handle.seek(0)
        self.first = handle.read() != run
        handle.seek(0)
        handle.truncate()
        handle.write(run)
        handle.flush()
        self._handle = handle
        log.info("process %d now runs the LCM and the drains", os.getpid())
        return True

    def start(self, duties: Callable[[], None]) -> None:
        """Run ``duties`` now if this process owns the role, else once it takes it over."""
        if self.try_acquire():
            duties()
            return
        self._thread = threading.Thread(
            target=self._wait, args=(duties,), name="serve-owner", daemon=True
        )
        self._thread.start()

    def _wait(self, duties: Callable[[], None]) -> None:
        while not self._stop.wait(self._retry):
            if self.try_acquire():
                if not self._stop.is_set():
                    duties()
                return

    def stop(self) -> None:
        """Stop waiting; the caller stops the duties, then :meth:`release`."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

"""The background thread that drains one lane of the outbox (:mod:`.outbox`).

``locus serve`` runs one per consumer (monitoring, notifications): the thread calls a pass
every ``interval`` seconds, or at once when :meth:`DrainLoop.wake` is called (a state change
was just committed). A pass that raises is reported and the loop goes on: a bug or a database
outage must not end the thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class DrainLoop:
    """Runs ``drain`` in a daemon thread named ``name`` until :meth:`stop`."""

    def __init__(
        self,
        name: str,
        drain: Callable[[], object],
        on_error: Callable[[Exception], None],
        interval: float,
    ) -> None:
        self._name, self._drain, self._on_error = name, drain, on_error
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._drain()
            except Exception as exc:  # reported; the next pass may succeed
                self._on_error(exc)
            self._wake.wait(self._interval)
            self._wake.clear()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

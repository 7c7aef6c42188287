"""Log-in throttling per user name and per client address.

After ``failures`` wrong passwords for one user name (or ``failures * 4`` from one address,
whatever the names tried), further log-ins for it are refused with 429 and a
``Retry-After`` for a lock-out that doubles with every further failure (from ``base``
seconds up to ``ceiling``), *without checking the password*: a guesser learns nothing while
locked out, and the right password does not unlock it early. A successful log-in clears the
user's record. Failures older than ``window`` are forgotten. State lives in this process
(one ``locus serve``); the number of records is bounded, the oldest dropped first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import Request

from locus_iac.nbi.problems import HttpProblem


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class LoginThrottle:
    """Counts failed log-ins by user name and by address; refuses while locked out."""

    def __init__(
        self,
        failures: int = 5,
        *,
        base: float = 30.0,
        ceiling: float = 900.0,
        window: float = 900.0,
        max_records: int = 10_000,
    ) -> None:
        self.failures = failures
        self.base = base
        self.ceiling = ceiling
        self.window = window
        self.max_records = max_records
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def _keys(self, username: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(f"user:{username}", self.failures)]
        if address:
            keys.append((f"addr:{address}", self.failures * 4))
        return keys

    def check(self, username: str, address: str | None) -> None:
        """Raise a 429 problem when this user name or address is locked out."""
        now = time.monotonic()
        with self._lock:
            wait = max(
                (
                    r.locked_until - now
                    for k, _ in self._keys(username, address)
                    if (r := self._records.get(k)) is not None
                ),
                default=0.0,
            )
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise HttpProblem(
                429,
                "Too Many Requests",
                f"too many failed log-ins; try again in {retry} s",
                headers={"Retry-After": str(retry)},
            )

    def failed(self, username: str, address: str | None) -> None:
        now = time.monotonic()
        with self._lock:
            for key, allowed in self._keys(username, address):
                record = self._records.pop(key, None) or _Record()
                if now - record.last > self.window:
                    record.failures = 0
                record.failures += 1
                record.last = now
                over = record.failures - allowed
                if over >= 0:
                    record.locked_until = now + min(self.ceiling, self.base * 2 ** min(over, 20))
                self._records[key] = record
            while len(self._records) > self.max_records:
                self._records.popitem(last=False)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._records.pop(f"user:{username}", None)


def login_throttle(request: Request) -> LoginThrottle:
    """The application's throttle (made by :func:`locus_iac.nbi.app.create_app`)."""
    throttle = request.app.state.login_throttle
    assert isinstance(throttle, LoginThrottle)
    return throttle

"""Log-in throttling per user name and per client address.

After ``failures`` wrong passwords for one user name (or ``failures * 4`` from one address,
whatever the names tried), further log-ins for it are refused with 429 and a
``Retry-After`` for a lock-out that doubles with every further failure (from ``base``
seconds up to ``ceiling``), *without checking the password*: a guesser learns nothing while
locked out, and the right password does not unlock it early. A successful log-in clears the
user's record. Failures older than ``window`` are forgotten. The number of records is
bounded, the oldest dropped first.

With one serving process the records live in its memory (:class:`MemoryRecords`). With
``locus serve --workers N`` they live in ``login-throttle.sqlite`` in the data dir
(:class:`SharedRecords`, one transaction per change), so that N processes do not give a
guesser N times the attempts.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fastapi import Request

from locus_iac.nbi.problems import HttpProblem

SHARED_FILE = "login-throttle.sqlite"


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0


Change = Callable[[str, _Record], None]


class Records(Protocol):
    """Where the throttle keeps its records, and its clock."""

    def now(self) -> float: ...

    def read(self, keys: list[str]) -> list[_Record]: ...

    def change(self, keys: list[str], change: Change) -> None: ...

    def drop(self, key: str) -> None: ...


class MemoryRecords:
    """The records of one process."""

    def __init__(self, max_records: int = 10_000) -> None:
        self.max_records = max_records
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic()

    def read(self, keys: list[str]) -> list[_Record]:
        with self._lock:
            return [r for k in keys if (r := self._records.get(k)) is not None]

    def change(self, keys: list[str], change: Change) -> None:
        with self._lock:
            for key in keys:
                record = self._records.pop(key, None) or _Record()
                change(key, record)
                self._records[key] = record
            while len(self._records) > self.max_records:
                self._records.popitem(last=False)

    def drop(self, key: str) -> None:
        with self._lock:
            self._records.pop(key, None)


class SharedRecords:
    """The records of every serving process, in a SQLite file (wall-clock times)."""

    def __init__(self, path: Path, max_records: int = 10_000) -> None:
        self.max_records = max_records
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, failures INTEGER "
            "NOT NULL, last REAL NOT NULL, locked_until REAL NOT NULL)"
        )

    def now(self) -> float:
        return time.time()

    def _get(self, key: str) -> _Record | None:
        row = self._conn.execute(
            "SELECT failures, last, locked_until FROM records WHERE key = ?", (key,)
        ).fetchone()
        return _Record(*row) if row is not None else None

    def read(self, keys: list[str]) -> list[_Record]:
        with self._lock:
            return [r for k in keys if (r := self._get(k)) is not None]

    def change(self, keys: list[str], change: Change) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")  # read-modify-write, one process at a time
            try:
                for key in keys:
                    record = self._get(key) or _Record()
                    change(key, record)
                    self._conn.execute(
                        "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)",
                        (key, record.failures, record.last, record.locked_until),
                    )
                self._conn.execute(
                    "DELETE FROM records WHERE key NOT IN "
                    "(SELECT key FROM records ORDER BY last DESC LIMIT ?)",
                    (self.max_records,),
                )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def drop(self, key: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM records WHERE key = ?", (key,))

    def close(self) -> None:
        self._conn.close()


class LoginThrottle:
    """Counts failed log-ins by user name and by address; refuses while locked out."""

    def __init__(
        self,
        failures: int = 5,
        *,
        base: float = 30.0,
        ceiling: float = 900.0,
        window: float = 900.0,
        records: Records | None = None,
    ) -> None:
        self.failures = failures
        self.base = base
        self.ceiling = ceiling
        self.window = window
        self.records: Records = records if records is not None else MemoryRecords()

    def _keys(self, username: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(f"user:{username}", self.failures)]
        if address:
            keys.append((f"addr:{address}", self.failures * 4))
        return keys

    def check(self, username: str, address: str | None) -> None:
        """Raise a 429 problem when this user name or address is locked out."""
        now = self.records.now()
        found = self.records.read([k for k, _ in self._keys(username, address)])
        wait = max((r.locked_until - now for r in found), default=0.0)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise HttpProblem(
                429,
                "Too Many Requests",
                f"too many failed log-ins; try again in {retry} s",
                headers={"Retry-After": str(retry)},
            )

    def failed(self, username: str, address: str | None) -> None:
        now = self.records.now()
        allowed = dict(self._keys(username, address))

        def count(key: str, record: _Record) -> None:
            if now - record.last > self.window:
                record.failures = 0
            record.failures += 1
            record.last = now
            over = record.failures - allowed[key]
            if over >= 0:
                record.locked_until = now + min(self.ceiling, self.base * 2 ** min(over, 20))

        self.records.change(list(allowed), count)

    def succeeded(self, username: str) -> None:
        self.records.drop(f"user:{username}")


def login_throttle(request: Request) -> LoginThrottle:
    """The application's throttle (made by :func:`locus_iac.nbi.app.create_app`)."""
    throttle = request.app.state.login_throttle
    assert isinstance(throttle, LoginThrottle)
    return throttle

"""The log-in throttle of ``locus serve --workers N``: its records are shared by the serving
processes (a SQLite file in the data dir), so N processes do not give a guesser N times the
attempts; one process keeps them in memory (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from locus_iac.nbi.problems import HttpProblem
from locus_iac.nbi.throttle import SHARED_FILE, LoginThrottle, SharedRecords


def _pair(tmp_path: Path) -> tuple[LoginThrottle, LoginThrottle]:
    """Two throttles on one file: what two serving processes have."""
    path = tmp_path / SHARED_FILE
    return (
        LoginThrottle(3, records=SharedRecords(path)),
        LoginThrottle(3, records=SharedRecords(path)),
    )


def _locked(throttle: LoginThrottle, user: str, address: str | None = None) -> int | None:
    """The Retry-After of a refused check, or None when the log-in may go on."""
    try:
        throttle.check(user, address)
    except HttpProblem as problem:
        assert problem.status == 429
        return int(problem.headers["Retry-After"])
    return None


def test_failures_in_two_processes_add_up(tmp_path: Path) -> None:
    first, second = _pair(tmp_path)
    first.failed("alice", "10.0.0.1")
    second.failed("alice", "10.0.0.2")
    assert _locked(first, "alice") is None and _locked(second, "alice") is None
    first.failed("alice", "10.0.0.3")  # the third, whichever process counted the others
    assert _locked(second, "alice") == 30 and _locked(first, "alice") == 30
    assert _locked(second, "bob") is None


def test_a_success_in_one_process_clears_the_user_for_all(tmp_path: Path) -> None:
    first, second = _pair(tmp_path)
    first.failed("carol", None)
    first.failed("carol", None)
    second.succeeded("carol")
    first.failed("carol", None)
    assert _locked(second, "carol") is None  # one failure since the success, not three


def test_the_address_limit_is_shared_too(tmp_path: Path) -> None:
    first, second = _pair(tmp_path)
    for n in range(12):  # failures * 4 from one address, any names
        (first if n % 2 else second).failed(f"user{n}", "10.9.9.9")
    assert _locked(first, "someone-else", "10.9.9.9") == 30
    assert _locked(second, "someone-else", "10.0.0.1") is None


def test_the_oldest_records_go_first(tmp_path: Path) -> None:
    records = SharedRecords(tmp_path / SHARED_FILE, max_records=1)
    throttle = LoginThrottle(1, records=records)
    throttle.failed("old", None)
    throttle.failed("new", None)  # user:new evicts user:old (one record at most)
    assert _locked(throttle, "new") is not None and _locked(throttle, "old") is None


@pytest.mark.parametrize("shared", [False, True])
def test_one_throttle_locks_after_failures(tmp_path: Path, shared: bool) -> None:
    records = SharedRecords(tmp_path / SHARED_FILE) if shared else None
    throttle = LoginThrottle(2, records=records)
    throttle.failed("dave", None)
    assert _locked(throttle, "dave") is None
    throttle.failed("dave", None)
    throttle.failed("dave", None)  # one over: the lock-out doubles
    assert _locked(throttle, "dave") == 60

"""``locus serve --workers 2``: two processes serve one port, exactly one of them (the holder
of the owner lock) runs the LCM and the drains, the role moves when that process is killed,
and SIGTERM stops the whole tree (issue 19)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from support.servers import LOCUS, locus_serve
from support.subscriber import Subscriber, running_subscriber

from locus_iac.nbi.owner import OWNER_LOCK
from locus_iac.nbi.throttle import SHARED_FILE

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "packages"
PASSWORD = "workers-test-pw"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    pids = [pid]
    for child in _children(pid):
        pids += _tree(child)
    return pids


def _serving(parent: int) -> list[int]:
    """The uvicorn worker processes (spawned children) of ``parent``."""
    return [
        pid
        for pid in _children(parent)
        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def _lock_holders(path: Path) -> set[int]:
    """Processes holding a flock on ``path`` (``/proc/locks``)."""
    inode = path.stat().st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if fields[1] == "FLOCK" and int(fields[5].rsplit(":", 1)[1]) == inode:
            holders.add(int(fields[4]))
    return holders


def _until(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    data = tmp_path / "data"
    env = {"LOCUS_ADMIN_PASSWORD": PASSWORD, "LOCUS_NOTIFY_INTERVAL": "0.2"}
    with locus_serve(data, env, command=(LOCUS, "serve", "--workers", "2")) as (url, proc):
        _until(lambda: len(_serving(proc.pid)) == 2, "two serving processes")
        yield url, proc, data


@contextmanager
def _client(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        yield _logged_in(client)


def _logged_in(client: httpx.Client) -> httpx.Client:
    login = {"username": "admin", "password": PASSWORD}
    token = client.post("/admin/v1/tokens", json=login)
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['id']}"
    return client


def _onboard(client: httpx.Client, name: str) -> None:
    vnfd = (EXAMPLES / "cloud_vnf" / "cloud_vnfd.yaml").read_text()
    body = re.sub(r"\bcloud_vnf\b", name, vnfd).encode()
    yaml = {"Content-Type": "application/yaml"}
    created = client.post("/vnfpkgm/v1/vnf_packages_content", content=body, headers=yaml)
    assert created.status_code == 201, created.text


def _answers_alone(url: str, pid: int, others: list[int]) -> None:
    """With every other serving process stopped, ``pid`` answers on new connections (short:
    uvicorn replaces a process that misses its health check for 5 s)."""
    for other in others:
        os.kill(other, signal.SIGSTOP)
    try:
        for _ in range(3):
            with httpx.Client(base_url=url, timeout=3) as fresh:
                assert fresh.get("/vnfpkgm/v1/api_versions").status_code in (200, 401)
    finally:
        for other in others:
            os.kill(other, signal.SIGCONT)


def _notified_once_each(sub: Subscriber, count: int) -> None:
    sub.wait_for(count)
    time.sleep(1.5)  # several drain intervals: a second drain would have sent a duplicate
    ids = [n["id"] for n in sub.notifications]
    assert len(ids) == count and len(set(ids)) == count, sub.types()


def test_two_workers_one_owner_takeover_and_clean_stop(
    server: tuple[str, subprocess.Popen[bytes], Path],
) -> None:
    url, proc, data = server
    workers = _serving(proc.pid)
    for pid in workers:  # both serve the one port
        _answers_alone(url, pid, [p for p in workers if p != pid])
    lock = data / OWNER_LOCK
    holders = _lock_holders(lock)
    assert len(holders) == 1 and holders <= set(workers)
    (owner,) = holders
    with running_subscriber() as sub, _client(url) as client:
        body = {"callbackUri": sub.callback}
        assert client.post("/vnfpkgm/v1/subscriptions", json=body).status_code == 201
        _onboard(client, "first_vnf")
        _notified_once_each(sub, 1)  # drained by the owner alone

        os.kill(owner, signal.SIGKILL)  # the role moves; uvicorn replaces the process
        _until(lambda: _lock_holders(lock) - {owner} != set(), "a new owner")
        _until(lambda: len(set(_serving(proc.pid)) - {owner}) == 2, "a replacement")
        new_owners = _lock_holders(lock)
        assert len(new_owners) == 1 and new_owners <= set(_serving(proc.pid))
        _onboard(client, "second_vnf")  # accepted by either process, notified by the new owner
        _notified_once_each(sub, 2)

    # the log-in throttle counts the failures of every process (here on new connections)
    assert (data / SHARED_FILE).is_file()
    wrong = {"username": "admin", "password": "wrong-password"}
    for _ in range(5):
        assert httpx.post(f"{url}/admin/v1/tokens", json=wrong, timeout=30).status_code == 401
    assert httpx.post(f"{url}/admin/v1/tokens", json=wrong, timeout=30).status_code == 429

    tree = _tree(proc.pid)
    assert len(tree) >= 4  # parent, two serving processes, the owner's LCM fork server
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    _until(lambda: not any(_alive(pid) for pid in tree), "no process of the tree left")


def test_spawned_processes_take_the_header_timeout_from_the_environment() -> None:
    """uvicorn names the protocol of spawned processes by import path: ``--header-timeout``
    reaches them through ``LOCUS_HEADER_TIMEOUT``, which ``locus serve`` sets."""
    probe = (
        "from locus_iac.cli.http_protocol import SpawnedH11Protocol as P; print(P.header_timeout)"
    )
    env = {**os.environ, "LOCUS_HEADER_TIMEOUT": "3.5"}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "3.5"

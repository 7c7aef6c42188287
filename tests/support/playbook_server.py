"""Suite-wide plugin: with ``LOCUS_TEST_PLAYBOOKS=server`` every playbook run of the session
goes through one playbook server (:mod:`locus_iac.config.playbook_server`), so the Day1/Day2
tests (``tests/config``, ``tests/lcm``) prove the forked path as they prove the default one.
Without the variable nothing changes: runs outside the LCM start ``ansible-playbook``.

The ``playbook_server`` fixture starts a server of its own for the tests about the server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from locus_iac.config.playbook_server import SOCKET_ENV, PlaybookServer

MODE_ENV = "LOCUS_TEST_PLAYBOOKS"


@pytest.fixture(scope="session", autouse=True)
def _session_playbook_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    if os.environ.get(MODE_ENV) != "server":
        yield
        return
    folder = tmp_path_factory.mktemp("playbook-server")
    server = PlaybookServer(folder, folder / "server.log")
    os.environ[SOCKET_ENV] = str(server.start())
    try:
        yield
    finally:
        os.environ.pop(SOCKET_ENV, None)
        server.stop()


class RunningServer:
    """A started server: its process id, socket and log."""

    def __init__(self, server: PlaybookServer, log: Path, pid: int) -> None:
        self.server = server
        self.log = log
        self.pid = pid

    def log_lines(self, text: str) -> int:
        """How many log lines contain ``text``."""
        return sum(text in line for line in self.log.read_text().splitlines())


@pytest.fixture
def playbook_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningServer]:
    """A playbook server that this test's runs use."""
    folder = tmp_path / "pbs"
    folder.mkdir()
    log = folder / "server.log"
    server = PlaybookServer(folder, log)
    monkeypatch.setenv(SOCKET_ENV, str(server.start()))
    assert server.pid is not None
    try:
        yield RunningServer(server, log, server.pid)
    finally:
        server.stop()

"""The playbook server, seen from outside: started and stopped by the LCM supervisor, found by
:func:`locus_iac.config.runner.run_playbook` through :data:`SOCKET_ENV`.

A process with Ansible imported (:mod:`locus_iac.config._playbook_server`) forks the
``ansible-playbook`` of each run: about 0.3 s of CPU less per playbook. ansible-runner, the
events, the artifacts, cancel and timeouts stay as they are: ansible-runner starts a relay
(:mod:`locus_iac.config._playbook_relay`, a script named ``ansible-playbook`` put first on
the run's ``PATH``) instead of the real one. Without the variable, or when the server
cannot be reached, runs start the real ``ansible-playbook`` as before.

The socket is ``<data-dir>/ansible.sock`` (mode 0600), or, when that path is too long for a
Unix socket, a socket in a private temporary folder.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

#: the variable naming the socket of the playbook server that runs should use
SOCKET_ENV = "LOCUS_PLAYBOOK_SERVER"

_SERVER = Path(__file__).with_name("_playbook_server.py")
_RELAY = Path(__file__).with_name("_playbook_relay.py")
_MAX_SOCKET_PATH = 100  # bytes; sun_path holds 108 with its terminating NUL
_START_SECONDS = 10.0
_STOP_SECONDS = 10.0


class PlaybookServer:
    """One playbook server process for one data dir."""

    def __init__(self, data_dir: Path, log_file: Path | None = None) -> None:
        self._data_dir = data_dir
        self._log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None
        self._private_dir: Path | None = None
        self.socket_path: Path | None = None

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return None if self._process is None else self._process.pid

    def start(self) -> Path:
        """Start the server; return its socket once it accepts connections."""
        path = self._data_dir / "ansible.sock"
        if len(os.fsencode(path)) > _MAX_SOCKET_PATH:
            self._private_dir = Path(tempfile.mkdtemp(prefix="locus-ansible-"))
            path = self._private_dir / "ansible.sock"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # a socket left by a server that was killed
        log: IO[bytes] | int = subprocess.DEVNULL
        if self._log_file is not None:
            self._log_file.parent.mkdir(parents=True, exist_ok=True)
            log = self._log_file.open("ab")
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-P", str(_SERVER), str(path)],
                stdin=subprocess.PIPE,  # closed by stop(), or when this process dies
                stdout=log,
                stderr=log,
                env={**os.environ, "GRPC_ENABLE_FORK_SUPPORT": "false"},
                start_new_session=True,
            )
        finally:
            if not isinstance(log, int):
                log.close()
        deadline = time.monotonic() + _START_SECONDS
        while not _accepts(path):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the playbook server did not start")
            time.sleep(0.02)
        self.socket_path = path
        return path

    def stop(self) -> None:
        """Stop accepting runs (runs in progress finish) and wait for the server to exit."""
        process, self._process = self._process, None
        if process is not None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                process.wait(_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)
            self.socket_path = None
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None


def _accepts(path: Path) -> bool:
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def relay_launcher(folder: Path, ansible_playbook: str) -> Path | None:
    """The ``ansible-playbook`` a run should start when :data:`SOCKET_ENV` names a socket:
    a script in ``folder`` that starts the relay (``ansible_playbook``, the real one, is what
    the relay becomes when the server is gone). ``None`` without a server."""
    server = os.environ.get(SOCKET_ENV)
    if not server or not Path(server).exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    launcher = folder / "ansible-playbook"
    words = (sys.executable, "-I", "-S", str(_RELAY), server, ansible_playbook)
    command = " ".join(shlex.quote(word) for word in words)
    launcher.write_text(f'#!/bin/sh\nexec {command} "$@"\n', encoding="utf-8")
    launcher.chmod(0o700)
    return launcher

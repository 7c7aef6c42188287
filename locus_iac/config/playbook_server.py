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

import json
import os
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

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
        while not accepts(path):
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


def accepts(path: Path) -> bool:
    """Whether a Unix socket at ``path`` takes a connection."""
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


class ForkedRunnerChild:
    """A run's ansible-runner process forked by the playbook server, with what
    :func:`locus_iac.config.runner.run_playbook` uses of a ``subprocess.Popen``: text
    ``stdin`` and ``stdout`` pipes, ``send_signal`` (SIGTERM cancels), ``wait`` and
    ``returncode``. If this process dies, its connection closes and the server kills the
    forked one; if the server goes away, ``wait`` returns 255."""

    def __init__(self, connection: socket.socket, stdin: IO[str], stdout: IO[str]) -> None:
        self._connection = connection
        self.stdin: IO[str] | None = stdin
        self.stdout: IO[str] | None = stdout
        self.returncode: int | None = None

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            self._connection.sendall(f"signal {int(sig)}\n".encode())

    def wait(self) -> int:
        if self.returncode is None:
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = self._connection.recv(4096)
                if not chunk:
                    break
                reply += chunk
            self._connection.close()
            status: dict[str, Any] = json.loads(reply) if reply.endswith(b"\n") else {}
            if "signal" in status:
                self.returncode = -int(status["signal"])
            else:
                self.returncode = int(status.get("exit", _LOST))
        return self.returncode


_LOST = 255
_STARTED = b"started\n"  # what the server says once it has forked the process


def fork_runner_child(
    stderr: IO[str], env: dict[str, str], wait: float = 30.0
) -> ForkedRunnerChild | None:
    """Ask the playbook server named by :data:`SOCKET_ENV` for a run's ansible-runner
    process (stderr to ``stderr``, environment ``env``, this folder); ``None`` without a
    server that answers, or one that has not forked it within ``wait`` seconds (the caller
    then starts one itself; a late fork finds its pipes closed and ends)."""
    server = os.environ.get(SOCKET_ENV)
    if not server:
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(server)
    except OSError:
        connection.close()
        return None
    umask = os.umask(0)
    os.umask(umask)
    body = json.dumps(
        {"kind": "ansible-runner", "argv": [], "env": env, "cwd": os.getcwd(), "umask": umask}
    ).encode("utf-8")
    request = struct.pack(">I", len(body)) + body
    child_in, to_child = os.pipe()
    from_child, child_out = os.pipe()
    try:
        sent = socket.send_fds(connection, [request[:4096]], [child_in, child_out, stderr.fileno()])
        connection.sendall(request[sent:])
    except OSError:
        os.close(to_child)
        os.close(from_child)
        connection.close()
        return None
    finally:  # the forked process has its own copies
        os.close(child_in)
        os.close(child_out)
    connection.settimeout(wait)
    try:
        started = connection.recv(len(_STARTED), socket.MSG_WAITALL)
    except OSError:
        started = b""
    connection.settimeout(None)
    if started != _STARTED:  # a server that does not answer: run without it
        os.close(to_child)
        os.close(from_child)
        connection.close()
        return None
    return ForkedRunnerChild(
        connection,
        os.fdopen(to_child, "w", encoding="utf-8"),
        os.fdopen(from_child, "r", encoding="utf-8"),
    )

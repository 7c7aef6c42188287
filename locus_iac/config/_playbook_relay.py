"""The ``ansible-playbook`` that ansible-runner starts when a playbook server runs
(:mod:`locus_iac.config.playbook_server`): it hands its own terminal (the pseudo-terminal
ansible-runner reads), its arguments, environment, folder and umask to the server, which forks
a process with Ansible already imported to run the playbook there
(:mod:`locus_iac.config._playbook_server`). It forwards SIGINT and SIGTERM (how ansible-runner
cancels) and exits with the playbook's exit status; if it dies (SIGKILL, or with
ansible-runner's process), the server kills the playbook. Where the server cannot be
reached it becomes the real ``ansible-playbook`` (``exec``), so a run never depends on the
server being up.

Protocol on the Unix socket: a 4-byte big-endian length, then that many bytes of JSON
``{"argv", "env", "cwd", "umask", "fallback"}``, the first part sent with file descriptors
0, 1 and 2; then lines ``signal N`` from here; one JSON line back, ``{"exit": code}`` or
``{"signal": N}``. The environment (which may hold secrets) only crosses that socket.

Run as ``python -I -S <this file> SOCKET FALLBACK [ARGS...]`` (standard library only: it
starts in about 10 ms).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import struct
import sys
from collections.abc import Sequence
from types import FrameType

_FORWARDED = (signal.SIGINT, signal.SIGTERM)
_LOST = 255
_PR_SET_PDEATHSIG = 1


def _request(fallback: str, args: Sequence[str]) -> bytes:
    umask = os.umask(0)
    os.umask(umask)
    body = json.dumps(
        {
            "argv": [fallback, *args],
            "env": dict(os.environ),
            "cwd": os.getcwd(),
            "umask": umask,
            "fallback": fallback,
        }
    ).encode("utf-8")
    return struct.pack(">I", len(body)) + body


def _relay(sock: socket.socket, request: bytes) -> int:
    sent = socket.send_fds(sock, [request[:4096]], [0, 1, 2])
    sock.sendall(request[sent:])

    def forward(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):
            sock.sendall(f"signal {signum}\n".encode())

    for sig in _FORWARDED:
        signal.signal(sig, forward)
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            sys.stderr.write("ansible-playbook: the playbook server went away\n")
            return _LOST
        reply += chunk
    status = json.loads(reply)
    if "signal" in status:
        number = int(status["signal"])
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
        return 128 + number
    return int(status["exit"])


def _die_with_parent() -> None:
    """SIGKILL when ansible-runner's process dies (Linux ``PR_SET_PDEATHSIG``): the
    terminal it read is gone, and so the playbook (the server kills it when this process's
    connection closes); pexpect starts this process with SIGHUP ignored."""
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # died before the request took effect
        os.kill(os.getpid(), signal.SIGKILL)


def main(argv: Sequence[str]) -> int:
    socket_path, fallback, *args = argv
    _die_with_parent()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(socket_path)
    except OSError:
        sock.close()
        os.execv(fallback, [fallback, *args])
    return _relay(sock, _request(fallback, args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

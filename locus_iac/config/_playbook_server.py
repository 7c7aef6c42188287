"""The playbook server: a process with Ansible imported that forks the ``ansible-playbook``
of each run (:mod:`locus_iac.config.playbook_server` starts and stops it; the relay
:mod:`locus_iac.config._playbook_relay` is what ansible-runner starts in its place).

Why: each ``ansible-playbook`` process spends about 0.33 s of CPU importing Ansible before it
does any work; a fork of a process that has done so starts with Ansible in memory. Likewise
each run's ansible-runner process (:mod:`locus_iac.config._ansible_child`: a new interpreter
importing ansible-runner, about 0.08 s) is forked here when :func:`run_playbook` asks.

Per connection, one process: a request (file descriptors for stdin, stdout and stderr,
arguments, environment, folder, umask, and the kind: ``ansible-runner`` or
``ansible-playbook``). The server forks a *handler*, which forks the process and waits for
it: it passes the asker's SIGINT/SIGTERM on, kills the process's session when the asker goes
away, and sends the exit status back. The ansible-runner process runs ``_ansible_child``'s
``main`` with the request (the asker gets a ``started`` line once it is forked). For the
first ``ansible-playbook`` (asked by the relay, with its terminal) the server imports Ansible
under that request's environment and folder (so the import reads the configuration the runs
have), then freezes the imported heap out of the garbage collector's reach. The *playbook
process* takes the relay's terminal as its stdin/stdout/stderr, its environment, folder and
umask, starts a session, and runs ``PlaybookCLI`` in-process, so ansible-runner sees what the
real ``ansible-playbook`` would print, on the same terminal.

Configuration: Ansible reads its settings (``ANSIBLE_*`` variables, ``ansible.cfg``) once, at
import; module-level values derived from them (plugin paths, class defaults) cannot be
re-read in place. So before running, the playbook process resolves every setting again under
the run's environment and folder and compares with what the import saw: only settings read at
run time (:data:`_RUN_TIME_SETTINGS`, e.g. the per-run fact cache folder) may differ and are
set to the run's values; any other difference (a different ``ansible.cfg``, another
``ANSIBLE_*`` value) and the process ``exec``\\ s the real ``ansible-playbook`` instead: the
run is then exactly as without the server, only not faster.

The server imports nothing of locus-iac, gRPC or Pulumi (it forks; gRPC issue 43055). It
stops when its stdin closes (its starter is gone) or on SIGTERM; runs in progress finish,
tied to their relays. Log lines (stderr) carry process ids and setting names, never values.

Run as ``python -P <this file> SOCKET`` with the socket's folder private to the user.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: settings that Ansible reads from ``ansible.constants`` only while running (never into
#: module-level values at import), so a run may have its own; checked in ansible-core 2.19.
#: ``CACHE_PLUGIN_CONNECTION``: the file cache plugins' folder, read when one is loaded
#: (ansible-runner gives each run its own ``fact_cache``). ``DEFAULT_LOCAL_TMP``: the
#: process's own temporary folder, made when the setting is resolved (so each playbook
#: process gets one, as each ``ansible-playbook`` does) and removed when the run ends.
_RUN_TIME_SETTINGS = frozenset({"CACHE_PLUGIN_CONNECTION", "DEFAULT_LOCAL_TMP"})
_REQUEST_TIMEOUT = 10.0
_MAX_REQUEST = 16 * 1024 * 1024
_FORWARDED = frozenset({signal.SIGINT, signal.SIGTERM})
_EXIT_SETUP_FAILED = 70
#: the two kinds of process the server forks: a run's ``ansible-playbook`` (asked by the
#: relay) and its ansible-runner process (asked by :func:`run_playbook`)
PLAYBOOK = "ansible-playbook"
RUNNER = "ansible-runner"
#: the first line back for an ansible-runner process, once it is forked
STARTED = b"started\n"
_RUNNER_CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ansible_child.py")


@dataclass
class Request:
    """One run, as the relay asked for it; ``fds`` are its stdin, stdout and stderr."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    umask: int
    fallback: str
    fds: list[int]
    pending: bytes  # bytes after the request (early control lines)
    kind: str = PLAYBOOK


def _log(message: str) -> None:
    sys.stderr.write(f"playbook-server[{os.getpid()}]: {message}\n")
    sys.stderr.flush()


def _receive(conn: socket.socket) -> Request:
    conn.settimeout(_REQUEST_TIMEOUT)
    data, fds, _flags, _addr = socket.recv_fds(conn, 65536, 3)
    if not data and not fds:
        raise EOFError("connected and left (a readiness probe)")
    try:
        if len(fds) != 3:
            raise ValueError("a request comes with three file descriptors")
        while len(data) < 4:
            data += _more(conn)
        (length,) = struct.unpack(">I", data[:4])
        if length > _MAX_REQUEST:
            raise ValueError("request too large")
        while len(data) < 4 + length:
            data += _more(conn)
        body: dict[str, Any] = json.loads(data[4 : 4 + length])
        conn.settimeout(None)
        return Request(
            argv=[str(a) for a in body["argv"]],
            env={str(k): str(v) for k, v in body["env"].items()},
            cwd=str(body["cwd"]),
            umask=int(body["umask"]),
            fallback=str(body.get("fallback", "")),
            kind=str(body.get("kind", PLAYBOOK)),
            fds=fds,
            pending=data[4 + length :],
        )
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _more(conn: socket.socket) -> bytes:
    chunk = conn.recv(65536)
    if not chunk:
        raise EOFError("the relay closed the connection mid-request")
    return chunk


def _apply(request: Request) -> None:
    os.environ.clear()
    os.environ.update(request.env)
    os.chdir(request.cwd)


def _import_ansible(request: Request) -> bool:
    """Import Ansible under the first run's environment and folder; False when it fails
    (runs then ``exec`` the real ``ansible-playbook``, which reports the problem)."""
    saved = dict(os.environ)
    try:
        _apply(request)
        import ansible.cli.playbook
        import ansible.executor.playbook_executor  # noqa: F401
    except Exception as exc:  # reported by class only
        _log(f"cannot import Ansible ({type(exc).__name__}); runs start ansible-playbook")
        return False
    finally:
        os.environ.clear()
        os.environ.update(saved)
        os.chdir("/")
    gc.freeze()  # forks share the imported heap; their collections need not visit it
    return True


def _resolve_settings() -> tuple[list[str], dict[str, Any]]:
    """Every setting resolved again under this process's environment and folder: the names
    of those that differ from what the import read and cannot be set at run time (empty:
    the imported Ansible is the one this run would import), and the run-time ones with
    their values for this run."""
    from ansible import constants
    from ansible.config.manager import find_ini_config_file

    config = constants.config
    if find_ini_config_file(set()) != constants.CONFIG_FILE:
        return ["CONFIG_FILE"], {}
    notes = (len(config.WARNINGS), len(config.DEPRECATED))
    differing: list[str] = []
    run_time: dict[str, Any] = {}
    for name in config.get_configuration_definitions():
        if name == "CONFIG_FILE":
            continue
        try:
            value = config.get_config_value(name, variables=vars(constants))
        except Exception:  # an invalid value: the real ansible-playbook reports it
            differing.append(name)
            continue
        if name in _RUN_TIME_SETTINGS:
            run_time[name] = value
        elif value != getattr(constants, name, None):
            differing.append(name)
    if (len(config.WARNINGS), len(config.DEPRECATED)) != notes:
        differing.append("(configuration warnings)")
    return differing, run_time


def _use_run_settings(values: dict[str, Any]) -> None:
    from ansible import constants

    for name, value in values.items():
        constants.set_constant(name, value)


def _remove_local_tmp(values: dict[str, Any]) -> None:
    """Remove the run's ``DEFAULT_LOCAL_TMP`` (a fresh process removes its own at exit;
    this one leaves through ``os._exit``, skipping the server's exit handlers)."""
    folder = values.get("DEFAULT_LOCAL_TMP")
    if isinstance(folder, str) and os.path.isdir(folder):
        shutil.rmtree(folder, ignore_errors=True)


def _as_a_new_process() -> None:
    """What a new ``ansible-playbook`` has and a fork of the server does not.

    - stdout line-buffered on a terminal (the server's was a log file);
    - the temporary folder from this run's ``TMPDIR`` (:mod:`tempfile` keeps the first);
    - Ansible's fork guard on stdout/stderr: ``Display`` wraps their writes in a lock that it
      holds while forking its workers, and turns it off in every fork, so that a worker never
      inherits a held buffer lock; this process is such a fork, so the guard is put back
      (with Ansible's own helper, when this Ansible has it).
    """
    if os.isatty(1):
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    tempfile.tempdir = None
    from ansible.utils import display as display_module

    guard = getattr(display_module, "_synchronize_textiowrapper", None)
    lock = getattr(display_module.Display(), "_lock", None)
    if guard is not None and lock is not None:
        guard(sys.stdout, lock)
        guard(sys.stderr, lock)


def _run_playbook(request: Request, ready: bool) -> None:
    """The playbook process (never returns)."""
    run_time: dict[str, Any] = {}
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as pexpect starts ansible-playbook
        os.umask(request.umask)
        _apply(request)
        differing, run_time = _resolve_settings() if ready else (["(not imported)"], {})
        if differing:
            _remove_local_tmp(run_time)
            _log(f"{', '.join(differing)} differ from the import: exec ansible-playbook")
        else:
            _log("playbook runs in-process")
        for target, fd in enumerate(request.fds):
            os.dup2(fd, target)
        for fd in request.fds:
            if fd > 2:
                os.close(fd)
    except BaseException:
        _remove_local_tmp(run_time)
        os._exit(_EXIT_SETUP_FAILED)
    if differing:
        os.execve(request.fallback, request.argv, request.env)
    code = _EXIT_SETUP_FAILED
    try:
        from ansible.cli.playbook import PlaybookCLI

        _use_run_settings(run_time)
        _as_a_new_process()
        sys.argv = list(request.argv)
        PlaybookCLI.cli_executor(sys.argv)
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        _remove_local_tmp(run_time)
        os._exit(code)


def _load_runner_child() -> Any:
    """:mod:`locus_iac.config._ansible_child` and ansible-runner, imported once here (it is
    a script that imports nothing of locus-iac; ansible-runner does not import Ansible)."""
    spec = importlib.util.spec_from_file_location("locus_ansible_child", _RUNNER_CHILD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_runner_child(request: Request, runner_child: Any) -> None:
    """A run's ansible-runner process, as ``python -P _ansible_child.py`` would be, forked
    (never returns). The ``ansible-playbook`` it starts is the relay, back to this server."""
    code = _EXIT_SETUP_FAILED
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.umask(request.umask)
        _apply(request)
        tempfile.tempdir = None
        for target, fd in enumerate(request.fds):
            os.dup2(fd, target)
        for fd in request.fds:
            os.close(fd)
        code = int(runner_child.main())
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
        code = _EXIT_SETUP_FAILED
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _handle(conn: socket.socket, request: Request, ready: bool, runner_child: Any) -> int:
    """The handler process: fork the playbook process, relay signals, report its status."""
    child = os.fork()
    if child == 0:
        conn.close()
        if request.kind == RUNNER:
            _run_runner_child(request, runner_child)
        _run_playbook(request, ready)
    for fd in request.fds:
        os.close(fd)
    if request.kind == RUNNER:  # the asker waits for this before it writes the run's settings
        with contextlib.suppress(OSError):
            conn.sendall(STARTED)
    exited = os.pidfd_open(child)
    buffer = request.pending
    watching = True
    while True:
        watched = [conn.fileno(), exited] if watching else [exited]
        readable, _, _ = select.select(watched, [], [])
        if exited in readable:
            break
        chunk = conn.recv(4096)
        if not chunk:  # the relay is gone (killed): so is its playbook
            watching = False
            for kill in (os.killpg, os.kill):
                with contextlib.suppress(OSError):
                    kill(child, signal.SIGKILL)
            continue
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            word, _, number = line.decode("ascii", "replace").partition(" ")
            if word == "signal" and number.isdigit() and int(number) in _FORWARDED:
                with contextlib.suppress(OSError):
                    os.kill(child, int(number))
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        reply: dict[str, int] = {"signal": os.WTERMSIG(status)}
    else:
        reply = {"exit": os.WEXITSTATUS(status)}
    if watching:
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(reply).encode() + b"\n")
    return 0


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def serve(socket_path: str) -> None:
    """Accept runs on ``socket_path`` until stdin closes or SIGTERM."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)
    try:
        listener.bind(socket_path)
    finally:
        os.umask(previous)
    listener.listen(64)
    stop = False

    def on_term(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    ready: bool | None = None
    runner_child = _load_runner_child()
    gc.freeze()
    _log("ready")
    try:
        while not stop:
            readable: list[Any] = []
            with contextlib.suppress(InterruptedError):
                readable, _, _ = select.select([listener, sys.stdin], [], [], 1.0)
            _reap()
            if sys.stdin in readable and not os.read(sys.stdin.fileno(), 4096):
                break
            if listener not in readable:
                continue
            conn, _ = listener.accept()
            try:
                request = _receive(conn)
            except EOFError:
                conn.close()
                continue
            except (OSError, ValueError, KeyError) as exc:
                _log(f"bad request ({type(exc).__name__})")
                conn.close()
                continue
            if request.kind == PLAYBOOK and ready is None:
                ready = _import_ansible(request)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                code = _EXIT_SETUP_FAILED
                try:
                    listener.close()
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    code = _handle(conn, request, bool(ready), runner_child)
                finally:
                    os._exit(code)
            conn.close()
            for fd in request.fds:
                os.close(fd)
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(socket_path)
        _log("stopped")


def main(argv: Sequence[str]) -> int:
    serve(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

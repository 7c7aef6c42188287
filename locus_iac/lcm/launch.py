"""How the supervisor starts the worker process of one claimed occurrence.

``forkserver`` (the default, ``LOCUS_LCM_START``): a process started once per server, that has
already imported the runner's modules (:attr:`RunnerFactory.preload`; for the product's runner
the engine, the stack programs and the catalogue) and the queue database's SQLAlchemy dialect
and driver (else each worker's first engine imports them: about 0.05 s of CPU per operation
for SQLite), forks each worker. A new interpreter
importing them costs about 1.5 s of CPU per operation, most of the MANO's own overhead
(``benchmarks/bench_lcm.py``). The fork holds nothing of the server: no database
connection, no thread, no gRPC channel (the pre-started process only imports).

``exec``: a new interpreter, ``python <RunnerFactory.worker> OP WORKER``.

Either way the worker gets the server's environment plus the queue's settings
(:meth:`LcmSettings.worker_env`, never on a command line) and runs in a new session, so the
Pulumi and Ansible processes it starts are stopped with it (:mod:`locus_iac.lcm.sessions`). A forked
worker's command line is the pre-started process's; it keeps a file named after its
occurrence open (``<data-dir>/workers/<op-occ-id>``), which is how crash recovery tells its
processes from unrelated ones (:func:`locus_iac.lcm.recovery.stop_orphans`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing import forkserver, spawn
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from locus_iac.lcm.runner import OperationRunner, RunnerContext, RunnerFactory
from locus_iac.lcm.settings import LcmSettings

#: folder (under the data dir) of the files forked workers hold open
WORKER_MARKS = "workers"

#: the server's main script, for the process that forks workers (:mod:`locus_iac.lcm.prefork`)
MAIN_SCRIPT_ENV = "LOCUS_LCM_MAIN_SCRIPT"


class WorkerProcess(Protocol):
    """A started worker process, as the supervisor watches it (``subprocess.Popen``'s)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class ForkedWorker:
    """A worker forked by the pre-started process (exit codes as ``Popen``'s: -N = signal N).

    Its ``multiprocessing`` handle is closed as soon as its exit code is known (no file
    descriptor kept per finished worker).
    """

    def __init__(self, process: BaseProcess) -> None:
        assert process.pid is not None  # started before it is wrapped
        self._process = process
        self.pid: int = process.pid
        self._code: int | None = None

    def poll(self) -> int | None:
        if self._code is None:
            self._code = self._process.exitcode
            if self._code is not None:
                self._process.close()
        return self._code

    def wait(self, timeout: float | None = None) -> int:
        if self._code is None:
            self._process.join(timeout)
        code = self.poll()
        if code is None:
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0.0)
        return code


def spawn_worker(
    settings: LcmSettings, runner: RunnerFactory, op_occ_id: str, worker: str
) -> WorkerProcess:
    """Start the worker process of one claimed occurrence (see the module docstring)."""
    env = settings.worker_env()
    if settings.start_method == "exec":
        return subprocess.Popen(
            [sys.executable, *runner.worker, op_occ_id, worker],
            env=env,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
        )
    context = _forkserver(settings, runner)
    mark = settings.data_dir / WORKER_MARKS / op_occ_id
    process = context.Process(
        target=_forked_worker,
        args=(runner.build, env, [op_occ_id, worker], str(mark)),
        name=f"locus-worker-{op_occ_id}",
    )
    process.start()
    return ForkedWorker(process)


def prestart(settings: LcmSettings, runner: RunnerFactory) -> None:
    """Start the process that forks workers now (at server start), so that the first
    operation does not wait for its imports; nothing to do for ``exec``."""
    if settings.start_method == "forkserver":
        _forkserver(settings, runner)


def database_modules(database_url: str) -> tuple[str, ...]:
    """The modules of the SQLAlchemy dialect and of the DB-API driver of ``database_url``
    (imported by the process that forks workers; module names only, never the URL). None
    when they cannot be found: the workers' own engines then report the problem."""
    try:
        dialect = make_url(database_url).get_dialect()
        return dialect.__module__, dialect.import_dbapi().__name__
    except (SQLAlchemyError, ImportError):
        return ()


def _forkserver(
    settings: LcmSettings, runner: RunnerFactory
) -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    # takes effect when the pre-started process starts (once per server process); prefork
    # last: it runs the server's main script there (else each fork would run it again: the
    # "__main__" preload of multiprocessing does not) and freezes what the others imported
    main_script = spawn.get_preparation_data("locus-worker").get("init_main_from_path")
    if main_script:
        os.environ[MAIN_SCRIPT_ENV] = str(main_script)
    else:
        os.environ.pop(MAIN_SCRIPT_ENV, None)
    context.set_forkserver_preload(
        [
            "locus_iac.lcm.worker",
            *database_modules(settings.database_url),
            *runner.preload,
            "locus_iac.lcm.prefork",
        ]
    )
    _start_without_cwd_on_path()
    return context


_SAFE_PATH_LOCK = threading.Lock()


def _start_without_cwd_on_path() -> None:
    """Start the process that forks workers (when it is not running) with ``PYTHONSAFEPATH``.

    ``multiprocessing`` starts it as ``python -c ...``, which puts the current folder first on
    ``sys.path``, and on Python 3.11 it never applies the server's own ``sys.path`` there. Run
    from a folder holding another ``locus_iac`` (a second checkout, the benchmarks' baseline
    tree), every worker imported that one instead of the server's. The variable is set only
    while the process starts: the workers get the server's environment (``_forked_worker``).
    """
    with _SAFE_PATH_LOCK:
        previous = os.environ.get("PYTHONSAFEPATH")
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            forkserver.ensure_running()
        finally:
            if previous is None:
                os.environ.pop("PYTHONSAFEPATH", None)
            else:
                os.environ["PYTHONSAFEPATH"] = previous


def _forked_worker(
    build: Callable[[RunnerContext], OperationRunner],
    env: dict[str, str],
    argv: list[str],
    mark: str,
) -> None:
    """The forked worker: a new session, the server's environment now, the mark held open."""
    from locus_iac.lcm import worker

    os.setsid()
    os.environ.clear()
    os.environ.update(env)
    path = Path(mark)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("w"):
            code = worker.main(argv, build)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    sys.exit(code)

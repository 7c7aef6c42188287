"""The worker supervisor: claims queued occurrences and runs each in its own process.

One thread of the server process looks at the queue every ``poll_interval`` seconds. For each
runnable occurrence (up to ``max_workers`` at once) it claims the row for itself and starts
a worker process (:mod:`locus_iac.lcm.launch`: forked from a process that has already imported
the runner, or a new interpreter) in a new session, so the Pulumi and Ansible processes it
starts can be stopped with it (:mod:`locus_iac.lcm.sessions`). Different NS instances
thus run in parallel; one instance never has two (the per-instance lock of
:mod:`locus_iac.lcm.queue`).

Each round first lets the netslice coordinator (:mod:`locus_iac.lcm.nsi_coordinator`)
advance netslice operations, which start nested NS operations through the same queue.

It also watches its workers: one that exits while its occurrence is still running died
(``kill -9``, crash) and the occurrence goes to ``FAILED_TEMP``; one whose occurrence got a
cancel request is stopped (SIGTERM, then SIGKILL after ``grace``) and the occurrence is
cancelled; one that runs past the request's ``timeout`` (seconds) is stopped the same way and
its occurrence goes to ``FAILED_TEMP``. :meth:`Supervisor.stop` stops every worker: no
process outlives the server.

With ``LOCUS_LCM_PLAYBOOKS=server`` (the default) it also starts the playbook server
(:mod:`locus_iac.config.playbook_server`), which the workers' playbook runs use, and stops it
after the workers; if it cannot start, playbooks start ``ansible-playbook`` as without it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass

from locus_iac.catalogue import Database
from locus_iac.config.playbook_server import PlaybookServer
from locus_iac.errors import LocusError
from locus_iac.lcm import queue
from locus_iac.lcm.launch import WorkerProcess, prestart, spawn_worker
from locus_iac.lcm.nsi_coordinator import NsiCoordinator
from locus_iac.lcm.occurrence import OperationError
from locus_iac.lcm.recovery import interrupt
from locus_iac.lcm.runner import OperationRunner, RunnerFactory
from locus_iac.lcm.sessions import kill_session
from locus_iac.lcm.settings import LcmSettings
from locus_iac.lcm.states import LcmEvent

log = logging.getLogger(__name__)

#: the playbook server's log (process ids and setting names), in the data dir
PLAYBOOK_LOG = "playbook-server.log"


@dataclass
class _Worker:
    op_occ_id: str
    process: WorkerProcess
    deadline: float | None = None  # monotonic; from the request's ``timeout`` (seconds)


def stop_process_group(process: WorkerProcess, grace: float) -> None:
    """SIGTERM the worker's process group, SIGKILL it after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        break
    kill_session(process.pid)  # what outlived the worker, plugins in their own groups too


class Supervisor:
    """Runs queued operation occurrences in worker processes (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        settings: LcmSettings,
        factory: RunnerFactory,
        runner: OperationRunner | None,
    ) -> None:
        self._db = db
        self._settings = settings
        self._factory = factory
        self._runner = runner
        self.name = f"supervisor-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._workers: dict[str, _Worker] = {}
        self._coordinator = NsiCoordinator(db)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._playbooks: PlaybookServer | None = None

    def start(self) -> None:
        self._start_playbook_server()
        prestart(self._settings, self._factory)
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        log.info("%s started (%d workers at most)", self.name, self._settings.max_workers)

    def _start_playbook_server(self) -> None:
        if self._settings.playbooks != "server" or self._playbooks is not None:
            return
        server = PlaybookServer(self._settings.data_dir, self._settings.data_dir / PLAYBOOK_LOG)
        try:
            socket_path = server.start()
        except (OSError, RuntimeError) as exc:
            log.warning(
                "%s: no playbook server (%s); playbooks start ansible-playbook", self.name, exc
            )
            return
        self._playbooks = server
        self._settings = self._settings.model_copy(update={"playbook_socket": socket_path})

    def wake(self) -> None:
        """Look at the queue now (an operation was just accepted)."""
        self._wake.set()

    def worker_pids(self) -> dict[str, int]:
        """Running workers: occurrence id -> process id."""
        return {op: w.process.pid for op, w in list(self._workers.items())}

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except LocusError as exc:
                log.error("%s: %s", self.name, exc)
            except Exception:
                log.exception("%s: unexpected failure; continuing", self.name)
            self._wake.wait(self._settings.poll_interval)
            self._wake.clear()

    def tick(self) -> None:
        """One round: advance netslice operations (they start NS operations), reap finished
        workers, honour cancellations, start new workers."""
        self._coordinator.tick()
        self._reap()
        self._cancel_pending()
        self._expire()
        free = self._settings.max_workers - len(self._workers)
        if free <= 0 or self._stop.is_set():
            return
        with self._db.session(readonly=True) as session:  # no write lock while idle
            candidates = queue.runnable(session, free)
        for op_occ_id in candidates:
            with self._db.session() as session:
                if not queue.claim(session, op_occ_id, self.name):
                    continue
            process = spawn_worker(self._settings, self._factory, op_occ_id, self.name)
            with self._db.session() as session:
                queue.set_worker_pid(session, op_occ_id, self.name, process.pid)
                params = queue.get_occurrence_row(session, op_occ_id, lock=False).operation_params
            timeout = (params or {}).get("timeout")
            deadline = time.monotonic() + timeout if isinstance(timeout, int) else None
            self._workers[op_occ_id] = _Worker(op_occ_id, process, deadline)
            log.info("occurrence %s: worker process %d started", op_occ_id, process.pid)

    def _still_claimed(self, op_occ_id: str) -> bool:
        with self._db.session(readonly=True) as session:
            return any(row.id == op_occ_id for row in queue.claimed(session, self.name))

    def _reap(self) -> None:
        for op_occ_id, worker in list(self._workers.items()):
            code = worker.process.poll()
            if code is None:
                continue
            del self._workers[op_occ_id]
            stop_process_group(worker.process, 0)  # leftovers of its group
            if self._still_claimed(op_occ_id):
                interrupt(
                    self._db,
                    self._runner,
                    op_occ_id,
                    f"the worker process {worker.process.pid} exited with code {code} "
                    "before finishing",
                    claimed_by=self.name,
                )

    def _expire(self) -> None:
        """Stop workers past their request's ``timeout``; the occurrence goes FAILED_TEMP."""
        now = time.monotonic()
        for op_occ_id, worker in list(self._workers.items()):
            if worker.deadline is None or now < worker.deadline:
                continue
            del self._workers[op_occ_id]
            stop_process_group(worker.process, self._settings.grace)
            if self._still_claimed(op_occ_id):
                interrupt(
                    self._db,
                    self._runner,
                    op_occ_id,
                    "the operation timed out",
                    claimed_by=self.name,
                )

    def _cancel_pending(self) -> None:
        with self._db.session(readonly=True) as session:
            pending = {row.id for row in queue.claimed(session, self.name) if row.is_cancel_pending}
        for op_occ_id in pending:
            worker = self._workers.pop(op_occ_id, None)
            if worker is not None:
                stop_process_group(worker.process, self._settings.grace)
            with self._db.session() as session:
                occ = queue.apply_if_claimed(
                    session,
                    op_occ_id,
                    self.name,
                    LcmEvent.CANCEL,
                    error=OperationError(title="Cancelled", detail="cancelled on request"),
                )
            if occ is None:
                continue  # the worker recorded its result before it was stopped
            if self._runner is not None:
                try:
                    self._runner.recover(occ.ns_instance_id)
                except LocusError as exc:
                    log.error("cannot clean up NS instance %s: %s", occ.ns_instance_id, exc)

    def stop(self) -> None:
        """Stop the loop and every worker; their occurrences go to FAILED_TEMP."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        for op_occ_id, worker in list(self._workers.items()):
            stop_process_group(worker.process, self._settings.grace)
            del self._workers[op_occ_id]
            if self._still_claimed(op_occ_id):
                interrupt(
                    self._db, self._runner, op_occ_id, "the server stopped", claimed_by=self.name
                )
        if self._playbooks is not None:
            self._playbooks.stop()
            self._playbooks = None
            self._settings = self._settings.model_copy(update={"playbook_socket": None})
        log.info("%s stopped", self.name)

"""The LCM supervisor as the server runs it: recovery at start-up, then the worker supervisor.

:class:`LcmService` is what the NBI's lifespan starts and stops: it builds the operation
runner of the :class:`~locus_iac.lcm.runner.RunnerFactory` it is given, recovers the
occurrences a crash interrupted (:mod:`locus_iac.lcm.recovery`) and starts the worker
supervisor (:mod:`locus_iac.lcm.supervisor`); :meth:`stop` stops every worker process.
"""

from __future__ import annotations

import logging
from pathlib import Path

from locus_iac.catalogue import Database
from locus_iac.lcm.recovery import recover
from locus_iac.lcm.runner import RunnerContext, RunnerFactory
from locus_iac.lcm.settings import LcmSettings
from locus_iac.lcm.supervisor import Supervisor

log = logging.getLogger(__name__)


class LcmService:
    """Recovery plus the worker supervisor of one server process."""

    def __init__(self, db: Database, settings: LcmSettings, runner: RunnerFactory) -> None:
        self.settings = settings
        self._db = db
        self._factory = runner
        self._supervisor: Supervisor | None = None

    @classmethod
    def from_env(cls, db: Database, data_dir: Path, runner: RunnerFactory) -> LcmService:
        return cls(db, LcmSettings.from_env(db.url, data_dir), runner)

    def start(self) -> None:
        context = RunnerContext(self.settings.database_url, self.settings.data_dir)
        runner = self._factory.build(context)
        recovered = recover(self._db, runner)
        if recovered:
            log.warning("interrupted operation occurrences now FAILED_TEMP: %s", recovered)
        self._supervisor = Supervisor(self._db, self.settings, self._factory, runner)
        self._supervisor.start()

    def wake(self) -> None:
        """An operation was accepted or re-queued: look at the queue now."""
        if self._supervisor is not None:
            self._supervisor.wake()

    def worker_pids(self) -> dict[str, int]:
        return self._supervisor.worker_pids() if self._supervisor else {}

    def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.stop()
            self._supervisor = None

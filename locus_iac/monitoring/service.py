"""The monitoring side of ``locus serve``: the outbox drain and the MANO's own scrape target.

Started by the NBI's lifespan with the settings of ``--monitoring FILE`` (or
``$LOCUS_MONITORING``), or with none: then monitoring is off, the drain drops what the
lifecycle queues and the server says so once. With settings, the MANO writes
``prometheus/mano/locus-<port>.json`` (job ``locus-mano``) and removes it at exit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from locus_iac.catalogue import Database
from locus_iac.monitoring.bus import EventBus, KafkaBus
from locus_iac.monitoring.drain import DrainStats, OutboxDrainer
from locus_iac.monitoring.files import ConfigFiles
from locus_iac.monitoring.settings import MonitoringSettings

log = logging.getLogger(__name__)

BusFactory = Callable[[MonitoringSettings], EventBus]


def kafka_bus(settings: MonitoringSettings) -> EventBus:
    return KafkaBus(settings.kafka_bootstrap)


class MonitoringService:
    """The outbox drain thread plus the MANO's scrape target file."""

    def __init__(
        self,
        db: Database,
        settings: MonitoringSettings | None,
        *,
        address: str | None = None,
        bus: BusFactory = kafka_bus,
    ) -> None:
        self.settings = settings
        self._address = address
        files = ConfigFiles(settings) if settings is not None else None
        self._files = files
        self.drainer = OutboxDrainer(
            db,
            files,
            bus(settings) if settings is not None else None,
            interval=settings.drain_interval if settings else 2.0,
            max_backoff=settings.max_backoff if settings else 60.0,
        )
        self._target: Path | None = None

    @property
    def stats(self) -> DrainStats:
        return self.drainer.stats

    def start(self) -> None:
        if self._files is not None and self._address:
            name = "locus-" + self._address.rsplit(":", 1)[-1]
            labels = {"service": "locus-mano"}
            self._target = self._files.write_mano_target(name, self._address, labels)
            log.info("MANO scrape target written: %s", self._target)
        self.drainer.start()

    def wake(self) -> None:
        self.drainer.wake()

    def stop(self) -> None:
        self.drainer.stop()
        if self._target is not None:
            self._target.unlink(missing_ok=True)
            self._target = None

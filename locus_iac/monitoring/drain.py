"""Draining the monitoring outbox in the background of ``locus serve``.

Two lanes, each in row order: ``event`` rows go to the bus, ``config`` rows bring one NS
instance's targets, rules and route in line with the database. A row that fails keeps its
place, its ``attempts`` and ``last_error`` are recorded and it waits
``min(max_backoff, drain_interval * 2**attempts)`` seconds, so a service that is down is not
hammered. The event lane stops at its first waiting row (events keep their order); config
rows are independent (each brings its NS in line with the database as it is then), so one
instance's failure does not hold back another's. A permanent error (a descriptor whose
rules promtool refuses) is logged and the row dropped: retrying cannot fix it, and the
running config is unchanged. Without monitoring settings the drain drops every row
(monitoring is off; the server says so once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from locus_iac.catalogue import Database
from locus_iac.catalogue.drain_loop import DrainLoop
from locus_iac.catalogue.instances import NsInstanceRow
from locus_iac.catalogue.models import utcnow
from locus_iac.catalogue.outbox import OutboxRow, postpone
from locus_iac.errors import LocusError, PermanentError
from locus_iac.monitoring.bus import EventBus, event_topics
from locus_iac.monitoring.files import ConfigFiles
from locus_iac.monitoring.outbox import CONFIG, EVENT, request_config
from locus_iac.monitoring.render import render_rules, render_targets, service_topic
from locus_iac.monitoring.view import project_name, service_view

log = logging.getLogger(__name__)

_BATCH = 100


@dataclass
class DrainStats:
    """What the drain did so far (exported on ``/metrics``)."""

    delivered: dict[str, int] = field(default_factory=lambda: {EVENT: 0, CONFIG: 0})
    failures: dict[str, int] = field(default_factory=lambda: {EVENT: 0, CONFIG: 0})
    dropped: dict[str, int] = field(default_factory=lambda: {EVENT: 0, CONFIG: 0})


class OutboxDrainer:
    """Delivers outbox rows; :meth:`drain_once` is one pass, :meth:`start` runs passes in a
    thread until :meth:`stop`."""

    def __init__(
        self,
        db: Database,
        files: ConfigFiles | None,
        bus: EventBus | None,
        *,
        interval: float = 2.0,
        max_backoff: float = 60.0,
    ) -> None:
        self._db, self._files, self._bus = db, files, bus
        self._interval, self._max_backoff = interval, max_backoff
        self.stats = DrainStats()
        self._loop = DrainLoop("monitoring-outbox", self.drain_once, _report, interval)

    @property
    def enabled(self) -> bool:
        return self._files is not None and self._bus is not None

    # -- one row ---------------------------------------------------------------------------

    def _event(self, session: Session, row: OutboxRow, bus: EventBus) -> None:
        project = project_name(session, row.project_id)
        event = {
            "eventId": row.event_id,
            "timestamp": row.payload["timestamp"],
            "project": project,
            "nsInstanceId": row.ns_instance_id,
            "nsLcmOpOccId": row.payload["nsLcmOpOccId"],
            "operation": row.payload["operation"],
            "operationState": row.payload["operationState"],
            "sequence": row.id,
        }
        bus.publish(event_topics(project, row.ns_instance_id), row.ns_instance_id, event)
        if event["operation"] == "TERMINATE" and event["operationState"] == "COMPLETED":
            bus.delete_topic(service_topic(row.ns_instance_id))

    def _config(self, session: Session, row: OutboxRow, files: ConfigFiles) -> None:
        view = service_view(session, row.ns_instance_id)
        if view is None:
            files.remove(row.ns_instance_id)
            log.info("NS %s: monitoring config removed", row.ns_instance_id)
            return
        for member in view.members:
            if not member.endpoint:
                log.warning(
                    "NS %s: member %s has no metrics_endpoint; no scrape target",
                    view.ns_id,
                    member.member_index,
                )
        files.apply(view.ns_id, render_targets(view), render_rules(view))
        log.info("NS %s: monitoring config written", view.ns_id)

    def _deliver(self, session: Session, row: OutboxRow) -> bool:
        """Deliver one row; False when it was dropped (its lane is off)."""
        if row.kind == EVENT:
            if self._bus is None:
                return False
            self._event(session, row, self._bus)
        else:
            if self._files is None:
                return False
            self._config(session, row, self._files)
            session.execute(  # the newer requests for this instance are fulfilled too
                delete(OutboxRow).where(
                    OutboxRow.kind == CONFIG,
                    OutboxRow.ns_instance_id == row.ns_instance_id,
                    OutboxRow.id != row.id,
                )
            )
        return True

    # -- lanes -----------------------------------------------------------------------------

    def _lane(self, kind: str) -> int:
        done = 0
        with self._db.session() as session:
            ids = session.scalars(
                select(OutboxRow.id)
                .where(OutboxRow.kind == kind)
                .order_by(OutboxRow.id)
                .limit(_BATCH)
            ).all()
        for row_id in ids:
            if self._one(row_id):
                done += 1
            elif kind == EVENT:
                break  # events keep their order: nothing passes a waiting one
        return done

    def _one(self, row_id: int) -> bool:
        """Deliver one row; False stops its lane (the row is not due, or it failed)."""
        failure: str | None = None
        with self._db.session() as session:
            row = session.get(OutboxRow, row_id)
            if row is None:
                return True  # fulfilled with an earlier config row
            if row.next_attempt_at > utcnow():
                return False
            kind = row.kind
            try:
                delivered = self._deliver(session, row)
            except PermanentError as exc:
                log.error("outbox %s row %d dropped: %s", kind, row_id, exc)
                delivered = False
            except (LocusError, OSError) as exc:
                failure = str(exc)
            except Exception as exc:  # a bug must not stop the drain: retried, logged
                log.exception("outbox %s row %d: unexpected failure", kind, row_id)
                failure = f"unexpected {type(exc).__name__}"
            if failure is None:
                session.execute(delete(OutboxRow).where(OutboxRow.id == row_id))
                (self.stats.delivered if delivered else self.stats.dropped)[kind] += 1
        if failure is not None:
            self._failed(row_id, kind, failure)
            return False
        return True

    def _failed(self, row_id: int, kind: str, error: str) -> None:
        self.stats.failures[kind] += 1
        with self._db.session() as session:
            row = postpone(session, row_id, error, self._interval, self._max_backoff)
            if row is None:
                return
            log.warning(
                "outbox %s row %d (NS %s) pending, attempt %d: %s",
                kind,
                row_id,
                row.ns_instance_id,
                row.attempts,
                error,
            )

    def drain_once(self) -> int:
        """One pass over both lanes; the number of rows delivered (or dropped)."""
        return self._lane(EVENT) + self._lane(CONFIG)

    # -- start-up and the thread -----------------------------------------------------------

    def reconcile(self) -> int:
        """Queue a config request for every instantiated NS instance and every NS instance
        that still has files in the folder (monitored before, e.g. terminated meanwhile)."""
        if self._files is None:
            return 0
        layout = self._files.layout
        written = {
            p.stem
            for folder in (layout.targets("x").parent, layout.rules("x").parent, layout.routes_dir)
            if folder.is_dir()
            for p in folder.iterdir()
            if not p.name.startswith(".")
        }
        with self._db.session() as session:
            rows = session.execute(
                select(NsInstanceRow.id, NsInstanceRow.project_id).where(
                    NsInstanceRow.ns_state == "INSTANTIATED"
                )
            ).all()
            known = {ns_id: project for ns_id, project in rows}
            for ns_id in sorted(written | set(known)):
                request_config(session, known.get(ns_id, ""), ns_id, "reconcile at start-up")
        return len(written | set(known))

    def wake(self) -> None:
        self._loop.wake()

    def start(self) -> None:
        if not self.enabled:
            log.warning("monitoring is off: lifecycle events and monitoring config are dropped")
        else:
            log.info("monitoring on: %d NS instance(s) to reconcile", self.reconcile())
        self._loop.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._loop.stop(timeout)


def _report(exc: Exception) -> None:
    log.error("outbox drain pass failed: %s", type(exc).__name__)

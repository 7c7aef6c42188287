"""The MANO's own metrics (``GET /metrics`` of ``locus serve``, Prometheus text format).

HTTP requests are counted by method, route template (``/nslcm/v1/ns_instances/{nsInstanceId}``,
never the ids) and status, with a duration histogram. Everything about operations is read
from the database at scrape time (workers are separate processes): op occurrences by type and
state, the durations of closed ones (a summary: ``_count`` and ``_sum``), their engine and
Ansible time and the MANO's own, before the run and in the worker
(``locus_op_phase_seconds{phase="engine"|"ansible"|"start"|"mano"}``, see
:class:`locus_iac.lcm.worker.DbReporter`), the queue depth
(running occurrences no worker has claimed), and the monitoring outbox depth by kind, with
what the drain delivered, dropped and failed.

``/metrics`` has no authentication, as Prometheus scrapes by default and OSM exposes its
components' metrics: it carries aggregates only (no instance id, name or secret) and
``locus serve`` listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from locus_iac.catalogue import Database
from locus_iac.catalogue.instances import OpOccRow
from locus_iac.monitoring.drain import DrainStats
from locus_iac.monitoring.outbox import depth

_FINAL = ("COMPLETED", "PARTIALLY_COMPLETED", "FAILED", "ROLLED_BACK")
_RUNNING = ("PROCESSING", "ROLLING_BACK")


class _DatabaseCollector(Collector):
    """Op occurrences, durations, queue depth and outbox depth, read at scrape time."""

    def __init__(self, db: Database, stats: DrainStats | None) -> None:
        self._db, self._stats = db, stats

    def _durations(self, rows: list[tuple[str, str, datetime, datetime]]) -> SummaryMetricFamily:
        family = SummaryMetricFamily(
            "locus_op_duration_seconds",
            "Time from start to the final state of closed op occurrences.",
            labels=["operation", "state"],
        )
        totals: dict[tuple[str, str], tuple[int, float]] = {}
        for operation, state, start, end in rows:
            count, total = totals.get((operation, state), (0, 0.0))
            totals[(operation, state)] = (count + 1, total + (end - start).total_seconds())
        for (operation, state), (count, total) in sorted(totals.items()):
            family.add_metric([operation, state], count, total)
        return family

    def _phases(self, rows: list[tuple[str, dict[str, Any] | None]]) -> SummaryMetricFamily:
        family = SummaryMetricFamily(
            "locus_op_phase_seconds",
            "Engine (Pulumi), Ansible and MANO (start, mano) time of closed op occurrences "
            "(latest attempt).",
            labels=["operation", "phase"],
        )
        totals: dict[tuple[str, str], tuple[int, float]] = {}
        for operation, phases in rows:
            for phase, seconds in (phases or {}).items():
                count, total = totals.get((operation, phase), (0, 0.0))
                totals[(operation, phase)] = (count + 1, total + float(seconds))
        for (operation, phase), (count, total) in sorted(totals.items()):
            family.add_metric([operation, phase], count, total)
        return family

    def _outbox(self, counts: dict[str, int]) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        gauge = GaugeMetricFamily(
            "locus_monitoring_outbox_depth", "Outbox rows waiting, by kind.", labels=["kind"]
        )
        for kind, n in sorted(counts.items()):
            gauge.add_metric([kind], n)
        yield gauge
        if self._stats is None:
            return
        for name, values, text in (
            ("delivered", self._stats.delivered, "Outbox rows delivered."),
            ("failures", self._stats.failures, "Failed delivery attempts (retried)."),
            ("dropped", self._stats.dropped, "Outbox rows dropped (monitoring off, bad config)."),
        ):
            counter = CounterMetricFamily(f"locus_monitoring_outbox_{name}", text, labels=["kind"])
            for kind, n in sorted(values.items()):
                counter.add_metric([kind], n)
            yield counter

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily | SummaryMetricFamily]:
        with self._db.session(readonly=True) as session:
            by_state = session.execute(
                select(OpOccRow.operation, OpOccRow.state, func.count()).group_by(
                    OpOccRow.operation, OpOccRow.state
                )
            ).all()
            closed = session.execute(
                select(
                    OpOccRow.operation,
                    OpOccRow.state,
                    OpOccRow.start_time,
                    OpOccRow.state_entered_time,
                    OpOccRow.phase_seconds,
                ).where(OpOccRow.state.in_(_FINAL))
            ).all()
            queued = session.scalar(
                select(func.count())
                .select_from(OpOccRow)
                .where(OpOccRow.state.in_(_RUNNING), OpOccRow.claimed_by.is_(None))
            )
            outbox = depth(session)
        occs = GaugeMetricFamily(
            "locus_op_occurrences",
            "NS LCM op occurrences by type and state.",
            labels=["operation", "state"],
        )
        for operation, state, count in sorted(by_state):
            occs.add_metric([operation, state], count)
        yield occs
        yield self._durations([(o, s, a, b) for o, s, a, b, _ in closed])
        yield self._phases([(o, p) for o, _, _, _, p in closed])
        yield GaugeMetricFamily(
            "locus_lcm_queue_depth", "Running op occurrences no worker has claimed.", queued or 0
        )
        yield from self._outbox(outbox)


class ManoMetrics:
    """The registry behind ``/metrics`` (one per app, so tests do not share state)."""

    def __init__(self, db: Database, stats: DrainStats | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "locus_http_requests",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "locus_http_request_duration_seconds",
            "HTTP request duration by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self.registry.register(_DatabaseCollector(db, stats))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

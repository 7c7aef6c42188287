"""What /metrics reads from the database: op states, durations, engine and Ansible phases."""

from __future__ import annotations

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from support.databases import database_url, db

from locus_iac.catalogue import Database, create_project
from locus_iac.catalogue.instances import OpOccRow
from locus_iac.lcm import queue
from locus_iac.lcm.states import LcmEvent
from locus_iac.lcm.states import LcmOperationType as OP
from locus_iac.lcm.worker import DbReporter
from locus_iac.monitoring.metrics import ManoMetrics

__all__ = ["database_url", "db"]


def _samples(metrics: ManoMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(metrics.registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_phases_durations_and_states_are_exported(db: Database) -> None:
    with db.session() as session:
        project = create_project(session, "p1").id
        ns = queue.create_instance(session, project, name="n", nsd_id="x", nsd_info_id="y").id
    with db.session() as session:
        op = queue.start_operation(session, project, ns, OP.INSTANTIATE, {}).id
    metrics = ManoMetrics(db)
    running = _samples(metrics)
    assert (
        running[("locus_op_occurrences", (("operation", "INSTANTIATE"), ("state", "PROCESSING")))]
        == 1
    )
    assert running[("locus_lcm_queue_depth", ())] == 1.0
    reporter = DbReporter(db, op)
    reporter.engine_run("up")
    reporter.step("day1: 1")
    reporter.step("done")
    reporter.finish()
    with db.session() as session:
        queue.apply_event(session, op, LcmEvent.COMPLETE, instance_params={})
        row = session.scalars(select(OpOccRow).where(OpOccRow.id == op)).one()
        phases = dict(row.phase_seconds or {})
    assert set(phases) == {"mano", "engine", "ansible"}
    assert all(seconds >= 0 for seconds in phases.values())
    done = _samples(metrics)
    key = (("operation", "INSTANTIATE"), ("state", "COMPLETED"))
    assert done[("locus_op_occurrences", key)] == 1
    assert done[("locus_op_duration_seconds_count", key)] == 1
    assert done[("locus_op_duration_seconds_sum", key)] >= 0
    for phase in ("engine", "ansible"):
        labels = (("operation", "INSTANTIATE"), ("phase", phase))
        assert done[("locus_op_phase_seconds_count", labels)] == 1
    assert done[("locus_lcm_queue_depth", ())] == 0.0

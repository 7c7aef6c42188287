"""Tables of NS instances and their LCM operation occurrences (the durable operation queue).

SOL005 v3.7.1 ``NsInstance`` (clause 6.5.2.10) and ``NsLcmOpOcc`` (clause 6.5.2.3). The rows
are the queue of :mod:`locus_iac.lcm.queue`: an occurrence in ``PROCESSING`` or
``ROLLING_BACK`` whose ``claimed_by`` is empty waits for a worker; a worker claims it with a
conditional ``UPDATE``. ``ns_instances.current_op_occ_id`` is the per-instance lock: it is set
with a compare-and-set (``WHERE current_op_occ_id IS NULL``) when an operation is accepted and
cleared when that operation reaches a final state, so at most one open operation exists per
NS instance on every backend.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from locus_iac.catalogue.models import Base, new_id, utcnow


class InstanceColumns:
    """The columns NS and netslice instance rows share; ``current_op_occ_id`` is the
    per-instance lock (see the module docstring)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    instantiate_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    current_op_occ_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OccurrenceColumns:
    """The columns NS and netslice LCM operation occurrence rows share."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("projects.id", ondelete="CASCADE")
    )
    operation: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24))
    start_time: Mapped[datetime] = mapped_column(default=utcnow)
    state_entered_time: Mapped[datetime] = mapped_column(default=utcnow)
    operation_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class NsInstanceRow(InstanceColumns, Base):
    """One NS instance of a project (one Pulumi stack named after ``id``)."""

    __tablename__ = "ns_instances"
    __table_args__ = (Index("ix_ns_instances_page", "project_id", "created_at", "id"),)

    nsd_id: Mapped[str] = mapped_column(String(255))
    nsd_info_id: Mapped[str] = mapped_column(String(36))
    ns_state: Mapped[str] = mapped_column(String(24))
    nsi_id: Mapped[str | None] = mapped_column(
        String(36), default=None, doc="the netslice instance that created it (a nested NS)"
    )


class OpOccRow(OccurrenceColumns, Base):
    """One NS LCM operation occurrence; ``progress`` holds the worker's progress view."""

    __tablename__ = "ns_lcm_op_occs"
    __table_args__ = (
        Index("ix_op_occs_queue", "state", "claimed_by"),
        Index("ix_op_occs_instance", "ns_instance_id", "start_time"),
    )

    ns_instance_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("ns_instances.id", ondelete="CASCADE")
    )
    is_automatic_invocation: Mapped[bool] = mapped_column(Boolean, default=False)
    is_cancel_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_mode: Mapped[str | None] = mapped_column(String(16))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: seconds spent per phase ("engine": Pulumi runs, "ansible": Day1/Day2 playbooks) by the
    #: latest attempt, kept apart from ``progress`` so /metrics reads it cheaply (issue 17)
    phase_seconds: Mapped[dict[str, Any] | None] = mapped_column(JSON)

"""The monitoring outbox: work for the monitoring platform, written in the transaction of the
lifecycle change that causes it (a transactional outbox).

A row is either an op occurrence event for the bus (``kind = "event"``) or a request to bring
the monitoring configuration of one NS instance in line with the database
(``kind = "config"``). ``locus serve`` drains the table in the background
(:mod:`locus_iac.monitoring.drain`): a delivered row is deleted; a failed one keeps its place,
counts ``attempts`` and waits until ``next_attempt_at``. The row ``id`` gives the order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from locus_iac.catalogue.models import Base, new_id, utcnow


class OutboxRow(Base):
    """One pending delivery to the monitoring platform."""

    __tablename__ = "monitoring_outbox"
    __table_args__ = (Index("ix_monitoring_outbox_due", "kind", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), default=new_id)
    kind: Mapped[str] = mapped_column(String(16))
    project_id: Mapped[str] = mapped_column(String(36))
    ns_instance_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)

"""Tables of netslice instances (OSM NSI, seed Annex B.5) and their LCM operation occurrences.

A netslice instance is the composite NS of an NST: one nested NS instance per
``netslice-subnet`` (rows of :mod:`locus_iac.catalogue.instances`, each its own Pulumi stack)
joined on the netslice VLDs. ``nested`` lists them in NST order with the parameters each is
instantiated with. ``nsi_instances.current_op_occ_id`` is the per-netslice lock, taken with a
compare-and-set like the NS one. An occurrence's ``progress`` holds the coordinator's view:
current step and, per nested NS, the NS LCM occurrence it started.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from locus_iac.catalogue.instances import InstanceColumns, OccurrenceColumns
from locus_iac.catalogue.models import Base


class NsiInstanceRow(InstanceColumns, Base):
    """One netslice instance of a project."""

    __tablename__ = "nsi_instances"
    __table_args__ = (Index("ix_nsi_instances_page", "project_id", "created_at", "id"),)

    nst_id: Mapped[str] = mapped_column(String(255))
    nst_info_id: Mapped[str] = mapped_column(String(36))
    nsi_state: Mapped[str] = mapped_column(String(24))
    nested: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class NsiOpOccRow(OccurrenceColumns, Base):
    """One netslice LCM operation occurrence (INSTANTIATE, ACTION, TERMINATE)."""

    __tablename__ = "nsi_lcm_op_occs"
    __table_args__ = (
        Index("ix_nsi_op_occs_state", "state"),
        Index("ix_nsi_op_occs_instance", "nsi_instance_id", "start_time"),
    )

    nsi_instance_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("nsi_instances.id", ondelete="CASCADE")
    )
    attempts: Mapped[int] = mapped_column(Integer, default=1)

"""Netslice instances and their LCM operation occurrences (OSM NSI, seed Annex B.5); the
netslice a nested NS instance belongs to.

Revision ID: 0004_netslice_instances
Revises: 0003_ns_instances
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_netslice_instances"
down_revision = "0003_ns_instances"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _project() -> sa.Column[str]:
    return sa.Column(
        "project_id",
        sa.String(36),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "nsi_instances",
        sa.Column("id", sa.String(36), primary_key=True),
        _project(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("nst_id", sa.String(255), nullable=False),
        sa.Column("nst_info_id", sa.String(36), nullable=False),
        sa.Column("nsi_state", sa.String(24), nullable=False),
        sa.Column("instantiate_params", sa.JSON, nullable=False),
        sa.Column("nested", sa.JSON, nullable=False),
        sa.Column("current_op_occ_id", sa.String(36)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_nsi_instances_page", "nsi_instances", ["project_id", "created_at", "id"])
    op.create_table(
        "nsi_lcm_op_occs",
        sa.Column("id", sa.String(36), primary_key=True),
        _project(),
        sa.Column(
            "nsi_instance_id",
            sa.String(36),
            sa.ForeignKey("nsi_instances.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("start_time", _TS, nullable=False),
        sa.Column("state_entered_time", _TS, nullable=False),
        sa.Column("operation_params", sa.JSON, nullable=False),
        sa.Column("error", sa.JSON),
        sa.Column("progress", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_index("ix_nsi_op_occs_state", "nsi_lcm_op_occs", ["state"])
    op.create_index("ix_nsi_op_occs_instance", "nsi_lcm_op_occs", ["nsi_instance_id", "start_time"])
    with op.batch_alter_table("ns_instances") as batch:
        batch.add_column(sa.Column("nsi_id", sa.String(36)))


def downgrade() -> None:
    with op.batch_alter_table("ns_instances") as batch:
        batch.drop_column("nsi_id")
    op.drop_index("ix_nsi_op_occs_instance", "nsi_lcm_op_occs")
    op.drop_index("ix_nsi_op_occs_state", "nsi_lcm_op_occs")
    op.drop_table("nsi_lcm_op_occs")
    op.drop_index("ix_nsi_instances_page", "nsi_instances")
    op.drop_table("nsi_instances")

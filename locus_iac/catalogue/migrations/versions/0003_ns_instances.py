"""NS instances and NS LCM operation occurrences (SOL005 NsInstance, NsLcmOpOcc): the durable
operation queue of the lifecycle engine.

Revision ID: 0003_ns_instances
Revises: 0002_package_artifacts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_ns_instances"
down_revision = "0002_package_artifacts"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ns_instances",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "project_id",
            sa.String(36),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("nsd_id", sa.String(255), nullable=False),
        sa.Column("nsd_info_id", sa.String(36), nullable=False),
        sa.Column("ns_state", sa.String(24), nullable=False),
        sa.Column("instantiate_params", sa.JSON, nullable=False),
        sa.Column("current_op_occ_id", sa.String(36)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_ns_instances_page", "ns_instances", ["project_id", "created_at", "id"])
    op.create_table(
        "ns_lcm_op_occs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "project_id",
            sa.String(36),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "ns_instance_id",
            sa.String(36),
            sa.ForeignKey("ns_instances.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("start_time", _TS, nullable=False),
        sa.Column("state_entered_time", _TS, nullable=False),
        sa.Column("is_automatic_invocation", sa.Boolean, nullable=False),
        sa.Column("operation_params", sa.JSON, nullable=False),
        sa.Column("is_cancel_pending", sa.Boolean, nullable=False),
        sa.Column("cancel_mode", sa.String(16)),
        sa.Column("error", sa.JSON),
        sa.Column("progress", sa.JSON, nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("worker_pid", sa.Integer),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_index("ix_op_occs_queue", "ns_lcm_op_occs", ["state", "claimed_by"])
    op.create_index("ix_op_occs_instance", "ns_lcm_op_occs", ["ns_instance_id", "start_time"])


def downgrade() -> None:
    op.drop_index("ix_op_occs_instance", "ns_lcm_op_occs")
    op.drop_index("ix_op_occs_queue", "ns_lcm_op_occs")
    op.drop_table("ns_lcm_op_occs")
    op.drop_index("ix_ns_instances_page", "ns_instances")
    op.drop_table("ns_instances")

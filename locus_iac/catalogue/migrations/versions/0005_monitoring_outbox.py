"""The monitoring outbox (issue 17): op occurrence events for the bus and configuration
requests for Prometheus/Alertmanager, drained by ``locus serve``; the engine and Ansible
seconds of each NS op occurrence (``ns_lcm_op_occs.phase_seconds``) for ``/metrics``.

Revision ID: 0005_monitoring_outbox
Revises: 0004_netslice_instances
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_monitoring_outbox"
down_revision = "0004_netslice_instances"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "monitoring_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("ns_instance_id", sa.String(36), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_index(
        "ix_monitoring_outbox_due", "monitoring_outbox", ["kind", "next_attempt_at", "id"]
    )
    with op.batch_alter_table("ns_lcm_op_occs") as batch:
        batch.add_column(sa.Column("phase_seconds", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("ns_lcm_op_occs") as batch:
        batch.drop_column("phase_seconds")
    op.drop_index("ix_monitoring_outbox_due", table_name="monitoring_outbox")
    op.drop_table("monitoring_outbox")

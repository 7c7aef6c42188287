"""SOL005 subscriptions and notifications (issue 16): the ``subscriptions`` table and the
outbox's ``subscription_id`` (``deliver`` rows: one notification for one subscription).

Revision ID: 0006_subscriptions
Revises: 0005_monitoring_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_subscriptions"
down_revision = "0005_monitoring_outbox"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "project_id",
            sa.String(36),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("api", sa.String(16), nullable=False),
        sa.Column("callback_uri", sa.Text, nullable=False),
        sa.Column("filter", sa.JSON, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("verbosity", sa.String(8)),
        sa.Column("auth", sa.LargeBinary),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index(
        "ix_subscriptions_page", "subscriptions", ["project_id", "api", "created_at", "id"]
    )
    op.create_index("ix_subscriptions_fingerprint", "subscriptions", ["project_id", "fingerprint"])
    with op.batch_alter_table("monitoring_outbox") as batch:
        batch.add_column(sa.Column("subscription_id", sa.String(36)))
    op.create_index(
        "ix_monitoring_outbox_subscription",
        "monitoring_outbox",
        ["kind", "subscription_id", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_outbox_subscription", table_name="monitoring_outbox")
    with op.batch_alter_table("monitoring_outbox") as batch:
        batch.drop_column("subscription_id")
    op.drop_index("ix_subscriptions_fingerprint", table_name="subscriptions")
    op.drop_index("ix_subscriptions_page", table_name="subscriptions")
    op.drop_table("subscriptions")

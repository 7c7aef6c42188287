"""Package content (issue 16): ``software_images`` (SOL005 VnfPkgInfo.softwareImages from the
VNFD's ``sw-image-desc``) and ``onboarding_failure`` (onboardingFailureDetails of a failed
``upload_from_uri``) on ``packages``. PNF descriptors are packages of kind ``pnfd`` in the same
table, so they need no table of their own.

Revision ID: 0007_pnfd
Revises: 0006_subscriptions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_pnfd"
down_revision = "0006_subscriptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("packages") as batch:
        batch.add_column(sa.Column("software_images", sa.JSON))
        batch.add_column(sa.Column("onboarding_failure", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("packages") as batch:
        batch.drop_column("onboarding_failure")
        batch.drop_column("software_images")

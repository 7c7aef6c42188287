"""Package artifacts and VNF software version (SOL005 VnfPkgInfo ``additionalArtifacts``,
``vnfSoftwareVersion``).

Revision ID: 0002_package_artifacts
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_package_artifacts"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("packages") as batch:
        batch.add_column(sa.Column("software_version", sa.String(255)))
        batch.add_column(sa.Column("artifacts", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("packages") as batch:
        batch.drop_column("artifacts")
        batch.drop_column("software_version")

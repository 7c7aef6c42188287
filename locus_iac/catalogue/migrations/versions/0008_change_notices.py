"""Change notices (issue 19), PostgreSQL only: every table of the catalogue gets a statement
trigger that sends ``NOTIFY locus_catalogue`` whenever a statement writes to it. PostgreSQL
delivers a transaction's notices when it commits (one per channel and transaction, none when
it rolls back), so a listener counts exactly the committed changes of this catalogue; the
NBI's hot reads use that count as their version (``locus_iac.catalogue.change_clock``)
instead of the server's snapshot, which a commit to any other database also moved.

A table created by a later revision needs the same trigger (``tests/catalogue`` checks every
table has it). SQLite needs nothing: its ``PRAGMA data_version`` is already this file's own.

Revision ID: 0008_change_notices
Revises: 0007_pnfd
"""

from __future__ import annotations

from alembic import op

revision = "0008_change_notices"
down_revision = "0007_pnfd"
branch_labels = None
depends_on = None

TABLES = (
    "projects",
    "users",
    "memberships",
    "tokens",
    "packages",
    "package_blobs",
    "package_refs",
    "sites",
    "ns_instances",
    "ns_lcm_op_occs",
    "nsi_instances",
    "nsi_lcm_op_occs",
    "monitoring_outbox",
    "subscriptions",
)
FUNCTION = "locus_catalogue_changed"
TRIGGER = "locus_catalogue_changed"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('locus_catalogue', '');
            RETURN NULL;
        END
        $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")

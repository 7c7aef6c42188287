"""Alembic environment: runs on the connection handed over by ``locus_iac.catalogue``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from locus_iac.catalogue.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("the catalogue migrations run through locus_iac.catalogue.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

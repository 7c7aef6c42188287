"""Alembic revisions of the catalogue schema."""

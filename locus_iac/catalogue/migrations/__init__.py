"""Alembic migrations of the catalogue, applied programmatically by :func:`migrate`."""

"""A fresh, migrated catalogue database per test: SQLite, and PostgreSQL when
LOCUS_TEST_POSTGRES_URL names a database the tests may wipe (else skipped, with the reason)."""

from support.databases import database_url, db

__all__ = ["database_url", "db"]

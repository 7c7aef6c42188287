"""Snapshot of every catalogue row, to prove a failed request changed nothing."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from locus_iac.catalogue.models import Base, TokenRow


def snapshot(app: FastAPI) -> dict[str, list[tuple[Any, ...]]]:
    """All rows of all tables (tokens excluded: logging in is not a catalogue change)."""
    db = app.state.services.db
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == TokenRow.__tablename__:
                continue
            result = conn.execute(table.select())
            rows[table.name] = sorted((tuple(r) for r in result), key=repr)
    return rows

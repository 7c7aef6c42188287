"""Readable tables for the client (the CLI's output layer for NBI resources)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table


def show_table(columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]]) -> None:
    """Print ``rows`` with ``columns`` = (header, key); nested keys use dots (``a.b``)."""
    table = Table(show_edge=False, header_style="bold")
    for header, _ in columns:
        table.add_column(header)
    for row in rows:
        table.add_row(*(_cell(row, key) for _, key in columns))
    Console(soft_wrap=True).print(table)


def show_fields(record: dict[str, Any]) -> None:
    """Print one resource as ``key: value`` lines (nested values as compact JSON)."""
    table = Table(show_header=False, show_edge=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for key, value in record.items():
        table.add_row(key, _text(value))
    Console(soft_wrap=True).print(table)


def _cell(row: dict[str, Any], key: str) -> str:
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items()) or "-"
    return str(value)

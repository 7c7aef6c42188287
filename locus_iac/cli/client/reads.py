"""The reads ``locus ns`` and ``locus nsi`` share: list and show instances, list and show their
operation occurrences (every page of a list; ``--json`` prints the API's objects).

One :class:`Reads` per interface says where its instances and occurrences live and which
columns a table shows; :func:`register_reads` adds ``list`` and ``show`` to a group, whose
``ops`` command calls :func:`list_or_show_ops`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import typer

from locus_iac.cli.client.lifecycle import OccurrenceApi, fetch_all
from locus_iac.cli.client.packages import JSON_OPT, run
from locus_iac.cli.client.tables import show_fields, show_table
from locus_iac.cli.output import emit_json

Record = dict[str, Any]
Columns = list[tuple[str, str]]


def _same(item: Record) -> Record:
    return item


def op_columns(instance_header: str, instance_key: str) -> Columns:
    """The table of occurrences: id, instance, type, state, step, start."""
    return [
        ("ID", "id"),
        (instance_header, instance_key),
        ("TYPE", "lcmOperationType"),
        ("STATE", "operationState"),
        ("STEP", "progress.currentStep"),
        ("STARTED", "startTime"),
    ]


@dataclass(frozen=True)
class Reads:
    """Paths and tables of one LCM interface (``/nslcm/v1`` or ``/nsilcm/v1``)."""

    noun: str  # "NS instance"
    id_metavar: str  # the argument naming one instance, e.g. ns_id
    instances: str  # collection path of the instances
    occurrences: OccurrenceApi
    instance_filter: str  # query parameter naming one instance in the occurrence list
    instance_columns: Columns
    op_columns: Columns
    row: Callable[[Record], Record] = field(default=_same)  # a list item as a table row


def list_instances(reads: Reads, as_json: bool) -> None:
    """Every instance of the project (all pages), as JSON or a table."""
    items = run(as_json, lambda c: fetch_all(c, reads.instances))
    if as_json:
        emit_json(items)
        return
    show_table(reads.instance_columns, [reads.row(item) for item in items])


def show_instance(reads: Reads, instance_id: str, as_json: bool) -> None:
    """One instance, as JSON or its fields."""
    info = run(as_json, lambda c: c.json("GET", f"{reads.instances}/{instance_id}"))
    emit_json(info) if as_json else show_fields(info)


def list_or_show_ops(
    reads: Reads, instance_id: str | None, op_id: str | None, as_json: bool
) -> None:
    """One occurrence in full (``op_id``), else every occurrence (of one instance)."""
    path = reads.occurrences.occurrences
    if op_id:
        occ = run(as_json, lambda c: c.json("GET", f"{path}/{op_id}"))
        emit_json(occ) if as_json else show_fields(occ)
        return
    params = {reads.instance_filter: instance_id} if instance_id else {}
    items = run(as_json, lambda c: fetch_all(c, path, params))
    if as_json:
        emit_json(items)
        return
    show_table(reads.op_columns, items)


def register_reads(app: typer.Typer, reads: Reads) -> None:
    """Add ``list`` and ``show`` of ``reads``'s instances to a command group."""

    @app.command("list", help=f"List the project's {reads.noun}s (every page).")
    def list_(as_json: bool = JSON_OPT) -> None:
        list_instances(reads, as_json)

    @app.command("show", help=f"Show one {reads.noun}.")
    def show(
        instance_id: str = typer.Argument(..., metavar=reads.id_metavar),
        as_json: bool = JSON_OPT,
    ) -> None:
        show_instance(reads, instance_id, as_json)

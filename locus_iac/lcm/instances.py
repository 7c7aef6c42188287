"""The store of NS and netslice instances and their occurrences: one set of functions for both.

An NS instance (:class:`~locus_iac.catalogue.instances.NsInstanceRow`, SOL005 ``NsInstance``)
and a netslice instance (:class:`~locus_iac.catalogue.netslices.NsiInstanceRow`, OSM NSI) are
stored, looked up, paged, locked and refused the same way; a :class:`Kind` names the tables
and words of one of them (:data:`NS`, :data:`NSI`). What differs stays with its owner: the NS
operation queue (:mod:`locus_iac.lcm.queue`) and the netslice operations
(:mod:`locus_iac.lcm.nsi_queue`).

* The per-instance lock is ``current_op_occ_id``, set by a compare-and-set (``WHERE
  current_op_occ_id IS NULL``) so that exactly one of concurrent requests gets it on every
  backend (:func:`take_lock`); a request that meets it gets :class:`~locus_iac.errors.Conflict`
  naming the open occurrence (:func:`require_unlocked`).
* Lists page by ``(created_at | start_time, id)`` (SOL013 clause 5.4.2.1,
  :mod:`locus_iac.catalogue.paging`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from locus_iac.catalogue.instances import (
    InstanceColumns,
    NsInstanceRow,
    OccurrenceColumns,
    OpOccRow,
)
from locus_iac.catalogue.models import utcnow
from locus_iac.catalogue.netslices import NsiInstanceRow, NsiOpOccRow
from locus_iac.catalogue.paging import KeysetPage, keyset_page
from locus_iac.errors import Conflict, NotFound
from locus_iac.lcm.states import NsState

I = TypeVar("I", bound=InstanceColumns)  # noqa: E741
O = TypeVar("O", bound=OccurrenceColumns)  # noqa: E741


@dataclass(frozen=True)
class Kind(Generic[I, O]):
    """The tables and the words of one kind of instance."""

    noun: str
    instance: type[I]
    occurrence: type[O]
    occurrence_noun: str
    #: the occurrence's column naming its instance
    instance_of: InstrumentedAttribute[str]
    #: the tasks offered on a blocking occurrence, for the 409's message
    tasks: str
    #: the instance's column of its state (SOL005 ``NsState`` values)
    state_field: str


NS: Kind[NsInstanceRow, OpOccRow] = Kind(
    "NS instance",
    NsInstanceRow,
    OpOccRow,
    "NS LCM operation occurrence",
    OpOccRow.ns_instance_id,
    "retry / rollback / fail it",
    "ns_state",
)
NSI: Kind[NsiInstanceRow, NsiOpOccRow] = Kind(
    "netslice instance",
    NsiInstanceRow,
    NsiOpOccRow,
    "netslice LCM operation occurrence",
    NsiOpOccRow.nsi_instance_id,
    "retry / fail it",
    "nsi_state",
)


# -- instances -------------------------------------------------------------------------------


def create_instance(
    session: Session,
    kind: Kind[I, O],
    project_id: str,
    *,
    name: str,
    description: str | None,
    **fields: Any,
) -> I:
    """A new instance of ``kind`` in ``NOT_INSTANTIATED`` (``fields``: its descriptor)."""
    now = utcnow()
    values: dict[str, Any] = {"instantiate_params": {}, "created_at": now, "updated_at": now}
    values[kind.state_field] = NsState.NOT_INSTANTIATED.value
    values |= {"project_id": project_id, "name": name, "description": description, **fields}
    row = kind.instance(**values)
    session.add(row)
    session.flush()
    return row


def release(instance: InstanceColumns, op_occ_id: str, params: dict[str, Any] | None) -> None:
    """An occurrence of ``instance`` closed: its parameters from now on (when given), and the
    lock it held released."""
    if params is not None:
        instance.instantiate_params = params
    if instance.current_op_occ_id == op_occ_id:
        instance.current_op_occ_id = None
    instance.updated_at = utcnow()


def get_instance(session: Session, kind: Kind[I, O], project_id: str, instance_id: str) -> I:
    table = kind.instance
    query = select(table).where(table.id == instance_id, table.project_id == project_id)
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"{kind.noun} {instance_id!r} not found")
    return row


def page_instances(
    session: Session, kind: Kind[I, O], project_id: str, *, marker: str | None, limit: int
) -> KeysetPage[I]:
    """One page of the project's instances of ``kind``, oldest first (SOL013 clause 5.4.2.1)."""
    table = kind.instance
    query = select(table).where(table.project_id == project_id)
    return keyset_page(session, query, table.created_at, table.id, marker=marker, limit=limit)


def blocked_message(session: Session, kind: Kind[I, O], instance_id: str, op_occ_id: str) -> str:
    blocking = session.get(kind.occurrence, op_occ_id)
    what = f"{blocking.operation} in state {blocking.state}" if blocking else "an operation"
    return (
        f"{kind.noun} {instance_id} is busy: operation occurrence {op_occ_id} ({what}) is "
        f"still open; wait for it, or {kind.tasks}"
    )


def require_unlocked(session: Session, kind: Kind[I, O], instance: I) -> None:
    """409 naming the open occurrence when ``instance`` has one."""
    if instance.current_op_occ_id is not None:
        raise Conflict(blocked_message(session, kind, instance.id, instance.current_op_occ_id))


def take_lock(session: Session, kind: Kind[I, O], instance: I, op_occ_id: str) -> None:
    """The per-instance lock: ``current_op_occ_id`` set by a compare-and-set, so exactly one
    of concurrent requests gets it on every backend; 409 naming the holder otherwise."""
    table = kind.instance
    locked = session.execute(
        update(table)
        .where(table.id == instance.id, table.current_op_occ_id.is_(None))
        .values(current_op_occ_id=op_occ_id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(locked, "rowcount", 0) == 1:
        return
    session.refresh(instance)
    holder = instance.current_op_occ_id or "?"
    raise Conflict(blocked_message(session, kind, instance.id, holder))


# -- occurrences -----------------------------------------------------------------------------


def get_occurrence_row(
    session: Session,
    kind: Kind[I, O],
    op_occ_id: str,
    project_id: str | None = None,
    *,
    lock: bool = True,
) -> O:
    """The row of an occurrence, locked for update unless ``lock`` is False (reads)."""
    table = kind.occurrence
    query = select(table).where(table.id == op_occ_id)
    if project_id is not None:
        query = query.where(table.project_id == project_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"{kind.occurrence_noun} {op_occ_id!r} not found")
    return row


def occurrences_query(kind: Kind[I, O], project_id: str, instance_id: str | None) -> Select[O]:
    """The project's occurrences of ``kind`` (of one instance), not ordered."""
    table = kind.occurrence
    query = select(table).where(table.project_id == project_id)
    if instance_id is not None:
        query = query.where(kind.instance_of == instance_id)
    return query


def page_occurrences(
    session: Session,
    kind: Kind[I, O],
    project_id: str,
    instance_id: str | None,
    *,
    marker: str | None,
    limit: int,
) -> KeysetPage[O]:
    """One page of occurrences (of one instance) by start time (SOL013 clause 5.4.2.1)."""
    table = kind.occurrence
    query = occurrences_query(kind, project_id, instance_id)
    return keyset_page(session, query, table.start_time, table.id, marker=marker, limit=limit)

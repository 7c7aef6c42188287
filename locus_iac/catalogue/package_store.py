"""Repository of VNF packages, NSD packages and netslice templates (one table, ``kind``).

Every query is scoped by ``project_id``: another project's package is a :class:`NotFound`.
Lists use keyset paging on ``(created_at, id)`` so a page costs the same at any depth.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    Row,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased, object_session

from locus_iac.catalogue import package_events
from locus_iac.catalogue.models import (
    PackageBlobRow,
    PackageRefRow,
    PackageRow,
    new_id,
    utcnow,
)
from locus_iac.catalogue.paging import KeysetPage, keyset_page
from locus_iac.catalogue.states import (
    UPLOADABLE,
    OnboardingState,
    OperationalState,
    PackageKind,
    check_transition,
)
from locus_iac.errors import Conflict, NotFound

NOUN: dict[PackageKind, str] = {
    PackageKind.VNFD: "VNF package",
    PackageKind.NSD: "NS descriptor",
    PackageKind.NST: "netslice template",
    PackageKind.PNFD: "PNF descriptor",
}


@dataclass(frozen=True, slots=True)
class Page:
    """One page of packages: plain rows of the :data:`SHOWN_COLUMNS` as :func:`get_shown`
    reads them (no ORM objects: a list reads many rows and mostly renders them from a cache),
    the descriptor ids in use among them, the next page's marker."""

    rows: Sequence[Row[Any]]
    in_use: frozenset[str]
    next_marker: str | None


#: the columns a package's representation shows, in the mapper's order (not the deferred
#: descriptor YAML); a list's rows hold these, then ``in_use``
SHOWN_COLUMNS = tuple(prop.key for prop in inspect(PackageRow).column_attrs if not prop.deferred)

#: the JSON columns among :data:`SHOWN_COLUMNS`: plain rows hold them as their stored JSON text,
#: the key of a cached representation, parsed only when it is rendered (:func:`package_of`);
#: parsing them on every read was a quarter of a cached list's CPU (issue 19)
JSON_COLUMNS = frozenset(
    name for name in SHOWN_COLUMNS if isinstance(PackageRow.__table__.c[name].type, JSON)
)


def _shown_query() -> Select[Any]:
    """The :data:`SHOWN_COLUMNS` (JSON ones as text), then whether the package is in use (as
    :func:`in_use`), of the packages of ``:project_id`` and ``:kind``."""
    columns: list[Any] = [
        cast(getattr(PackageRow, name), Text).label(name)
        if name in JSON_COLUMNS
        else getattr(PackageRow, name)
        for name in SHOWN_COLUMNS
    ]
    project: BindParameter[str] = bindparam("project_id")
    kind: BindParameter[str] = bindparam("kind")
    used = (
        exists()
        .where(
            PackageRefRow.project_id == project,
            PackageRefRow.kind == kind,
            PackageRefRow.descriptor_id == PackageRow.descriptor_id,
        )
        .label("in_use")
    )
    return select(*columns, used).where(PackageRow.project_id == project, PackageRow.kind == kind)


# built once, like _REFERENCES: building them took more CPU than a cached get's query
_SHOWN = _shown_query()
_SHOWN_ONE = _SHOWN.where(PackageRow.id == bindparam("package_id"))


def package_of(row: Row[Any]) -> PackageRow:
    """A detached :class:`PackageRow` of a plain row of :func:`get_shown` or
    :func:`list_packages`, its JSON columns parsed (as the ORM would have loaded them)."""
    values = row._mapping
    return PackageRow(
        **{
            name: _loads(values[name]) if name in JSON_COLUMNS else values[name]
            for name in SHOWN_COLUMNS
        }
    )


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def create_package(
    session: Session,
    project_id: str,
    kind: PackageKind,
    *,
    name: str | None = None,
    description: str | None = None,
    user_defined_data: dict[str, Any] | None = None,
) -> PackageRow:
    """A new package in ``CREATED``, added to ``session`` (written at its next query or at
    commit: a caller that fills it in first writes it with one INSERT)."""
    now = utcnow()
    row = PackageRow(
        id=new_id(),
        project_id=project_id,
        kind=kind.value,
        name=name,
        description=description,
        onboarding_state=OnboardingState.CREATED.value,
        operational_state=OperationalState.ENABLED.value,
        user_defined_data=dict(user_defined_data or {}),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    return row


def get_package(
    session: Session, project_id: str, kind: PackageKind, package_id: str, *, lock: bool = False
) -> PackageRow:
    query = select(PackageRow).where(
        PackageRow.id == package_id, PackageRow.project_id == project_id, PackageRow.kind == kind
    )
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"{NOUN[kind]} {package_id!r} not found")
    return row


def get_shown(session: Session, project_id: str, kind: PackageKind, package_id: str) -> Row[Any]:
    """A package as a plain row of a list (:class:`Page`): its :data:`SHOWN_COLUMNS` (JSON
    ones as text), then ``in_use`` (as :func:`in_use`), in one query and without an ORM
    object (:func:`package_of` makes one). Run on the session's connection: the ORM's
    statement handling is a third of a cached get's database CPU, and these are plain rows."""
    params = {"project_id": project_id, "kind": kind.value, "package_id": package_id}
    found = session.connection().execute(_SHOWN_ONE, params).first()
    if found is None:
        raise NotFound(f"{NOUN[kind]} {package_id!r} not found")
    return found


def in_use(session: Session, project_id: str, kind: PackageKind, ids: Iterable[str]) -> set[str]:
    """Those of ``ids`` (descriptor ids of ``kind``) referenced by an onboarded package."""
    wanted = {i for i in ids if i}
    if not wanted:
        return set()
    query = select(PackageRefRow.descriptor_id).where(
        PackageRefRow.project_id == project_id,
        PackageRefRow.kind == kind,
        PackageRefRow.descriptor_id.in_(wanted),
    )
    return set(session.scalars(query))


def list_packages(
    session: Session, project_id: str, kind: PackageKind, *, marker: str | None, limit: int
) -> Page:
    """One page of the project's packages of ``kind``, oldest first (SOL013 clause 5.4.2),
    with whether each is in use: one query; rows as :func:`get_shown` reads them."""
    page: KeysetPage[Row[Any]] = keyset_page(
        session,
        _SHOWN,
        PackageRow.created_at,
        PackageRow.id,
        marker=marker,
        limit=limit,
        params={"project_id": project_id, "kind": kind.value},
        plain=True,
    )
    used = frozenset(r.descriptor_id for r in page.rows if r.in_use)
    return Page(page.rows, used, page.next_marker)


def modify_package(
    row: PackageRow,
    *,
    operational_state: OperationalState | None,
    user_defined_data: dict[str, Any] | None,
) -> None:
    """PATCH semantics of SOL005 clause 5.4.3.3.4: state change and JSON merge of user data."""
    if operational_state is not None:
        if row.onboarding_state != OnboardingState.ONBOARDED:
            raise Conflict("operationalState can only change once the content is onboarded")
        if row.operational_state == operational_state:
            raise Conflict(f"operationalState is already {operational_state.value}")
        row.operational_state = operational_state.value
        session = object_session(row)
        if session is not None:
            package_events.state_changed(session, row)
    if user_defined_data is not None:
        merged = dict(row.user_defined_data)
        for key, value in user_defined_data.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        row.user_defined_data = merged
    row.updated_at = utcnow()


def delete_package(session: Session, project_id: str, kind: PackageKind, package_id: str) -> None:
    """Delete a package and its content; :class:`Conflict` while it is in use."""
    row = get_package(session, project_id, kind, package_id, lock=True)
    if row.descriptor_id and in_use(session, project_id, kind, [row.descriptor_id]):
        users = session.scalars(
            select(PackageRow.descriptor_id)
            .join(PackageRefRow, PackageRefRow.package_id == PackageRow.id)
            .where(
                PackageRefRow.project_id == project_id,
                PackageRefRow.kind == kind,
                PackageRefRow.descriptor_id == row.descriptor_id,
            )
        )
        raise Conflict(
            f"{NOUN[kind]} {row.descriptor_id!r} is in use by {', '.join(sorted(map(str, users)))}"
        )
    package_events.deleted(session, row)
    session.execute(delete(PackageRow).where(PackageRow.id == row.id))


def claim_upload(session: Session, row: PackageRow) -> OnboardingState:
    """Move a package to UPLOADING (one upload at a time); return the state it had.

    The conditional UPDATE makes a concurrent second upload see zero rows changed and get
    a :class:`Conflict`, on SQLite and PostgreSQL alike.
    """
    before = OnboardingState(row.onboarding_state)
    if before not in UPLOADABLE:
        check_transition(before, OnboardingState.UPLOADING)
    result = session.execute(
        update(PackageRow)
        .where(PackageRow.id == row.id, PackageRow.onboarding_state == before.value)
        .values(onboarding_state=OnboardingState.UPLOADING.value)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict(f"{NOUN[PackageKind(row.kind)]} {row.id!r} is being uploaded already")
    return before


def set_state(
    session: Session, package_id: str, current: OnboardingState, target: OnboardingState
) -> None:
    """Conditionally move ``package_id`` from ``current`` to ``target``."""
    check_transition(current, target)
    result = session.execute(
        update(PackageRow)
        .where(PackageRow.id == package_id, PackageRow.onboarding_state == current.value)
        .values(onboarding_state=target.value)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict(f"package {package_id!r} is no longer {current.value}")


def require_onboarded(row: PackageRow) -> None:
    """:class:`Conflict` unless the package's content is onboarded (SOL005: 409)."""
    if row.onboarding_state != OnboardingState.ONBOARDED:
        raise Conflict(
            f"{NOUN[PackageKind(row.kind)]} {row.id!r} has no content yet "
            f"(onboardingState {row.onboarding_state})"
        )


def read_content(session: Session, row: PackageRow) -> bytes:
    """The package bytes as uploaded."""
    require_onboarded(row)
    blob = session.get(PackageBlobRow, row.id)
    if blob is None:
        raise NotFound(f"content of {row.id!r} not found")
    return blob.data


def _references_query() -> Select[str, str]:
    target = aliased(PackageRow, name="ref_target")
    return (
        select(PackageRefRow.package_id, target.id)
        .join(
            target,
            and_(
                target.project_id == PackageRefRow.project_id,
                target.kind == PackageRefRow.kind,
                target.descriptor_id == PackageRefRow.descriptor_id,
            ),
        )
        .where(PackageRefRow.package_id.in_(bindparam("ids", expanding=True)))
        .order_by(target.id)
    )


# built once: an ``aliased()`` entity and its statement cost more CPU to construct than the
# query takes to run (issue 19: a third of a package GET's CPU)
_REFERENCES = _references_query()


def referenced_packages(session: Session, ids: Sequence[str]) -> dict[str, list[str]]:
    """For each package of ``ids``, the ids of the packages holding the descriptors it
    references.

    (SOL005 NsdInfo ``vnfPkgIds``; ``nsdInfoIds`` of a netslice template.)
    """
    if not ids:
        return {}
    found: dict[str, list[str]] = {i: [] for i in ids}
    for source_id, target_id in session.execute(_REFERENCES, {"ids": list(ids)}):
        found[source_id].append(target_id)
    return found

"""Onboarding: upload -> validate -> cross-check against the catalogue -> ONBOARDED.

SOL005 clause 5.4.4.3.3 (NSD content) and 9.4.5.3.3 (VNF package content): the state goes
CREATED -> UPLOADING -> PROCESSING -> ONBOARDED. Processing here is synchronous, so a
rejected upload is answered with the problem itself and the resource returns to the state
it had (CREATED): the catalogue is left exactly as it was and the upload can be retried.

Reading and validating the bytes is delegated to an :class:`Inspector` (the product one
uses :mod:`locus_iac.packages` and :mod:`locus_iac.descriptors`); what references what,
which descriptors are onboarded and who is in use is decided here, against the database.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from locus_iac.catalogue import package_events
from locus_iac.catalogue.database import Database
from locus_iac.catalogue.models import PackageBlobRow, PackageRefRow, PackageRow, utcnow
from locus_iac.catalogue.package_store import (
    NOUN,
    claim_upload,
    create_package,
    get_package,
    set_state,
)
from locus_iac.catalogue.states import OnboardingState, PackageKind
from locus_iac.errors import Conflict, Issue, ValidationError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reference:
    """The inspected descriptor needs descriptor ``id`` of ``kind`` (found at ``pointer``)."""

    kind: PackageKind
    id: str
    pointer: str
    optional: bool = False
    """Recorded (usage state) but not required to be onboarded: an NSD's ``pnfd-id``."""


@dataclass(frozen=True, slots=True)
class Artifact:
    """A file of the package besides the descriptor (SOL005 ``additionalArtifacts``)."""

    path: str
    sha256: str
    encrypted: bool = False


@dataclass(frozen=True, slots=True)
class Inspected:
    """What the catalogue keeps of a valid upload."""

    kind: PackageKind
    descriptor_id: str
    name: str | None
    version: str | None
    provider: str | None
    descriptor_yaml: str
    references: tuple[Reference, ...] = ()
    software_version: str | None = None
    artifacts: tuple[Artifact, ...] = ()
    parsed: object = field(default=None, compare=False, repr=False)
    """The inspector's own parsed form, handed back to :meth:`Inspector.cross_check`."""
    warnings: tuple[Issue, ...] = ()
    """What the upload gets away with, as OSM tolerates it (a stale checksums.txt...)."""
    software_images: tuple[dict[str, Any], ...] = ()
    """SOL005 VnfPackageSoftwareImageInfo members of each ``sw-image-desc`` (VNFDs)."""


class Inspector(Protocol):
    """Reads uploaded bytes and checks one descriptor against the ones it references."""

    def inspect(self, data: bytes, name: str) -> Inspected:
        """Validate ``data`` (archive or YAML); raise ValidationError with every issue."""
        ...

    def cross_check(
        self, subject: Inspected, known: Mapping[tuple[PackageKind, str], str]
    ) -> list[Issue]:
        """Issues of ``subject`` against the referenced descriptors (kind, id) -> YAML."""
        ...


def upload_content(
    db: Database,
    inspector: Inspector,
    *,
    project_id: str,
    kind: PackageKind,
    package_id: str,
    data: bytes,
    content_type: str,
) -> PackageRow:
    """PUT ``.../{id}/{nsd|package|nst}_content``: onboard content into an existing resource."""
    with db.session() as session:
        before = claim_upload(
            session, get_package(session, project_id, kind, package_id, lock=True)
        )
    try:
        return _process(db, inspector, project_id, kind, package_id, data, content_type)
    except BaseException:
        with db.session() as session:
            _restore(session, package_id, before)
        raise


def _process(
    db: Database,
    inspector: Inspector,
    project_id: str,
    kind: PackageKind,
    package_id: str,
    data: bytes,
    content_type: str,
) -> PackageRow:
    """UPLOADING → PROCESSING, inspect ``data``, attach it to the claimed package."""
    with db.session() as session:
        set_state(session, package_id, OnboardingState.UPLOADING, OnboardingState.PROCESSING)
    inspected = inspector.inspect(data, name=f"{kind.value} package {package_id}")
    with db.session() as session:
        row = get_package(session, project_id, kind, package_id, lock=True)
        _attach(session, inspector, row, inspected, data, content_type)
        return row


def upload_fetched(
    db: Database,
    inspector: Inspector,
    *,
    project_id: str,
    kind: PackageKind,
    package_id: str,
    fetch: Callable[[], tuple[bytes, str]],
    describe: Callable[[BaseException], dict[str, Any]],
) -> PackageRow | None:
    """Onboard the content ``fetch`` gets into a package :func:`claim_for_fetch` claimed.

    SOL005 clause 9.4.6.3.1 (upload_from_uri): the client was answered 202 before this
    runs, so a failure cannot be answered: the package goes to ERROR with
    ``onboardingFailureDetails`` = ``describe(error)`` (a SOL013 ProblemDetails) and may be
    uploaded again. Returns the onboarded row, or None after a failure.
    """
    try:
        data, content_type = fetch()
        return _process(db, inspector, project_id, kind, package_id, data, content_type)
    except Exception as exc:  # every failure is recorded on the resource, as SOL005 asks
        log.info("upload_from_uri of %s %s failed: %s", kind.value, package_id, exc)
        with db.session() as session:
            _fail(session, package_id, describe(exc))
        return None


def claim_for_fetch(
    db: Database, *, project_id: str, kind: PackageKind, package_id: str
) -> OnboardingState:
    """Move the package to UPLOADING for a fetch (409 unless it may be uploaded), forget the
    previous failure; return the state to give back with :func:`release_claim`."""
    with db.session() as session:
        row = get_package(session, project_id, kind, package_id, lock=True)
        before = claim_upload(session, row)
        session.execute(
            update(PackageRow)
            .where(PackageRow.id == package_id)
            .values(onboarding_failure=None)
            .execution_options(synchronize_session=False)
        )
    return before


def release_claim(db: Database, package_id: str, before: OnboardingState) -> None:
    """Give a claimed package its previous state back (the fetch could not be started)."""
    with db.session() as session:
        _restore(session, package_id, before)


def _fail(session: Session, package_id: str, details: dict[str, Any]) -> None:
    session.execute(
        update(PackageRow)
        .where(
            PackageRow.id == package_id,
            PackageRow.onboarding_state.in_(
                [OnboardingState.UPLOADING.value, OnboardingState.PROCESSING.value]
            ),
        )
        .values(onboarding_state=OnboardingState.ERROR.value, onboarding_failure=details)
        .execution_options(synchronize_session=False)
    )


def onboard_new(
    db: Database,
    inspector: Inspector,
    *,
    project_id: str,
    kind: PackageKind,
    data: bytes,
    content_type: str,
    on_warnings: Callable[[Sequence[Issue]], object] | None = None,
) -> PackageRow:
    """POST ``..._content`` (OSM one-shot onboarding): create and onboard in one transaction.

    ``on_warnings`` is given the upload's warnings (see :attr:`Inspected.warnings`).
    """
    inspected = inspector.inspect(data, name=f"uploaded {kind.value} package")
    if on_warnings is not None:
        on_warnings(inspected.warnings)
    with db.session() as session:
        # no PROCESSING in between (no other transaction could see it), and the new row is
        # written once, complete, at commit: not INSERTed by the checks' queries then UPDATEd
        row = create_package(session, project_id, kind)
        with session.no_autoflush:
            _attach(session, inspector, row, inspected, data, content_type)
        return row


def _restore(session: Session, package_id: str, before: OnboardingState) -> None:
    session.execute(
        update(PackageRow)
        .where(
            PackageRow.id == package_id,
            PackageRow.onboarding_state.in_(
                [OnboardingState.UPLOADING.value, OnboardingState.PROCESSING.value]
            ),
        )
        .values(onboarding_state=before.value)
        .execution_options(synchronize_session=False)
    )


def _resolve(
    session: Session, project_id: str, inspected: Inspected
) -> tuple[dict[tuple[PackageKind, str], str], list[Issue]]:
    """Lock and load every referenced descriptor; issues for those not onboarded."""
    known: dict[tuple[PackageKind, str], str] = {}
    issues: list[Issue] = []
    for ref in inspected.references:
        if ref.optional:
            continue
        query = select(PackageRow).where(
            PackageRow.project_id == project_id,
            PackageRow.kind == ref.kind,
            PackageRow.descriptor_id == ref.id,
        )
        target = session.scalar(query.with_for_update())
        if target is None or target.onboarding_state != OnboardingState.ONBOARDED:
            issues.append(
                Issue(
                    ref.pointer,
                    "reference-not-onboarded",
                    f"{ref.kind.value} {ref.id!r} is not onboarded in this project; "
                    f"onboard its {NOUN[ref.kind]} first",
                )
            )
        elif target.descriptor_yaml is not None:
            known[(ref.kind, ref.id)] = target.descriptor_yaml
    return known, issues


def _check_fit(
    session: Session, inspector: Inspector, row: PackageRow, inspected: Inspected
) -> None:
    """Right kind, no duplicate id in the project, every reference onboarded and valid."""
    kind = PackageKind(row.kind)
    if inspected.kind is not kind:
        raise ValidationError(
            f"expected a {NOUN[kind]}, got a {inspected.kind.value} descriptor",
            [Issue("", "wrong-descriptor-kind", f"this resource holds a {kind.value}")],
        )
    duplicate = session.scalar(
        select(PackageRow.id).where(
            PackageRow.project_id == row.project_id,
            PackageRow.kind == kind,
            PackageRow.descriptor_id == inspected.descriptor_id,
            PackageRow.id != row.id,
        )
    )
    if duplicate is not None:
        raise Conflict(
            f"{kind.value} {inspected.descriptor_id!r} is already in this project ({duplicate})"
        )
    known, issues = _resolve(session, row.project_id, inspected)
    if not issues:
        issues = inspector.cross_check(inspected, known)
    if issues:
        raise ValidationError(
            f"{kind.value} {inspected.descriptor_id!r} does not fit the catalogue", issues
        )


def _attach(
    session: Session,
    inspector: Inspector,
    row: PackageRow,
    inspected: Inspected,
    data: bytes,
    content_type: str,
) -> None:
    """Check the upload against the catalogue, then record it: ONBOARDED."""
    _check_fit(session, inspector, row, inspected)
    row.descriptor_id = inspected.descriptor_id
    row.descriptor_name = inspected.name
    row.descriptor_version = inspected.version
    row.provider = inspected.provider
    row.descriptor_yaml = inspected.descriptor_yaml
    row.content_type = content_type
    row.content_sha256 = hashlib.sha256(data).hexdigest()
    row.content_size = len(data)
    row.software_version = inspected.software_version
    row.artifacts = [
        {"path": a.path, "sha256": a.sha256, "encrypted": a.encrypted} for a in inspected.artifacts
    ]
    row.software_images = [dict(i) for i in inspected.software_images] or None
    row.onboarding_failure = None
    row.onboarding_state = OnboardingState.ONBOARDED.value
    row.updated_at = utcnow()
    try:
        session.flush()  # the package first (a new one is not written yet): the rows below
        # point at it, and nothing orders them after it otherwise
        session.add(PackageBlobRow(package_id=row.id, data=data))
        for kind, ref in {(r.kind, r.id) for r in inspected.references}:
            session.add(
                PackageRefRow(
                    package_id=row.id, project_id=row.project_id, kind=kind.value, descriptor_id=ref
                )
            )
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"{row.kind} {inspected.descriptor_id!r} is already in this project"
        ) from exc
    package_events.onboarded(session, row)
    log.info("onboarded %s %s as %s", row.kind, inspected.descriptor_id, row.id)

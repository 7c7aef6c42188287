"""The NSD package an NS instance is created from (SOL005: ``nsdId`` of CreateNsRequest)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from locus_iac.catalogue import PackageKind, require_onboarded
from locus_iac.catalogue.models import PackageRow
from locus_iac.errors import Issue, ValidationError


def find_nsd(session: Session, project_id: str, ref: str) -> PackageRow:
    """The onboarded NSD package whose NSD id or package id is ``ref``.

    An unknown reference is a :class:`ValidationError` at ``/nsdId`` (the request names
    something that does not exist); a package without content is a Conflict.
    """
    row = session.scalar(
        select(PackageRow).where(
            PackageRow.project_id == project_id,
            PackageRow.kind == PackageKind.NSD.value,
            or_(PackageRow.id == ref, PackageRow.descriptor_id == ref),
        )
    )
    if row is None:
        raise ValidationError(
            "unknown NS descriptor",
            [Issue("/nsdId", "unknown-nsd", f"no NS descriptor {ref!r} in this project")],
        )
    require_onboarded(row)
    return row

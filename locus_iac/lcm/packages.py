"""Checks against the catalogue: the NSD an NS instance is created from (SOL005 ``nsdId``)
and a Day2 action's primitive and parameters (against the VNFD)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from locus_iac.catalogue import PackageKind, require_onboarded
from locus_iac.catalogue.instances import NsInstanceRow
from locus_iac.catalogue.models import PackageRow
from locus_iac.config import check_primitive_params, vnf_day12
from locus_iac.descriptors import Vnfd
from locus_iac.errors import Issue, ValidationError
from locus_iac.lcm.inputs import load_packages
from locus_iac.lcm.requests import ActionRequest


def find_descriptor(session: Session, project_id: str, kind: PackageKind, ref: str) -> PackageRow:
    """The onboarded package of ``kind`` whose descriptor id or package id is ``ref``.

    An unknown reference is a :class:`ValidationError` at ``/nsdId`` or ``/nstId`` (the
    request names something that does not exist); a package without content is a Conflict.
    """
    row = session.scalar(
        select(PackageRow).where(
            PackageRow.project_id == project_id,
            PackageRow.kind == kind.value,
            or_(PackageRow.id == ref, PackageRow.descriptor_id == ref),
        )
    )
    if row is None:
        what = "NS descriptor" if kind is PackageKind.NSD else "netslice template"
        pointer = f"/{kind.value}Id"
        raise ValidationError(
            f"unknown {what}",
            [Issue(pointer, f"unknown-{kind.value}", f"no {what} {ref!r} in this project")],
        )
    require_onboarded(row)
    return row


def find_nsd(session: Session, project_id: str, ref: str) -> PackageRow:
    """The onboarded NSD package whose NSD id or package id is ``ref`` (``/nsdId``)."""
    return find_descriptor(session, project_id, PackageKind.NSD, ref)


def check_action(session: Session, instance: NsInstanceRow, request: ActionRequest) -> None:
    """Check a Day2 ``action`` against the VNFD before accepting it (422, no occurrence).

    The VNF profile (``member_vnf_index``; optional when the NSD has one profile) must exist,
    so must the VDU or KDU ``vdu_id`` names when given,
    its VNFD must declare the primitive, and the parameters must match the primitive's
    (unknown, missing mandatory and mistyped ones are all reported).
    """
    main, others = load_packages(session, instance.project_id, instance.nsd_info_id)
    nsd = main.descriptor.model
    profiles = {p.id: p.vnfd_id for df in getattr(nsd, "df", ())[:1] for p in df.vnf_profile}
    profile = request.profile_among(profiles)
    vnfd = next(p.descriptor.model for p in others if p.id == profiles[profile])
    if not isinstance(vnfd, Vnfd):  # pragma: no cover - load_packages reads VNF packages
        raise ValidationError("not a VNFD", [Issue("/member_vnf_index", "wrong-kind", "")])
    units = [v.id for v in vnfd.vdu] + [k.name for k in vnfd.kdu]
    if request.vdu_id is not None and request.vdu_id not in units:
        raise ValidationError(
            f"VNF {profile!r} has no VDU or KDU {request.vdu_id!r}",
            [Issue("/vdu_id", "unknown-vdu", f"VNFD {vnfd.id} has: {', '.join(units)}")],
        )
    kdus = [k.name for k in vnfd.kdu]
    if request.kdu_name is not None and request.kdu_name not in kdus:
        raise ValidationError(
            f"VNF {profile!r} has no KDU {request.kdu_name!r}",
            [Issue("/kdu_name", "unknown-kdu", f"VNFD {vnfd.id} has: {', '.join(kdus) or 'none'}")],
        )
    if request.vdu_id is not None and request.kdu_name not in (None, request.vdu_id):
        raise ValidationError(
            "vdu_id and kdu_name name different units",
            [Issue("/kdu_name", "conflict", f"vdu_id names {request.vdu_id!r}: give one of them")],
        )
    day12 = vnf_day12(vnfd)
    primitive = day12.primitive(request.primitive) if day12 else None
    if (
        day12 is None
        or primitive is None
        or (request.primitive in day12.blacklist_config_primitive)
    ):
        known = [p.name for p in day12.config_primitive] if day12 else []
        raise ValidationError(
            f"VNF {profile!r} has no primitive {request.primitive!r}",
            [
                Issue(
                    "/primitive",
                    "unknown-primitive",
                    f"VNFD {vnfd.id} declares: {', '.join(known) or 'no primitive'}",
                )
            ],
        )
    check_primitive_params(primitive, request.primitive_params)

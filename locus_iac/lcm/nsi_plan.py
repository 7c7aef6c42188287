"""What a netslice operation does, worked out when it is requested (bad input: 422, nothing kept).

* **instantiate** — one nested NS instance per NST ``netslice-subnet`` (NST order), its open
  VNF profiles placed by the optimiser when the registered sites declare capacity
  (:func:`locus_iac.lcm.placing.place_instance`, one subnet after the other). A subnet
  marked ``is-shared-nss`` reuses the NS instance another instantiated netslice created for
  the same subnet and NSD, if there is one. The nested specs are built from the catalogue as
  the NS runner builds them (:func:`locus_iac.lcm.inputs.build_spec`), then
  :func:`locus_iac.infra.netslice_bindings` fixes how every netslice VLD is realised: its
  VIM name, one block per site, and which nested NS creates it at each site (the first in NST
  order; the later ones attach). Each nested NS is instantiated with its bindings
  (``additionalParams.netsliceLinks``). A reused shared NS is joined on the networks it
  already has: the new subnets attach to them.
* **terminate** — the nested NSs this netslice created, in reverse NST order (those who
  attached go before the one that created the network); a shared one that another
  instantiated netslice also uses is kept.
* **action** — one Day2 primitive of one nested NS, checked against its VNFD.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from locus_iac.catalogue import PackageKind, SecretBox
from locus_iac.catalogue.instances import NsInstanceRow
from locus_iac.catalogue.netslices import NsiInstanceRow
from locus_iac.descriptors import Nsd, Nst
from locus_iac.errors import Issue, ValidationError, json_pointer
from locus_iac.infra import (
    NetsliceLink,
    NsiSpec,
    NsSpec,
    netslice_bindings,
    ns_namespace,
    resolve_ns,
)
from locus_iac.lcm import instances, queue
from locus_iac.lcm.inputs import build_spec, package_of
from locus_iac.lcm.instances import NS
from locus_iac.lcm.nsi_queue import users_of
from locus_iac.lcm.nsi_records import NestedNs, NestedStep, NsiProgress, nested_of
from locus_iac.lcm.packages import check_action, find_descriptor, find_nsd
from locus_iac.lcm.placing import place_instance
from locus_iac.lcm.requests import (
    InstantiateAdditionalParams,
    InstantiateNsiRequest,
    InstantiateNsRequest,
    NsiActionRequest,
    NsiSubnetParams,
    TerminateNsRequest,
)
from locus_iac.lcm.states import LcmOperationType, NsState
from locus_iac.sites import SiteKind


def load_nst(session: Session, project_id: str, ref: str) -> tuple[str, str, Nst]:
    """(NST id, NST package id, NST) of an onboarded netslice template."""
    row = find_descriptor(session, project_id, PackageKind.NST, ref)
    model = package_of(session, row).descriptor.model
    if not isinstance(model, Nst):  # pragma: no cover - the catalogue kind says NST
        raise ValidationError("not a netslice template", [Issue("/nstId", "wrong-kind", ref)])
    return model.id, row.id, model


def _nsd(session: Session, project_id: str, ref: str) -> tuple[str, Nsd]:
    row = find_nsd(session, project_id, ref)
    model = package_of(session, row).descriptor.model
    assert isinstance(model, Nsd)
    return row.id, model


# -- instantiate -----------------------------------------------------------------------------


def _subnet_params(nst: Nst, request: InstantiateNsiRequest) -> dict[str, NsiSubnetParams]:
    known = {s.id for s in nst.netslice_subnet}
    issues = [
        Issue(f"/netslice-subnet/{i}/id", "unknown-subnet", f"NST {nst.id} has no subnet {p.id!r}")
        for i, p in enumerate(request.netslice_subnet)
        if p.id not in known
    ]
    if issues:
        raise ValidationError("unknown netslice subnet", issues)
    return {p.id: p for p in request.netslice_subnet}


def _reusable(session: Session, nsi: NsiInstanceRow, subnet: str, nsd_id: str) -> NestedNs | None:
    """The shared nested NS another instantiated netslice created for ``subnet``."""
    candidates = session.scalars(
        select(NsInstanceRow).where(
            NsInstanceRow.project_id == nsi.project_id,
            NsInstanceRow.nsd_id == nsd_id,
            NsInstanceRow.ns_state == NsState.INSTANTIATED.value,
            NsInstanceRow.nsi_id.isnot(None),
            NsInstanceRow.nsi_id != nsi.id,
        )
    )
    for ns_row in candidates:
        owner = session.get(NsiInstanceRow, ns_row.nsi_id)
        if owner is None:
            continue
        for nested in nested_of(owner.nested):
            if (
                nested.ns_instance_id == ns_row.id
                and nested.shared
                and not nested.reused
                and nested.netslice_subnet_id == subnet
            ):
                return nested
    return None


def _ns_row(session: Session, nsi: NsiInstanceRow, subnet: str, nsd_ref: str) -> NsInstanceRow:
    """The nested NS instance of ``subnet``: the one of an earlier instantiation, or new."""
    for nested in nested_of(nsi.nested):
        if nested.netslice_subnet_id == subnet and not nested.reused and nested.ns_instance_id:
            row = session.get(NsInstanceRow, nested.ns_instance_id)
            if row is not None and row.ns_state == NsState.NOT_INSTANTIATED.value:
                return row
    nsd = find_nsd(session, nsi.project_id, nsd_ref)
    row = queue.create_instance(
        session,
        nsi.project_id,
        name=f"{nsi.name}.{subnet}"[:255],
        nsd_id=nsd.descriptor_id or nsd_ref,
        nsd_info_id=nsd.id,
        description=f"netslice {nsi.name} ({nsi.id}), subnet {subnet}",
    )
    row.nsi_id = nsi.id
    return row


@dataclass
class _Draft:
    """The nested NSs of an instantiation as they are worked out (NST order)."""

    nested: list[NestedNs] = field(default_factory=list)
    requests: dict[str, InstantiateNsRequest] = field(default_factory=dict)
    specs: dict[str, NsSpec] = field(default_factory=dict)
    reused: dict[str, NestedNs] = field(default_factory=dict)


def _draft(
    session: Session,
    box: SecretBox,
    nsi: NsiInstanceRow,
    nst: Nst,
    request: InstantiateNsiRequest,
    scratch: Path,
) -> _Draft:
    """Reuse or create the nested NS of every subnet and build the specs of the new ones."""
    per_subnet = _subnet_params(nst, request)
    draft = _Draft()
    for subnet in nst.netslice_subnet:
        found = _reusable(session, nsi, subnet.id, subnet.nsd_ref) if subnet.is_shared_nss else None
        if found is not None:
            draft.reused[subnet.id] = found
            draft.nested.append(found.model_copy(update={"reused": True, "params": {}}))
            continue
        row = _ns_row(session, nsi, subnet.id, subnet.nsd_ref)
        own = per_subnet.get(subnet.id)
        ns_request = InstantiateNsRequest(
            vim_account_id=(own.vim_account_id if own else None) or request.vim_account_id,
            additional_params=own.additional_params if own else InstantiateAdditionalParams(),
        )
        choice = place_instance(
            session, project_id=nsi.project_id, nsd_info_id=row.nsd_info_id, request=ns_request
        )
        if choice is not None:  # the sites are fixed now: the netslice links are bound to them
            ns_request = choice.apply(ns_request)
        draft.requests[subnet.id] = ns_request
        draft.specs[subnet.id] = build_spec(
            session,
            box,
            project_id=nsi.project_id,
            ns_instance_id=row.id,
            nsd_info_id=row.nsd_info_id,
            request=ns_request,
            workdir=scratch / subnet.id,
        )
        draft.nested.append(
            NestedNs(
                netslice_subnet_id=subnet.id,
                nsd_id=row.nsd_id,
                ns_instance_id=row.id,
                shared=subnet.is_shared_nss,
            )
        )
    return draft


def _bindings(
    session: Session, nsi: NsiInstanceRow, nst: Nst, draft: _Draft
) -> dict[str, dict[str, NetsliceLink]]:
    """The netslice links of every new nested NS, each nested NS checked with them (422)."""
    spec = NsiSpec(
        nsi_id=nsi.id,
        name=nsi.name,
        nst=nst,
        nested=draft.specs,
        shared_stack_refs={s: n.ns_instance_id or "" for s, n in draft.reused.items()},
    )
    bindings = netslice_bindings(spec) if draft.specs else {}
    _join_reused(session, nsi.project_id, nst, draft.specs, draft.reused, bindings)
    for subnet_id, nested_spec in draft.specs.items():
        resolve_ns(nested_spec.model_copy(update={"netslice_links": bindings.get(subnet_id, {})}))
    return bindings


def plan_instantiate(
    session: Session, box: SecretBox, nsi: NsiInstanceRow, request: InstantiateNsiRequest
) -> tuple[list[NestedNs], NsiProgress]:
    """The nested NSs of the netslice and the plan that instantiates them (see module doc)."""
    _, _, nst = load_nst(session, nsi.project_id, nsi.nst_info_id)
    with tempfile.TemporaryDirectory(prefix="locus-nsi-") as scratch:  # unpacked packages
        draft = _draft(session, box, nsi, nst, request, Path(scratch))
        bindings = _bindings(session, nsi, nst, draft)
    nested: list[NestedNs] = []
    steps: list[NestedStep] = []
    for item in draft.nested:
        if item.reused or item.ns_instance_id is None:
            nested.append(item)
            continue
        ns_request = draft.requests[item.netslice_subnet_id]
        links = bindings.get(item.netslice_subnet_id, {})
        params = ns_request.additional_params.model_copy(update={"netslice_links": links})
        body = ns_request.model_copy(update={"additional_params": params}).model_dump(mode="json")
        nested.append(item.model_copy(update={"params": body}))
        steps.append(
            NestedStep(
                netslice_subnet_id=item.netslice_subnet_id,
                ns_instance_id=item.ns_instance_id,
                operation=LcmOperationType.INSTANTIATE,
                operation_params=body,
            )
        )
    return nested, NsiProgress(current_step="accepted", steps=tuple(steps))


def _sap_vl(nsd: Nsd, sap_id: str, where: str) -> str:
    sap = nsd.sapd_by_id(sap_id)
    if sap is None or sap.virtual_link_desc is None:
        raise ValidationError(
            "broken netslice link",
            [Issue(where, "broken-reference", f"NSD {nsd.id} has no SAP {sap_id!r} on a VL")],
        )
    return sap.virtual_link_desc


def _join_reused(
    session: Session,
    project_id: str,
    nst: Nst,
    specs: dict[str, NsSpec],
    reused: dict[str, NestedNs],
    bindings: dict[str, dict[str, NetsliceLink]],
) -> None:
    """Bind the new subnets of every netslice VLD that reaches a reused shared NS to the
    networks that NS already has (``bindings`` is updated in place)."""
    for i, vld in enumerate(nst.netslice_vld):
        where = json_pointer("nst", "netslice-vld", i)
        refs = vld.nss_connection_point_ref
        shared_refs = [r for r in refs if r.nss_ref in reused]
        if not shared_refs:
            continue
        if len(shared_refs) > 1:
            message = "joins two shared subnets that are already instantiated"
            raise ValidationError(
                "unsupported netslice link", [Issue(where, "unsupported", message)]
            )
        shared = reused[shared_refs[0].nss_ref]
        _, shared_nsd = _nsd(session, project_id, shared.nsd_id)
        shared_vl = _sap_vl(shared_nsd, shared_refs[0].nsd_connection_point_ref, where)
        shared_ns = session.get(NsInstanceRow, shared.ns_instance_id or "")
        current = InstantiateNsRequest.model_validate(
            shared_ns.instantiate_params if shared_ns else {}
        )
        existing = current.additional_params.netslice_links.get(shared_vl)
        if existing is None or shared_ns is None:
            message = (
                f"the shared NS of {shared.netslice_subnet_id} has no netslice link on {shared_vl}"
            )
            raise ValidationError(
                "unsupported netslice link", [Issue(where, "not-joinable", message)]
            )
        for ref in refs:
            if ref.nss_ref in reused or ref.nss_ref not in specs:
                continue
            spec = specs[ref.nss_ref]
            vl = _sap_vl(spec.nsd, ref.nsd_connection_point_ref, where)
            bindings.setdefault(ref.nss_ref, {})[vl] = _attached(
                existing, shared_ns.id, spec, where
            )


def _attached(existing: NetsliceLink, owner_ns: str, spec: NsSpec, where: str) -> NetsliceLink:
    kinds = {site.name: site.kind for site in spec.sites.sites}
    attach: dict[str, str] = {}
    for site_name in existing.cidrs:
        if site_name in existing.attach:
            attach[site_name] = existing.attach[site_name]
        elif kinds.get(site_name) is SiteKind.KUBERNETES:
            attach[site_name] = f"{ns_namespace(owner_ns)}/{existing.name}"
        else:
            attach[site_name] = existing.name
    outside = sorted(set(spec.placement.values()) - set(existing.cidrs))
    if outside:
        message = (
            f"the shared NS's link reaches {', '.join(sorted(existing.cidrs))}; "
            f"a new end at {', '.join(outside)} is not supported"
        )
        raise ValidationError("unsupported netslice link", [Issue(where, "unsupported", message)])
    return existing.model_copy(update={"attach": attach})


# -- terminate and action --------------------------------------------------------------------


def plan_terminate(
    session: Session, nsi: NsiInstanceRow, request: TerminateNsRequest
) -> NsiProgress:
    """Terminate the nested NSs, last first, each with ``request`` (e.g. its
    ``skip_terminate_primitives``); a shared one (created here or reused) is kept while
    another instantiated netslice still uses it."""
    steps: list[NestedStep] = []
    kept: list[str] = []
    for nested in reversed(nested_of(nsi.nested)):
        if nested.ns_instance_id is None:
            continue
        row = session.get(NsInstanceRow, nested.ns_instance_id)
        if row is None or row.ns_state != NsState.INSTANTIATED.value:
            continue
        if nested.shared and users_of(session, nsi.project_id, row.id, but=nsi.id):
            kept.append(nested.netslice_subnet_id)
            continue
        steps.append(
            NestedStep(
                netslice_subnet_id=nested.netslice_subnet_id,
                ns_instance_id=row.id,
                operation=LcmOperationType.TERMINATE,
                # the netslice removes its nested NSs itself (autoremove is the netslice's)
                operation_params=request.model_dump(mode="json", exclude={"autoremove"}),
            )
        )
    return NsiProgress(current_step="accepted", steps=tuple(steps), kept=tuple(kept))


def plan_action(session: Session, nsi: NsiInstanceRow, request: NsiActionRequest) -> NsiProgress:
    """One Day2 primitive of the nested NS of ``request.netslice_subnet_id`` (422 if wrong)."""
    nested = {n.netslice_subnet_id: n for n in nested_of(nsi.nested)}
    target = nested.get(request.netslice_subnet_id)
    if target is None or target.ns_instance_id is None:
        raise ValidationError(
            "unknown netslice subnet",
            [
                Issue(
                    "/netsliceSubnetId",
                    "unknown-subnet",
                    f"name one of: {', '.join(sorted(nested)) or 'none (not instantiated)'}",
                )
            ],
        )
    ns = instances.get_instance(session, NS, nsi.project_id, target.ns_instance_id)
    body: dict[str, Any] = request.model_dump(mode="json", exclude={"netslice_subnet_id"})
    check_action(session, ns, request)
    step = NestedStep(
        netslice_subnet_id=target.netslice_subnet_id,
        ns_instance_id=ns.id,
        operation=LcmOperationType.ACTION,
        operation_params=body,
    )
    return NsiProgress(current_step="accepted", steps=(step,))

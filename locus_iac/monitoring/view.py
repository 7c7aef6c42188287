"""An NS instance as the Config Manager sees it, read from the catalogue.

The view is built when the outbox is drained, from what the database says then: an instance
that is ``INSTANTIATED`` is monitored (its members, their VNFDs and flavours from the NSD's
first deployment flavour, their metrics endpoints); one that is not (terminated, rolled back,
deleted) has nothing monitored, so the Config Manager removes what it wrote for it.

Metrics endpoints: ``additionalParamsForVnf[].additionalParams.metrics_endpoint`` given at
instantiate (stored on the instance). Nothing is derived from the engine's outputs yet; a
member without an endpoint has no scrape target and the drain logs which one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from locus_iac.catalogue.instances import NsInstanceRow
from locus_iac.catalogue.models import PackageRow, ProjectRow
from locus_iac.catalogue.package_store import read_content
from locus_iac.descriptors import Nsd, Vnfd
from locus_iac.errors import PermanentError
from locus_iac.monitoring.render import MemberView, ServiceView
from locus_iac.packages import read_package

_INSTANTIATED = "INSTANTIATED"


def _model(session: Session, row: PackageRow) -> Any:
    return read_package(read_content(session, row), name=row.name or row.id).descriptor.model


def _endpoints(params: dict[str, Any]) -> dict[str, str]:
    found = {}
    for entry in params.get("additional_params_for_vnf") or ():
        endpoint = (entry.get("additional_params") or {}).get("metrics_endpoint")
        if endpoint:
            found[str(entry["member_vnf_index"])] = str(endpoint)
    return found


def _vnfds(session: Session, project_id: str, ids: list[str]) -> dict[str, Vnfd]:
    rows = session.scalars(
        select(PackageRow).where(
            PackageRow.project_id == project_id,
            PackageRow.kind == "vnfd",
            PackageRow.descriptor_id.in_(ids),
        )
    ).all()
    models = {row.descriptor_id: _model(session, row) for row in rows}
    return {key: m for key, m in models.items() if key and isinstance(m, Vnfd)}


def project_name(session: Session, project_id: str) -> str:
    project = session.get(ProjectRow, project_id)
    return project.name if project is not None else project_id


def service_view(session: Session, ns_instance_id: str) -> ServiceView | None:
    """The monitored view of an NS instance; None when nothing of it should be monitored."""
    instance = session.get(NsInstanceRow, ns_instance_id)
    if instance is None or instance.ns_state != _INSTANTIATED:
        return None
    nsd_row = session.get(PackageRow, instance.nsd_info_id)
    if nsd_row is None:
        raise PermanentError(f"NS instance {ns_instance_id}: its NSD package is gone")
    nsd = _model(session, nsd_row)
    if not isinstance(nsd, Nsd):
        raise PermanentError(f"NS instance {ns_instance_id}: package is not an NSD")
    profiles = nsd.df[0].vnf_profile if nsd.df else ()
    vnfds = _vnfds(session, instance.project_id, [p.vnfd_id for p in profiles])
    endpoints = _endpoints(instance.instantiate_params or {})
    members = tuple(
        MemberView(p.id, vnfds[p.vnfd_id], p.flavour_id, endpoints.get(p.id))
        for p in profiles
        if p.vnfd_id in vnfds
    )
    return ServiceView(ns_instance_id, project_name(session, instance.project_id), members)

"""``/nsilcm/v1``: netslice instances (composite NSs) and their operations (seed Annex B.5).

OSM NBI's netslice interface: ``netslice_instances_content`` (create + instantiate, Table 24),
``netslice_instances`` with ``instantiate``, ``action`` (Table 25) and ``terminate``
(Table 26), and ``nsi_lcm_op_occs`` (Table 27) with ``retry`` / ``fail``. What an operation
will do is worked out when it is requested (:mod:`locus_iac.lcm.nsi_plan`), so a broken
request is a 422 that leaves nothing behind; it is then carried out by the netslice
coordinator through nested NS operations (:mod:`locus_iac.lcm.nsi_coordinator`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from locus_iac.catalogue.netslices import NsiInstanceRow, NsiOpOccRow
from locus_iac.lcm import instances, nsi_queue
from locus_iac.lcm.instances import NSI
from locus_iac.lcm.nsi_plan import load_nst, plan_action, plan_instantiate, plan_terminate
from locus_iac.lcm.nsi_records import NsiProgress, nested_of, progress_of
from locus_iac.lcm.queue import Task
from locus_iac.lcm.requests import (
    CreateAndInstantiateNsiRequest,
    CreateNsiRequest,
    InstantiateNsiRequest,
    NsiActionRequest,
    TerminateNsRequest,
)
from locus_iac.lcm.states import LcmOperationState, LcmOperationType
from locus_iac.nbi import filters, semantics
from locus_iac.nbi import lifecycle as lc
from locus_iac.nbi.context import CallerDep, Services, ServicesDep
from locus_iac.nbi.osm.records import OsmAdmin, nsi_members
from locus_iac.nbi.osm.yaml_body import YamlBodyRoute
from locus_iac.nbi.paging import Marker
from locus_iac.nbi.routing import PrefixRouter

router = PrefixRouter(prefix="/nsilcm/v1", tags=["nsilcm"], route_class=YamlBodyRoute)
Id = Annotated[str, Path(min_length=1, max_length=36)]
BASE = "/nsilcm/v1"


class NestedNsView(lc.CamelModel):
    netslice_subnet_id: str = Field(alias="netsliceSubnetId")
    nsd_id: str = Field(alias="nsdId")
    ns_instance_id: str | None = Field(alias="nsInstanceId")
    shared: bool
    reused: bool


class NetSliceInstance(lc.CamelModel):
    """A netslice instance (OSM ``NetSliceInstance``, the attributes locus keeps)."""

    id: str
    object_id: str = Field(alias="_id")
    nsi_name: str = Field(alias="nsiName")
    nsi_description: str = Field(alias="nsiDescription")
    nst_id: str = Field(alias="nstId")
    nst_info_id: str = Field(alias="nstInfoId")
    nsi_state: str = Field(alias="nsiState")
    current_op_occ_id: str | None = Field(alias="currentLcmOpOccId")
    nested_ns_instances: list[NestedNsView] = Field(alias="nestedNsInstances")
    instantiation_params: dict[str, Any] = Field(alias="instantiationParams")
    links: dict[str, lc.Link] = Field(alias="_links")
    # OSM's netslice record members (osmclient's netslice-instance-list/-show)
    name: str = Field(description="OSM: the instance's name")
    create_time: float = Field(alias="create-time", description="OSM: epoch seconds")
    operational_status: str = Field(alias="operational-status", description="OSM")
    detailed_status: str = Field(alias="detailed-status", description="OSM")
    admin: OsmAdmin = Field(alias="_admin", description="OSM")


class NestedProgressView(lc.CamelModel):
    netslice_subnet_id: str = Field(alias="netsliceSubnetId")
    ns_instance_id: str = Field(alias="nsInstanceId")
    lcm_operation_type: str = Field(alias="lcmOperationType")
    ns_lcm_op_occ_id: str | None = Field(alias="nsLcmOpOccId")
    operation_state: str | None = Field(alias="operationState")


class NsiProgressView(lc.CamelModel):
    current_step: str | None = Field(alias="currentStep")
    nested: list[NestedProgressView]
    kept: list[str] = Field(description="shared nested NSs left running (used elsewhere)")


class NsiLcmOpOcc(lc.CamelModel):
    """A netslice LCM operation occurrence (OSM ``NsiLcmOpOcc``) with its progress."""

    id: str
    operation_state: str = Field(alias="operationState")
    state_entered_time: str = Field(alias="stateEnteredTime")
    netslice_instance_id: str = Field(alias="netsliceInstanceId")
    lcm_operation_type: str = Field(alias="lcmOperationType")
    start_time: str = Field(alias="startTime")
    operation_params: dict[str, Any] = Field(alias="operationParams")
    error: dict[str, Any] | None = Field(default=None, exclude_if=lambda v: v is None)
    progress: NsiProgressView
    links: dict[str, lc.Link] = Field(alias="_links")


class NsiAccepted(lc.CamelModel):
    """The answer to a netslice operation request (Annex B.5)."""

    id: str = Field(description="the netslice instance (content) or the occurrence (operations)")
    netslice_instance_id: str = Field(alias="netsliceInstanceId")
    nsi_lcm_op_occ_id: str = Field(alias="nsiLcmOpOccId")
    nsilcmop_id: str = Field(description="OSM's name of nsiLcmOpOccId")


def _instance(row: NsiInstanceRow) -> NetSliceInstance:
    me = f"{BASE}/netslice_instances/{row.id}"
    links = {"self": lc.Link(href=me)}
    ops = ("instantiate",) if row.nsi_state == "NOT_INSTANTIATED" else ("action", "terminate")
    links.update({op: lc.Link(href=f"{me}/{op}") for op in ops})
    if row.current_op_occ_id:
        links["currentLcmOpOcc"] = lc.Link(href=f"{BASE}/nsi_lcm_op_occs/{row.current_op_occ_id}")
    nested = [
        NestedNsView(
            netslice_subnet_id=n.netslice_subnet_id,
            nsd_id=n.nsd_id,
            ns_instance_id=n.ns_instance_id,
            shared=n.shared,
            reused=n.reused,
        )
        for n in nested_of(row.nested)
    ]
    return NetSliceInstance.model_validate(
        {
            "id": row.id,
            "_id": row.id,
            "nsiName": row.name,
            "nsiDescription": row.description or "",
            "nstId": row.nst_id,
            "nstInfoId": row.nst_info_id,
            "nsiState": row.nsi_state,
            "currentLcmOpOccId": row.current_op_occ_id,
            "nestedNsInstances": nested,
            "instantiationParams": row.instantiate_params or {},
            "_links": links,
            **nsi_members(row),
        }
    )


def _occurrence(row: NsiOpOccRow) -> NsiLcmOpOcc:
    me = f"{BASE}/nsi_lcm_op_occs/{row.id}"
    links = {
        "self": lc.Link(href=me),
        "netsliceInstance": lc.Link(href=f"{BASE}/netslice_instances/{row.nsi_instance_id}"),
    }
    if row.state == LcmOperationState.FAILED_TEMP.value:
        links.update({t: lc.Link(href=f"{me}/{t}") for t in ("retry", "fail")})
    progress = progress_of(row.progress)
    nested = [
        NestedProgressView(
            netslice_subnet_id=s.netslice_subnet_id,
            ns_instance_id=s.ns_instance_id,
            lcm_operation_type=s.operation.value,
            ns_lcm_op_occ_id=s.ns_lcm_op_occ_id,
            operation_state=s.operation_state.value if s.operation_state else None,
        )
        for s in progress.steps
    ]
    return NsiLcmOpOcc(
        id=row.id,
        operation_state=row.state,
        state_entered_time=row.state_entered_time.isoformat(),
        netslice_instance_id=row.nsi_instance_id,
        lcm_operation_type=row.operation,
        start_time=row.start_time.isoformat(),
        operation_params=row.operation_params or {},
        error=lc.problem(row.error) if row.error else None,
        progress=NsiProgressView(
            current_step=progress.current_step, nested=nested, kept=list(progress.kept)
        ),
        links=links,
    )


def _accepted(
    request: Request, response: Response, nsi_id: str, op_id: str, *, content: bool
) -> NsiAccepted:
    lc.accept(request, response, f"{BASE}/nsi_lcm_op_occs/{op_id}")
    return NsiAccepted(
        id=nsi_id if content else op_id,
        netslice_instance_id=nsi_id,
        nsi_lcm_op_occ_id=op_id,
        nsilcmop_id=op_id,
    )


def _new_nsi(session: Session, project_id: str, body: CreateNsiRequest) -> NsiInstanceRow:
    nst_id, nst_info_id, _ = load_nst(session, project_id, body.nst_id)
    descriptor = {"nst_id": nst_id, "nst_info_id": nst_info_id}
    return instances.create_instance(
        session, NSI, project_id, name=body.nsi_name, description=body.nsi_description, **descriptor
    )


def _start_instantiate(
    session: Session, svc: Services, nsi: NsiInstanceRow, body: InstantiateNsiRequest
) -> str:
    nested, progress = plan_instantiate(session, svc.box, nsi, body)
    params = body.model_dump(mode="json")
    row = nsi_queue.start_nsi_operation(
        session, nsi, LcmOperationType.INSTANTIATE, params, progress, nested=nested
    )
    return row.id


# -- netslice instances ----------------------------------------------------------------------


@router.post(
    "/netslice_instances", response_model=NetSliceInstance, status_code=status.HTTP_201_CREATED
)
def create_nsi(
    body: CreateNsiRequest, who: CallerDep, svc: ServicesDep, request: Request, response: Response
) -> NetSliceInstance:
    """Create a netslice instance identifier in ``NOT_INSTANTIATED``."""
    with svc.db.session() as session:
        view = _instance(_new_nsi(session, who.project_id, body))
    response.headers["Location"] = lc.location(request, f"{BASE}/netslice_instances/{view.id}")
    return view


_ACCEPTED = lc.accepted_route(NsiAccepted)


@router.post("/netslice_instances_content", **_ACCEPTED)
def create_and_instantiate(
    body: CreateAndInstantiateNsiRequest,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
) -> NsiAccepted:
    """Create a netslice instance and instantiate it (Annex B Table 24). A request that
    cannot be instantiated (422) leaves no netslice instance behind."""
    instantiate = InstantiateNsiRequest.model_validate(
        body.model_dump(include=set(InstantiateNsiRequest.model_fields))
    )
    with svc.db.session() as session:
        nsi = _new_nsi(session, who.project_id, body)
        nsi_id = nsi.id
        op_id = _start_instantiate(session, svc, nsi, instantiate)
    return _accepted(request, response, nsi_id, op_id, content=True)


@router.get("/netslice_instances", response_model=list[NetSliceInstance])
def list_nsis(
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    nextpage_opaque_marker: Marker = None,
) -> Response:
    page = lc.instance_page(NSI, who.project_id)
    return lc.listed(
        request, svc, nextpage_opaque_marker, page, _instance, filters.Listing(NetSliceInstance)
    )


@router.get("/netslice_instances/{nsi_id}", response_model=NetSliceInstance)
def get_nsi(nsi_id: Id, who: CallerDep, svc: ServicesDep, response: Response) -> NetSliceInstance:
    view = lc.read_one(svc, lc.instance_of(NSI, who.project_id, nsi_id), _instance)
    semantics.tag(response, view)
    return view


@router.delete("/netslice_instances/{nsi_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_nsi(nsi_id: Id, who: CallerDep, svc: ServicesDep) -> Response:
    """Delete a ``NOT_INSTANTIATED`` netslice instance and the nested NS instances it made."""
    with svc.db.session() as session:
        nsi_queue.delete_nsi(session, who.project_id, nsi_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/netslice_instances/{nsi_id}/instantiate", **_ACCEPTED)
def instantiate(
    nsi_id: Id,
    body: InstantiateNsiRequest,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
) -> NsiAccepted:
    """Instantiate the nested NSs in NST order, joined on the netslice VLDs."""
    with svc.db.session() as session:
        nsi = instances.get_instance(session, NSI, who.project_id, nsi_id)
        op_id = _start_instantiate(session, svc, nsi, body)
    return _accepted(request, response, nsi_id, op_id, content=False)


def _operation(
    svc: Services,
    project_id: str,
    nsi_id: str,
    operation: LcmOperationType,
    body: BaseModel,
    plan: Any,
) -> str:
    with svc.db.session() as session:
        nsi = instances.get_instance(session, NSI, project_id, nsi_id)
        progress: NsiProgress = plan(session, nsi)
        row = nsi_queue.start_nsi_operation(
            session, nsi, operation, body.model_dump(mode="json"), progress
        )
        return row.id


@router.post("/netslice_instances/{nsi_id}/action", **_ACCEPTED)
def action(
    nsi_id: Id,
    body: NsiActionRequest,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
) -> NsiAccepted:
    """A Day2 primitive of one nested NS (Annex B Table 25), checked against its VNFD."""
    op_id = _operation(
        svc,
        who.project_id,
        nsi_id,
        LcmOperationType.ACTION,
        body,
        lambda session, nsi: plan_action(session, nsi, body),
    )
    return _accepted(request, response, nsi_id, op_id, content=False)


@router.post("/netslice_instances/{nsi_id}/terminate", **_ACCEPTED)
def terminate(
    nsi_id: Id,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
    body: TerminateNsRequest | None = None,
) -> NsiAccepted:
    """Terminate the nested NSs in reverse NST order (Annex B Table 26)."""
    request_body = body or TerminateNsRequest()
    op_id = _operation(
        svc,
        who.project_id,
        nsi_id,
        LcmOperationType.TERMINATE,
        request_body,
        lambda session, nsi: plan_terminate(session, nsi, request_body),
    )
    return _accepted(request, response, nsi_id, op_id, content=False)


# -- operation occurrences -------------------------------------------------------------------


#: as an NS LCM operation occurrence (SOL005 v3.7.1 clause 6.4.9.3.2)
_OCC_LISTING = filters.Listing(NsiLcmOpOcc, exclude_default=(("operationParams",), ("error",)))


@router.get("/nsi_lcm_op_occs", response_model=list[NsiLcmOpOcc])
def list_op_occs(
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    nsi_id: Annotated[str | None, Query(alias="netsliceInstanceId", max_length=36)] = None,
    nextpage_opaque_marker: Marker = None,
) -> Response:
    page = lambda s, m, n: instances.page_occurrences(  # noqa: E731
        s, NSI, who.project_id, nsi_id, marker=m, limit=n
    )
    return lc.listed(request, svc, nextpage_opaque_marker, page, _occurrence, _OCC_LISTING)


@router.get("/nsi_lcm_op_occs/{op_occ_id}", response_model=NsiLcmOpOcc)
def get_op_occ(op_occ_id: Id, who: CallerDep, svc: ServicesDep) -> NsiLcmOpOcc:
    """A netslice occurrence with its nested NS operations (Annex B Table 27)."""
    fetch = lambda s: instances.get_occurrence_row(  # noqa: E731
        s, NSI, op_occ_id, who.project_id, lock=False
    )
    return lc.read_one(svc, fetch, _occurrence)


def _task(
    task: Task, op_occ_id: str, who: CallerDep, svc: ServicesDep, request: Request
) -> NsiLcmOpOcc:
    act = lambda s: nsi_queue.request_nsi_task(s, who.project_id, op_occ_id, task)  # noqa: E731
    return lc.run_task(request, svc, act, _occurrence)


@router.post("/nsi_lcm_op_occs/{op_occ_id}/retry", **lc.accepted_route(NsiLcmOpOcc))
def retry(op_occ_id: Id, who: CallerDep, svc: ServicesDep, request: Request) -> NsiLcmOpOcc:
    """Retry a FAILED_TEMP netslice occurrence: its failed nested NS operation goes again."""
    return _task(Task.RETRY, op_occ_id, who, svc, request)


@router.post("/nsi_lcm_op_occs/{op_occ_id}/fail", response_model=NsiLcmOpOcc)
def fail(op_occ_id: Id, who: CallerDep, svc: ServicesDep, request: Request) -> NsiLcmOpOcc:
    """Mark a FAILED_TEMP netslice occurrence FAILED for good."""
    return _task(Task.FAIL, op_occ_id, who, svc, request)

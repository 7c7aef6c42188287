"""``/nslcm/v1``: NS instances and their LCM operation occurrences (seed Annex B.4).

ETSI GS NFV-SOL005 v3.7.1 clause 6 (NS lifecycle management interface) with OSM's
``ns_instances_content`` (create + instantiate in one request) and ``action`` (Day2
primitive). Operations are accepted with ``202 Accepted`` and a ``Location`` of the new
``ns_lcm_op_occs`` resource; a worker process carries them out (:mod:`locus_iac.lcm`).
An operation on an NS instance that already has an open occurrence is ``409`` naming it.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Path, Query, Request, Response, status
from pydantic import (
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from locus_iac.catalogue.instances import NsInstanceRow
from locus_iac.catalogue.paging import KeysetPage
from locus_iac.lcm import instances, nsi_queue, queue
from locus_iac.lcm.instances import NS
from locus_iac.lcm.occurrence import OperationOccurrence
from locus_iac.lcm.packages import check_action, find_nsd
from locus_iac.lcm.placement_record import PlacementRecord
from locus_iac.lcm.queue import Task
from locus_iac.lcm.requests import (
    ActionRequest,
    CreateAndInstantiateRequest,
    CreateNsRequest,
    HealNsRequest,
    InstantiateNsRequest,
    ScaleNsRequest,
    TerminateNsRequest,
)
from locus_iac.lcm.states import LcmOperationType, allowed_events
from locus_iac.monitoring.outbox import pending_of_occurrence
from locus_iac.nbi import filters, representations, semantics
from locus_iac.nbi import lifecycle as lc
from locus_iac.nbi.context import CallerDep, ServicesDep
from locus_iac.nbi.osm.prefix import is_osm
from locus_iac.nbi.osm.records import (
    OsmAdmin,
    ns_members,
    operation_members,
    osm_operation_params,
)
from locus_iac.nbi.osm.yaml_body import YamlBodyRoute
from locus_iac.nbi.paging import Marker
from locus_iac.nbi.routing import PrefixRouter

router = PrefixRouter(prefix="/nslcm/v1", tags=["nslcm"], route_class=YamlBodyRoute)
Id = Annotated[str, Path(min_length=1, max_length=36)]
BASE = "/nslcm/v1"
_EVENTS_SHOWN = 50
T = TypeVar("T", OperationOccurrence, KeysetPage[OperationOccurrence])


class NsInstance(lc.CamelModel):
    """``NsInstance`` (SOL005 v3.7.1 clause 6.5.2.10), the attributes locus keeps."""

    id: str
    object_id: str = Field(alias="_id")
    ns_instance_name: str = Field(alias="nsInstanceName")
    ns_instance_description: str = Field(alias="nsInstanceDescription")
    nsd_id: str = Field(alias="nsdId")
    nsd_info_id: str = Field(alias="nsdInfoId")
    ns_state: str = Field(alias="nsState")
    current_op_occ_id: str | None = Field(alias="currentLcmOpOccId")
    additional_params: dict[str, Any] = Field(alias="additionalParams")
    links: dict[str, lc.Link] = Field(alias="_links")
    # OSM's NS record members (osmclient's ns-list / ns-show), see locus_iac.nbi.osm.records
    name: str = Field(description="OSM: the instance's name")
    create_time: float = Field(alias="create-time", description="OSM: epoch seconds")
    operational_status: str = Field(alias="operational-status", description="OSM")
    current_operation: str = Field(alias="currentOperation", description="OSM (IDLE: none)")
    current_operation_id: str | None = Field(alias="currentOperationID", description="OSM")
    error_description: str | None = Field(alias="errorDescription", description="OSM")
    error_detail: str | None = Field(alias="errorDetail", description="OSM")
    datacenter: str | None = Field(description="OSM: the VIM account it was instantiated on")
    admin: OsmAdmin = Field(alias="_admin", description="OSM")


class Progress(lc.CamelModel):
    """locus's progress view of an occurrence (an extension of ``NsLcmOpOcc``)."""

    current_step: str | None = Field(alias="currentStep")
    resources: dict[str, int]
    events: list[dict[str, Any]] = Field(
        description="the latest engine progress records (resource steps, diagnostics, summary)"
    )
    events_total: int = Field(alias="eventsTotal")
    task_results: list[dict[str, Any]] = Field(alias="taskResults")
    preview: dict[str, int] | None = Field(
        default=None, description="what the preview before up said would change"
    )
    monitoring: dict[str, Any] | None = Field(
        default=None,
        description="locus (issue 17): whether monitoring is on, and what of this occurrence "
        "(bus events, monitoring config) still waits for the monitoring platform",
    )
    placement: PlacementRecord | None = Field(
        default=None,
        description="locus: the placement optimiser's decision for an instantiation (each "
        "VNF profile's site, objective, solver, reasons, costs and latencies); kept after "
        "the operation ends",
    )


class NsLcmOpOcc(lc.CamelModel):
    """``NsLcmOpOcc`` (SOL005 v3.7.1 clause 6.5.2.3) plus ``progress``."""

    id: str
    operation_state: str = Field(alias="operationState")
    state_entered_time: str = Field(alias="stateEnteredTime")
    ns_instance_id: str = Field(alias="nsInstanceId")
    lcm_operation_type: str = Field(
        alias="lcmOperationType", description="upper-case; OSM's lower-case under /osm"
    )
    start_time: str | float = Field(
        alias="startTime", description="ISO 8601; OSM's epoch seconds under /osm"
    )
    is_automatic_invocation: bool = Field(alias="isAutomaticInvocation")
    operation_params: dict[str, Any] = Field(alias="operationParams")
    is_cancel_pending: bool = Field(alias="isCancelPending")
    cancel_mode: str | None = Field(alias="cancelMode")
    error: dict[str, Any] | None
    progress: Progress
    links: dict[str, lc.Link] = Field(alias="_links")
    # OSM's operation record members (osmclient's ns-op-list / ns-op-show)
    object_id: str = Field(alias="_id", description="OSM")
    status_entered_time: str | float = Field(
        alias="statusEnteredTime", description="ISO 8601; OSM's epoch seconds under /osm"
    )
    error_message: str | None = Field(alias="errorMessage", description="OSM")
    stage: str = Field(description="OSM: the current step")
    admin: OsmAdmin = Field(alias="_admin", description="OSM")

    @model_serializer(mode="wrap")
    def _absent_not_null(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """SOL005: ``cancelMode`` and ``error`` are absent (not null) when they do not apply."""
        data: dict[str, Any] = handler(self)
        for key in ("cancelMode", "error", "errorMessage"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class Accepted(lc.CamelModel):
    """The answer to a create-and-instantiate or an operation request (Annex B.4)."""

    id: str = Field(description="the NS instance (content) or the occurrence (operations)")
    ns_instance_id: str = Field(alias="nsInstanceId")
    ns_lcm_op_occ_id: str = Field(alias="nsLcmOpOccId")
    nslcmop_id: str = Field(description="OSM's name of nsLcmOpOccId")


def _instance(row: NsInstanceRow) -> NsInstance:
    """The SOL005 NsInstance of ``row`` with OSM's NS record members beside."""
    me = f"{BASE}/ns_instances/{row.id}"
    links = {"self": lc.Link(href=me)}
    if row.ns_state == "NOT_INSTANTIATED":
        links["instantiate"] = lc.Link(href=f"{me}/instantiate")
    else:
        for op in ("scale", "action", "heal", "terminate"):
            links[op] = lc.Link(href=f"{me}/{op}")
    if row.current_op_occ_id:
        links["currentLcmOpOcc"] = lc.Link(href=f"{BASE}/ns_lcm_op_occs/{row.current_op_occ_id}")
    return NsInstance.model_validate(
        {
            "id": row.id,
            "_id": row.id,
            "nsInstanceName": row.name,
            "nsInstanceDescription": row.description or "",
            "nsdId": row.nsd_id,
            "nsdInfoId": row.nsd_info_id,
            "nsState": row.ns_state,
            "currentLcmOpOccId": row.current_op_occ_id,
            "additionalParams": row.instantiate_params or {},
            "_links": links,
            **ns_members(row),
        }
    )


def _occurrence(
    occ: OperationOccurrence, project_id: str, osm: bool = False, ns: NsInstanceRow | None = None
) -> NsLcmOpOcc:
    """The SOL005 NsLcmOpOcc of ``occ`` with OSM's members (OSM's meanings when ``osm``;
    ``ns``, its instance, fills OSM's ``operationParams`` then)."""
    me = f"{BASE}/ns_lcm_op_occs/{occ.id}"
    links = {
        "self": lc.Link(href=me),
        "nsInstance": lc.Link(href=f"{BASE}/ns_instances/{occ.ns_instance_id}"),
    }
    for event in sorted(allowed_events(occ.state)):
        if event.value in {t.value for t in Task}:
            links[event.value] = lc.Link(href=f"{me}/{event.value}")
    if occ.state.is_running and not occ.is_cancel_pending:
        links["cancel"] = lc.Link(href=f"{me}/cancel")
    counts = occ.stack_progress.counts
    progress = Progress(
        current_step=occ.current_step,
        resources=counts.model_dump(),
        events=[lc.progress_event(r) for r in occ.stack_records[-_EVENTS_SHOWN:]],
        events_total=len(occ.stack_records) + occ.dropped_records,
        task_results=[t.model_dump(mode="json") for t in occ.task_results],
        preview=occ.preview.model_dump() if occ.preview else None,
        placement=occ.placement,
    )
    return NsLcmOpOcc.model_validate(
        {
            "id": occ.id,
            "operationState": occ.state.value,
            "stateEnteredTime": occ.state_entered_time.isoformat(),
            "nsInstanceId": occ.ns_instance_id,
            "lcmOperationType": occ.operation.value,
            "startTime": occ.start_time.isoformat(),
            "isAutomaticInvocation": occ.is_automatic_invocation,
            "operationParams": osm_operation_params(occ, ns)
            if osm
            else representations.operation_params(occ.operation.value, occ.operation_params),
            "isCancelPending": occ.is_cancel_pending,
            "cancelMode": occ.cancel_mode.value if occ.cancel_mode else None,
            "error": lc.problem(occ.error.model_dump()) if occ.error else None,
            "progress": progress,
            "_links": links,
            **operation_members(occ, project_id, osm),
        }
    )


def _accepted(
    request: Request, response: Response, ns_id: str, op_id: str, *, content: bool
) -> Accepted:
    lc.accept(request, response, f"{BASE}/ns_lcm_op_occs/{op_id}")
    return Accepted(
        id=ns_id if content else op_id,
        ns_instance_id=ns_id,
        ns_lcm_op_occ_id=op_id,
        nslcmop_id=op_id,
    )


# -- NS instances ----------------------------------------------------------------------------


@router.post("/ns_instances", response_model=NsInstance, status_code=status.HTTP_201_CREATED)
def create_ns_instance(
    body: CreateNsRequest, who: CallerDep, svc: ServicesDep, request: Request, response: Response
) -> NsInstance:
    """Create an NS instance identifier in ``NOT_INSTANTIATED`` (SOL005 clause 6.4.2.3.1)."""
    with svc.db.session() as session:
        nsd = find_nsd(session, who.project_id, body.nsd_id)
        row = queue.create_instance(
            session,
            who.project_id,
            name=body.ns_name,
            description=body.ns_description,
            nsd_id=nsd.descriptor_id or body.nsd_id,
            nsd_info_id=nsd.id,
        )
    response.headers["Location"] = lc.location(request, f"{BASE}/ns_instances/{row.id}")
    return _instance(row)


@router.post("/ns_instances_content", response_model=Accepted, status_code=status.HTTP_202_ACCEPTED)
def create_and_instantiate(
    body: CreateAndInstantiateRequest,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
) -> Accepted:
    """Create an NS instance and instantiate it (OSM; seed Annex B Table 19)."""
    params = InstantiateNsRequest.model_validate(
        body.model_dump(include=set(InstantiateNsRequest.model_fields))
    )
    with svc.db.session() as session:
        nsd = find_nsd(session, who.project_id, body.nsd_id)
        row = queue.create_instance(
            session,
            who.project_id,
            name=body.ns_name,
            description=body.ns_description,
            nsd_id=nsd.descriptor_id or body.nsd_id,
            nsd_info_id=nsd.id,
        )
        occ = queue.start_operation(
            session,
            who.project_id,
            row.id,
            LcmOperationType.INSTANTIATE,
            params.model_dump(mode="json"),
        )
    return _accepted(request, response, row.id, occ.id, content=True)


#: SOL005 v3.7.1 clauses 6.4.2.3.2 and 6.4.9.3.2 (the NsInstance set holds nothing locus has)
_NS_LISTING = filters.Listing(NsInstance)
_OCC_DEFAULT = ("operationParams", "changedVnfInfo", "error", "resourceChanges", "warnings")
_OCC_LISTING = filters.Listing(
    NsLcmOpOcc, exclude_default=tuple((name,) for name in (*_OCC_DEFAULT, "lcmCoordinations"))
)


@router.get("/ns_instances", response_model=list[NsInstance])
def list_ns_instances(
    request: Request,
    who: CallerDep,
    svc: ServicesDep,
    nextpage_opaque_marker: Marker = None,
) -> Response:
    """One page of the project's NS instances; ``Link: rel="next"`` names the next one."""
    page = lc.instance_page(NS, who.project_id)
    return lc.listed(request, svc, nextpage_opaque_marker, page, _instance, _NS_LISTING)


@router.get("/ns_instances/{ns_instance_id}", response_model=NsInstance)
def get_ns_instance(
    ns_instance_id: Id, who: CallerDep, svc: ServicesDep, response: Response
) -> NsInstance:
    view = lc.read_one(svc, lc.instance_of(NS, who.project_id, ns_instance_id), _instance)
    semantics.tag(response, view)
    return view


@router.delete("/ns_instances/{ns_instance_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_ns_instance(
    ns_instance_id: Id, who: CallerDep, svc: ServicesDep, request: Request
) -> Response:
    """Delete an NS instance identifier (only ``NOT_INSTANTIATED``; clause 6.4.3.3.5);
    ``If-Match``: 412 when it changed since the client read it."""
    with svc.db.session() as session:
        if "if-match" in request.headers:
            found = instances.get_instance(session, NS, who.project_id, ns_instance_id)
            semantics.require_match(request, _instance(found))
        nsi_queue.require_standalone(session, who.project_id, ns_instance_id)
        queue.delete_instance(session, who.project_id, ns_instance_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _operation(
    operation: LcmOperationType,
    body: BaseModel,
    ns_instance_id: str,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
) -> Accepted:
    with svc.db.session() as session:
        occ = queue.start_operation(
            session, who.project_id, ns_instance_id, operation, body.model_dump(mode="json")
        )
    return _accepted(request, response, ns_instance_id, occ.id, content=False)


_ACCEPTED = lc.accepted_route(Accepted)
_TASK = lc.accepted_route(NsLcmOpOcc)


@router.post("/ns_instances/{ns_instance_id}/instantiate", **_ACCEPTED)
def instantiate(
    ns_instance_id: Id,
    body: InstantiateNsRequest,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
) -> Accepted:
    """Instantiate (clause 6.4.4): resolve, preview, up, Day1."""
    return _operation(
        LcmOperationType.INSTANTIATE, body, ns_instance_id, who, svc, request, response
    )


@router.post("/ns_instances/{ns_instance_id}/scale", **_ACCEPTED)
def scale(
    ns_instance_id: Id,
    body: ScaleNsRequest,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
) -> Accepted:
    """Scale VNFs / KNF replicas (clause 6.4.6; Annex B Table 20)."""
    return _operation(LcmOperationType.SCALE, body, ns_instance_id, who, svc, request, response)


@router.post("/ns_instances/{ns_instance_id}/action", **_ACCEPTED)
def action(
    ns_instance_id: Id,
    body: ActionRequest,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
) -> Accepted:
    """Run a Day2 primitive (OSM; Annex B Table 21); checked against the VNFD first (422)."""
    with svc.db.session(readonly=True) as session:
        ns = instances.get_instance(session, NS, who.project_id, ns_instance_id)
        check_action(session, ns, body)
    return _operation(LcmOperationType.ACTION, body, ns_instance_id, who, svc, request, response)


@router.post("/ns_instances/{ns_instance_id}/heal", **_ACCEPTED)
def heal(
    ns_instance_id: Id,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
    body: HealNsRequest | None = None,
) -> Accepted:
    """Heal (clause 6.4.7): refresh the stack from reality, then re-apply it."""
    return _operation(
        LcmOperationType.HEAL, body or HealNsRequest(), ns_instance_id, who, svc, request, response
    )


@router.post("/ns_instances/{ns_instance_id}/terminate", **_ACCEPTED)
def terminate(
    ns_instance_id: Id,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
    body: TerminateNsRequest | None = None,
) -> Accepted:
    """Terminate (clause 6.4.8; Annex B Table 22): destroy the stack's resources and it.
    A nested NS of a netslice is terminated with its netslice (409 here)."""
    with svc.db.session(readonly=True) as session:
        nsi_queue.require_standalone(session, who.project_id, ns_instance_id)
    return _operation(
        LcmOperationType.TERMINATE,
        body or TerminateNsRequest(),
        ns_instance_id,
        who,
        svc,
        request,
        response,
    )


# -- operation occurrences -------------------------------------------------------------------


@router.get("/ns_lcm_op_occs", response_model=list[NsLcmOpOcc])
def list_op_occs(
    request: Request,
    who: CallerDep,
    svc: ServicesDep,
    ns_instance_id: Annotated[str | None, Query(alias="nsInstanceId", max_length=36)] = None,
    nextpage_opaque_marker: Marker = None,
) -> Response:
    """One page of occurrences (of one NS instance); ``Link: rel="next"`` names the next."""
    render = _Renderer(who.project_id, is_osm(request))

    def page(s: Session, marker: str | None, n: int) -> KeysetPage[OperationOccurrence]:
        found = queue.page_occurrences(s, who.project_id, ns_instance_id, marker=marker, limit=n)
        return render.note(s, found)

    return lc.listed(request, svc, nextpage_opaque_marker, page, render, _OCC_LISTING)


class _Renderer:
    """Renders occurrences; under ``/osm`` it first reads, in the same transaction, the NS
    instances whose facts OSM repeats in ``operationParams`` (:meth:`note`)."""

    def __init__(self, project_id: str, osm: bool) -> None:
        self.project_id = project_id
        self.osm = osm
        self.instances: dict[str, NsInstanceRow] = {}

    def note(self, session: Session, found: T) -> T:
        """``found`` (an occurrence or a page of them), after reading their NS instances."""
        if self.osm:
            occs = found.rows if isinstance(found, KeysetPage) else [found]
            wanted = {o.ns_instance_id for o in occs} - set(self.instances)
            if wanted:
                rows = session.scalars(select(NsInstanceRow).where(NsInstanceRow.id.in_(wanted)))
                self.instances.update((row.id, row) for row in rows)
        return found

    def __call__(self, occ: OperationOccurrence) -> NsLcmOpOcc:
        ns = self.instances.get(occ.ns_instance_id)
        return _occurrence(occ, self.project_id, self.osm, ns)


@router.get("/ns_lcm_op_occs/{op_occ_id}", response_model=NsLcmOpOcc)
def get_op_occ(op_occ_id: Id, who: CallerDep, svc: ServicesDep, request: Request) -> NsLcmOpOcc:
    """An occurrence with its progress (Annex B Table 23) and what of it still waits for the
    monitoring platform (``progress.monitoring``)."""
    render = _Renderer(who.project_id, is_osm(request))
    found = lc.read_one(
        svc, lambda s: render.note(s, queue.get_occurrence(s, who.project_id, op_occ_id)), render
    )
    with svc.db.session(readonly=True) as session:
        pending = pending_of_occurrence(session, found.ns_instance_id, found.id)
    enabled = getattr(request.app.state, "monitoring", None)
    on = enabled is not None and enabled.settings is not None
    found.progress.monitoring = {"enabled": on, "pending": pending if on else []}
    return found


def _task(
    task: Task, op_occ_id: str, who: CallerDep, svc: ServicesDep, request: Request
) -> NsLcmOpOcc:
    render = _Renderer(who.project_id, is_osm(request))
    act = lambda s: render.note(s, queue.request_task(s, who.project_id, op_occ_id, task))  # noqa: E731
    return lc.run_task(request, svc, act, render)


@router.post("/ns_lcm_op_occs/{op_occ_id}/retry", **_TASK)
def retry(op_occ_id: Id, who: CallerDep, svc: ServicesDep, request: Request) -> NsLcmOpOcc:
    """Retry a FAILED_TEMP occurrence (clause 6.4.11)."""
    return _task(Task.RETRY, op_occ_id, who, svc, request)


@router.post("/ns_lcm_op_occs/{op_occ_id}/rollback", **_TASK)
def rollback(op_occ_id: Id, who: CallerDep, svc: ServicesDep, request: Request) -> NsLcmOpOcc:
    """Roll back a FAILED_TEMP instantiate (clause 6.4.12): destroy what was created."""
    return _task(Task.ROLLBACK, op_occ_id, who, svc, request)


@router.post("/ns_lcm_op_occs/{op_occ_id}/fail", response_model=NsLcmOpOcc)
def fail(op_occ_id: Id, who: CallerDep, svc: ServicesDep, request: Request) -> NsLcmOpOcc:
    """Mark a FAILED_TEMP occurrence FAILED for good (clause 6.4.14)."""
    return _task(Task.FAIL, op_occ_id, who, svc, request)


@router.post("/ns_lcm_op_occs/{op_occ_id}/cancel", **_TASK)
def cancel(op_occ_id: Id, who: CallerDep, svc: ServicesDep, request: Request) -> NsLcmOpOcc:
    """Cancel a running occurrence (clause 6.4.10); it ends in FAILED_TEMP."""
    return _task(Task.CANCEL, op_occ_id, who, svc, request)


# -- for the routes of other modules (locus_iac.nbi.routers.nsupdate) ------------------------


def accepted(request: Request, response: Response, ns_id: str, op_id: str) -> Accepted:
    """``202 Accepted`` of an operation on ``ns_id``: its occurrence ``op_id``, Location."""
    return _accepted(request, response, ns_id, op_id, content=False)


def run_task(
    task: Task, op_occ_id: str, who: CallerDep, svc: ServicesDep, request: Request
) -> NsLcmOpOcc:
    """A task (retry, continue, ...) on an occurrence, rendered as ``NsLcmOpOcc``."""
    return _task(task, op_occ_id, who, svc, request)

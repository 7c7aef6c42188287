"""OSM's ``/nslcm/v1/ns_instances_content[/{id}]`` beyond the create-and-instantiate POST,
and the same for netslice instances (``/nsilcm/v1/netslice_instances_content``).

``GET`` lists and reads NS instances (the same representations as ``ns_instances``: OSM's
client lists, shows and looks names up there). ``DELETE`` is OSM's terminate-and-delete:

* an instance that is ``NOT_INSTANTIATED`` with no open occurrence is deleted at once: 204;
* an ``INSTANTIATED`` one gets a terminate occurrence: 202 with its ``_id`` (OSM's answer)
  and ``Location``; once that has completed the LCM deletes the instance and its occurrences
  (OSM's ``autoremove``, on unless ``autoremove=false``: then the instance stays
  ``NOT_INSTANTIATED`` and a second ``DELETE`` removes it); a terminate that fails leaves
  the instance and its occurrence for the user to see;
* ``FORCE=true`` first closes an occurrence left in ``FAILED_TEMP`` as ``FAILED`` (what
  ``POST .../fail`` does) and skips the VNFs' terminate primitives; it never drops an
  instance whose resources may still exist without terminating it first.

A nested NS of a netslice is deleted with its netslice (409 here, as for ``terminate``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from locus_iac.lcm import instances, nsi_queue, queue
from locus_iac.lcm.instances import NS, NSI
from locus_iac.lcm.queue import Task
from locus_iac.lcm.requests import TerminateNsRequest
from locus_iac.lcm.states import LcmOperationState, LcmOperationType, NsState
from locus_iac.nbi import lifecycle as lc
from locus_iac.nbi.context import CallerDep, ServicesDep
from locus_iac.nbi.osm.yaml_body import YamlBodyRoute
from locus_iac.nbi.routers import nsilcm
from locus_iac.nbi.routers.nslcm import BASE, NsInstance, get_ns_instance, list_ns_instances
from locus_iac.nbi.routing import PrefixRouter

router = PrefixRouter(prefix=BASE, tags=["nslcm"], route_class=YamlBodyRoute)
Id = Annotated[str, Path(min_length=1, max_length=36)]
Force = Annotated[bool, Query(alias="FORCE", description="OSM: close a FAILED_TEMP first")]
Skip = Annotated[bool, Query(description="OSM: terminate without the VNFs' terminate primitives")]
Autoremove = Annotated[bool, Query(description="OSM: delete the instance once terminated")]

router.add_api_route(
    "/ns_instances_content",
    list_ns_instances,
    methods=["GET"],
    response_model=list[NsInstance],
    summary="List NS instances (OSM alias of ns_instances)",
)
router.add_api_route(
    "/ns_instances_content/{ns_instance_id}",
    get_ns_instance,
    methods=["GET"],
    response_model=NsInstance,
    summary="Read an NS instance (OSM alias of ns_instances/{id})",
)


def _close_failed_temp(session: Session, project_id: str, ns_instance_id: str) -> None:
    row = instances.get_instance(session, NS, project_id, ns_instance_id)
    if row.current_op_occ_id is None:
        return
    occ = queue.get_occurrence(session, project_id, row.current_op_occ_id)
    if occ.state is LcmOperationState.FAILED_TEMP:
        queue.request_task(session, project_id, occ.id, Task.FAIL)


@router.delete(
    "/ns_instances_content/{ns_instance_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={202: {"description": "terminating; deleted once that has completed"}},
)
def terminate_and_delete(
    ns_instance_id: Id,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    force: Force = False,
    skip_terminate_primitives: Skip = False,
    autoremove: Autoremove = True,
) -> Response:
    """OSM's NS delete: terminate (when instantiated) and delete (see the module docstring)."""
    project = who.project_id
    with svc.db.session() as session:
        nsi_queue.require_standalone(session, project, ns_instance_id)
        if force:
            _close_failed_temp(session, project, ns_instance_id)
        row = instances.get_instance(session, NS, project, ns_instance_id)
        if row.ns_state == NsState.NOT_INSTANTIATED.value:
            queue.delete_instance(session, project, ns_instance_id)
            return Response(status_code=status.HTTP_204_NO_CONTENT)
        params = TerminateNsRequest(
            skip_terminate_primitives=skip_terminate_primitives or force, autoremove=autoremove
        )
        occ = queue.start_operation(
            session,
            project,
            ns_instance_id,
            LcmOperationType.TERMINATE,
            params.model_dump(mode="json"),
        )
    answer = JSONResponse(
        status_code=status.HTTP_202_ACCEPTED,
        content={"_id": occ.id, "id": occ.id, "nsInstanceId": ns_instance_id},
    )
    lc.accept(request, answer, f"{BASE}/ns_lcm_op_occs/{occ.id}")
    return answer


# -- netslice instances: /nsilcm/v1/netslice_instances_content[/{id}] ------------------------

nsi_router = PrefixRouter(prefix=nsilcm.BASE, tags=["nsilcm"], route_class=YamlBodyRoute)
nsi_router.add_api_route(
    "/netslice_instances_content",
    nsilcm.list_nsis,
    methods=["GET"],
    response_model=list[nsilcm.NetSliceInstance],
    summary="List netslice instances (OSM alias of netslice_instances)",
)
nsi_router.add_api_route(
    "/netslice_instances_content/{nsi_id}",
    nsilcm.get_nsi,
    methods=["GET"],
    response_model=nsilcm.NetSliceInstance,
    summary="Read a netslice instance (OSM alias of netslice_instances/{id})",
)


@nsi_router.delete(
    "/netslice_instances_content/{nsi_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={202: {"description": "terminating; deleted once that has completed"}},
)
def terminate_and_delete_nsi(
    nsi_id: Id,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
    autoremove: Autoremove = True,
) -> Response:
    """OSM's netslice delete: a ``NOT_INSTANTIATED`` netslice instance (and the nested NS
    instances it made) is deleted at once (204); an instantiated one is terminated (202 with
    the occurrence's ``_id``) and, once that has completed, deleted with them (OSM's
    ``autoremove``; with ``autoremove=false`` delete it again yourself)."""
    with svc.db.session(readonly=True) as session:
        row = instances.get_instance(session, NSI, who.project_id, nsi_id)
        state = row.nsi_state
    if state == NsState.NOT_INSTANTIATED.value:
        return nsilcm.delete_nsi(nsi_id, who, svc)
    body = TerminateNsRequest(autoremove=autoremove)
    accepted = nsilcm.terminate(nsi_id, who, svc, request, response, body)
    answer = JSONResponse(
        status_code=status.HTTP_202_ACCEPTED,
        content={"_id": accepted.id, "id": accepted.id, "nsiInstanceId": nsi_id},
        headers={"Location": response.headers["Location"]},
    )
    return answer

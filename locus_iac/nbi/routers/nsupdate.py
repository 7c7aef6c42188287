"""``/nslcm/v1``: NS update and the ``continue`` task (SOL005 v3.7.1 clauses 6.4.5, 6.4.13).

``POST /ns_instances/{id}/update`` takes an ``UpdateNsRequest``; the NS instance must be
``INSTANTIATED`` and free (409 otherwise), the request must fit its NSD and the registered
sites (422 with JSON pointers, :mod:`locus_iac.lcm.update`); then ``202`` with the
``Location`` of an ``UPDATE`` occurrence that a worker carries out like every other operation.

``POST /ns_lcm_op_occs/{id}/continue`` moves a ``FAILED_TEMP`` occurrence back to
``PROCESSING`` past the configuration step that failed
(:meth:`locus_iac.lcm.occurrence.OperationOccurrence.continue_past`; 409 otherwise).
"""

from __future__ import annotations

from fastapi import Request, Response

from locus_iac.descriptors import Nsd
from locus_iac.errors import Issue, ValidationError
from locus_iac.lcm import instances, queue
from locus_iac.lcm.inputs import load_packages, load_sites
from locus_iac.lcm.instances import NS
from locus_iac.lcm.queue import Task
from locus_iac.lcm.requests import InstantiateNsRequest
from locus_iac.lcm.states import LcmOperationType, NsState, require_ns_state
from locus_iac.lcm.update import UpdateNsRequest, updated_params
from locus_iac.nbi import lifecycle as lc
from locus_iac.nbi.context import CallerDep, ServicesDep
from locus_iac.nbi.osm.yaml_body import YamlBodyRoute
from locus_iac.nbi.routers.nslcm import BASE, Accepted, Id, NsLcmOpOcc, accepted, run_task
from locus_iac.nbi.routing import PrefixRouter

router = PrefixRouter(prefix=BASE, tags=["nslcm"], route_class=YamlBodyRoute)


@router.post("/ns_instances/{ns_instance_id}/update", **lc.accepted_route(Accepted))
def update(
    ns_instance_id: Id,
    body: UpdateNsRequest,
    who: CallerDep,
    svc: ServicesDep,
    request: Request,
    response: Response,
) -> Accepted:
    """Update an NS instance (clause 6.4.5): CHANGE_NS_DF, ADD_VNF / INSTANTIATE_VNF (new VNF
    instances of NSD profiles), REMOVE_VNF; other update types are refused (422)."""
    with svc.db.session() as session:
        ns = instances.get_instance(session, NS, who.project_id, ns_instance_id)
        instances.require_unlocked(session, NS, ns)
        require_ns_state(NsState(ns.ns_state), LcmOperationType.UPDATE)
        main, _ = load_packages(session, who.project_id, ns.nsd_info_id)
        nsd = main.descriptor.model
        if not isinstance(nsd, Nsd):  # pragma: no cover - an NS instance has an NSD
            raise ValidationError("not an NS", [Issue("/nsdId", "wrong-kind", "an NSD")])
        _, sites = load_sites(session, who.project_id)
        current = InstantiateNsRequest.model_validate(ns.instantiate_params or {})
        updated_params(nsd, current, body, [row.name for row in sites])
        occ = queue.start_operation(
            session, who.project_id, ns_instance_id, LcmOperationType.UPDATE, body.params()
        )
    return accepted(request, response, ns_instance_id, occ.id)


@router.post("/ns_lcm_op_occs/{op_occ_id}/continue", **lc.accepted_route(NsLcmOpOcc))
def continue_(op_occ_id: Id, who: CallerDep, svc: ServicesDep, request: Request) -> NsLcmOpOcc:
    """Continue a FAILED_TEMP occurrence past its failed Day1/Day2/terminate step (clause
    6.4.13); the steps before it are re-applied (idempotent), the ones after it run."""
    return run_task(Task.CONTINUE, op_occ_id, who, svc, request)

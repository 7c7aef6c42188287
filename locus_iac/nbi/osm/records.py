"""OSM's record members, written next to the SOL005 ones (OSM NBI's MongoDB record shapes).

OSM's client reads, besides ``_id``: ``_admin`` (``operationalState``, ``projects_read``,
``created``/``modified`` in seconds since the epoch, ...), a package's descriptor ``id``,
``name`` / ``product-name``; an NS record's ``name``, ``create-time``, ``nsState``,
``operational-status``, ``currentOperation``; an occurrence's ``operationState``,
lower-case ``lcmOperationType``, ``startTime`` / ``statusEnteredTime`` in epoch seconds,
``errorMessage`` and ``stage``; a netslice instance's ``name``, ``operational-status`` and
``detailed-status``. The functions here compute those members from catalogue
rows; the routers' representations carry them (see :mod:`locus_iac.nbi.osm.prefix` for the
few members whose meaning depends on the ``/osm`` prefix).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import object_session

from locus_iac.catalogue.instances import NsInstanceRow, OpOccRow
from locus_iac.catalogue.netslices import NsiInstanceRow, NsiOpOccRow
from locus_iac.lcm.occurrence import OperationOccurrence


def epoch(moment: datetime) -> float:
    """Seconds since the epoch (a naive time is UTC, as the catalogue stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class OsmAdmin(BaseModel):
    """OSM's ``_admin`` block: the record's state, times and owning project."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True, extra="allow")

    operational_state: str = Field(alias="operationalState")
    created: float = Field(description="seconds since the epoch")
    modified: float = Field(description="seconds since the epoch")
    projects_read: list[str]
    projects_write: list[str]


def admin(
    project_id: str, created: datetime, modified: datetime, state: str, **more: Any
) -> OsmAdmin:
    """An ``_admin`` block; ``more`` adds OSM's record-specific members (``type``, ...)."""
    return OsmAdmin.model_validate(
        {
            "operationalState": state,
            "created": epoch(created),
            "modified": epoch(modified),
            "projects_read": [project_id],
            "projects_write": [project_id],
            **more,
        }
    )


#: OSM's ``currentOperation`` while an operation of the type runs (``IDLE`` when none does).
_RUNNING = {
    "INSTANTIATE": "INSTANTIATING",
    "TERMINATE": "TERMINATING",
    "SCALE": "SCALING",
    "HEAL": "HEALING",
    "UPDATE": "UPDATING",
    "ACTION": "RUNNING ACTION",
}


def _operational_status(ns_state: str, current: OpOccRow | None) -> str:
    """OSM's ``operational-status``: init, running, terminating or failed."""
    if current is not None and current.state in ("FAILED_TEMP", "FAILED"):
        return "failed"
    if current is not None and current.operation == "TERMINATE":
        return "terminating"
    return "running" if ns_state == "INSTANTIATED" else "init"


def ns_members(row: NsInstanceRow) -> dict[str, Any]:
    """OSM's members of an NS record (``nsrs``) for a catalogue NS instance row."""
    session = object_session(row)
    current = None
    if session is not None and row.current_op_occ_id:
        current = session.get(OpOccRow, row.current_op_occ_id)
    error = (current.error or {}) if current is not None else {}
    operation = current.operation if current is not None else None
    return {
        "name": row.name,
        "create-time": epoch(row.created_at),
        "operational-status": _operational_status(row.ns_state, current),
        "currentOperation": _RUNNING.get(operation or "", "IDLE"),
        "currentOperationID": row.current_op_occ_id,
        "errorDescription": error.get("title"),
        "errorDetail": error.get("detail"),
        "datacenter": (row.instantiate_params or {}).get("vim_account_id"),
        "_admin": admin(
            row.project_id,
            row.created_at,
            row.updated_at,
            "ENABLED",
            nsState=row.ns_state,
            nslcmop=row.current_op_occ_id,
            **{"current-operation": operation.lower() if operation else None},
        ),
    }


def osm_operation_params(occ: OperationOccurrence, ns: NsInstanceRow | None) -> dict[str, Any]:
    """An occurrence's ``operationParams`` as OSM writes them (``nslcmops``): the request's
    parameters with ``lcmOperationType`` and ``nsInstanceId``, and for an instantiate the
    NS record's ``nsName``, ``nsDescription``, ``nsdId`` (the NSD package) and ``nsr_id``
    (osmclient's ``ns-op-list --long`` reads them). ``ns`` is the occurrence's instance."""
    params: dict[str, Any] = {
        **occ.operation_params,
        "lcmOperationType": occ.operation.value.lower(),
        "nsInstanceId": occ.ns_instance_id,
    }
    if occ.operation.value == "INSTANTIATE":
        params.setdefault("nsName", ns.name if ns else "")
        params.setdefault("nsDescription", (ns.description if ns else None) or "")
        params.setdefault("nsdId", ns.nsd_info_id if ns else "")
        params.setdefault("nsr_id", occ.ns_instance_id)
    return params


def operation_members(occ: OperationOccurrence, project_id: str, osm: bool) -> dict[str, Any]:
    """OSM's members of an operation record (``nslcmops``); under ``/osm`` also OSM's
    ``lcmOperationType`` (lower-case), ``startTime`` and ``statusEnteredTime`` (epoch)."""
    members: dict[str, Any] = {
        "_id": occ.id,
        "statusEnteredTime": epoch(occ.state_entered_time)
        if osm
        else occ.state_entered_time.isoformat(),
        "errorMessage": f"{occ.error.title}: {occ.error.detail}" if occ.error else None,
        "stage": occ.current_step or "",
        "_admin": admin(project_id, occ.start_time, occ.state_entered_time, occ.state.value),
    }
    if osm:
        members["lcmOperationType"] = occ.operation.value.lower()
        members["startTime"] = epoch(occ.start_time)
    return members


def nsi_members(row: NsiInstanceRow) -> dict[str, Any]:
    """OSM's members of a netslice instance record (``nsis``)."""
    session = object_session(row)
    current = None
    if session is not None and row.current_op_occ_id:
        current = session.get(NsiOpOccRow, row.current_op_occ_id)
    failed = current is not None and current.state in ("FAILED_TEMP", "FAILED")
    error = (current.error or {}) if current is not None else {}
    if failed:
        status = "failed"
    elif current is not None and current.operation == "TERMINATE":
        status = "terminating"
    else:
        status = "running" if row.nsi_state == "INSTANTIATED" else "init"
    return {
        "name": row.name,
        "create-time": epoch(row.created_at),
        "operational-status": status,
        "detailed-status": error.get("detail") or row.nsi_state,
        "_admin": admin(
            row.project_id,
            row.created_at,
            row.updated_at,
            "ENABLED",
            nsiState=row.nsi_state,
            netsliceInstanceId=row.id,
        ),
    }

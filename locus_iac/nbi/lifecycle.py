"""What the NS and netslice lifecycle routers share: links, errors as ProblemDetails, waking
the LCM supervisor once an operation is accepted, and the engine's progress records as the
op occurrence shows them (:func:`progress_event`: no Pulumi URN nor engine op name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request, Response, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from locus_iac.catalogue.paging import KeysetPage
from locus_iac.engine.progress import (
    DiagnosticRecord,
    ProgressRecord,
    ResourceCounts,
    ResourceEvent,
    SummaryRecord,
)
from locus_iac.lcm import instances
from locus_iac.lcm.instances import I, Kind, O
from locus_iac.nbi import filters
from locus_iac.nbi.context import Services
from locus_iac.nbi.filters import Listing

R = TypeVar("R")
V = TypeVar("V")


def accepted_route(model: type[BaseModel]) -> dict[str, Any]:
    """Route options of an operation request or a task: ``202`` with ``model``."""
    return {"response_model": model, "status_code": status.HTTP_202_ACCEPTED}


#: SOL013 ProblemDetails needs a ``status``: the one the failure would have had as a response.
_ERROR_STATUS = {"ValidationError": 422, "NotFound": 404, "Conflict": 409, "RetryableError": 503}


class CamelModel(BaseModel):
    """A representation whose fields are written under their SOL005/OSM (alias) names."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Link(BaseModel):
    href: str


def problem(error: dict[str, Any]) -> dict[str, Any]:
    """An occurrence's ``error`` (``title``, ``detail``) as SOL013 ProblemDetails."""
    return {**error, "status": _ERROR_STATUS.get(str(error.get("title")), 500)}


def wake_supervisor(request: Request) -> None:
    """Let the LCM supervisor look at its queue now (an operation was just accepted)."""
    lcm = getattr(request.app.state, "lcm", None)
    if lcm is not None:
        lcm.wake()


def location(request: Request, path: str) -> str:
    """The absolute URL of ``path`` on this server (``Location`` headers)."""
    return f"{str(request.base_url).rstrip('/')}{path}"


def accept(request: Request, response: Response, occurrence_path: str) -> None:
    """An operation was accepted: wake the supervisor, point ``Location`` at its occurrence."""
    wake_supervisor(request)
    response.headers["Location"] = location(request, occurrence_path)


def listed(
    request: Request,
    svc: Services,
    marker: str | None,
    page: Callable[[Session, str | None, int], KeysetPage[R]],
    render: Callable[[R], BaseModel],
    listing: Listing,
) -> Response:
    """One page of a lifecycle list (instances, occurrences), rendered, with SOL013 filters
    and selectors (:mod:`locus_iac.nbi.filters`); ``Link: rel="next"`` names the next page."""
    with svc.db.session(readonly=True) as session:

        def fetch(cursor: str | None, limit: int) -> KeysetPage[BaseModel]:
            return page(session, cursor, limit).map(render)

        return filters.respond(request, listing, fetch, marker, svc.settings.page_size)


def instance_page(
    kind: Kind[I, O], project_id: str
) -> Callable[[Session, str | None, int], KeysetPage[I]]:
    """The pages of the project's instances of ``kind`` (for :func:`listed`)."""
    return lambda s, m, n: instances.page_instances(s, kind, project_id, marker=m, limit=n)


def instance_of(kind: Kind[I, O], project_id: str, instance_id: str) -> Callable[[Session], I]:
    """The look-up of one instance of ``kind`` (for :func:`read_one`)."""
    return lambda s: instances.get_instance(s, kind, project_id, instance_id)


def read_one(svc: Services, fetch: Callable[[Session], R], render: Callable[[R], V]) -> V:
    """One resource (an instance, an occurrence), rendered inside its read transaction."""
    with svc.db.session(readonly=True) as session:
        return render(fetch(session))


def run_task(
    request: Request, svc: Services, act: Callable[[Session], R], render: Callable[[R], V]
) -> V:
    """A task on an occurrence (retry, fail, ...): done, rendered, then the supervisor woken."""
    with svc.db.session() as session:
        view = render(act(session))
    wake_supervisor(request)
    return view


def _resource_name(urn: str | None) -> str | None:
    """The resource's logical name (the last ``::`` part of the engine's resource id)."""
    return urn.rsplit("::", 1)[-1] if urn else None


def _resource_kind(type_token: str) -> str:
    """``Deployment`` of ``kubernetes:apps/v1:Deployment``, ``Instance`` of
    ``openstack:compute/instance:Instance``, ``KubernetesKnf`` of a locus component."""
    return type_token.rsplit(":", 1)[-1]


def progress_event(record: ProgressRecord) -> dict[str, Any]:
    """One engine progress record as the op occurrence's ``progress.events`` shows it: the
    resource's name and kind, the step (create, update, delete, replace, same, read, ...) and
    its phase; diagnostics with their severity; the final counts."""
    head: dict[str, Any] = {
        "sequence": record.sequence,
        "timestamp": record.timestamp.isoformat(),
        "kind": record.kind,
    }
    if isinstance(record, ResourceEvent):
        return head | {
            "resource": record.name,
            "resourceKind": _resource_kind(record.type),
            "action": record.op.value,
            "phase": record.phase.value,
            "planning": record.planning,
        }
    if isinstance(record, DiagnosticRecord):
        return head | {
            "severity": record.severity,
            "message": record.message,
            "resource": _resource_name(record.urn),
        }
    assert isinstance(record, SummaryRecord)
    counts = ResourceCounts.from_summary(record.resource_changes)
    return head | {"resources": counts.model_dump(), "durationSeconds": record.duration_seconds}

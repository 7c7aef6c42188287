"""``/ui/...`` data the API has no resource for: an instance's topology and its metrics over
time (:mod:`.metrics`), a site's reachability, and an operation's progress as server-sent
events.

All of them authenticate like the API (bearer token or the console's session cookie) and see
the caller's project only.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from fastapi import Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from locus_iac import catalogue as cat
from locus_iac.errors import Issue, LocusError, ValidationError
from locus_iac.lcm import instances
from locus_iac.lcm.inputs import load_sites, package_of
from locus_iac.lcm.instances import NS
from locus_iac.lcm.placing import committed_use
from locus_iac.monitoring.view import service_view
from locus_iac.nbi.context import CallerDep, ServicesDep
from locus_iac.nbi.routers import nsilcm, nslcm
from locus_iac.nbi.routing import PrefixRouter
from locus_iac.nbi.ui.metrics import InstanceMetrics, instance_metrics
from locus_iac.nbi.ui.topology import Topology, netslice_topology, topology
from locus_iac.packages.summary import summarise

router = PrefixRouter(prefix="/ui", tags=["console"], include_in_schema=False)
Id = Annotated[str, Path(min_length=1, max_length=36)]

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 3600.0
PROBE_SECONDS = 3.0
FINAL_STATES = frozenset({"COMPLETED", "FAILED", "ROLLED_BACK"})


@router.get("/ns_instances/{ns_instance_id}/topology", response_model=Topology)
def instance_topology(ns_instance_id: Id, who: CallerDep, svc: ServicesDep) -> Topology:
    with svc.db.session(readonly=True) as session:
        return topology(session, who.project_id, ns_instance_id)


@router.get("/ns_instances/{ns_instance_id}/metrics", response_model=InstanceMetrics)
def instance_metrics_view(
    ns_instance_id: Id,
    request: Request,
    who: CallerDep,
    svc: ServicesDep,
    minutes: Annotated[int, Query(ge=5, le=7 * 24 * 60)] = 30,
) -> InstanceMetrics:
    """The instance's key series over the last ``minutes`` from Prometheus (404 for another
    project's instance; charts empty, with the reason, when monitoring is off)."""
    with svc.db.session(readonly=True) as session:
        instances.get_instance(session, NS, who.project_id, ns_instance_id)
        view = service_view(session, ns_instance_id)
    watch = getattr(request.app.state, "monitoring", None)
    settings = watch.settings if watch is not None else None
    return instance_metrics(settings, view, minutes=minutes)


@router.get("/netslice_instances/{nsi_id}/topology", response_model=Topology)
def netslice_instance_topology(nsi_id: Id, who: CallerDep, svc: ServicesDep) -> Topology:
    with svc.db.session(readonly=True) as session:
        return netslice_topology(session, who.project_id, nsi_id)


class SummaryTable(BaseModel):
    title: str
    columns: list[str]
    rows: list[list[str]]


class PackageSummary(BaseModel):
    """What ``locus pkg show`` prints for a catalogue entry."""

    header: list[tuple[str, str]]
    tables: list[SummaryTable]


@router.get("/packages/{kind}/{package_id}/summary", response_model=PackageSummary)
def package_summary(
    kind: cat.PackageKind,
    package_id: Annotated[str, Path(min_length=1, max_length=64)],
    who: CallerDep,
    svc: ServicesDep,
) -> PackageSummary:
    """The summary of an onboarded package of the project (409 before it is onboarded)."""
    with svc.db.session(readonly=True) as session:
        row = cat.get_package(session, who.project_id, kind, package_id)
        package = package_of(session, row)
    summary = summarise(package)
    return PackageSummary(
        header=[(k, v) for k, v in summary.header if v],
        tables=[
            SummaryTable(title=t.title, columns=list(t.columns), rows=[list(r) for r in t.rows])
            for t in summary.tables
        ],
    )


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def _changes(
    request: Request, read: Callable[[], dict[str, Any]], first: dict[str, Any]
) -> AsyncIterator[str]:
    current, last, quiet = first, "", time.monotonic()
    stop = time.monotonic() + STREAM_SECONDS
    yield "retry: 2000\n\n"
    while True:
        text = json.dumps(current, sort_keys=True)
        if text != last:
            yield _sse("occurrence", current)
            last, quiet = text, time.monotonic()
        elif time.monotonic() - quiet > KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            quiet = time.monotonic()
        if current.get("operationState") in FINAL_STATES:
            yield _sse("end", {"operationState": current.get("operationState")})
            return
        if time.monotonic() > stop or await request.is_disconnected():
            return
        await asyncio.sleep(POLL_SECONDS)
        try:
            current = await run_in_threadpool(read)
        except LocusError as exc:
            yield _sse("end", {"detail": str(exc)})
            return


async def _event_stream(request: Request, read: Callable[[], dict[str, Any]]) -> StreamingResponse:
    """``read()`` as server-sent events each time it changes, until the occurrence is final
    (``COMPLETED``, ``FAILED``, ``ROLLED_BACK``; then event ``end``). A ``FAILED_TEMP`` one
    keeps streaming, so a retry or rollback shows at once."""
    first = await run_in_threadpool(read)  # 404 for an unknown or another project's one
    return StreamingResponse(
        _changes(request, read, first),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/ns_lcm_op_occs/{op_occ_id}/events")
async def operation_events(
    op_occ_id: Id, request: Request, who: CallerDep, svc: ServicesDep
) -> StreamingResponse:
    """An NS operation occurrence as ``GET /nslcm/v1/ns_lcm_op_occs/{id}`` shows it, live."""

    def read() -> dict[str, Any]:
        occ = nslcm.get_op_occ(op_occ_id, who, svc, request)
        return occ.model_dump(mode="json", by_alias=True)

    return await _event_stream(request, read)


@router.get("/nsi_lcm_op_occs/{op_occ_id}/events")
async def netslice_operation_events(
    op_occ_id: Id, request: Request, who: CallerDep, svc: ServicesDep
) -> StreamingResponse:
    """A netslice operation occurrence (``/nsilcm/v1/nsi_lcm_op_occs/{id}``), live."""

    def read() -> dict[str, Any]:
        return nsilcm.get_op_occ(op_occ_id, who, svc).model_dump(mode="json", by_alias=True)

    return await _event_stream(request, read)


@router.get("/sites/usage", response_model=dict[str, dict[str, float]])
def site_usage(who: CallerDep, svc: ServicesDep) -> dict[str, dict[str, float]]:
    """What the project's instantiated NS instances take at each site (the demand placement
    counts against a site's capacity, :func:`locus_iac.lcm.placing.committed_use`)."""
    with svc.db.session(readonly=True) as session:
        if not _project_has_sites(session, who.project_id):
            return {}
        catalog, rows = load_sites(session, who.project_id)
        used = committed_use(session, who.project_id, catalog, rows)
    return {site: resources.model_dump() for site, resources in used.items()}


def _project_has_sites(session: Session, project_id: str) -> bool:
    return any(cat.list_sites(session, project_id, kind) for kind in cat.SiteType)


class Reachability(BaseModel):
    site: str
    endpoint: str | None
    reachable: bool
    detail: str


def _endpoint(row: Any, svc: ServicesDep) -> str:
    """The site's API URL: the VIM account's auth URL, the cluster's kubeconfig server."""
    if row.kind == cat.SiteType.VIM_ACCOUNT.value:
        return str(row.public.get("vim_url") or "")
    kubeconfig = yaml.safe_load(str(cat.site_credentials(svc.box, row).get("credentials") or ""))
    clusters = kubeconfig.get("clusters") if isinstance(kubeconfig, dict) else None
    if not clusters:
        return ""
    return str((clusters[0].get("cluster") or {}).get("server") or "")


def _probe(url: str) -> tuple[str | None, bool, str]:
    parts = urlsplit(url)
    if not parts.hostname:
        return None, False, "no API endpoint is registered for this site"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    where = f"{parts.hostname}:{port}"
    try:
        with socket.create_connection((parts.hostname, port), timeout=PROBE_SECONDS):
            return where, True, "TCP connection to the site's API accepted"
    except OSError as exc:
        return where, False, f"cannot connect: {exc.strerror or type(exc).__name__}"


@router.get("/sites/{kind}/{site_id}/reachability", response_model=Reachability)
def site_reachability(
    kind: str,
    site_id: Annotated[str, Path(min_length=1, max_length=255)],
    who: CallerDep,
    svc: ServicesDep,
) -> Reachability:
    """Whether the site's API endpoint accepts a connection from the MANO now."""
    try:
        site_kind = cat.SiteType(kind)
    except ValueError:
        raise ValidationError(
            "unknown site kind",
            [Issue("/kind", "bad-kind", f"one of {[k.value for k in cat.SiteType]}")],
        ) from None
    with svc.db.session(readonly=True) as session:
        row = cat.find_site(session, who.project_id, site_kind, site_id)
        url = _endpoint(row, svc)
    where, ok, detail = _probe(url)
    return Reachability(site=row.name, endpoint=where, reachable=ok, detail=detail)

"""Where the VNF profiles of an NS go at instantiation: the Service Orchestrator's placement
(seed §4.1.1.2: compute and storage needs, link latency, cost of each edge or core site).

The request places a profile explicitly through ``additionalParams.placement`` (profile id or
VNFD id -> site) or, for every profile, through ``vimAccountId``. The profiles it leaves open
are placed by :func:`locus_iac.placement.place` when registered sites declare a
``capacity`` (the locus extension of ``/admin/v1/k8sclusters`` and ``/admin/v1/vim_accounts``):

* only sites that declare a capacity are candidates: a site without one has unknown room, so
  the optimiser never picks it;
* a site's room is its capacity less its declared ``used`` (what others take) less what the
  project's instantiated NS instances take there (their stored placement; the demand their
  descriptors state at the instantiation level, scale operations not counted);
* explicit placements on such sites are pins (they take capacity and anchor latency bounds);
  functions placed on sites without a declared capacity are left out of the problem, with
  the links to them;
* a profile whose kind (VM on OpenStack, containers on Kubernetes) no declaring site can run
  keeps today's default (the first site of its kind);
* the objective is ``additionalParams.placementObjective`` (default ``min-total-cost``).

When no registered site declares a capacity, nothing changes: open profiles go to the first
site of their kind, exactly as without this module. The nested NSs of a netslice are placed
here when the netslice is planned (:mod:`locus_iac.lcm.nsi_plan`, one subnet after the
other); their netslice links are then bound to those sites, so the runner does not move a
nested NS that carries ``netslice_links``.

The decision is written back into the request's ``placement`` (so scale, heal and action
rebuild the same spec), summarised in one line for the operation occurrence's step, and kept
whole on the occurrence (:meth:`PlacementChoice.record`: ``progress.placement``, with the
reasons, costs and latencies) after the operation ends. An infeasible placement is a
:class:`~locus_iac.errors.ValidationError` whose issues are the smallest set of conflicting
constraints.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from locus_iac.catalogue import Database
from locus_iac.catalogue.instances import NsInstanceRow
from locus_iac.catalogue.models import SiteRow
from locus_iac.descriptors import Nsd, Vnfd
from locus_iac.errors import Issue, LocusError, ValidationError, json_pointer
from locus_iac.infra.from_packages import default_site
from locus_iac.lcm.inputs import load_packages, load_sites, resolve_site, site_for_function
from locus_iac.lcm.placement_record import (
    CandidateSite,
    LinkLatency,
    PlacedFunction,
    PlacementRecord,
)
from locus_iac.lcm.requests import InstantiateNsRequest
from locus_iac.lcm.runner import Job, Reporter
from locus_iac.lcm.states import NsState
from locus_iac.placement import (
    GroupKind,
    Objective,
    PlacementDecision,
    PlacementInfeasible,
    PlacementRequest,
    place,
    request_from_descriptors,
)
from locus_iac.sites import RESOURCE_FIELDS, Resources, SiteCatalog

log = logging.getLogger(__name__)

DEFAULT_OBJECTIVE = Objective.MIN_TOTAL_COST
TIME_LIMIT = 20.0
"""Seconds the optimiser (and, for an infeasible request, the conflict search) may take."""

_WHERE = "/additionalParams/placement"


@dataclass(frozen=True)
class PlacementChoice:
    """The optimiser's decision for the profiles a request left open.

    ``chosen`` maps those profile ids to site names; ``decision`` is the whole answer
    (objective value, solver, one explanation per function, pins included); ``problem`` and
    ``candidates`` what it was asked (for :meth:`record`).
    """

    decision: PlacementDecision
    chosen: Mapping[str, str]
    problem: PlacementRequest
    candidates: SiteCatalog

    def summary(self) -> str:
        """One line for the occurrence: each chosen site with the optimiser's reasons."""
        why = {e.function: e.why for e in self.decision.explanations}
        parts = [
            f"{profile} -> {site}" + (f" ({why[profile]})" if why.get(profile) else "")
            for profile, site in sorted(self.chosen.items())
        ]
        d = self.decision
        return (
            f"placement: {'; '.join(parts)} [{d.objective.value} = {d.objective_value:.4g} "
            f"{d.objective.unit}, total {d.total_cost:.4g}/h, {d.solver} {d.status.value}]"
        )

    def record(self) -> PlacementRecord:
        """The decision as the occurrence keeps it: each function's site, whether the request
        pinned it, its hourly cost and reasons; each link's latency; the candidate sites."""
        d = self.decision
        sites = {s.name: s for s in self.candidates.sites}
        why = {e.function: e.reasons for e in d.explanations}
        functions = tuple(
            PlacedFunction(
                function=f.id,
                vnfd_id=f.vnfd_id,
                site=d.assignment[f.id],
                pinned=f.id not in self.chosen,
                hourly_cost=sites[d.assignment[f.id]].cost.of(f.total),
                reasons=why.get(f.id, ()),
            )
            for f in self.problem.functions
        )
        links = tuple(
            LinkLatency(
                link=link.id,
                ends=link.ends,
                sites=(d.assignment[link.ends[0]], d.assignment[link.ends[1]]),
                latency_ms=self.candidates.latency(
                    d.assignment[link.ends[0]], d.assignment[link.ends[1]]
                ),
                max_latency_ms=link.max_latency_ms,
            )
            for link in self.problem.links
            if not link.to_sap
        )
        candidates = tuple(
            CandidateSite(
                name=s.name,
                kind=s.kind.value,
                role=s.role.value,
                free=s.free().model_dump(),
                unit_cost=s.cost.model_dump(),
            )
            for s in self.candidates.sites
        )
        return PlacementRecord(
            objective=d.objective,
            objective_unit=d.objective.unit,
            objective_value=d.objective_value,
            total_cost=d.total_cost,
            solver=d.solver,
            status=d.status.value,
            optimality_gap=d.optimality_gap,
            solve_seconds=d.solve_seconds,
            notes=d.notes,
            functions=functions,
            links=links,
            candidates=candidates,
        )

    def apply(self, request: InstantiateNsRequest) -> InstantiateNsRequest:
        """``request`` with the chosen sites (and the objective used) in its parameters."""
        params = request.additional_params.model_copy(
            update={
                "placement": {**request.additional_params.placement, **self.chosen},
                "placement_objective": self.decision.objective,
            }
        )
        return request.model_copy(update={"additional_params": params})


def declares_capacity(row: SiteRow) -> bool:
    """True when the site's registration states its capacity (the placement extension)."""
    return row.public.get("capacity") is not None


def place_and_report(
    db: Database, job: Job, request: InstantiateNsRequest, report: Reporter
) -> InstantiateNsRequest:
    """INSTANTIATE's placement step: ``request`` with the optimiser's sites for the profiles
    it leaves open (unchanged when there is nothing to decide); the decision is reported as
    a step (one line) and whole (``progress.placement``, kept after the operation ends)."""
    with db.session(readonly=True) as session:
        choice = place_instance(
            session, project_id=job.project_id, nsd_info_id=job.nsd_info_id, request=request
        )
    if choice is None:
        return request
    report.step(choice.summary())
    report.placement(choice.record())
    return choice.apply(request)


def place_instance(
    session: Session, *, project_id: str, nsd_info_id: str, request: InstantiateNsRequest
) -> PlacementChoice | None:
    """The optimiser's placement of the profiles ``request`` leaves open, from the project's
    registered sites and the NS's packages; ``None`` when it has nothing to decide (every
    profile placed, ``vimAccountId`` given, a nested NS whose netslice links are bound, or
    no site declares a capacity)."""
    if request.vim_account_id or request.additional_params.netslice_links:
        return None
    catalog, rows = load_sites(session, project_id)
    if not any(declares_capacity(row) for row in rows):
        return None
    nsd, vnfds = _descriptors(session, project_id, nsd_info_id)
    committed = committed_use(session, project_id, catalog, rows)
    return choose_placement(catalog, rows, nsd, vnfds, request, committed=committed)


def _descriptors(
    session: Session, project_id: str, nsd_info_id: str
) -> tuple[Nsd, dict[str, Vnfd]]:
    main, others = load_packages(session, project_id, nsd_info_id)
    nsd = main.descriptor.model
    if not isinstance(nsd, Nsd):  # pragma: no cover - an NS instance always has an NSD
        raise ValidationError("not an NS descriptor", [Issue("/nsdId", "wrong-kind", "an NSD")])
    vnfds = {p.id: p.descriptor.model for p in others if isinstance(p.descriptor.model, Vnfd)}
    return nsd, vnfds


def committed_use(
    session: Session, project_id: str, catalog: SiteCatalog, rows: Sequence[SiteRow]
) -> dict[str, Resources]:
    """What the project's instantiated NS instances take at each site: the demand of each
    VNF profile (its descriptors, at the instantiation level) where its stored parameters
    put it (``placement``, else ``vimAccountId``, else the default site of its kind). An
    instance whose packages or sites cannot be read any more is left out, with a warning."""
    instances = session.scalars(
        select(NsInstanceRow).where(
            NsInstanceRow.project_id == project_id,
            NsInstanceRow.ns_state == NsState.INSTANTIATED.value,
        )
    ).all()
    read: dict[str, tuple[Nsd, dict[str, Vnfd]]] = {}
    totals: dict[str, Resources] = {}
    for instance in instances:
        try:
            params = InstantiateNsRequest.model_validate(instance.instantiate_params or {})
            if instance.nsd_info_id not in read:
                read[instance.nsd_info_id] = _descriptors(session, project_id, instance.nsd_info_id)
            nsd, vnfds = read[instance.nsd_info_id]
            demand = request_from_descriptors(nsd, vnfds, df_id=params.ns_flavour_id)
            where = _sites_of(demand, params, catalog, list(rows), vnfds)
        except (LocusError, PydanticValidationError) as exc:
            log.warning("NS instance %s: its use of the sites is not counted: %s", instance.id, exc)
            continue
        for function in demand.functions:
            site = where[function.id]
            totals[site] = _plus(totals.get(site, Resources()), function.total)
    return totals


def _sites_of(
    demand: PlacementRequest,
    params: InstantiateNsRequest,
    catalog: SiteCatalog,
    rows: list[SiteRow],
    vnfds: Mapping[str, Vnfd],
) -> dict[str, str]:
    """Where an instantiated NS's profiles are, as its spec was built."""
    where = _explicit(demand, params.additional_params.placement, rows)
    for function in demand.functions:
        if function.id not in where:
            vnfd = vnfds[function.vnfd_id or ""]
            where[function.id] = (
                site_for_function(params.vim_account_id, rows, knf=vnfd.is_knf)
                if params.vim_account_id
                else default_site(vnfd, catalog).name
            )
    return where


def _plus(a: Resources, b: Resources) -> Resources:
    return Resources.model_validate({r: a.amount(r) + b.amount(r) for r in RESOURCE_FIELDS})


def choose_placement(
    catalog: SiteCatalog,
    rows: Sequence[SiteRow],
    nsd: Nsd,
    vnfds: Mapping[str, Vnfd],
    request: InstantiateNsRequest,
    *,
    committed: Mapping[str, Resources] | None = None,
) -> PlacementChoice | None:
    """Run the optimiser for the profiles ``request`` leaves open (see the module docstring).

    ``catalog`` and ``rows`` are the registered sites (:func:`locus_iac.lcm.inputs.load_sites`),
    ``committed`` what this MANO's NS instances already take per site (:func:`committed_use`).
    Raises :class:`ValidationError` when no placement satisfies the constraints.
    """
    declared = {row.name for row in rows if declares_capacity(row)}
    params = request.additional_params
    if request.vim_account_id or params.netslice_links or not declared:
        return None
    objective = params.placement_objective or DEFAULT_OBJECTIVE
    whole = request_from_descriptors(nsd, vnfds, df_id=request.ns_flavour_id, objective=objective)
    explicit = _explicit(whole, params.placement, list(rows))
    runnable = {s.kind for s in catalog.sites if s.name in declared}
    open_ = [f.id for f in whole.functions if f.id not in explicit and f.kind.site_kind in runnable]
    if not open_:
        return None
    pins = {f: site for f, site in explicit.items() if site in declared}
    problem = _restricted(whole, set(open_) | set(pins), pins)
    candidates = _candidates(catalog, declared, committed or {})
    try:
        decision = place(problem, candidates, time_limit=TIME_LIMIT, explain_time_limit=TIME_LIMIT)
    except PlacementInfeasible as exc:
        raise _infeasible(exc) from None
    chosen = {f: decision.assignment[f] for f in open_}
    log.info("placement of NSD %s (%s): %s", nsd.id, objective.value, chosen)
    return PlacementChoice(decision=decision, chosen=chosen, problem=problem, candidates=candidates)


def _explicit(
    whole: PlacementRequest, placement: Mapping[str, str], rows: list[SiteRow]
) -> dict[str, str]:
    """Profile id -> site name of the profiles the request places (VNFD id keys first, as
    :func:`locus_iac.infra.from_packages.spec_from_packages` reads them)."""
    found: dict[str, str] = {}
    for function in whole.functions:
        keys = [function.vnfd_id, function.id]
        key = next((k for k in keys if k is not None and k in placement), None)
        if key is None:
            continue
        try:
            found[function.id] = resolve_site(placement[key], rows)
        except ValidationError:
            where = json_pointer("additionalParams", "placement", key)
            message = f"no registered site {placement[key]!r}"
            raise ValidationError("unknown site", [Issue(where, "unknown-site", message)]) from None
    return found


def _restricted(
    whole: PlacementRequest, keep: set[str], pins: Mapping[str, str]
) -> PlacementRequest:
    """``whole`` reduced to the functions in ``keep`` (links and rules among them), pinned."""
    return whole.model_copy(
        update={
            "functions": tuple(f for f in whole.functions if f.id in keep),
            "links": tuple(
                link for link in whole.links if all(e in keep for e in link.function_ends)
            ),
            "affinity": tuple(p for p in whole.affinity if set(p) <= keep),
            "anti_affinity": tuple(p for p in whole.anti_affinity if set(p) <= keep),
            "pins": dict(pins),
        }
    )


def _candidates(
    catalog: SiteCatalog, names: set[str], committed: Mapping[str, Resources]
) -> SiteCatalog:
    """The sites that declare a capacity, their use raised by ``committed`` (up to their
    capacity), with the latencies among them."""
    sites = tuple(
        s.model_copy(update={"used": _capped(s.used, committed.get(s.name), s.capacity)})
        for s in catalog.sites
        if s.name in names
    )
    latency = {
        a.name: {b.name: catalog.latency(a.name, b.name) for b in sites if b.name != a.name}
        for a in sites
    }
    return SiteCatalog(sites=sites, latency_ms=latency)


def _capped(used: Resources, more: Resources | None, capacity: Resources) -> Resources:
    if more is None:
        return used
    total = _plus(used, more)
    return Resources.model_validate(
        {r: min(total.amount(r), capacity.amount(r)) for r in RESOURCE_FIELDS}
    )


def _infeasible(exc: PlacementInfeasible) -> ValidationError:
    """The conflict as issues: one per constraint that cannot hold with the others."""
    issues = [
        Issue(
            json_pointer("additionalParams", "placement", item.key[0])
            if item.kind is GroupKind.PIN
            else _WHERE,
            f"placement-{item.kind.value}",
            item.message,
        )
        for item in exc.conflicts
    ]
    if not issues:
        issues = [Issue(_WHERE, "placement-infeasible", exc.message)]
    return ValidationError(
        "no placement of the open VNF profiles satisfies the constraints on the registered "
        "sites (declare more capacity, place a profile explicitly or relax a constraint)",
        issues,
    )

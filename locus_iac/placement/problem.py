"""A placement request compiled against a site catalogue: domains, costs, constraint groups.

Both solvers and the explainer work on a :class:`Problem`. Constraints come in *groups*
(the unit a person can relax): a function's kind compatibility, a pin, one resource of one
site, one link's latency bound, one affinity or anti-affinity rule. Solvers accept the set of
groups to enforce, which is how infeasible requests are explained (see ``explain``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from locus_iac.errors import Issue, ValidationError, json_pointer
from locus_iac.placement.model import SAP, LinkDemand, Objective, PlacementRequest
from locus_iac.sites import RESOURCE_FIELDS, Resources, SiteCatalog, SiteKind, SiteRole

log = logging.getLogger(__name__)

EPSILON = 1e-6


class GroupKind(StrEnum):
    """The kinds of constraint groups."""

    KIND = "kind"
    PIN = "pin"
    CAPACITY = "capacity"
    LATENCY = "latency"
    AFFINITY = "affinity"
    ANTI_AFFINITY = "anti-affinity"


@dataclass(frozen=True, order=True)
class Group:
    """One relaxable constraint group.

    ``key`` is ``(function,)`` for kind and pin, ``(site, resource)`` for capacity,
    ``(link id,)`` for latency and ``(first, second)`` for (anti-)affinity rules.
    """

    kind: GroupKind
    key: tuple[str, ...]


Assignment = Mapping[str, str]


@dataclass(frozen=True)
class Problem:
    """A validated request with everything precomputed that the solvers need."""

    request: PlacementRequest
    catalog: SiteCatalog
    functions: tuple[str, ...]
    sites: tuple[str, ...]
    demand: Mapping[str, Resources]
    free: Mapping[str, Resources]
    kind_sites: Mapping[str, frozenset[str]]
    cost: Mapping[tuple[str, str], float]
    size: Mapping[str, float]
    edge: frozenset[str]
    core: frozenset[str]
    groups: tuple[Group, ...] = field(default=())

    @cached_property
    def all_groups(self) -> frozenset[Group]:
        return frozenset(self.groups)

    @cached_property
    def links(self) -> Mapping[str, LinkDemand]:
        return {link.id: link for link in self.request.links}

    def capacity_applies(self, site: str, resource: str) -> bool:
        """Pods count only at Kubernetes sites; the other resources everywhere."""
        return resource != "pods" or site not in self.openstack_sites

    @cached_property
    def openstack_sites(self) -> frozenset[str]:
        return frozenset(s.name for s in self.catalog.by_kind(SiteKind.OPENSTACK))

    def within(self, link_id: str, site: str) -> frozenset[str]:
        """Sites whose latency to ``site`` is within the bound of link ``link_id``."""
        bound = self.links[link_id].max_latency_ms
        if bound is None:
            return frozenset(self.sites)
        row = self.catalog.latency_ms[site]
        return frozenset(t for t in self.sites if row[t] <= bound + EPSILON)

    def bounded_links(self, enabled: frozenset[Group]) -> list[LinkDemand]:
        """Links between two functions whose latency bound is enforced."""
        return [
            link
            for link in self.request.links
            if link.max_latency_ms is not None
            and not link.to_sap
            and Group(GroupKind.LATENCY, (link.id,)) in enabled
        ]

    def domain(self, function: str, enabled: frozenset[Group] | None = None) -> list[str]:
        """Sites allowed for ``function`` by the unary groups: kind, pin, latency to the SAP."""
        enabled = self.all_groups if enabled is None else enabled
        allowed = set(self.sites)
        if Group(GroupKind.KIND, (function,)) in enabled:
            allowed &= self.kind_sites[function]
        pin = self.request.pins.get(function)
        if pin is not None and Group(GroupKind.PIN, (function,)) in enabled:
            allowed &= {pin}
        sap_site = self.request.sap_site
        for link in self.sap_links.get(function, ()):
            if sap_site is not None and Group(GroupKind.LATENCY, (link.id,)) in enabled:
                allowed &= self.within(link.id, sap_site)
        return [s for s in self.sites if s in allowed]

    @cached_property
    def sap_links(self) -> Mapping[str, tuple[LinkDemand, ...]]:
        """Per function, its links to the SAP (looked up per function, not per link: the
        domains of 1000 functions with 1000 links took 1.3 s of the heuristic's 10 s)."""
        found: dict[str, list[LinkDemand]] = {}
        for link in self.request.links:
            if link.to_sap and len(link.function_ends) == 1:
                found.setdefault(link.function_ends[0], []).append(link)
        return {f: tuple(links) for f, links in found.items()}

    def evaluate(self, assignment: Assignment) -> tuple[float, float]:
        """(objective value, total hourly cost) of a complete assignment."""
        total = sum(self.cost[f, s] for f, s in assignment.items())
        objective = self.request.objective
        if objective is Objective.MIN_TOTAL_COST:
            return total, total
        if objective is Objective.MIN_EDGE_COST:
            return sum(self.cost[f, s] for f, s in assignment.items() if s in self.edge), total
        if objective is Objective.MAX_CORE_USE:
            return sum(self.size[f] for f, s in assignment.items() if s in self.core), total
        return float(len(set(assignment.values()))), total

    def score(self, assignment: Assignment) -> tuple[float, float]:
        """A key to minimise: (objective, oriented to minimise; total cost as tie-break)."""
        value, total = self.evaluate(assignment)
        return (-value if self.request.objective.maximise else value), total


def compile_problem(request: PlacementRequest, catalog: SiteCatalog) -> Problem:
    """Check ``request`` against ``catalog`` and precompute the problem.

    Raises :class:`ValidationError` (JSON pointers into the request) for unknown functions
    or sites, duplicate ids and rules that name one function twice.
    """
    issues = _request_issues(request, catalog)
    if issues:
        raise ValidationError("invalid placement request", issues)
    functions = tuple(f.id for f in request.functions)
    sites = tuple(catalog.names())
    demand = {f.id: f.total for f in request.functions}
    cost = {(f, s.name): s.cost.of(demand[f]) for f in functions for s in catalog.sites}
    return Problem(
        request=request,
        catalog=catalog,
        functions=functions,
        sites=sites,
        demand=demand,
        free={s.name: s.free() for s in catalog.sites},
        kind_sites={
            f.id: frozenset(s.name for s in catalog.by_kind(f.kind.site_kind))
            for f in request.functions
        },
        cost=cost,
        size=_sizes(demand, catalog),
        edge=frozenset(s.name for s in catalog.sites if s.role is SiteRole.EDGE),
        core=frozenset(s.name for s in catalog.sites if s.role is SiteRole.CORE),
        groups=tuple(_groups(request, catalog, demand)),
    )


def _sizes(demand: Mapping[str, Resources], catalog: SiteCatalog) -> dict[str, float]:
    """Each function's share of the service's demand, resources weighted by platform size."""
    totals = {r: sum(s.capacity.amount(r) for s in catalog.sites) for r in RESOURCE_FIELDS}
    raw = {
        f: sum(d.amount(r) / totals[r] for r in RESOURCE_FIELDS if totals[r] > 0)
        for f, d in demand.items()
    }
    whole = sum(raw.values())
    if whole <= 0:
        return {f: 1.0 / len(raw) for f in raw}
    return {f: value / whole for f, value in raw.items()}


def _groups(
    request: PlacementRequest, catalog: SiteCatalog, demand: Mapping[str, Resources]
) -> Iterable[Group]:
    for f in request.functions:
        yield Group(GroupKind.KIND, (f.id,))
    for f_id in request.pins:
        yield Group(GroupKind.PIN, (f_id,))
    for site in catalog.sites:
        for resource in RESOURCE_FIELDS:
            if resource == "pods" and site.kind is SiteKind.OPENSTACK:
                continue
            if any(d.amount(resource) > 0 for d in demand.values()):
                yield Group(GroupKind.CAPACITY, (site.name, resource))
    for link in request.links:
        if link.max_latency_ms is not None:
            yield Group(GroupKind.LATENCY, (link.id,))
    for a, b in request.affinity:
        yield Group(GroupKind.AFFINITY, (a, b))
    for a, b in request.anti_affinity:
        yield Group(GroupKind.ANTI_AFFINITY, (a, b))


def _request_issues(request: PlacementRequest, catalog: SiteCatalog) -> list[Issue]:
    sites = set(catalog.names())
    issues: list[Issue] = []
    seen: set[str] = set()
    if not request.functions:
        issues.append(Issue("/functions", "missing-field", "there is no function to place"))
    for i, f in enumerate(request.functions):
        if f.id in seen or f.id == SAP:
            what = "reserved for the service access point" if f.id == SAP else "used twice"
            issues.append(
                Issue(
                    json_pointer("functions", i, "id"),
                    "duplicate-function",
                    f"function id {f.id!r} is {what}",
                )
            )
        seen.add(f.id)
    link_ids: set[str] = set()
    for i, link in enumerate(request.links):
        if link.id in link_ids:
            issues.append(
                Issue(
                    json_pointer("links", i, "id"),
                    "duplicate-link",
                    f"link id {link.id!r} is used twice",
                )
            )
        link_ids.add(link.id)
        for j, end in enumerate(link.ends):
            if end != SAP and end not in seen:
                issues.append(_unknown_function(end, ("links", i, "ends", j), seen))
    for f_id, site in request.pins.items():
        if f_id not in seen:
            issues.append(_unknown_function(f_id, ("pins", f_id), seen))
        if site not in sites:
            issues.append(_unknown_site(site, ("pins", f_id), sites))
    for name, rules in (("affinity", request.affinity), ("anti_affinity", request.anti_affinity)):
        for i, pair in enumerate(rules):
            if pair[0] == pair[1]:
                issues.append(
                    Issue(
                        json_pointer(name, i),
                        "self-reference",
                        f"{name} rule names {pair[0]} twice",
                    )
                )
            for j, f_id in enumerate(pair):
                if f_id not in seen:
                    issues.append(_unknown_function(f_id, (name, i, j), seen))
    if request.sap_site is not None and request.sap_site not in sites:
        issues.append(_unknown_site(request.sap_site, ("sap_site",), sites))
    return issues


def _unknown_function(name: str, where: tuple[str | int, ...], known: set[str]) -> Issue:
    return Issue(
        json_pointer(*where),
        "unknown-function",
        f"unknown function {name!r} (functions: {', '.join(sorted(known)) or 'none'})",
    )


def _unknown_site(name: str, where: tuple[str | int, ...], known: set[str]) -> Issue:
    return Issue(
        json_pointer(*where),
        "unknown-site",
        f"unknown site {name!r} (sites: {', '.join(sorted(known))})",
    )

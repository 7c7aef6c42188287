"""Random small placement instances and a brute-force reference solver (test helpers)."""

from __future__ import annotations

import itertools
import random

from locus_iac.placement import (
    FunctionDemand,
    FunctionKind,
    Group,
    LinkDemand,
    Objective,
    PlacementRequest,
    Problem,
    compile_problem,
    violations,
)
from locus_iac.sites import (
    KubernetesNetworking,
    OpenStackNetworking,
    Resources,
    Site,
    SiteCatalog,
    SiteKind,
    SiteRole,
    UnitCost,
)


def make_site(
    name: str,
    kind: SiteKind,
    role: SiteRole,
    capacity: Resources,
    cost: UnitCost = UnitCost(),
    used: Resources = Resources(),
) -> Site:
    networking = (
        {"openstack": OpenStackNetworking(management_network="mgmt")}
        if kind is SiteKind.OPENSTACK
        else {"kubernetes": KubernetesNetworking()}
    )
    return Site(
        name=name, kind=kind, role=role, capacity=capacity, cost=cost, used=used, **networking
    )


def random_catalog(rng: random.Random, n_sites: int, scale: float = 1.0) -> SiteCatalog:
    sites = []
    for i in range(n_sites):
        kind = SiteKind.OPENSTACK if i % 2 == 0 else SiteKind.KUBERNETES
        role = SiteRole.CORE if rng.random() < 0.5 else SiteRole.EDGE
        factor = 3.0 if role is SiteRole.EDGE else 1.0
        sites.append(
            make_site(
                f"s{i}",
                kind,
                role,
                Resources(
                    vcpu=rng.choice([4, 8, 16]) * scale,
                    memory_gb=rng.choice([8, 16, 32]) * scale,
                    storage_gb=rng.choice([50, 100, 200]) * scale,
                    pods=int(rng.choice([2, 4, 10]) * scale) if kind is SiteKind.KUBERNETES else 0,
                ),
                UnitCost(
                    vcpu=round(rng.uniform(0.01, 0.05) * factor, 4),
                    memory_gb=round(rng.uniform(0.001, 0.01) * factor, 4),
                    storage_gb=round(rng.uniform(0.0001, 0.001), 5),
                    pod=0.001,
                ),
            )
        )
    latency = {
        a.name: {b.name: float(rng.choice([1, 5, 10, 20, 40])) for b in sites[i + 1 :]}
        for i, a in enumerate(sites)
    }
    return SiteCatalog(sites=tuple(sites), latency_ms=latency)


def random_request(
    rng: random.Random, catalog: SiteCatalog, n_functions: int, objective: Objective
) -> PlacementRequest:
    functions = []
    for i in range(n_functions):
        kind = FunctionKind.VM if rng.random() < 0.5 else FunctionKind.CONTAINER
        instances = rng.choice([1, 1, 2])
        functions.append(
            FunctionDemand(
                id=f"f{i}",
                kind=kind,
                instances=instances,
                per_instance=Resources(
                    vcpu=rng.choice([1, 2, 4]),
                    memory_gb=rng.choice([1, 2, 8]),
                    storage_gb=rng.choice([0, 10, 20]) if kind is FunctionKind.VM else 0,
                    pods=1 if kind is FunctionKind.CONTAINER else 0,
                ),
            )
        )
    ids = [f.id for f in functions]
    links = [
        LinkDemand(
            id=f"l{i}",
            ends=(ids[i], ids[i + 1]),
            max_latency_ms=rng.choice([None, 5.0, 10.0, 20.0]),
        )
        for i in range(n_functions - 1)
        if rng.random() < 0.7
    ]
    pairs = list(itertools.combinations(ids, 2))
    same_kind = [(a.id, b.id) for a, b in itertools.combinations(functions, 2) if a.kind is b.kind]
    pins = {}
    if rng.random() < 0.3:
        f = rng.choice(functions)
        pins[f.id] = rng.choice(catalog.by_kind(f.kind.site_kind) or list(catalog.sites)).name
    return PlacementRequest(
        functions=tuple(functions),
        links=tuple(links),
        pins=pins,
        affinity=tuple(rng.sample(same_kind, 1)) if same_kind and rng.random() < 0.2 else (),
        anti_affinity=tuple(rng.sample(pairs, 1)) if rng.random() < 0.3 else (),
        objective=objective,
    )


def brute_force(
    problem: Problem, enabled: frozenset[Group] | None = None
) -> tuple[dict[str, str], tuple[float, float]] | None:
    """The lexicographically best (objective, total cost) valid assignment, or None."""
    best: tuple[dict[str, str], tuple[float, float]] | None = None
    for combo in itertools.product(problem.sites, repeat=len(problem.functions)):
        assignment = dict(zip(problem.functions, combo, strict=True))
        if violations(problem, assignment, enabled):
            continue
        score = problem.score(assignment)
        if best is None or score < best[1]:
            best = (assignment, score)
    return best


def feasible(problem: Problem, enabled: frozenset[Group]) -> bool:
    return brute_force(problem, enabled) is not None


__all__ = ["brute_force", "compile_problem", "feasible", "make_site", "random_catalog"]

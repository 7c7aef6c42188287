"""Fast placement for large inputs: greedy construction, then local search.

Functions tied by affinity are placed together as one *block*. Blocks are placed greedily,
most constrained first (fewest allowed sites, then largest demand), each at the feasible site
that worsens the objective least; a failed construction is retried with perturbed orders.
Local search then relocates blocks and swaps pairs of blocks while the objective (then the
total cost) improves. Every step respects every constraint; there is no optimality proof.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from locus_iac.placement.model import Objective
from locus_iac.placement.problem import EPSILON, Problem
from locus_iac.sites import RESOURCE_FIELDS

log = logging.getLogger(__name__)

Move = tuple[float, float]
_TOLERANCE = 1e-9


@dataclass
class _Block:
    members: tuple[str, ...]
    demand: dict[str, float]
    domain: list[str]
    cost: dict[str, float]
    edge_cost: dict[str, float]
    core_share: dict[str, float]
    size: float


@dataclass
class _State:
    problem: Problem
    blocks: list[_Block]
    residual: dict[tuple[str, str], float]
    links: dict[int, list[tuple[int, float]]]
    apart: dict[int, set[int]]
    site_of: dict[int, str] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def fits(self, b: int, site: str) -> bool:
        block = self.blocks[b]
        if any(
            amount > self.residual[site, r] + EPSILON
            for r, amount in block.demand.items()
            if self.problem.capacity_applies(site, r)
        ):
            return False
        if any(self.site_of.get(o) == site for o in self.apart[b]):
            return False
        latency = self.problem.catalog.latency
        return all(
            o not in self.site_of or latency(site, self.site_of[o]) <= bound + EPSILON
            for o, bound in self.links[b]
        )

    def place(self, b: int, site: str) -> None:
        for r, amount in self.blocks[b].demand.items():
            self.residual[site, r] -= amount
        self.site_of[b] = site
        self.count[site] += 1

    def remove(self, b: int) -> str:
        site = self.site_of.pop(b)
        for r, amount in self.blocks[b].demand.items():
            self.residual[site, r] += amount
        self.count[site] -= 1
        return site

    def delta(self, b: int, old: str | None, new: str) -> Move:
        """Change of (oriented objective, total cost) when block ``b`` goes old -> new."""
        block = self.blocks[b]
        cost = block.cost[new] - (block.cost[old] if old else 0.0)
        objective = self.problem.request.objective
        if objective is Objective.MIN_TOTAL_COST:
            return cost, cost
        if objective is Objective.MIN_EDGE_COST:
            return block.edge_cost[new] - (block.edge_cost[old] if old else 0.0), cost
        if objective is Objective.MAX_CORE_USE:
            return -(block.core_share[new] - (block.core_share[old] if old else 0.0)), cost
        used = (1 if self.count[new] == 0 else 0) - (1 if old and self.count[old] == 1 else 0)
        if old == new:
            used = 0
        return (float(used) if objective is Objective.MIN_SPREAD else -float(used)), cost


def solve_heuristic(
    problem: Problem, *, time_limit: float, seed: int = 0, max_attempts: int = 30
) -> dict[str, str] | None:
    """A placement satisfying every constraint, or ``None`` if none was found.

    Gives up after ``time_limit`` seconds or ``max_attempts`` failed constructions.
    """
    deadline = time.monotonic() + time_limit
    rng = random.Random(seed)
    blocks, member_of = _blocks(problem)
    if blocks is None:
        return None
    attempt = 0
    while attempt < max_attempts and time.monotonic() < deadline:
        state = _new_state(problem, blocks, member_of)
        if state is None:
            return None
        if _construct(state, rng, perturb=attempt > 0, deadline=deadline):
            _improve(state, rng, deadline)
            return {f: state.site_of[b] for b, blk in enumerate(blocks) for f in blk.members}
        attempt += 1
    log.info("heuristic found no placement (%d constructions tried)", attempt)
    return None


def _blocks(problem: Problem) -> tuple[list[_Block] | None, dict[str, int]]:
    parent = {f: f for f in problem.functions}

    def root(f: str) -> str:
        while parent[f] != f:
            parent[f] = parent[parent[f]]
            f = parent[f]
        return f

    for a, b in problem.request.affinity:
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for f in problem.functions:
        groups[root(f)].append(f)
    blocks: list[_Block] = []
    member_of: dict[str, int] = {}
    for members in groups.values():
        domain = set(problem.sites)
        for f in members:
            domain &= set(problem.domain(f))
            member_of[f] = len(blocks)
        if not domain:
            return None, member_of
        blocks.append(_block(problem, tuple(members), [s for s in problem.sites if s in domain]))
    return blocks, member_of


def _block(problem: Problem, members: tuple[str, ...], domain: list[str]) -> _Block:
    demand = {r: sum(problem.demand[f].amount(r) for f in members) for r in RESOURCE_FIELDS}
    cost = {s: sum(problem.cost[f, s] for f in members) for s in domain}
    share = sum(problem.size[f] for f in members)
    return _Block(
        members=members,
        demand={r: v for r, v in demand.items() if v > 0},
        domain=domain,
        cost=cost,
        edge_cost={s: (cost[s] if s in problem.edge else 0.0) for s in domain},
        core_share={s: (share if s in problem.core else 0.0) for s in domain},
        size=share,
    )


def _new_state(problem: Problem, blocks: list[_Block], member_of: dict[str, int]) -> _State | None:
    links: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for link in problem.request.links:
        if link.max_latency_ms is None or link.to_sap:
            continue
        a, b = (member_of[end] for end in link.ends)
        if a != b:
            links[a].append((b, link.max_latency_ms))
            links[b].append((a, link.max_latency_ms))
    apart: dict[int, set[int]] = defaultdict(set)
    for f, g in problem.request.anti_affinity:
        a, b = member_of[f], member_of[g]
        if a == b:
            return None  # affinity chains force these two together
        apart[a].add(b)
        apart[b].add(a)
    residual = {(s, r): problem.free[s].amount(r) for s in problem.sites for r in RESOURCE_FIELDS}
    return _State(problem, blocks, residual, links, apart)


def _construct(state: _State, rng: random.Random, *, perturb: bool, deadline: float) -> bool:
    def priority(b: int) -> tuple[float, float]:
        block = state.blocks[b]
        noise = rng.random() * 2 if perturb else 0.0
        return (len(block.domain) + noise, -block.size * (1 + noise))

    for b in sorted(range(len(state.blocks)), key=priority):
        if time.monotonic() > deadline:
            return False
        candidates = [s for s in state.blocks[b].domain if state.fits(b, s)]
        if not candidates:
            return False
        best = min(candidates, key=lambda s: state.delta(b, None, s))
        state.place(b, best)
    return True


def _better(move: Move) -> bool:
    return move[0] < -_TOLERANCE or (abs(move[0]) <= _TOLERANCE and move[1] < -_TOLERANCE)


def _improve(state: _State, rng: random.Random, deadline: float) -> None:
    order = list(range(len(state.blocks)))
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        rng.shuffle(order)
        for b in order:
            if time.monotonic() > deadline:
                return
            improved |= _relocate(state, b)
        if not improved:
            improved = _swap_round(state, rng, deadline)


def _relocate(state: _State, b: int) -> bool:
    old = state.site_of[b]
    best: tuple[Move, str] | None = None
    for site in state.blocks[b].domain:
        if site == old:
            continue
        move = state.delta(b, old, site)
        if not _better(move) or (best is not None and move >= best[0]):
            continue
        state.remove(b)
        ok = state.fits(b, site)
        state.place(b, old)
        if ok:
            best = (move, site)
    if best is None:
        return False
    state.remove(b)
    state.place(b, best[1])
    return True


def _swap_round(state: _State, rng: random.Random, deadline: float, tries: int = 2000) -> bool:
    """Try exchanging the sites of random pairs of blocks; True if one improved."""
    n = len(state.blocks)
    if n < 2:
        return False
    for _ in range(min(tries, n * (n - 1) // 2)):
        if time.monotonic() > deadline:
            return False
        a, b = rng.sample(range(n), 2)
        sa, sb = state.site_of[a], state.site_of[b]
        if sa == sb or sb not in state.blocks[a].domain or sa not in state.blocks[b].domain:
            continue
        before = state.problem.score(_assignment(state))
        state.remove(a)
        state.remove(b)
        if state.fits(a, sb):
            state.place(a, sb)
            if state.fits(b, sa):
                state.place(b, sa)
                if _better(_diff(state.problem.score(_assignment(state)), before)):
                    return True
                state.remove(b)
            state.remove(a)
        state.place(a, sa)
        state.place(b, sb)
    return False


def _assignment(state: _State) -> dict[str, str]:
    return {f: state.site_of[b] for b, blk in enumerate(state.blocks) for f in blk.members}


def _diff(after: tuple[float, float], before: tuple[float, float]) -> Move:
    return after[0] - before[0], after[1] - before[1]

"""Fast placement for large inputs: greedy construction, then local search.

What it is for: ``place`` (solver ``auto``) uses it instead of the exact MILP when the
problem is too large to prove optimal in time (more function-site pairs than
``EXACT_LIMIT``), and keeps its answer when the MILP stops on its time limit with a worse
one. Its contract: every constraint holds, it ends within its time limit, it is deterministic
for a seed unless the time limit cuts it short, and it gives no optimality proof.

For the cost and core-use objectives it starts from the LP relaxation: HiGHS solves it
and dives (fix what the relaxation places whole, fix the largest fractional share,
re-solve warm) to a placement, which local search improves; then a large-neighbourhood
search frees the functions the placement puts where the LP relaxation does not, or those
at a few random sites, and lets the MILP re-place them (``milp.Relaxation``). Up to
``_RELAXATION_PAIRS`` block-site pairs only: at 1000 functions x 50 sites the model is
built in ~0.5 s now (arrays passed to HiGHS), but
the dive is not cheap: 45-93 warm LP re-solves took 8-28 s on a loaded 2-core machine
(session 8), and ended in a dead end, far over its 3 s share of a 10 s budget; there
``place`` runs HiGHS from the heuristic's answer instead (see ``solve``).

Above that size (or when the dive reaches a dead end) the cost and core-use objectives
start from a greedy placement rebuilt on Lagrangian prices of the capacity and latency
rows (``prices``: the greedy by cost alone left the core sites full on storage or pods
with CPU and memory free) and improved by the descent; the MILP neighbourhoods then run
on the relaxation restricted to each function's likeliest sites by those prices
(``milp.restricted_relaxation``, about 6,000 columns at 1000 x 50 instead of 50,000).
1000 x 50 in 10 s at load ~10: 0.41 % / 0.67 % above HiGHS's best (min-total-cost /
min-edge-cost), was 1.76 % / 6.96 % at load ~2.5 (session 9). Without any of this
(spread objectives, a greedy dead end) it works as follows.

Functions tied by affinity are placed together as one *block*. Blocks are placed greedily,
most constrained first (fewest allowed sites, then largest demand), each at the feasible site
that worsens the objective least; a failed construction is retried with perturbed orders.
Local search then relocates blocks and swaps pairs of blocks while the objective (then the
total cost) improves; for the cost and core-use objectives, whose changes add up block by
block, :class:`~locus_iac.placement.descent.Descent` scores every relocation, swap and
ejection of a block at once with numpy (1000 x 50: the Python rounds it replaces took most
of the 10 s and left the greedy's 8 % / 26 % gaps; now about 2 % / 7 %). Last, the best
placement is repeatedly partly taken apart and rebuilt (ruin and recreate; for those
objectives each rebuild is followed by a descent: iterated local search). Every step
respects every constraint; there is no optimality proof.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

import numpy as np

from locus_iac.placement.deadline import Clock, Deadline
from locus_iac.placement.descent import BlockArrays, Descent
from locus_iac.placement.milp import Relaxation, relaxation_dive, restricted_relaxation
from locus_iac.placement.model import Objective
from locus_iac.placement.prices import Prices, construct_priced
from locus_iac.placement.problem import EPSILON, Problem
from locus_iac.sites import RESOURCE_FIELDS

log = logging.getLogger(__name__)

Move = tuple[float, float]
_TOLERANCE = 1e-9
_MAX_REBUILT = 16  # blocks taken out by one rebuild round
_RELAXATION_SHARE = 0.3  # of the time limit, at most, for the LP relaxation and its dive
_RELAXATION_PAIRS = 20_000  # block-site pairs, at most, for the relaxation (see module doc)
_RESTRICTED_SHARE = 0.5  # of the time left, at most, for the restricted relaxation's LP
# (1000 x 50 at load ~10: 1.3-1.4 s with 5-6 s left; without it no neighbourhood runs)
_LNS_SITES = 3  # sites whose functions one neighbourhood frees
_LNS_FUNCTIONS = 60  # at most this many functions freed at once
_LNS_MORE_FUNCTIONS = 40  # ... plus this many for each site added (see _LNS_GROW)
_LNS_STALL = 30  # neighbourhoods in a row without improvement before stopping
_LNS_GROW = 10  # neighbourhoods in a row without improvement before one more site is freed
_RINS_FUNCTIONS = 150  # at most this many functions freed by the relaxation's neighbourhood
_RINS_MISSES = 4  # draws of that many in a row that find nothing before giving up
_LNS_ROUND_SECONDS = 2.0  # time limit of one neighbourhood's MILP
_LIKELY_SITES = 6  # per block, sites in the restricted relaxation (see _likely_sites)
_LNS_SHARE = 0.5  # of the time left, at most, for the MILP neighbourhoods
_RESTRICTED_LNS_SHARE = 0.8  # ... on a restricted relaxation (1000 x 50: the draws of its
# neighbourhood gained 0.55 % in 2.2 s where the iterated descent after them gained 0.1 %)
_ILS_STALL = 60  # iterated descent: rounds in a row without a new best before stopping


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
    clock: Clock  # what every deadline of the search is measured on
    site_of: dict[int, str] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    ranked: dict[int, list[tuple[Move, str]]] = field(default_factory=dict)
    cached_arrays: BlockArrays | None = None
    priced: list[dict[str, float]] | None = None  # per block and site: cost with its prices

    def arrays(self) -> BlockArrays:
        """The blocks as arrays (built once per state)."""
        if self.cached_arrays is None:
            self.cached_arrays = BlockArrays.of(self.problem, self.blocks)
        return self.cached_arrays

    def cheapest_start(self, b: int) -> Move | None:
        """The best change placing the unplaced block ``b`` at a site where it fits can make
        (``None``: it fits nowhere). For the cost and core-use objectives a placement's
        change does not depend on the other blocks: the block's sites are ranked once and
        the first that fits is the answer (the construction's lookahead spent 5.7 s of a
        10 s budget at 1000 functions x 50 sites testing every site)."""
        domain = self.blocks[b].domain
        if self.problem.request.objective in (Objective.MIN_SPREAD, Objective.MAX_SPREAD):
            options = [self.delta(b, None, t) for t in domain if self.fits(b, t)]
            return min(options) if options else None
        ranked = self.ranked.get(b)
        if ranked is None:
            ranked = self.ranked[b] = sorted((self.delta(b, None, t), t) for t in domain)
        return next((move for move, t in ranked if self.fits(b, t)), None)

    def fits(self, b: int, site: str) -> bool:
        """True if block ``b`` can go to ``site`` now (the hottest function of the search:
        plain loops, the cheap test first)."""
        residual = self.residual
        for r, amount in self.blocks[b].demand.items():
            if amount > residual[site, r] + EPSILON and self.problem.capacity_applies(site, r):
                return False
        site_of = self.site_of
        for o in self.apart[b]:
            if site_of.get(o) == site:
                return False
        row = self.problem.catalog.latency_ms[site]
        for o, bound in self.links[b]:
            other = site_of.get(o)
            if other is not None and row[other] > bound + EPSILON:
                return False
        return True

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
        """Change of (oriented objective, total cost) when block ``b`` goes old -> new
        (with ``priced`` set: of (priced cost, total cost))."""
        block = self.blocks[b]
        cost = block.cost[new] - (block.cost[old] if old else 0.0)
        if self.priced is not None:
            row = self.priced[b]
            return row[new] - (row[old] if old else 0.0), cost
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
    problem: Problem,
    *,
    time_limit: float,
    seed: int = 0,
    max_attempts: int = 30,
    restarts: int = 30,
    rebuilds: int = 10_000,
    stall: int = 400,
    relaxation: bool = True,
    clock: Clock = time.monotonic,
) -> dict[str, str] | None:
    """A placement satisfying every constraint, or ``None`` if none was found.

    With ``relaxation`` (a cost or core-use objective, at most ``_RELAXATION_PAIRS``
    block-site pairs) the first placement comes from the LP relaxation (see the module
    doc), and the best placement is then improved by MILP neighbourhoods. Above that size,
    or without a dive placement, those objectives start from the priced construction
    (:func:`_priced_start`), and with ``relaxation`` the neighbourhoods run on the
    relaxation restricted to the likeliest sites (:func:`_likely_sites`).
    After the first complete placement, up to ``restarts`` more constructions from
    perturbed orders (each improved by local search) run within the first half of the time
    left, and the best placement is kept. The rest of the time goes to up to ``rebuilds``
    partial rebuilds of the best placement (see :func:`_rebuild_round`); the best placement
    seen is returned, so the rebuilds never make the result worse; they stop after ``stall``
    rounds in a row that did not improve it (so an optimal placement does not wait for the
    time limit). Gives up after
    ``time_limit`` seconds or ``max_attempts`` constructions. Deterministic for a ``seed``
    as long as the time limit does not cut the search short.

    ``time_limit`` is measured on ``clock``, every phase's share too, HiGHS's sub-solves
    included (``highs_model.run_until``): wall-clock seconds in production; the placement
    benchmark's ``--cpu-budget`` passes ``time.process_time``, so that a loaded machine runs
    the same search as a quiet one.
    """
    started = clock()
    deadline = started + time_limit
    rng = random.Random(seed)
    blocks, member_of = _blocks(problem)
    if blocks is None:
        return None
    best: dict[str, str] | None = None
    attempt = 0
    solutions = 0
    explore_until = deadline
    pairs = sum(len(block.domain) for block in blocks)
    relaxed = (
        relaxation_dive(problem, time_limit=Deadline(time_limit * _RELAXATION_SHARE, clock=clock))
        if relaxation and pairs <= _RELAXATION_PAIRS
        else None
    )
    if relaxed is not None and relaxed.placement is not None:
        state = _state_of(problem, blocks, member_of, relaxed.placement, clock)
        if state is not None:
            _improve(state, rng, deadline)
            best = _assignment(state)
            solutions = 1
            explore_until = clock()  # the greedy restarts rarely beat this start
    if best is None and _adds_up(problem):
        started_priced = _priced_start(problem, blocks, member_of, rng, deadline, clock)
        if started_priced is not None:
            best, prices = started_priced
            solutions = 1
            explore_until = now = clock()  # a greedy restart costs a whole descent
            if relaxation and relaxed is None and prices is not None:
                likely = _likely_sites(problem, blocks, prices, best)
                lp_deadline = Deadline((deadline - now) * _RESTRICTED_SHARE, clock=clock)
                relaxed = restricted_relaxation(problem, likely, time_limit=lp_deadline)
    while attempt < max_attempts and solutions <= restarts and clock() < explore_until:
        state = _new_state(problem, blocks, member_of, clock)
        if state is None:
            return None
        if _construct(state, rng, perturb=attempt > 0, deadline=deadline):
            _improve(state, rng, deadline)
            found = _assignment(state)
            if best is None or problem.score(found) < problem.score(best):
                best = found
            if solutions == 0:
                now = clock()
                explore_until = now + (deadline - now) / 2
            solutions += 1
        attempt += 1
    if best is None:
        log.info("heuristic found no placement (%d constructions tried)", attempt)
        return None
    if relaxed is not None:
        share = _LNS_SHARE if relaxed.placement is not None else _RESTRICTED_LNS_SHARE
        best = _neighbourhoods(relaxed, best, rng, deadline, share, clock)
    state = _state_of(problem, blocks, member_of, best, clock)
    if state is None:
        return best
    if _adds_up(problem):
        return _iterated_descent(state, best, rng, deadline, min(_ILS_STALL, stall, rebuilds))
    since_better = 0
    for _ in range(rebuilds):
        if clock() > deadline or since_better >= stall:
            break
        since_better += 1
        if _rebuild_round(state, rng):
            rebuilt = _assignment(state)
            if problem.score(rebuilt) < problem.score(best):
                best, since_better = rebuilt, 0
    return best


def _priced_start(
    problem: Problem,
    blocks: list[_Block],
    member_of: dict[str, int],
    rng: random.Random,
    deadline: float,
    clock: Clock,
) -> tuple[dict[str, str], Prices | None] | None:
    """The greedy's placement rebuilt with capacity and latency prices
    (:func:`construct_priced`), improved by the descent, and the prices (``None`` if the
    priced construction reached a dead end: then the greedy's placement, improved);
    ``None`` if the greedy reaches a dead end.

    The greedy fills the good sites by cost alone and leaves them full on one resource;
    the priced construction puts there the blocks worth most per unit of the scarce
    resource (1000 x 50, after the descent: min-total-cost 6.3 % -> 0.6 % above HiGHS's
    best, min-edge-cost 24 % -> 1.3 %; the descent takes a third of the time)."""
    state = _new_state(problem, blocks, member_of, clock)
    if state is None or not _construct(state, rng, perturb=False, deadline=deadline):
        return None
    greedy = _assignment(state)
    priced = _new_state(problem, blocks, member_of, clock)
    prices: Prices | None = None
    if priced is not None:
        built, prices = construct_priced(priced, greedy, rng, deadline)
        if built:
            state = priced
        else:
            prices = None
    _improve(state, rng, deadline)
    return _assignment(state), prices


def _likely_sites(
    problem: Problem, blocks: list[_Block], prices: Prices, placement: dict[str, str]
) -> dict[str, frozenset[str]]:
    """Per function, the ``_LIKELY_SITES`` sites where its block is cheapest by ``prices``,
    and its site in ``placement``."""
    sites = list(problem.sites)
    cheapest = np.argsort(prices.priced, axis=1, kind="stable")[:, :_LIKELY_SITES]
    likely: dict[str, frozenset[str]] = {}
    for b, block in enumerate(blocks):
        chosen = {sites[int(i)] for i in cheapest[b] if np.isfinite(prices.priced[b, i])}
        for f in block.members:
            likely[f] = frozenset(chosen | {placement[f]})
    return likely


def _neighbourhoods(
    relaxed: Relaxation,
    start: dict[str, str],
    rng: random.Random,
    deadline: float,
    share: float,
    clock: Clock,
) -> dict[str, str]:
    """Large-neighbourhood search: free the functions at a few random sites and let the MILP
    place them optimally with every other function where it is; keep improvements.

    First, and after each improvement, the relaxation's own neighbourhood (see
    :func:`_relaxation_induced`). One more site, and ``_LNS_MORE_FUNCTIONS`` more functions,
    are freed after every ``_LNS_GROW`` rounds in a row without improvement.
    Runs for at most ``share`` of the time left and stops after ``_LNS_STALL`` such rounds. Single
    moves, swaps and greedy rebuilds stall where several sites must be packed full on
    several resources at once (min-edge-cost); the MILP does not.
    """
    problem = relaxed.problem
    now = clock()
    until = now + (deadline - now) * share
    best, since_better = _relaxation_induced(relaxed, start, rng, until, clock), 0
    sites = list(problem.sites)
    while since_better < _LNS_STALL and (left := until - clock()) > 0:
        since_better += 1
        grown = since_better // _LNS_GROW
        chosen = set(rng.sample(sites, min(_LNS_SITES + grown, len(sites))))
        free = sorted(f for f, s in best.items() if s in chosen)
        limit = _LNS_FUNCTIONS + _LNS_MORE_FUNCTIONS * grown
        if len(free) > limit:
            free = rng.sample(free, limit)
        found = relaxed.reoptimise(best, set(free), _round(left, clock))
        if found is not None and problem.score(found) < problem.score(best):
            best, since_better = _relaxation_induced(relaxed, found, rng, until, clock), 0
    return best


def _round(left: float, clock: Clock) -> Deadline:
    """The deadline of one neighbourhood's MILP, with ``left`` seconds left on ``clock``."""
    return Deadline(min(left, _LNS_ROUND_SECONDS), clock=clock)


def _relaxation_induced(
    relaxed: Relaxation, start: dict[str, str], rng: random.Random, until: float, clock: Clock
) -> dict[str, str]:
    """``start`` improved by freeing the functions it places where the LP relaxation does
    not place them whole (at most ``_RINS_FUNCTIONS``, drawn at random), while that improves
    (a draw is retried up to ``_RINS_MISSES`` times in a row).

    The relaxation sees every site at once: at min-edge-cost the placements that beat the
    site neighbourhoods' move functions among all the core sites together, and these are
    the functions it places differently (300 x 20: 89 of 300, optimal in 0.4 s). At 1000 x
    50 about 500 disagree with the restricted relaxation; a draw of 150 that does not
    improve is often followed by one that does (1000 x 50, min-edge-cost: 1.32 % -> 0.71 %
    in six draws, three of which found nothing).
    """
    best, misses = start, 0
    while (left := until - clock()) > 0:
        free = relaxed.disagreeing(best)
        if not free:
            break
        drawn = len(free) > _RINS_FUNCTIONS
        if drawn:
            free = rng.sample(free, _RINS_FUNCTIONS)
        found = relaxed.reoptimise(best, set(free), _round(left, clock))
        if found is None or not relaxed.problem.score(found) < relaxed.problem.score(best):
            misses += 1
            if not drawn or misses >= _RINS_MISSES:
                break
            continue
        best, misses = found, 0
    return best


def _state_of(
    problem: Problem,
    blocks: list[_Block],
    member_of: dict[str, int],
    assignment: dict[str, str],
    clock: Clock,
) -> _State | None:
    """A state holding ``assignment`` (a complete placement of ``blocks``), on ``clock``."""
    state = _new_state(problem, blocks, member_of, clock)
    if state is not None:
        for b, block in enumerate(blocks):
            state.place(b, assignment[block.members[0]])
    return state


def _rebuild_round(state: _State, rng: random.Random) -> bool:
    """Take 2 to ``_MAX_REBUILT`` blocks out of two sites and put them back greedily (most
    constrained, then largest first), then try to relocate each. The result is kept if every
    block fits again and the objective is not worse (a sideways step lets the search cross
    plateaus; the caller keeps the best placement seen). True if kept.

    Single moves and swaps get stuck where capacity is fragmented; emptying part of two
    sites at once and refilling them escapes that.
    """
    problem = state.problem
    before = problem.score(_assignment(state))
    saved = _snapshot(state)
    taken = _recreate(state, rng)
    if taken is not None:
        for b in taken:
            _relocate(state, b)
        if problem.score(_assignment(state))[0] <= before[0] + _TOLERANCE:
            return True
    _restore(state, saved)
    return False


_Snapshot = tuple[dict[int, str], dict[tuple[str, str], float], dict[str, int]]


def _snapshot(state: _State) -> _Snapshot:
    return dict(state.site_of), dict(state.residual), dict(state.count)


def _restore(state: _State, saved: _Snapshot) -> None:
    state.site_of, state.residual = dict(saved[0]), dict(saved[1])
    state.count = defaultdict(int, saved[2])


def _recreate(state: _State, rng: random.Random) -> list[int] | None:
    """Take 2 to ``_MAX_REBUILT`` blocks out of two random sites and put them back greedily
    (most constrained, then largest first); the blocks moved, or ``None`` (the state partly
    rebuilt: restore it) if one fits nowhere."""
    sites = sorted(set(state.site_of.values()))
    chosen = rng.sample(sites, min(2, len(sites)))
    pool = [b for b in sorted(state.site_of) if state.site_of[b] in chosen]
    if not pool:
        return None
    taken = rng.sample(pool, min(len(pool), rng.randint(2, _MAX_REBUILT)))
    for b in taken:
        state.remove(b)
    taken.sort(key=lambda b: _rebuild_priority(state.blocks[b], rng))
    return taken if all(_place_best(state, b) for b in taken) else None


def _adds_up(problem: Problem) -> bool:
    """True for the objectives whose change is the sum of the blocks' changes."""
    return problem.request.objective not in (Objective.MIN_SPREAD, Objective.MAX_SPREAD)


def _iterated_descent(
    state: _State, best: dict[str, str], rng: random.Random, deadline: float, stall: int
) -> dict[str, str]:
    """Iterated local search from ``best`` (held by ``state``): rebuild part of two sites
    (:func:`_recreate`), descend (:class:`Descent`), keep the result if it is not worse
    than the current placement, else go back; the best placement seen is returned. Stops
    at the deadline or after ``stall`` rounds in a row without a new best."""
    problem = state.problem
    current = best_score = problem.score(best)
    since_better = 0
    while state.clock() < deadline and since_better < stall:
        since_better += 1
        saved = _snapshot(state)
        if _recreate(state, rng) is not None:
            Descent(state).run(deadline)
            found = _assignment(state)
            score = problem.score(found)
            if score < best_score:
                best, best_score, since_better = found, score, 0
            if score[0] <= current[0] + _TOLERANCE:
                current = score
                continue
        _restore(state, saved)
    return best


def _rebuild_priority(block: _Block, rng: random.Random) -> tuple[int, float]:
    return len(block.domain), -block.size * rng.uniform(0.7, 1.3)


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


def _new_state(
    problem: Problem,
    blocks: list[_Block],
    member_of: dict[str, int],
    clock: Clock,
) -> _State | None:
    """An empty state whose deadlines are measured on ``clock``; ``None`` if affinity forces
    two anti-affine functions together."""
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
    return _State(problem, blocks, residual, links, apart, clock)


def _construct(
    state: _State,
    rng: random.Random,
    *,
    perturb: bool,
    deadline: float,
    order: list[int] | None = None,
) -> bool:
    """Place every block; False at a dead end (or when time is up).

    Blocks with one allowed site go first; then, from the most constrained block left (or
    in ``order``), the construction follows the links breadth-first, so that a block is
    placed next to the peers it was just linked to rather than between two far-apart ones.
    """

    def priority(b: int) -> tuple[float, float]:
        block = state.blocks[b]
        noise = rng.random() * 2 if perturb else 0.0
        return (len(block.domain) + noise, -block.size * (1 + noise))

    roots = sorted(range(len(state.blocks)), key=priority) if order is None else order
    fixed = [b for b in roots if len(state.blocks[b].domain) == 1]
    queue: deque[int] = deque()
    for root in fixed + roots:
        queue.append(root)
        while queue:
            b = queue.popleft()
            if b in state.site_of:
                continue
            if state.clock() > deadline or not _place_best(state, b):
                return False
            if root not in fixed:
                queue.extend(o for o, _ in state.links[b] if o not in state.site_of)
    return True


def _place_best(state: _State, b: int) -> bool:
    """Place ``b`` at its best site (with one-step lookahead); False if none is possible."""
    scored: list[tuple[Move, str]] = []
    for site in state.blocks[b].domain:
        if not state.fits(b, site):
            continue
        state.place(b, site)
        ahead = _lookahead(state, b)
        state.remove(b)
        if ahead is not None:
            scored.append((_plus(state.delta(b, None, site), ahead), site))
    if not scored:
        return False
    state.place(b, min(scored)[1])
    return True


def _lookahead(state: _State, b: int) -> Move | None:
    """With ``b`` just placed: the cheapest start each unplaced linked block still has.

    ``None`` when one of them has no site left (placing ``b`` there leads to a dead end).
    """
    total: Move = (0.0, 0.0)
    for other, _ in state.links[b]:
        if other in state.site_of:
            continue
        best = state.cheapest_start(other)
        if best is None:
            return None
        total = _plus(total, best)
    return total


def _plus(a: Move, b: Move) -> Move:
    return a[0] + b[0], a[1] + b[1]


def _better(move: Move) -> bool:
    return move[0] < -_TOLERANCE or (abs(move[0]) <= _TOLERANCE and move[1] < -_TOLERANCE)


def _improve(state: _State, rng: random.Random, deadline: float) -> None:
    """Local search to a local optimum (or the deadline).

    The cost and core-use objectives add up block by block: :class:`Descent` scores every
    move of a block at once (its moves include those of linked pairs, so ``_pair_round``
    is not needed there: at 1000 x 50 it found nothing in 0.2-0.3 s a call). The spread
    objectives use the moves below one at a time."""
    if _adds_up(state.problem):
        Descent(state).run(deadline)
        return
    order = list(range(len(state.blocks)))
    improved = True
    while improved and state.clock() < deadline:
        improved = False
        rng.shuffle(order)
        for b in order:
            if state.clock() > deadline:
                return
            improved |= _relocate(state, b)
        if not improved:
            improved = _swap_round(state, rng, deadline)
        if not improved:
            improved = _pair_round(state, deadline)
        if not improved:
            improved = _eject_round(state, rng, deadline)


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


def _swap_round(state: _State, rng: random.Random, deadline: float) -> bool:
    """Exchange the sites of two blocks where that improves; True if any swap was made.

    Pairs are visited in random order; the change is computed from per-block deltas (a
    swap leaves the number of blocks per site, hence the spread, unchanged) and only
    improving swaps are checked for feasibility.
    """
    n = len(state.blocks)
    order = list(range(n))
    rng.shuffle(order)
    swapped = False
    for i, a in enumerate(order):
        if state.clock() > deadline:
            return swapped
        for b in order[i + 1 :]:
            sa, sb = state.site_of[a], state.site_of[b]
            if sa == sb or sb not in state.blocks[a].cost or sa not in state.blocks[b].cost:
                continue
            if _better(_swap_delta(state, a, b)) and _try_swap(state, a, b):
                swapped = True
    return swapped


def _swap_delta(state: _State, a: int, b: int) -> Move:
    sa, sb = state.site_of[a], state.site_of[b]
    block_a, block_b = state.blocks[a], state.blocks[b]
    cost = block_a.cost[sb] - block_a.cost[sa] + block_b.cost[sa] - block_b.cost[sb]
    objective = state.problem.request.objective
    if objective is Objective.MIN_TOTAL_COST:
        return cost, cost
    if objective is Objective.MIN_EDGE_COST:
        edge_a, edge_b = block_a.edge_cost, block_b.edge_cost
        return edge_a[sb] - edge_a[sa] + edge_b[sa] - edge_b[sb], cost
    if objective is Objective.MAX_CORE_USE:
        core_a, core_b = block_a.core_share, block_b.core_share
        return -(core_a[sb] - core_a[sa] + core_b[sa] - core_b[sb]), cost
    return 0.0, cost


def _try_swap(state: _State, a: int, b: int) -> bool:
    sa, sb = state.site_of[a], state.site_of[b]
    state.remove(a)
    state.remove(b)
    if state.fits(a, sb):
        state.place(a, sb)
        if state.fits(b, sa):
            state.place(b, sa)
            return True
        state.remove(a)
    state.place(a, sa)
    state.place(b, sb)
    return False


def _pair_round(state: _State, deadline: float) -> bool:
    """Move both ends of a latency-bounded link at once where that improves.

    Single moves cannot leave a site whose neighbourhood the link's bound ties to the peer's
    site; moving the pair together can. True if any pair moved.
    """
    moved = False
    latency = state.problem.catalog.latency
    for a, links in list(state.links.items()):
        for b, bound in links:
            if a > b:
                continue
            if state.clock() > deadline:
                return moved
            sa, sb = state.site_of[a], state.site_of[b]
            best: tuple[Move, str, str] | None = None
            for s in state.blocks[a].domain:
                move_a = state.delta(a, sa, s)
                for t in state.blocks[b].domain:
                    if (s, t) == (sa, sb) or latency(s, t) > bound + EPSILON:
                        continue
                    move = _plus(move_a, state.delta(b, sb, t))
                    if _better(move) and (best is None or move < best[0]):
                        best = (move, s, t)
            if best is not None and _try_pair(state, a, b, best[1], best[2]):
                moved = True
    return moved


def _try_pair(state: _State, a: int, b: int, s: str, t: str) -> bool:
    """Move ``a`` to ``s`` and ``b`` to ``t`` if that keeps every constraint and improves."""
    before = state.problem.score(_assignment(state))
    sa, sb = state.remove(a), state.remove(b)
    if state.fits(a, s):
        state.place(a, s)
        if state.fits(b, t):
            state.place(b, t)
            after = state.problem.score(_assignment(state))
            if _better((after[0] - before[0], after[1] - before[1])):
                return True
            state.remove(b)
        state.remove(a)
    state.place(a, sa)
    state.place(b, sb)
    return False


def _eject_round(state: _State, rng: random.Random, deadline: float) -> bool:
    """Move a block to a better site that is full, after moving one of its occupants away.

    For each block ``b`` and each site ``s`` better for it, try each block ``d`` at ``s``
    moved to another site ``t`` first; keep both moves when they hold every constraint and
    together improve. Only for the cost and core-use objectives, whose changes add up move
    by move (a spread objective gains nothing from freeing capacity). True if any applied.
    """
    if state.problem.request.objective in (Objective.MIN_SPREAD, Objective.MAX_SPREAD):
        return False
    at: dict[str, set[int]] = defaultdict(set)
    for block, site in state.site_of.items():
        at[site].add(block)
    order = list(range(len(state.blocks)))
    rng.shuffle(order)
    applied = False
    for b in order:
        old = state.site_of[b]
        for s in state.blocks[b].domain:
            if state.clock() > deadline:
                return applied
            gain = state.delta(b, old, s)
            if s == old or not _better(gain):
                continue
            moved = next(
                ((d, t) for d in sorted(at[s]) if (t := _eject(state, b, s, d, gain))), None
            )
            if moved is not None:
                d, t = moved
                at[s] -= {d}
                at[t].add(d)
                at[old] -= {b}
                at[s].add(b)
                applied = True
                break
    return applied


def _eject(state: _State, b: int, s: str, d: int, gain: Move) -> str | None:
    """Move ``d`` from ``s`` to another site ``t``, then ``b`` to ``s``, if both fit and the
    two moves together improve; the site ``t`` used, or ``None``."""
    if d == b:
        return None
    for t in state.blocks[d].domain:
        if t == s or not _better(_plus(gain, state.delta(d, s, t))):
            continue
        old = state.remove(b)
        state.remove(d)
        if state.fits(d, t):
            state.place(d, t)
            if state.fits(b, s):
                state.place(b, s)
                return t
            state.remove(d)
        state.place(d, s)
        state.place(b, old)
    return None


def _assignment(state: _State) -> dict[str, str]:
    return {f: state.site_of[b] for b, blk in enumerate(state.blocks) for f in blk.members}

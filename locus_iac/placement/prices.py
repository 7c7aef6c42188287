"""Prices for the heuristic: Lagrangian multipliers of the capacity and latency rows.

Where one resource binds at the good sites (storage at the core OpenStack sites, pods at
the core Kubernetes ones) the greedy fills them by cost alone and leaves them full on that
resource with the others free; the best packing puts there the blocks that save the most
per unit of the scarce resource. Relaxing the capacity constraints with a price per site
and resource (and each latency row with a price per link and site), each block on its own
goes to the site where its cost plus the prices it pays there is lowest (the Lagrangian
relaxation, whose best bound is at most the LP bound); subgradient ascent finds prices at
which these choices nearly fit. The heuristic then builds a placement from the priced
costs (:func:`construct_priced`) and improves it on the true objective. At 1000 functions
x 50 sites the latency prices matter: with capacity prices alone the placement after the
descent was 1.0-1.3 % / 4.5-6.7 % above HiGHS's best (min-total-cost / min-edge-cost),
with both 0.6 % / 1.3 %.

Capacities are taken relative (use / capacity <= 1) so that resources of different units
get comparable steps. Deterministic: plain numpy, no randomness.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from locus_iac.placement.deadline import Clock
from locus_iac.placement.problem import EPSILON
from locus_iac.sites import RESOURCE_FIELDS

if TYPE_CHECKING:
    from locus_iac.placement.heuristic import _State

Floats = npt.NDArray[np.float64]
_STEP = 2.0  # first step factor of the subgradient ascent (Held-Karp)
_PATIENCE = 15  # iterations without a better bound before the step factor is halved
_MIN_STEP = 1e-4  # ... down to this factor
_TIE_WEIGHT = 1e-3  # weight of the total cost beside the objective (a tie-break)


@dataclass(frozen=True)
class Links:
    """The latency-bounded links between blocks: ends ``first`` and ``second`` (block
    indices) and, per link, ``near`` (site x site: True where the latency is within the
    link's bound)."""

    first: npt.NDArray[np.intp]
    second: npt.NDArray[np.intp]
    near: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Prices:
    """``priced``: per block and site, the cost plus the prices of the capacity it uses
    there and of the latency bounds it strains (``inf`` where it may not go or does not
    fit even alone), at the multipliers of the best Lagrangian bound reached, ``bound``
    (a lower bound on the optimum of the cost), after ``iterations``."""

    priced: Floats
    bound: float
    iterations: int


def capacity_prices(
    cost: Floats,
    demand: Floats,
    capacity: Floats,
    *,
    links: Links | None = None,
    upper: float,
    deadline: float,
    clock: Clock = time.monotonic,
    iterations: int = 400,
) -> Prices:
    """Prices by subgradient ascent on the Lagrangian of the capacity constraints (and of
    the latency bounds of ``links``, both ways: ``x[a,s] <= sum of x[b,t]`` over the sites
    ``t`` near ``s``).

    ``cost`` is block x site (``inf`` where the block may not go), ``demand`` block x
    resource, ``capacity`` site x resource (``inf`` where the resource is not counted);
    ``upper`` is the cost of a known placement (the Polyak step's target). Stops after
    ``iterations``, at ``deadline`` (on ``clock``), when the step has shrunk to nothing,
    or when the relaxed choices fit every constraint (then the prices are optimal).
    """
    n, m = cost.shape
    counted = np.isfinite(capacity)
    room = np.where(counted, np.maximum(capacity, EPSILON), 1.0)
    share = demand[:, None, :] / room[None, :, :]  # block x site x resource
    share = np.where(counted[None, :, :], share, 0.0)
    cost = np.where(np.any(share > 1.0 + EPSILON, axis=2), np.inf, cost)
    rows = np.arange(n)
    if links is None:
        links = Links(np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros((0, m, m), bool))
    near = links.near.astype(np.float64)
    count = len(links.first)
    ends = np.arange(count)
    relative = np.zeros(capacity.shape)
    ahead = np.zeros((count, m))  # first end at s needs the second near s
    behind = np.zeros((count, m))  # second end at t needs the first near t
    best = Prices(cost, -np.inf, 0)
    factor, since = _STEP, 0
    for done in range(1, iterations + 1):
        if clock() > deadline or factor < _MIN_STEP:
            break
        adjusted = cost + np.einsum("bsr,sr->bs", share, relative)
        if count:
            np.add.at(adjusted, links.first, ahead - np.einsum("lt,lst->ls", behind, near))
            np.add.at(adjusted, links.second, behind - np.einsum("ls,lst->lt", ahead, near))
        choice = np.argmin(adjusted, axis=1)
        value = float(adjusted[rows, choice].sum() - relative.sum())
        if not np.isfinite(value):
            break  # a block fits nowhere even alone
        if value > best.bound + 1e-12 * max(abs(value), 1.0):
            best, since = Prices(adjusted, value, done), 0
        else:
            since += 1
            if since >= _PATIENCE:
                factor, since = factor / 2, 0
        load = np.zeros(capacity.shape)
        np.add.at(load, choice, share[rows, choice])
        slope = np.where(counted, load - 1.0, 0.0)
        slope = np.where((relative <= 0) & (slope < 0), 0.0, slope)
        at_first, at_second = choice[links.first], choice[links.second]
        slope_ahead = -near[ends, at_second, :]
        slope_ahead[ends, at_first] += 1.0
        slope_ahead = np.where((ahead <= 0) & (slope_ahead < 0), 0.0, slope_ahead)
        slope_behind = -near[ends, at_first, :]
        slope_behind[ends, at_second] += 1.0
        slope_behind = np.where((behind <= 0) & (slope_behind < 0), 0.0, slope_behind)
        norm = float((slope * slope).sum() + (slope_ahead**2).sum() + (slope_behind**2).sum())
        if norm <= 0.0:
            break  # the relaxed choices fit: these prices are optimal
        step = factor * max(upper - value, 1e-9 * max(abs(upper), 1.0)) / norm
        relative = np.maximum(relative + step * slope, 0.0)
        ahead = np.maximum(ahead + step * slope_ahead, 0.0)
        behind = np.maximum(behind + step * slope_behind, 0.0)
    return best


def priced_order(priced: Floats, single: npt.NDArray[np.bool_]) -> list[int]:
    """Blocks in the order to place them: those with one allowed site first, then by
    regret (what a block loses at its second-best priced site), largest first."""
    ordered = np.sort(priced, axis=1)
    if priced.shape[1] > 1:
        regret = np.where(np.isfinite(ordered[:, 1]), ordered[:, 1] - ordered[:, 0], np.inf)
    else:
        regret = np.full(priced.shape[0], np.inf)
    regret = np.where(single, np.inf, regret)
    return [int(b) for b in np.lexsort((np.arange(priced.shape[0]), -regret))]


def priced_sites(priced: Floats, b: int) -> list[int]:
    """Block ``b``'s allowed sites, cheapest priced first."""
    row = priced[b]
    allowed = np.flatnonzero(np.isfinite(row))
    return [int(s) for s in allowed[np.argsort(row[allowed], kind="stable")]]


def _links(state: _State) -> Links:
    problem = state.problem
    sites = list(problem.sites)
    latency = np.array(
        [[problem.catalog.latency(s, t) if s != t else 0.0 for t in sites] for s in sites]
    )
    pairs = [
        (a, b, bound) for a, peers in sorted(state.links.items()) for b, bound in peers if a < b
    ]
    return Links(
        np.array([a for a, _, _ in pairs], np.intp),
        np.array([b for _, b, _ in pairs], np.intp),
        np.array([latency <= bound + EPSILON for _, _, bound in pairs], bool).reshape(
            len(pairs), len(sites), len(sites)
        ),
    )


def construct_priced(
    state: _State,
    upper: dict[str, str],
    rng: random.Random,
    deadline: float,
) -> tuple[bool, Prices]:
    """Place every block of the empty ``state`` at its cheapest site by the priced costs,
    most to lose first (:func:`priced_order`) with the heuristic's construction (links
    followed, one step of lookahead); False at a dead end or at the deadline. Also the
    prices used.

    The prices come from :func:`capacity_prices` with ``upper`` (a complete placement) as
    the target; they run for at most half the time left."""
    from locus_iac.placement.heuristic import _construct

    problem = state.problem
    arrays = state.arrays()
    sites = list(problem.sites)
    cost = arrays.objective + _TIE_WEIGHT * arrays.total
    capacity = np.array([[problem.free[s].amount(r) for r in RESOURCE_FIELDS] for s in sites])
    capacity = np.where(arrays.applies, capacity, np.inf)
    index = {s: i for i, s in enumerate(sites)}
    target = sum(
        float(cost[b, index[upper[block.members[0]]]]) for b, block in enumerate(state.blocks)
    )
    now = state.clock()
    prices = capacity_prices(
        cost,
        arrays.demand,
        capacity,
        links=_links(state),
        upper=target,
        deadline=now + (deadline - now) / 2,
        clock=state.clock,
    )
    priced = prices.priced
    single = np.array([len(block.domain) == 1 for block in state.blocks])
    state.priced = [
        {s: float(priced[b, index[s]]) for s in block.domain}
        for b, block in enumerate(state.blocks)
    ]
    try:
        done = _construct(
            state, rng, perturb=False, deadline=deadline, order=priced_order(priced, single)
        )
        return done, prices
    finally:
        state.priced = None
        state.ranked.clear()

"""Vectorised descent for the heuristic's cost and core-use objectives.

These objectives add up block by block (a block's share depends on its site only), so
the change of any move is a few array lookups. :class:`Descent` keeps the placement as
arrays (block x site objective and cost, site x resource residual capacity) and, for one
block at a time, scores *every* move of a kind at once with numpy:

- relocate: the block to another site;
- swap: the block and another block exchange sites;
- eject: the block takes another block's site, which moves on to the best other site
  where it fits;
- follow: the block moves with the latency-linked peers the move would leave too far;
- vacate: the block moves on, and up to ``_FILLERS`` better blocks take its room.

Capacity is screened on the arrays; the moves that improve and fit are then tried best
first through the state's own ``fits`` (latency, anti-affinity and capacity again), so
every applied move keeps every constraint. At 1000 functions x 50 sites the Python swap
round took 0.5-1.2 s per pass and the ejection round 6.7 s of a 10 s budget (session 9
profile); here one pass over all blocks takes about 0.1 s there when nothing improves.
At 1000 x 50 the greedy left the good sites bound on one resource (storage at the core
OpenStack sites, pods at the core Kubernetes ones) with room on the others: the vacate move
is what trades one large block there for two smaller, more valuable ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from locus_iac.placement.model import Objective
from locus_iac.placement.problem import EPSILON, Problem
from locus_iac.sites import RESOURCE_FIELDS

if TYPE_CHECKING:
    from locus_iac.placement.heuristic import _Block, _State

Floats = npt.NDArray[np.float64]
_TOLERANCE = 1e-9
_FOLLOWERS = 2  # linked peers moved at most along with a block (see Descent._follow)
_FILLERS = 3  # blocks moved at most into the room one block left (see Descent._vacate)
_TRIED = 8  # candidates of one kind checked against the full constraints per block


class Descent:
    """The arrays of a heuristic state, kept in step with it by :meth:`_apply`."""

    def __init__(self, state: _State) -> None:
        problem = state.problem
        self.state = state
        self.sites = list(problem.sites)
        index = {s: i for i, s in enumerate(self.sites)}
        arrays = state.arrays()
        self.demand, self.objective, self.total = arrays.demand, arrays.objective, arrays.total
        self.applies = arrays.applies
        n, m, k = len(state.blocks), len(self.sites), len(RESOURCE_FIELDS)
        self.residual = np.zeros((m, k))
        self.latency = np.array(
            [
                [problem.catalog.latency(s, t) if s != t else 0.0 for t in self.sites]
                for s in self.sites
            ]
        )
        self._onward: tuple[Floats, npt.NDArray[np.intp]] | None = None
        for i in range(m):
            self._sync(i)
        self.at = np.array([index[state.site_of[b]] for b in range(n)])
        rows = np.arange(n)
        self.current = self.objective[rows, self.at]
        self.current_total = self.total[rows, self.at]

    def run(self, deadline: float) -> bool:
        """Apply improving moves, block by block, until none is left (or ``deadline`` has
        passed on the state's clock).

        True if the placement changed."""
        clock = self.state.clock
        changed = False
        improved = True
        while improved and clock() < deadline:
            improved = False
            for b in self._order():
                if clock() > deadline:
                    return changed
                if self._relocate(b) or self._swap(b) or self._eject(b) or self._vacate(b):
                    improved = changed = True
        return changed

    def _order(self) -> list[int]:
        """Blocks by their share of the objective, largest first."""
        return [int(b) for b in np.argsort(-self.current, kind="stable")]

    def _relocate(self, b: int) -> bool:
        here = self.at[b]
        gain = self.objective[b] - self.current[b]
        cost = self.total[b] - self.current_total[b]
        fits = np.all(self.residual >= self.demand[b] - EPSILON, axis=1)
        for t in _best(gain, cost, _improving(gain, cost) & fits):
            if t == here:
                continue
            if self.state.fits(b, self.sites[t]):
                self._apply(b, int(t))
                return True
            if self._follow(b, int(t), float(gain[t]), float(cost[t])):
                return True
        return False

    def _follow(self, b: int, t: int, gain: float, cost: float) -> bool:
        """Move ``b`` to ``t`` and each latency-linked peer now too far from ``t`` to its
        best site within its bound of ``t``, if that keeps every constraint and improves.

        A single move mostly fails on a link's latency bound (1000 x 50: 14,000 of 19,000
        checks): the peer has to move with the block."""
        state = self.state
        far = [
            (o, bound)
            for o, bound in state.links[b]
            if self.latency[t, self.at[o]] > bound + EPSILON
        ]
        if not far or len(far) > _FOLLOWERS:
            return False
        moved = [b] + [o for o, _ in far]
        if len(set(moved)) < len(moved):
            return False
        before = {c: int(self.at[c]) for c in moved}
        for c in moved:
            state.remove(c)
        if not state.fits(b, self.sites[t]):
            self._put_back(moved, before)
            return False
        state.place(b, self.sites[t])
        targets = [(b, t)]
        for o, bound in far:
            near = (self.latency[t] <= bound + EPSILON) & np.all(
                self.residual >= self.demand[o] - EPSILON, axis=1
            )
            change = self.objective[o] - self.current[o]
            change_cost = self.total[o] - self.current_total[o]
            site = next(
                (u for u in _best(change, change_cost, near) if state.fits(o, self.sites[u])),
                None,
            )
            if site is None:
                placed = [c for c, _ in targets]
                self._put_back(placed, before, placed=True)
                self._put_back([c for c in moved if c not in placed], before)
                return False
            state.place(o, self.sites[site])
            targets.append((o, site))
            gain += float(change[site])
            cost += float(change_cost[site])
        if not _improving(np.array([gain]), np.array([cost]))[0]:
            self._put_back([c for c, _ in targets], before, placed=True)
            return False
        for c, u in targets:
            self._moved(c, u)
        for i in set(before.values()):
            self._sync(i)
        return True

    def _put_back(self, blocks: list[int], before: dict[int, int], *, placed: bool = False) -> None:
        """Return ``blocks`` (removed, or ``placed`` elsewhere) to their ``before`` sites."""
        for c in blocks:
            if placed:
                self.state.remove(c)
            self.state.place(c, self.sites[before[c]])

    def _swap(self, b: int) -> bool:
        here = self.at[b]
        gain = self.objective[b, self.at] - self.current[b] + self.objective[:, here]
        gain -= self.current
        cost = self.total[b, self.at] - self.current_total[b] + self.total[:, here]
        cost -= self.current_total
        candidates = np.flatnonzero(_improving(gain, cost) & (self.at != here))
        if candidates.size == 0:
            return False
        there = self.at[candidates]
        swing = self.demand[candidates] - self.demand[b]
        room = np.all(self.residual[there] + swing >= -EPSILON, axis=1)
        room &= np.all(self.residual[here] - swing >= -EPSILON, axis=1)
        candidates = candidates[room]
        for c in candidates[_best(gain[candidates], cost[candidates])]:
            if self._try_swap(b, int(c)):
                return True
        return False

    def _eject(self, b: int) -> bool:
        """``b`` to the site of a block ``c``, ``c`` to the best other site where it fits."""
        here = self.at[b]
        onward, target = self._onward_moves()
        rows = np.arange(len(self.at))
        gain = self.objective[b, self.at] - self.current[b] + onward - self.current
        cost = self.total[b, self.at] - self.current_total[b]
        cost += self.total[rows, target] - self.current_total
        candidates = np.flatnonzero(_improving(gain, cost) & (self.at != here))
        if candidates.size == 0:
            return False
        there = self.at[candidates]
        room = np.all(
            self.residual[there] + self.demand[candidates] - self.demand[b] >= -EPSILON, axis=1
        )
        candidates = candidates[room]
        for c in candidates[_best(gain[candidates], cost[candidates])]:
            if self._try_eject(b, int(c), int(target[c])):
                return True
        return False

    def _vacate(self, c: int) -> bool:
        """``c`` to its best other site, then blocks from elsewhere into the room it left,
        best first while each improves; kept if the whole improves.

        Where one resource binds at the good sites (storage, pods), one block there may be
        worth less than the two smaller ones its room takes: no one-for-one move sees that.
        """
        onward, target = self._onward_moves()
        if not np.isfinite(onward[c]):
            return False
        s, t = int(self.at[c]), int(target[c])
        if not self.state.fits(c, self.sites[t]):
            return False
        gain = float(onward[c] - self.current[c])
        cost = float(self.total[c, t] - self.current_total[c])
        done = [(c, s)]
        self._apply(c, t)
        for _ in range(_FILLERS):
            into = self.objective[:, s] - self.current
            into_cost = self.total[:, s] - self.current_total
            room = np.all(self.residual[s] >= self.demand - EPSILON, axis=1) & (self.at != s)
            room[c] = False
            filler = next(
                (
                    u
                    for u in _best(into, into_cost, room & _improving(into, into_cost))
                    if self.state.fits(u, self.sites[s])
                ),
                None,
            )
            if filler is None:
                break
            gain += float(into[filler])
            cost += float(into_cost[filler])
            done.append((filler, int(self.at[filler])))
            self._apply(filler, s)
        if len(done) > 1 and _improving(np.array([gain]), np.array([cost]))[0]:
            return True
        for u, origin in reversed(done):
            self._apply(u, origin)
        self._onward = onward, target  # the placement is as before
        return False

    def _onward_moves(self) -> tuple[Floats, npt.NDArray[np.intp]]:
        """Per block, the objective at its best other site where it fits now (``inf``:
        none) and that site; cached until the next move."""
        if self._onward is None:
            fits = np.all(self.residual[:, None, :] >= self.demand[None, :, :] - EPSILON, axis=2)
            rows = np.arange(len(self.at))
            fits[self.at, rows] = False
            options = np.where(fits.T, self.objective, np.inf)
            target = np.argmin(options, axis=1)
            self._onward = (options[rows, target], target)
        return self._onward

    def _try_swap(self, a: int, b: int) -> bool:
        return self._try_pair(a, int(self.at[b]), b, int(self.at[a]))

    def _try_eject(self, b: int, c: int, t: int) -> bool:
        return self._try_pair(b, int(self.at[c]), c, t)

    def _try_pair(self, a: int, s: int, b: int, t: int) -> bool:
        """Move ``b`` to ``t`` and ``a`` to ``s`` at once if every constraint holds."""
        state = self.state
        sa, sb = int(self.at[a]), int(self.at[b])
        state.remove(a)
        state.remove(b)
        if state.fits(b, self.sites[t]):
            state.place(b, self.sites[t])
            if state.fits(a, self.sites[s]):
                state.place(a, self.sites[s])
                self._moved(a, s)
                self._moved(b, t)
                self._sync(sa)
                self._sync(sb)
                return True
            state.remove(b)
        state.place(a, self.sites[sa])
        state.place(b, self.sites[sb])
        return False

    def _apply(self, b: int, t: int) -> None:
        """Move ``b`` to site index ``t`` in the state and the arrays."""
        old = int(self.at[b])
        self.state.remove(b)
        self.state.place(b, self.sites[t])
        self._moved(b, t)
        self._sync(old)

    def _moved(self, b: int, t: int) -> None:
        """Record in the arrays that ``b`` is at ``t`` now (``t``'s residual included)."""
        self.at[b] = t
        self.current[b] = self.objective[b, t]
        self.current_total[b] = self.total[b, t]
        self._sync(t)
        self._onward = None

    def _sync(self, i: int) -> None:
        site = self.sites[i]
        for r, resource in enumerate(RESOURCE_FIELDS):
            self.residual[i, r] = (
                self.state.residual[site, resource] if self.applies[i, r] else np.inf
            )
        self._onward = None


@dataclass(frozen=True)
class BlockArrays:
    """A state's blocks as arrays: ``demand`` block x resource; ``objective`` (its
    minimised share) and ``total`` (hourly cost) block x site, ``inf`` outside the block's
    domain; ``applies`` site x resource (False: the resource is not counted there)."""

    demand: Floats
    objective: Floats
    total: Floats
    applies: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, problem: Problem, blocks: list[_Block]) -> BlockArrays:
        sites = list(problem.sites)
        index = {s: i for i, s in enumerate(sites)}
        n, m, k = len(blocks), len(sites), len(RESOURCE_FIELDS)
        demand = np.zeros((n, k))
        objective = np.full((n, m), np.inf)
        total = np.full((n, m), np.inf)
        share = _objective_share(problem.request.objective)
        for b, block in enumerate(blocks):
            for r, resource in enumerate(RESOURCE_FIELDS):
                demand[b, r] = block.demand.get(resource, 0.0)
            for site in block.domain:
                objective[b, index[site]] = share(block, site)
                total[b, index[site]] = block.cost[site]
        applies = np.array(
            [[problem.capacity_applies(s, r) for r in RESOURCE_FIELDS] for s in sites]
        )
        return cls(demand, objective, total, applies)


def _objective_share(objective: Objective) -> Callable[[_Block, str], float]:
    """A block's share of the (minimised) objective at a site."""
    if objective is Objective.MIN_TOTAL_COST:
        return lambda block, site: block.cost[site]
    if objective is Objective.MIN_EDGE_COST:
        return lambda block, site: block.edge_cost[site]
    if objective is Objective.MAX_CORE_USE:
        return lambda block, site: -block.core_share[site]
    raise ValueError(f"{objective.value} does not add up block by block")


def _improving(gain: Floats, cost: Floats) -> npt.NDArray[np.bool_]:
    """Lexicographic improvement: the objective falls, or stays and the total cost falls."""
    return (gain < -_TOLERANCE) | ((np.abs(gain) <= _TOLERANCE) & (cost < -_TOLERANCE))


def _best(gain: Floats, cost: Floats, mask: npt.NDArray[np.bool_] | None = None) -> list[int]:
    """Indices of the ``_TRIED`` best entries (of ``mask``), best first."""
    chosen = np.flatnonzero(mask) if mask is not None else np.arange(gain.size)
    order = np.lexsort((cost[chosen], gain[chosen]))[:_TRIED]
    return [int(i) for i in chosen[order]]

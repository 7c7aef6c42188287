"""The placement MILP as arrays, handed to HiGHS directly (no modelling layer in between).

The one formulation of the model (``milp`` hands the same arrays to PuLP for CBC): columns
``x[f,s]`` for the sites in each function's domain, in the order functions x sites, then
``y[s]`` for the spread objectives; rows for assignment, capacity, latency, affinity,
anti-affinity and the spread links, built as one CSR matrix. Building it is a few list
appends per nonzero, where a PuLP model built one Python object per term and was written out
again for HiGHS (about 10 s of a 30 s budget at 1000 functions x 50 sites on a loaded
machine).

HiGHS is created through the core class with ``output_flag`` off before anything else:
the ``highspy.Highs`` wrapper installs its callbacks in its constructor, which prints the
version banner to stdout once per process, and the CLI's JSON output must stay clean.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import highspy
import numpy as np

from locus_iac.placement.deadline import Deadline
from locus_iac.placement.model import Objective
from locus_iac.placement.problem import Group, GroupKind, Problem

MilpStatus = Literal["optimal", "feasible", "infeasible", "unknown"]
_OPTIMAL_GAP = 1e-4
"""HiGHS's default relative gap: a stop within it counts as optimal."""
_OPTIMAL_ABS = 1e-6
"""HiGHS's default absolute gap (for optima at or near 0), likewise."""


@dataclass
class Rows:
    """Constraint rows in CSR form: ``lower <= row . x <= upper``."""

    starts: list[int] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)

    def add(self, indices: list[int], values: list[float], lower: float, upper: float) -> None:
        self.starts.append(len(self.indices))
        self.indices.extend(indices)
        self.values.extend(values)
        self.lower.append(lower)
        self.upper.append(upper)

    def __len__(self) -> int:
        return len(self.starts)


@dataclass
class DirectModel:
    """The model's columns and rows; ``x`` and ``y`` map pairs and sites to column indices."""

    x: dict[tuple[str, str], int]
    y: dict[str, int]
    rows: Rows

    @property
    def width(self) -> int:
        return len(self.x) + len(self.y)

    def columns(self, problem: Problem) -> dict[str, list[tuple[str, int]]]:
        """Per function, its sites and their columns."""
        found: dict[str, list[tuple[str, int]]] = {f: [] for f in problem.functions}
        for (f, s), i in self.x.items():
            found[f].append((s, i))
        return found


def build(problem: Problem, enabled: frozenset[Group], *, with_spread: bool) -> DirectModel | None:
    """The model, or ``None`` when some function has no allowed site."""
    domains = {f: problem.domain(f, enabled) for f in problem.functions}
    if any(not d for d in domains.values()):
        return None
    allowed = {f: set(d) for f, d in domains.items()}
    x = {
        (f, s): 0 for f in problem.functions for s in problem.sites if s in allowed[f]
    }  # insertion order = column order
    for i, pair in enumerate(x):
        x[pair] = i
    rows = Rows()
    for f, sites in domains.items():
        rows.add([x[f, s] for s in sites], [1.0] * len(sites), 1.0, 1.0)
    _capacity(problem, enabled, rows, x)
    _latency(problem, enabled, rows, x, domains)
    _affinity(problem, enabled, rows, x)
    y: dict[str, int] = {}
    objective = problem.request.objective
    if with_spread and objective in (Objective.MIN_SPREAD, Objective.MAX_SPREAD):
        y = {s: len(x) + j for j, s in enumerate(problem.sites)}
        at: dict[str, list[int]] = {s: [] for s in problem.sites}
        for (_, s), i in x.items():
            at[s].append(i)
        for s, used in y.items():
            if objective is Objective.MIN_SPREAD:
                for i in at[s]:  # used >= x
                    rows.add([i, used], [1.0, -1.0], -math.inf, 0.0)
            else:  # used <= sum x
                rows.add([used, *at[s]], [1.0] + [-1.0] * len(at[s]), -math.inf, 0.0)
    return DirectModel(x, y, rows)


def _capacity(
    problem: Problem, enabled: frozenset[Group], rows: Rows, x: dict[tuple[str, str], int]
) -> None:
    needs: dict[str, list[tuple[str, float]]] = {}  # per resource, who needs how much
    for group in sorted(enabled):
        if group.kind is not GroupKind.CAPACITY:
            continue
        site, resource = group.key
        if resource not in needs:
            needs[resource] = [
                (f, amount)
                for f in problem.functions
                if (amount := problem.demand[f].amount(resource)) > 0
            ]
        indices, values = [], []
        for f, amount in needs[resource]:
            i = x.get((f, site))
            if i is not None:
                indices.append(i)
                values.append(amount)
        if indices:
            rows.add(indices, values, -math.inf, problem.free[site].amount(resource))


def _latency(
    problem: Problem,
    enabled: frozenset[Group],
    rows: Rows,
    x: dict[tuple[str, str], int],
    domains: dict[str, list[str]],
) -> None:
    for link in problem.bounded_links(enabled):
        a, b = link.ends
        for s in domains[a]:
            close = problem.within(link.id, s)
            near = [t for t in domains[b] if t in close]
            if len(near) == len(domains[b]):
                continue
            # x[a,s] <= sum of x[b,t] over the sites t close enough to s
            indices = [x[a, s]] + [x[b, t] for t in near]
            rows.add(indices, [1.0] + [-1.0] * len(near), -math.inf, 0.0)


def _affinity(
    problem: Problem, enabled: frozenset[Group], rows: Rows, x: dict[tuple[str, str], int]
) -> None:
    for a, b in problem.request.affinity:
        if Group(GroupKind.AFFINITY, (a, b)) not in enabled:
            continue
        for s in problem.sites:  # x[a,s] = x[b,s]; a column outside a domain is 0
            indices = [x[f, s] for f in (a, b) if (f, s) in x]
            values = [1.0 if f == a else -1.0 for f in (a, b) if (f, s) in x]
            if indices:
                rows.add(indices, values, 0.0, 0.0)
    for a, b in problem.request.anti_affinity:
        if Group(GroupKind.ANTI_AFFINITY, (a, b)) not in enabled:
            continue
        for s in problem.sites:
            if (a, s) in x and (b, s) in x:
                rows.add([x[a, s], x[b, s]], [1.0, 1.0], -math.inf, 1.0)


def primary_costs(problem: Problem, model: DirectModel) -> np.ndarray:
    """The objective, minimised, as one cost per column."""
    costs = np.zeros(model.width)
    objective = problem.request.objective
    if objective in (Objective.MIN_SPREAD, Objective.MAX_SPREAD):
        sign = 1.0 if objective is Objective.MIN_SPREAD else -1.0
        for i in model.y.values():
            costs[i] = sign
        return costs
    for (f, s), i in model.x.items():
        if objective is Objective.MIN_TOTAL_COST:
            costs[i] = problem.cost[f, s]
        elif objective is Objective.MIN_EDGE_COST:
            costs[i] = problem.cost[f, s] if s in problem.edge else 0.0
        elif s in problem.core:  # MAX_CORE_USE
            costs[i] = -problem.size[f]
    return costs


def trivial_bound(model: DirectModel, costs: np.ndarray) -> float:
    """A lower bound of ``costs`` that needs no solver: every function at its cheapest site
    (only the assignment rows kept), every spread column at its cheaper end."""
    cheapest: dict[str, float] = {}
    for (f, _), i in model.x.items():
        cheapest[f] = min(cheapest.get(f, math.inf), float(costs[i]))
    return sum(cheapest.values()) + sum(min(0.0, float(costs[i])) for i in model.y.values())


def beyond_trivial(bound: float | None, trivial: float) -> float | None:
    """``bound`` if it is tighter than ``trivial``, else ``None``.

    HiGHS stopped before solving any relaxation reports the trivial bound (0 at
    min-edge-cost, where core sites cost nothing): a gap against it (100 %) would read like
    a measured gap when nothing was proven.
    """
    if bound is None or bound <= trivial + 1e-9 * max(1.0, abs(trivial)):
        return None
    return bound


def total_costs(problem: Problem, model: DirectModel) -> np.ndarray:
    """The total hourly cost as one cost per column (the tie-break)."""
    costs = np.zeros(model.width)
    for (f, s), i in model.x.items():
        costs[i] = problem.cost[f, s]
    return costs


def new_highs() -> Any:
    """A silent, single-threaded HiGHS instance."""
    # the core class (exported, in highspy.__all__ but not in its stubs): no banner
    highs = highspy._Highs()  # type: ignore[attr-defined]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    return highs


def load(highs: Any, model: DirectModel, costs: np.ndarray, *, integral: bool) -> None:
    """Pass ``model`` with objective ``costs`` to ``highs`` (binary columns if ``integral``)."""
    width = model.width
    no_index = np.zeros(0, dtype=np.int32)
    highs.addCols(width, costs, np.zeros(width), np.ones(width), 0, no_index, no_index, np.zeros(0))
    rows = model.rows
    highs.addRows(
        len(rows),
        np.array(rows.lower),
        np.array(rows.upper),
        len(rows.indices),
        np.array(rows.starts, dtype=np.int32),
        np.array(rows.indices, dtype=np.int32),
        np.array(rows.values),
    )
    if integral:
        kinds = np.array([highspy.HighsVarType.kInteger] * width)
        highs.changeColsIntegrality(width, np.arange(width, dtype=np.int32), kinds)


def set_start(highs: Any, model: DirectModel, start: Mapping[str, str]) -> bool:
    """Give ``highs`` the placement ``start`` as its first incumbent; False if it does not fit."""
    values = np.zeros(model.width)
    for f, s in start.items():
        i = model.x.get((f, s))
        if i is None:
            return False
        values[i] = 1.0
    for s in set(start.values()):
        if s in model.y:
            values[model.y[s]] = 1.0
    solution = highspy.HighsSolution()
    solution.col_value = list(values)
    return bool(highs.setSolution(solution) == highspy.HighsStatus.kOk)


def run_until(highs: Any, deadline: Deadline) -> None:
    """Run HiGHS until it is done or ``deadline`` has passed on the deadline's clock.

    HiGHS's ``time_limit`` counts its own wall clock: on ``time.monotonic`` (production)
    the time left is that limit (at least 10 ms). On another clock (CPU seconds in the
    placement benchmark, a test's fake clock) HiGHS runs without a limit of its own and an
    interrupt callback stops it once the deadline has passed on that clock (read at
    HiGHS's simplex, interior-point and branch-and-bound interrupt checks; the callback
    cost the 1000 x 50 LP relaxation about 6 % more CPU time): a wall-clock limit of the
    time left would stop it early under load, when it gets less than one CPU second a
    second."""
    if deadline.clock is time.monotonic:
        highs.setOptionValue("time_limit", max(deadline.left(), 0.01))
        highs.run()
        return

    def stop_when_passed(kind: Any, message: str, out: Any, data_in: Any, user: Any) -> None:
        if data_in is not None and deadline.left() <= 0.0:
            data_in.user_interrupt = True

    highs.setOptionValue("time_limit", math.inf)
    highs.setCallback(stop_when_passed, None)
    for kind in _INTERRUPTS:
        highs.startCallback(kind)
    try:
        highs.run()
    finally:
        highs.setCallback(None, None)  # stops every callback


_INTERRUPTS = (
    highspy.cb.HighsCallbackType.kCallbackSimplexInterrupt,
    highspy.cb.HighsCallbackType.kCallbackIpmInterrupt,
    highspy.cb.HighsCallbackType.kCallbackMipInterrupt,
)


def run(highs: Any, time_limit: float) -> tuple[MilpStatus, float | None]:
    """Solve; the status and the proven lower bound of the minimised objective."""
    highs.setOptionValue("time_limit", max(time_limit, 0.01))
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    bound = float(info.mip_dual_bound)
    proven = bound if math.isfinite(bound) else None
    solved = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kOptimal:  # within HiGHS's gaps: a user's maybe
        exact = info.mip_gap <= _OPTIMAL_GAP or (
            proven is not None and abs(info.objective_function_value - proven) <= _OPTIMAL_ABS
        )
        return ("optimal" if exact else "feasible"), proven
    if status in (
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,  # every column is bounded: infeasible
    ):
        return "infeasible", proven
    return ("feasible" if solved else "unknown"), proven


def chosen(model: DirectModel, values: Any) -> dict[str, str]:
    """The placement a solution's column values encode."""
    return {f: s for (f, s), i in model.x.items() if values[i] > 0.5}

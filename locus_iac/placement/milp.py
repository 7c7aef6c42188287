"""Exact placement: a MILP solved by HiGHS (or CBC through PuLP), under a time limit.

Variables ``x[f,s]`` (binary) say that function ``f`` runs at site ``s``; they exist only for
the sites in the function's domain (kind, pin, latency to the SAP). Constraints:

* assignment: ``sum_s x[f,s] = 1``;
* capacity, per site and resource: ``sum_f demand[f,r] x[f,s] <= free[s,r]``;
* latency of a link ``(a, b)`` with bound ``L``: ``x[a,s] <= sum_{t: lat(s,t) <= L} x[b,t]``
  for every site ``s`` (if ``a`` is at ``s``, ``b`` is at a site close enough) — ``O(sites)``
  constraints per link instead of one per forbidden pair of sites;
* affinity ``x[a,s] = x[b,s]``; anti-affinity ``x[a,s] + x[b,s] <= 1``;
* spread objectives add ``y[s]`` (site used): ``y[s] >= x[f,s]`` to pack,
  ``y[s] <= sum_f x[f,s]`` to spread.

Objectives are solved lexicographically: first the chosen objective, then (with it fixed
at its optimum) the total hourly cost, so that ties are broken by cost.

HiGHS (``highspy``, one thread) is the engine: on the placement benchmark it proves optimality
at 300 functions x 20 sites in seconds where CBC is still ~1 % off after minutes. The HiGHS
model is built once, as arrays (``highs_model``), and passed to HiGHS directly; for CBC
(``engine="cbc"``, PuLP's bundled solver) and HiGHS through PuLP (``engine="highs-pulp"``),
baselines of the benchmark, the same arrays are handed to PuLP, so there is one formulation.
"""

from __future__ import annotations

import logging
import math
import re
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import highspy
import numpy as np
import pulp

from locus_iac.placement import highs_model
from locus_iac.placement.deadline import Deadline
from locus_iac.placement.highs_model import MilpStatus
from locus_iac.placement.model import Objective
from locus_iac.placement.problem import Group, Problem
from locus_iac.placement.verify import violations

log = logging.getLogger(__name__)

MilpEngine = Literal["highs", "highs-pulp", "cbc"]
_TIE_WEIGHT = 1e-3
"""Weight of the total cost beside the objective in the LP relaxation (a tie-break)."""
_INTEGRAL = 1e-6
_LARGE_MODEL = 20_000
"""Columns from which HiGHS spends more of its effort on primal heuristics."""
_LARGE_HEURISTIC_EFFORT = 0.3
"""HiGHS's ``mip_heuristic_effort`` there (default 0.05): at 1000 functions x 50 sites, 30 s,
load ~15 on 2 cores, one run each: min-total-cost gap 1.10 % -> 0.27 %, min-edge-cost
2.44 % -> 1.27 % (session 8). At 300 x 20 the effect was lost in the noise of the load."""
_WRAP_UP = 0.4
"""Seconds kept back from a time limit for stopping the solver and reading its answer."""
_MIN_SOLVE = 0.2
"""Seconds a solver run needs at least to be worth starting (else it is skipped)."""
_JUMP_COLUMNS = 5_000
_JUMP_MIN_SECONDS = 8.0
"""HiGHS's feasibility-jump heuristic (before the root LP) does not check the time limit:
at 1000 functions x 50 sites it took 0.8-1.0 s on a quiet 2-core machine and 2-3 s under
load, so a 3 s limit came back after 5.2-5.8 s (session 9). From ``_JUMP_COLUMNS`` columns
it runs only when HiGHS has at least ``_JUMP_MIN_SECONDS``; never in the tie-break run,
which starts from the first run's answer."""
_BOUND = re.compile(r"^Lower bound:\s+(-?[0-9.eE+-]+)", re.MULTILINE)


@dataclass(frozen=True)
class MilpResult:
    """What the solver found. ``bound`` and ``gap`` refer to the objective (minimised form)."""

    status: MilpStatus
    assignment: dict[str, str] | None = None
    bound: float | None = None
    gap: float | None = None


def solve_milp(
    problem: Problem,
    *,
    time_limit: float | Deadline,
    enabled: frozenset[Group] | None = None,
    feasibility: bool = False,
    engine: MilpEngine = "highs",
    start: Mapping[str, str] | None = None,
    gap: float | None = None,
) -> MilpResult:
    """Solve ``problem`` (only the ``enabled`` constraint groups) within ``time_limit``
    (seconds from now, or a :class:`Deadline`, which also collects what was skipped).

    With ``feasibility`` the objective is ignored: the answer only says whether a placement
    exists (used to explain infeasible requests). ``start`` is a placement HiGHS starts
    from (its first incumbent, e.g. the heuristic's answer); with ``gap`` HiGHS stops once
    its solution is proven within that relative gap of the optimum (status "feasible" unless
    the gap is HiGHS's default 1e-4 or less). Both apply to ``engine="highs"`` only.
    """
    enabled = problem.all_groups if enabled is None else enabled
    deadline = time_limit if isinstance(time_limit, Deadline) else Deadline(time_limit)
    if engine == "highs":
        return _solve_direct(problem, deadline, enabled, feasibility, start, gap)
    direct = highs_model.build(problem, enabled, with_spread=not feasibility)
    if direct is None:
        return MilpResult("infeasible")
    model = _pulp_model(direct)
    costs = np.zeros(direct.width) if feasibility else highs_model.primary_costs(problem, direct)
    primary = model.objective(costs)
    model.lp.setObjective(primary)
    tie_break = not feasibility and problem.request.objective is not Objective.MIN_TOTAL_COST
    # the time limit covers building the model too, not only the solver
    first_limit = _solver_time(deadline) * (0.75 if tie_break else 1.0)
    status, bound = _run(model.lp, first_limit, engine)
    if status in ("infeasible", "unknown"):
        return MilpResult(status, bound=bound)
    assignment = model.assignment()
    value = pulp.value(primary) or 0.0
    found_gap = 0.0 if status == "optimal" else _gap(value, bound)
    if tie_break and status == "optimal":
        assignment = _tie_break(problem, model, primary, value, deadline, engine) or assignment
    return _checked(problem, enabled, MilpResult(status, assignment, bound, found_gap))


def _solver_time(deadline: Deadline) -> float:
    """The seconds a solver may run so that the answer is back by ``deadline``: HiGHS stops a
    little after its limit, and reading and checking the solution takes a moment too (at
    1000 x 50, 0.1-0.2 s over a 30 s limit without this margin)."""
    return max(deadline.left() - _WRAP_UP, 0.0)


def _checked(problem: Problem, enabled: frozenset[Group], result: MilpResult) -> MilpResult:
    broken = violations(problem, result.assignment or {}, enabled)
    if broken:  # numerical trouble in the solver: do not hand out an invalid placement
        log.warning("MILP solution violates constraints, discarded: %s", broken[:3])
        return MilpResult("unknown", bound=result.bound)
    return result


def _solve_direct(
    problem: Problem,
    deadline: Deadline,
    enabled: frozenset[Group],
    feasibility: bool,
    start: Mapping[str, str] | None,
    gap: float | None,
) -> MilpResult:
    """``solve_milp`` with the model built as arrays and passed to HiGHS directly."""
    model = highs_model.build(problem, enabled, with_spread=not feasibility)
    if model is None:
        return MilpResult("infeasible")
    # the deadline covers building the model too, not only the solver
    if (seconds := _solver_time(deadline)) < _MIN_SOLVE:
        deadline.skip("HiGHS", f"{deadline.left():.1f} s left after building the model")
        return MilpResult("unknown")
    primary = np.zeros(model.width) if feasibility else highs_model.primary_costs(problem, model)
    highs = highs_model.new_highs()
    highs_model.load(highs, model, primary, integral=True)
    if model.width >= _LARGE_MODEL:  # finding good incumbents in time matters most there
        highs.setOptionValue("mip_heuristic_effort", _LARGE_HEURISTIC_EFFORT)
    if gap is not None:
        highs.setOptionValue("mip_rel_gap", gap)
    if start and not highs_model.set_start(highs, model, start):
        log.debug("the start placement does not fit the model; HiGHS starts without it")
    tie_break = not feasibility and problem.request.objective is not Objective.MIN_TOTAL_COST
    # all the time: the tie-break runs only after a proven optimum, which stops the run early
    # (a quarter kept back for it was lost whenever the first run was not proven optimal)
    first_limit = _solver_time(deadline)
    if model.width >= _JUMP_COLUMNS and first_limit < _JUMP_MIN_SECONDS:
        _feasibility_jump(highs, on=False)
        deadline.note(f"HiGHS's feasibility jump off: {seconds:.1f} s left")
    status, bound = highs_model.run(highs, first_limit)
    bound = _informative(bound, highs_model.trivial_bound(model, primary), status, deadline)
    if status in ("infeasible", "unknown"):
        return MilpResult(status, bound=bound)
    assignment = highs_model.chosen(model, highs.getSolution().col_value)
    value = float(highs.getInfo().objective_function_value)
    found_gap = 0.0 if status == "optimal" else _gap(value, bound)
    if tie_break and status == "optimal":
        better = _tie_break_direct(problem, model, highs, primary, value, deadline)
        assignment = better or assignment
    return _checked(problem, enabled, MilpResult(status, assignment, bound, found_gap))


def _feasibility_jump(highs: Any, *, on: bool) -> None:
    highs.setOptionValue("mip_heuristic_run_feasibility_jump", on)


def _informative(
    bound: float | None, trivial: float, status: MilpStatus, deadline: Deadline
) -> float | None:
    """``bound``, or ``None`` (noted as "no bound") when it says no more than ``trivial``."""
    if status in ("optimal", "infeasible"):
        return bound
    proven = highs_model.beyond_trivial(bound, trivial)
    if proven is None:
        deadline.note("no bound: HiGHS proved no bound beyond the trivial one in time")
    return proven


def _tie_break_direct(
    problem: Problem,
    model: highs_model.DirectModel,
    highs: Any,
    primary: np.ndarray,
    value: float,
    deadline: Deadline,
) -> dict[str, str] | None:
    """Among the optima of the objective, the cheapest; ``None`` if not found in time."""
    remaining = _solver_time(deadline)
    if remaining < _MIN_SOLVE:
        deadline.skip("tie-break", f"{deadline.left():.1f} s left")
        return None
    incumbent = highs.getSolution()
    slack = 0.5 if model.y else 1e-6 * max(1.0, abs(value))
    terms = np.flatnonzero(primary).astype(np.int32)
    highs.addRow(-math.inf, value + slack, len(terms), terms, primary[terms])
    width = model.width
    highs.changeColsCost(
        width, np.arange(width, dtype=np.int32), highs_model.total_costs(problem, model)
    )
    highs.setSolution(incumbent)  # still feasible: the search starts from it
    _feasibility_jump(highs, on=False)
    status, _ = highs_model.run(highs, remaining)
    if status not in ("optimal", "feasible"):
        deadline.note(f"tie-break found nothing in {remaining:.1f} s")
        return None
    return highs_model.chosen(model, highs.getSolution().col_value)


@dataclass
class Relaxation:
    """The LP relaxation kept in HiGHS after a dive, to re-optimise parts of a placement.

    ``placement`` is the dive's answer (``None`` when the dive reached a dead end: fixing a
    share to 0 or 1 both left the relaxation infeasible); ``root`` the relaxation's column
    values before the dive; :meth:`reoptimise` solves the MILP restricted to moving a few
    functions (large-neighbourhood search), reusing the model.
    """

    problem: Problem
    highs: Any
    columns: dict[str, list[tuple[str, int]]]
    placement: dict[str, str] | None
    root: np.ndarray
    _integer: bool = False

    def disagreeing(self, assignment: dict[str, str]) -> list[str]:
        """The functions ``assignment`` places where the relaxation does not place them
        whole (relaxation-induced neighbourhood)."""
        return [
            f
            for f, cols in self.columns.items()
            if not any(s == assignment[f] and self.root[i] >= 1.0 - _INTEGRAL for s, i in cols)
        ]

    def reoptimise(
        self, assignment: dict[str, str], free: set[str], time_limit: float | Deadline
    ) -> dict[str, str] | None:
        """The best placement HiGHS finds within ``time_limit`` (seconds, or a deadline on
        its own clock) that moves only the ``free`` functions of ``assignment`` (the others
        stay): the optimal one unless the time limit stops it first; ``None`` if it finds
        none."""
        highs = self.highs
        indices, lower, upper = [], [], []
        for f, cols in self.columns.items():
            for s, i in cols:
                indices.append(i)
                lower.append(0.0 if f in free or s != assignment[f] else 1.0)
                upper.append(1.0 if f in free or s == assignment[f] else 0.0)
        count = len(indices)
        index_array = np.array(indices, dtype=np.int32)
        if not self._integer:
            kinds = np.array([highspy.HighsVarType.kInteger] * count)
            highs.changeColsIntegrality(count, index_array, kinds)
            self._integer = True
        highs.changeColsBounds(count, index_array, np.array(lower), np.array(upper))
        highs_model.run_until(highs, _deadline(time_limit))
        solved = highs.getInfo().primal_solution_status
        if solved != highspy.SolutionStatus.kSolutionStatusFeasible:
            return None
        found = _chosen(self.columns, highs.getSolution().col_value)
        return found if not violations(self.problem, found) else None


def _chosen(columns: dict[str, list[tuple[str, int]]], values: Any) -> dict[str, str]:
    return {f: max((values[i], s) for s, i in cols)[1] for f, cols in columns.items()}


def _deadline(time_limit: float | Deadline) -> Deadline:
    """``time_limit`` as a deadline (seconds: on the wall clock, from now)."""
    return time_limit if isinstance(time_limit, Deadline) else Deadline(time_limit)


def relaxation_dive(problem: Problem, *, time_limit: float | Deadline) -> Relaxation | None:
    """The LP relaxation and a placement found by diving on it, or ``None``.

    Solve the relaxation; fix every function the relaxation places whole; fix the function
    with the largest fractional share to that site (if that leaves the relaxation infeasible,
    forbid the site instead); re-solve from the previous basis; repeat until every function
    is placed. Only for the objectives that add up function by function (the cost and
    core-use ones): ``None`` for the spread objectives, when the relaxation is infeasible or
    not solved within ``time_limit`` (seconds, or a deadline on its own clock, which every
    HiGHS run of the dive is then measured on). For min-edge-cost the total cost is added
    with a small weight, so that ties are broken the way the MILP breaks them. The heuristic
    starts its local search from this placement (see ``heuristic``).
    """
    deadline = _deadline(time_limit)
    relaxation = _solved_relaxation(problem, deadline)
    if relaxation is None:
        return None
    assignment = _dive(relaxation.columns, relaxation.highs, deadline)
    if assignment is not None and violations(problem, assignment):
        assignment = None
    relaxation.placement = assignment
    return relaxation


def restricted_relaxation(
    problem: Problem, sites: Mapping[str, frozenset[str]], *, time_limit: float | Deadline
) -> Relaxation | None:
    """The LP relaxation with each function ``f`` allowed only at ``sites[f]`` (within its
    domain), for :meth:`Relaxation.reoptimise` and :meth:`Relaxation.disagreeing`; no dive
    (``placement`` is ``None``). ``None`` as for :func:`relaxation_dive`.

    For problems too large for the whole relaxation within the heuristic's time (1000
    functions x 50 sites: 2.5-3 s of CPU for the LP alone): with each function at its 6
    likeliest sites and its current one (about 6,000 columns instead of 50,000) the LP
    takes 0.3-0.5 s, and the neighbourhoods where the heuristic's placement disagrees with
    it improve that placement the way the whole relaxation's do at 300 x 20."""
    kinds = {f: problem.kind_sites[f] & sites[f] for f in problem.functions}
    restricted = replace(problem, kind_sites=kinds)
    return _solved_relaxation(restricted, _deadline(time_limit))


def _solved_relaxation(problem: Problem, deadline: Deadline) -> Relaxation | None:
    objective = problem.request.objective
    if objective in (Objective.MIN_SPREAD, Objective.MAX_SPREAD):
        return None
    model = highs_model.build(problem, problem.all_groups, with_spread=False)
    if model is None:
        return None
    costs = highs_model.primary_costs(problem, model)
    if objective is Objective.MIN_EDGE_COST:  # core sites cost nothing at the edge
        costs = costs + _TIE_WEIGHT * highs_model.total_costs(problem, model)
    highs = highs_model.new_highs()
    highs_model.load(highs, model, costs, integral=False)
    if deadline.left() <= 0:  # building the model counts
        return None
    highs_model.run_until(highs, deadline)
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    root = np.array(highs.getSolution().col_value)
    return Relaxation(problem, highs, model.columns(problem), None, root)


def _dive(
    columns: dict[str, list[tuple[str, int]]], highs: Any, deadline: Deadline
) -> dict[str, str] | None:
    fixed: dict[str, str] = {}
    while deadline.left() > 0:
        values = highs.getSolution().col_value
        candidate: tuple[float, str, str, int] | None = None
        for f, cols in columns.items():
            if f in fixed:
                continue
            share, site, index = max((values[i], s, i) for s, i in cols)
            if share >= 1.0 - _INTEGRAL:
                fixed[f] = site
                highs.changeColBounds(index, 1.0, 1.0)
            elif candidate is None or share > candidate[0]:
                candidate = (share, f, site, index)
        if candidate is None:
            return fixed
        _, f, site, index = candidate
        highs.changeColBounds(index, 1.0, 1.0)
        highs_model.run_until(highs, deadline)
        if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            fixed[f] = site
            continue
        highs.changeColBounds(index, 0.0, 0.0)  # this site cannot work: forbid it
        highs_model.run_until(highs, deadline)
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
    return None


@dataclass
class _PulpModel:
    """The direct model's columns and rows handed to PuLP: one binary variable per column."""

    lp: pulp.LpProblem
    columns: list[Any]
    direct: highs_model.DirectModel

    def objective(self, costs: np.ndarray) -> Any:
        return pulp.LpAffineExpression(
            [(self.columns[i], float(costs[i])) for i in np.flatnonzero(costs)]
        )

    def assignment(self) -> dict[str, str]:
        return highs_model.chosen(self.direct, [var.value() or 0.0 for var in self.columns])


def _pulp_model(direct: highs_model.DirectModel) -> _PulpModel:
    """The same model as HiGHS gets (one formulation, :func:`highs_model.build`), for PuLP."""
    lp = pulp.LpProblem("placement", pulp.LpMinimize)
    columns = [_binary(lp, f"c_{i}") for i in range(direct.width)]
    rows = direct.rows
    ends = [*rows.starts[1:], len(rows.indices)]
    for begin, end, lower, upper in zip(rows.starts, ends, rows.lower, rows.upper, strict=True):
        row = pulp.LpAffineExpression(
            [
                (columns[j], v)
                for j, v in zip(rows.indices[begin:end], rows.values[begin:end], strict=True)
            ]
        )
        if lower == upper:
            lp += row == upper
            continue
        if math.isfinite(upper):
            lp += row <= upper
        if math.isfinite(lower):
            lp += row >= lower
    return _PulpModel(lp, columns, direct)


def _binary(lp: pulp.LpProblem, name: str) -> Any:
    """A binary variable of ``lp`` (``add_variable`` from PuLP 3.3, ``LpVariable`` before)."""
    add = getattr(lp, "add_variable", None)
    if add is not None:
        return add(name, cat=pulp.LpBinary)
    return pulp.LpVariable(name, cat=pulp.LpBinary)


def _tie_break(
    problem: Problem,
    model: _PulpModel,
    primary: Any,
    value: float,
    deadline: Deadline,
    engine: MilpEngine,
) -> dict[str, str] | None:
    """Among the optima of the objective, the cheapest; ``None`` if not found in time."""
    remaining = _solver_time(deadline)
    if remaining < _MIN_SOLVE:
        deadline.skip("tie-break", f"{deadline.left():.1f} s left")
        return None
    slack = 0.5 if model.direct.y else 1e-6 * max(1.0, abs(value))
    model.lp += primary <= value + slack
    model.lp.setObjective(model.objective(highs_model.total_costs(problem, model.direct)))
    status, _ = _run(model.lp, remaining, engine, warm=True)
    if status not in ("optimal", "feasible"):
        return None
    return model.assignment()


def _run(
    lp: pulp.LpProblem, time_limit: float, engine: MilpEngine, warm: bool = False
) -> tuple[MilpStatus, float | None]:
    """Solve ``lp``; the status and the proven lower bound of the minimised objective."""
    limit = max(time_limit, 0.1)
    bound = _run_highs(lp, limit) if engine == "highs-pulp" else _run_cbc(lp, limit, warm)
    statuses: dict[int, MilpStatus] = {
        pulp.LpSolutionOptimal: "optimal",
        pulp.LpSolutionIntegerFeasible: "feasible",
        pulp.LpSolutionInfeasible: "infeasible",
    }
    return statuses.get(lp.sol_status, "unknown"), bound


def _run_highs(lp: pulp.LpProblem, time_limit: float) -> float | None:
    solver = pulp.HiGHS(msg=False, timeLimit=time_limit, threads=1)
    lp.solve(solver)
    bound = float(lp.solverModel.getInfo().mip_dual_bound)
    return bound if math.isfinite(bound) else None


def _run_cbc(lp: pulp.LpProblem, time_limit: float, warm: bool) -> float | None:
    with tempfile.TemporaryDirectory(prefix="locus-cbc-") as tmp:
        log_path = Path(tmp) / "cbc.log"
        with warnings.catch_warnings():
            # PuLP 3.x flags the bundled CBC as going away in 4.0 (pyproject pins < 4)
            warnings.simplefilter("ignore", DeprecationWarning)
            solver = pulp.PULP_CBC_CMD(
                msg=False, timeLimit=time_limit, threads=1, logPath=str(log_path), warmStart=warm
            )
            lp.solve(solver)
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
    match = _BOUND.search(text)
    return float(match.group(1)) if match else None


def _gap(value: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    return abs(value - bound) / max(abs(value), 1e-9)

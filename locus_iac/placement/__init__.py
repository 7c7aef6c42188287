"""Placement: which core or edge site runs each VNF/KNF (seed §4.1.1.2).

Weighs the functions' compute and storage needs, the links' latency bounds and the cost of
each site; objectives: minimum edge cost, maximum core use, minimum or maximum spread, minimum
total cost. An exact MILP (PuLP + HiGHS) under a time limit, a greedy + local-search heuristic
for large inputs, explanations per function and, for infeasible requests, a smallest set of
conflicting constraints.
"""

from locus_iac.placement.conflicts import ConflictItem, PlacementInfeasible, find_conflict
from locus_iac.placement.demand import DEFAULT_POD
from locus_iac.placement.from_descriptors import request_from_descriptors, request_from_netslice
from locus_iac.placement.model import (
    SAP,
    FunctionDemand,
    FunctionKind,
    FunctionPlacement,
    LinkDemand,
    Objective,
    PlacementDecision,
    PlacementRequest,
    PlacementStatus,
    Reason,
)
from locus_iac.placement.problem import Group, GroupKind, Problem, compile_problem
from locus_iac.placement.solve import EXACT_LIMIT, PlacementNotFound, SolverChoice, place
from locus_iac.placement.verify import violations

__all__ = [
    "DEFAULT_POD",
    "EXACT_LIMIT",
    "SAP",
    "ConflictItem",
    "FunctionDemand",
    "FunctionKind",
    "FunctionPlacement",
    "Group",
    "GroupKind",
    "LinkDemand",
    "Objective",
    "PlacementDecision",
    "PlacementInfeasible",
    "PlacementNotFound",
    "PlacementRequest",
    "PlacementStatus",
    "Problem",
    "Reason",
    "SolverChoice",
    "compile_problem",
    "find_conflict",
    "place",
    "request_from_descriptors",
    "request_from_netslice",
    "violations",
]

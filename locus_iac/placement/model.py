"""Input and output of the placement optimiser (seed §4.1.1.2).

The request lists the functions of one NS (VNFs as VMs, KNFs as containers) with their
resources times instance count, the virtual links between them with latency bounds, and the
operator's pins, affinity and anti-affinity rules. The decision maps every function to one
site and says, for each, why it landed there.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from locus_iac.sites import Resources, SiteKind

SAP = "sap"
"""Link end that stands for the service access point (where the service's users are)."""

Identifier = Annotated[str, Field(min_length=1, max_length=255)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FunctionKind(StrEnum):
    """How a function is packaged: a VM (VDU based VNF) or containers (KDU based KNF)."""

    VM = "vm"
    CONTAINER = "container"

    @property
    def site_kind(self) -> SiteKind:
        """The only kind of site that can run this kind of function."""
        return SiteKind.OPENSTACK if self is FunctionKind.VM else SiteKind.KUBERNETES


class Objective(StrEnum):
    """What the optimiser minimises or maximises (seed §4.1.1.2).

    Ties on the objective are broken by the total hourly cost.
    """

    MIN_EDGE_COST = "min-edge-cost"
    """Minimise the hourly cost of resources used at edge sites."""
    MAX_CORE_USE = "max-core-use"
    """Maximise the share of the service's demand placed at core sites."""
    MIN_SPREAD = "min-spread"
    """Pack: minimise the number of sites the service uses."""
    MAX_SPREAD = "max-spread"
    """Spread: maximise the number of sites the service uses."""
    MIN_TOTAL_COST = "min-total-cost"
    """Minimise the hourly cost of all resources used."""

    @property
    def maximise(self) -> bool:
        return self in (Objective.MAX_CORE_USE, Objective.MAX_SPREAD)

    @property
    def unit(self) -> str:
        return {
            Objective.MIN_EDGE_COST: "cost/h at edge sites",
            Objective.MAX_CORE_USE: "share of demand at core sites",
            Objective.MIN_SPREAD: "sites used",
            Objective.MAX_SPREAD: "sites used",
            Objective.MIN_TOTAL_COST: "cost/h",
        }[self]


class FunctionDemand(_Frozen):
    """One VNF/KNF of the NS: every instance of it runs at the same site.

    ``id`` is the NSD vnf-profile id (``subnet/profile`` in a netslice) when built from
    descriptors; ``vnfd_id`` names the VNFD, for people.
    """

    id: Identifier
    kind: FunctionKind
    per_instance: Resources = Resources()
    instances: Annotated[int, Field(ge=1)] = 1
    vnfd_id: str | None = None

    @property
    def total(self) -> Resources:
        """Resources of all instances together."""
        return self.per_instance.scaled(self.instances)


class LinkDemand(_Frozen):
    """A virtual link between two functions, or between a function and the SAP ("sap")."""

    id: Identifier
    ends: tuple[Identifier, Identifier]
    max_latency_ms: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _distinct_ends(self) -> Self:
        if self.ends[0] == self.ends[1]:
            raise ValueError(f"link {self.id} connects {self.ends[0]} to itself")
        return self

    @property
    def to_sap(self) -> bool:
        """True when one end is the service access point."""
        return SAP in self.ends

    @property
    def function_ends(self) -> tuple[str, ...]:
        """The ends that are functions (one or two)."""
        return tuple(end for end in self.ends if end != SAP)


class PlacementRequest(_Frozen):
    """Everything the optimiser needs besides the sites.

    ``sap_site`` is the site closest to the service's users: links to ``"sap"`` are measured
    from it (without it, such links carry no latency constraint).
    """

    functions: tuple[FunctionDemand, ...]
    links: tuple[LinkDemand, ...] = ()
    pins: dict[Identifier, Identifier] = Field(default_factory=dict)
    affinity: tuple[tuple[Identifier, Identifier], ...] = ()
    anti_affinity: tuple[tuple[Identifier, Identifier], ...] = ()
    objective: Objective = Objective.MIN_TOTAL_COST
    sap_site: Identifier | None = None

    def function(self, function_id: str) -> FunctionDemand:
        for demand in self.functions:
            if demand.id == function_id:
                return demand
        raise KeyError(function_id)


SolverName = Literal["milp", "heuristic"]


class PlacementStatus(StrEnum):
    """How good the answer is."""

    OPTIMAL = "optimal"
    """Proven optimal by the MILP solver."""
    FEASIBLE = "feasible"
    """Satisfies every constraint; optimality not proven (time limit or heuristic)."""


class Reason(_Frozen):
    """One constraint or objective term that shaped a function's placement."""

    code: Literal["pin", "kind", "latency", "capacity", "affinity", "anti-affinity", "objective"]
    message: str


class FunctionPlacement(_Frozen):
    """Where one function goes and why."""

    function: str
    site: str
    reasons: tuple[Reason, ...] = ()

    @property
    def why(self) -> str:
        """The reasons as one line for a table."""
        return "; ".join(r.message for r in self.reasons)


class PlacementDecision(_Frozen):
    """The optimiser's answer."""

    assignment: dict[str, str]
    solver: SolverName
    objective: Objective
    objective_value: float
    total_cost: float
    optimality_gap: float | None
    status: PlacementStatus
    explanations: tuple[FunctionPlacement, ...] = ()
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = ()
    """How the time limit shaped the answer: phases skipped and why ("tie-break skipped:
    0.3 s left"), "no bound" when the MILP proved none in time."""

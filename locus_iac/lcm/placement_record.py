"""The placement decision of an instantiation as its operation occurrence keeps it
(``progress.placement`` of ``NsLcmOpOcc``, a locus extension): where each VNF profile went,
the objective and the solver, the reasons (the constraints that ruled the other sites out
and the objective term that kept it there) and the figures behind them: hourly cost per
function, latency of each link between the chosen sites, what each candidate site offered.

Built by :meth:`locus_iac.lcm.placing.PlacementChoice.record`; a plain immutable value (no
database), so the occurrence stores it with the rest of its progress and it outlives the
operation (the instance page shows it after the operation ended).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from locus_iac.placement import Objective, Reason


def _now() -> datetime:
    return datetime.now(tz=UTC)


class _Record(BaseModel):
    """Stored by attribute name, shown by the API in camelCase (``by_alias``)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )


class PlacedFunction(_Record):
    """Where one VNF profile went and why."""

    function: str = Field(description="the VNF profile id")
    vnfd_id: str | None = None
    site: str
    pinned: bool = Field(description="true: the request placed it there; false: the optimiser")
    hourly_cost: float = Field(description="its demand at the site's unit prices, per hour")
    reasons: tuple[Reason, ...] = ()


class LinkLatency(_Record):
    """A virtual link between two placed functions and the latency between their sites."""

    link: str
    ends: tuple[str, str]
    sites: tuple[str, str]
    latency_ms: float
    max_latency_ms: float | None = Field(default=None, description="the NSD's bound, if any")


class CandidateSite(_Record):
    """A site the optimiser could choose: what it had free and what a unit costs there."""

    name: str
    kind: str
    role: str
    free: dict[str, float] = Field(description="capacity less used and committed, by resource")
    unit_cost: dict[str, float] = Field(description="hourly cost of one unit, by resource")


class PlacementRecord(_Record):
    """The optimiser's decision for one NS instantiation, with its reasons and figures."""

    objective: Objective
    objective_unit: str
    objective_value: float
    total_cost: float = Field(description="hourly cost of every placed function")
    solver: str
    status: str = Field(description="optimal (proven) or feasible")
    optimality_gap: float | None = None
    solve_seconds: float = 0.0
    notes: tuple[str, ...] = Field(
        default=(), description="phases the time limit cut short, and why; 'no bound'"
    )
    functions: tuple[PlacedFunction, ...]
    links: tuple[LinkLatency, ...] = ()
    candidates: tuple[CandidateSite, ...] = ()
    decided_at: datetime = Field(default_factory=_now)

    def site_of(self, function: str) -> str | None:
        """The site chosen for VNF profile ``function`` (``None``: not in this decision)."""
        return next((f.site for f in self.functions if f.function == function), None)

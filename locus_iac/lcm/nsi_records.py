"""The netslice instance's durable records: its nested NSs and an occurrence's progress.

Both live as JSON in the catalogue rows (:mod:`locus_iac.catalogue.netslices`) and are
parsed back into these models wherever they are read, so no raw dict travels further.

* :class:`NestedNs` — one ``netslice-subnet`` of the NST: which NS instance realises it,
  whether it is shared (``is-shared-nss``) and whether this netslice only *reuses* a shared
  NS another netslice created, and the parameters it is instantiated with (including the
  netslice links that join it to the other subnets).
* :class:`NsiProgress` — the plan of one netslice operation: NS LCM operations on nested
  NSs, run one after the other; each records the NS occurrence it started and its state.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from locus_iac.lcm.states import LcmOperationState, LcmOperationType


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NestedNs(_Record):
    """One nested NS of a netslice instance (NST order)."""

    netslice_subnet_id: str
    nsd_id: str
    ns_instance_id: str | None = None
    shared: bool = False
    reused: bool = False
    params: dict[str, Any] = Field(
        default_factory=dict, description="its InstantiateNsRequest (JSON)"
    )


class NestedStep(_Record):
    """One NS LCM operation of a netslice operation's plan."""

    netslice_subnet_id: str
    ns_instance_id: str
    operation: LcmOperationType
    operation_params: dict[str, Any] = Field(default_factory=dict)
    ns_lcm_op_occ_id: str | None = None
    operation_state: LcmOperationState | None = None

    @property
    def done(self) -> bool:
        return self.operation_state is LcmOperationState.COMPLETED


class NsiProgress(_Record):
    """What a netslice operation does and how far it got."""

    current_step: str | None = None
    steps: tuple[NestedStep, ...] = ()
    kept: tuple[str, ...] = Field(
        default=(), description="shared nested NSs left running: other netslices use them"
    )

    def replaced(self, index: int, step: NestedStep) -> NsiProgress:
        steps = list(self.steps)
        steps[index] = step
        return self.model_copy(update={"steps": tuple(steps)})


def nested_of(raw: list[dict[str, Any]] | None) -> list[NestedNs]:
    return [NestedNs.model_validate(item) for item in raw or ()]


def progress_of(raw: dict[str, Any] | None) -> NsiProgress:
    return NsiProgress.model_validate(raw or {})

"""The NS LCM operation occurrence as a pure domain model (no database, no HTTP).

Mirrors the attributes of SOL005 v3.7.1 ``NsLcmOpOcc`` (clause 6.5.2.3) that the lifecycle
engine maintains — ``operationState``, ``stateEnteredTime``, ``startTime``, ``lcmOperationType``,
``isAutomaticInvocation``, ``operationParams``, ``isCancelPending``, ``cancelMode``, ``error`` —
plus the progress locus shows on top: current step, resource counts, the Pulumi progress
records, the Ansible task results and the placement decision with its reasons.

Every state change goes through :func:`locus_iac.lcm.states.transition`; the model is
immutable and each method returns a new occurrence, so a persistence layer can compare and
store it atomically.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from locus_iac.config.results import TaskResult
from locus_iac.engine.progress import ProgressRecord, ResourceCounts, StackProgress
from locus_iac.errors import Conflict
from locus_iac.lcm.placement_record import PlacementRecord
from locus_iac.lcm.states import LcmEvent, LcmOperationState, LcmOperationType, transition

_MAX_RECORDS = 2000
#: the steps a ``continue`` may skip: Ansible phases (see OperationOccurrence.continue_past)
SKIPPABLE_STEPS = ("day1:", "day2:", "terminate:")


def _now() -> datetime:
    return datetime.now(tz=UTC)


class CancelMode(StrEnum):
    """``CancelModeType`` (SOL005 v3.7.1 clause 6.5.4.7)."""

    GRACEFUL = "GRACEFUL"
    FORCEFUL = "FORCEFUL"


class OperationError(BaseModel):
    """The failure of an occurrence, shaped like SOL013 ``ProblemDetails`` (no HTTP status)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    detail: str


class OperationOccurrence(BaseModel):
    """One NS LCM operation occurrence (SOL005 v3.7.1 ``NsLcmOpOcc``, clause 6.5.2.3)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    ns_instance_id: str
    operation: LcmOperationType
    state: LcmOperationState = LcmOperationState.PROCESSING
    start_time: datetime = Field(default_factory=_now)
    state_entered_time: datetime = Field(default_factory=_now)
    is_automatic_invocation: bool = False
    operation_params: dict[str, Any] = Field(default_factory=dict)
    is_cancel_pending: bool = False
    cancel_mode: CancelMode | None = None
    error: OperationError | None = None
    current_step: str | None = None
    stack_progress: StackProgress = StackProgress()
    stack_records: list[ProgressRecord] = Field(default_factory=list)
    task_results: list[TaskResult] = Field(default_factory=list)
    dropped_records: int = Field(default=0, description="progress records beyond the cap")
    preview: ResourceCounts | None = Field(
        default=None, description="what the preview before ``up`` said would change"
    )
    placement: PlacementRecord | None = Field(
        default=None, description="the optimiser's decision (kept after the operation ends)"
    )
    outputs: dict[str, Any] | None = Field(
        default=None, description="the stack outputs after this operation's up (secrets masked)"
    )
    resume_after: str | None = Field(
        default=None,
        description="the failed step a ``continue`` goes past (SOL005 clause 6.4.13)",
    )

    def apply(
        self, event: LcmEvent, *, at: datetime | None = None, error: OperationError | None = None
    ) -> OperationOccurrence:
        """Move to the state ``event`` leads to (a Conflict if not allowed from here).

        An ``error`` is recorded on failures; leaving ``FAILED_TEMP`` through ``retry``,
        ``continue`` or ``rollback`` clears the previous error and restarts the progress view.
        """
        new_state = transition(self.state, event)
        restart = event in (LcmEvent.RETRY, LcmEvent.CONTINUE, LcmEvent.ROLLBACK)
        update: dict[str, Any] = {
            "state": new_state,
            "state_entered_time": at or _now(),
            # every transition ends a pending cancellation (cancelMode: present only while
            # isCancelPending is true)
            "is_cancel_pending": False,
            "cancel_mode": None,
        }
        if error is not None:
            update["error"] = error
        elif restart:
            update["error"] = None
        if restart:
            update["stack_progress"] = StackProgress()
            update["current_step"] = None
            # continue names the step it goes past (continue_past); retry/rollback re-run all
            update["resume_after"] = None
        return self.model_copy(update=update)

    def continue_past(self) -> OperationOccurrence:
        """SOL005 ``continue`` (clause 6.4.13): back to PROCESSING, skipping the step that
        failed. Only a configuration step (Day1, Day2, terminate primitives) can be skipped:
        nothing after a failed engine step can work on a half-applied stack (409: retry,
        roll back or fail it). The runner re-applies the steps before it (idempotent) and
        goes on after it (:func:`locus_iac.lcm.day12.skipped_by_continue`)."""
        step = self.current_step or ""
        if self.state is LcmOperationState.FAILED_TEMP and not step.startswith(SKIPPABLE_STEPS):
            raise Conflict(
                f"continue goes past a failed configuration step ({', '.join(SKIPPABLE_STEPS)}"
                f"...); operation occurrence {self.id} failed in step {step or 'unknown'!r}: "
                "retry, roll back or fail it"
            )
        moved = self.apply(LcmEvent.CONTINUE)
        return moved.model_copy(update={"resume_after": step})

    def request_cancel(self, mode: CancelMode) -> OperationOccurrence:
        """Mark a running occurrence as being cancelled (SOL005 clause 6.4.10).

        The worker finishes or aborts its current step, then applies ``LcmEvent.CANCEL``.
        """
        if not self.state.is_running:
            raise Conflict(
                f"cannot cancel an operation occurrence in state {self.state.value} "
                "(only PROCESSING or ROLLING_BACK)"
            )
        if self.is_cancel_pending:
            raise Conflict(f"a cancellation of operation occurrence {self.id} is already pending")
        return self.model_copy(update={"is_cancel_pending": True, "cancel_mode": mode})

    def with_step(self, step: str) -> OperationOccurrence:
        """Record the step the worker is in (e.g. ``preview``, ``up``, ``day1: configure``)."""
        return self.model_copy(update={"current_step": step})

    def with_stack_records(self, records: Iterable[ProgressRecord]) -> OperationOccurrence:
        """Add Pulumi progress records (kept up to a cap; counts are folded from all).

        A record that moves the engine's step (a resource started or failed) makes it the
        occurrence's step; otherwise the step stays what the worker said last (``day1: ...``
        after ``up``), so that ``continue`` sees the configuration step that failed."""
        progress = self.stack_progress
        kept = list(self.stack_records)
        dropped = self.dropped_records
        step = self.current_step
        for record in records:
            before = progress.current_step
            progress = progress.apply(record)
            if progress.current_step != before:
                step = progress.current_step
            if len(kept) < _MAX_RECORDS:
                kept.append(record)
            else:
                dropped += 1
        return self.model_copy(
            update={
                "stack_progress": progress,
                "stack_records": kept,
                "dropped_records": dropped,
                "current_step": step,
            }
        )

    def with_preview(self, counts: ResourceCounts) -> OperationOccurrence:
        """Attach the preview's summary (taken right before ``up``)."""
        return self.model_copy(update={"preview": counts})

    def with_placement(self, record: PlacementRecord) -> OperationOccurrence:
        """Keep the placement decision (a retry that places again replaces it)."""
        return self.model_copy(update={"placement": record})

    def with_outputs(self, outputs: dict[str, Any]) -> OperationOccurrence:
        """Keep the stack outputs of the last ``up`` (addresses for the console's topology)."""
        return self.model_copy(update={"outputs": outputs})

    def with_task_results(self, results: Iterable[TaskResult]) -> OperationOccurrence:
        """Add Ansible task results (Day1/Day2)."""
        return self.model_copy(update={"task_results": [*self.task_results, *results]})

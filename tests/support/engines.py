"""A :class:`locus_iac.engine.StackEngine` for tests: it records what it is asked, runs no
program, and its stack exports the outputs it is given (``None``: there is no stack)."""

from __future__ import annotations

from typing import Any

from locus_iac.engine import (
    OperationResult,
    Program,
    ProgressCallback,
    ResourceCounts,
    StackOutput,
    StackOutputs,
)
from locus_iac.errors import NotFound


class RecordingEngine:
    """Every call is appended to ``calls`` (``"up"``, ``"destroy"``, ...)."""

    def __init__(self, outputs: dict[str, Any] | None = None) -> None:
        self.stack_outputs = outputs
        self.calls: list[str] = []

    def _result(self, operation: str) -> OperationResult:
        self.calls.append(operation)
        return OperationResult(operation=operation, counts=ResourceCounts())

    def exists(self, ns_instance_id: str) -> bool:
        return self.stack_outputs is not None

    def preview(
        self,
        ns_instance_id: str,
        program: Program,
        on_progress: ProgressCallback | None = None,
        op_occ_id: str | None = None,
    ) -> OperationResult:
        return self._result("preview")

    def up(
        self,
        ns_instance_id: str,
        program: Program,
        on_progress: ProgressCallback | None = None,
        op_occ_id: str | None = None,
    ) -> OperationResult:
        return self._result("up")

    def refresh(
        self,
        ns_instance_id: str,
        on_progress: ProgressCallback | None = None,
        op_occ_id: str | None = None,
    ) -> OperationResult:
        return self._result("refresh")

    def destroy(
        self,
        ns_instance_id: str,
        on_progress: ProgressCallback | None = None,
        remove_stack: bool = True,
        op_occ_id: str | None = None,
    ) -> OperationResult:
        return self._result("destroy")

    def cancel(self, ns_instance_id: str) -> None:
        self.calls.append("cancel")

    def outputs(self, ns_instance_id: str) -> StackOutputs:
        self.calls.append("outputs")
        if self.stack_outputs is None:
            raise NotFound(f"no stack for NS instance {ns_instance_id}")
        values = {k: StackOutput(value=v) for k, v in self.stack_outputs.items()}
        return StackOutputs(values=values)

    def clear_pending_operations(self, ns_instance_id: str) -> int:
        self.calls.append("clear_pending_operations")
        return 0

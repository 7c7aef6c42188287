"""What the lifecycle needs of an infrastructure engine: :class:`StackEngine`.

The product's engine is :class:`locus_iac.engine.StackDriver` (Pulumi Automation API, one
stack per NS instance); the operation runner (:class:`locus_iac.lcm.operations.StackRunner`)
depends only on this protocol, so a test passes its own engine without casts.
"""

from __future__ import annotations

from typing import Protocol

from locus_iac.engine.driver import Program, ProgressCallback
from locus_iac.engine.results import OperationResult, StackOutputs


class StackEngine(Protocol):
    """Preview / up / refresh / destroy the stack of one NS instance; read its outputs;
    release what a crashed run left (lock, pending operations)."""

    def exists(self, ns_instance_id: str) -> bool:
        """Whether the NS instance has a stack at all."""
        ...

    def preview(
        self,
        ns_instance_id: str,
        program: Program,
        on_progress: ProgressCallback | None = None,
        op_occ_id: str | None = None,
    ) -> OperationResult: ...

    def up(
        self,
        ns_instance_id: str,
        program: Program,
        on_progress: ProgressCallback | None = None,
        op_occ_id: str | None = None,
    ) -> OperationResult: ...

    def refresh(
        self,
        ns_instance_id: str,
        on_progress: ProgressCallback | None = None,
        op_occ_id: str | None = None,
    ) -> OperationResult: ...

    def destroy(
        self,
        ns_instance_id: str,
        on_progress: ProgressCallback | None = None,
        remove_stack: bool = True,
        op_occ_id: str | None = None,
    ) -> OperationResult: ...

    def cancel(self, ns_instance_id: str) -> None: ...

    def outputs(self, ns_instance_id: str) -> StackOutputs: ...

    def clear_pending_operations(self, ns_instance_id: str) -> int: ...

"""Pulumi Automation API driver: one stack per NS instance in project ``locus-ns``.

Public API: :class:`StackEngine`, what the lifecycle needs of an engine, and the product's
:class:`StackDriver` (preview / up / refresh / destroy / cancel / outputs /
clear_pending_operations), :class:`EngineSettings` (backend, secrets, CLI location),
the typed progress records translated from engine events, and the operation results.
"""

from locus_iac.engine.driver import (
    PROJECT,
    Program,
    ProgressCallback,
    StackDriver,
    check_stack_name,
)
from locus_iac.engine.progress import (
    DiagnosticRecord,
    ProgressRecord,
    ResourceCounts,
    ResourceEvent,
    ResourceOp,
    ResourcePhase,
    StackProgress,
    SummaryRecord,
    translate_event,
)
from locus_iac.engine.protocol import StackEngine
from locus_iac.engine.results import OperationResult, PendingOperation, StackOutput, StackOutputs
from locus_iac.engine.settings import (
    ENGINE_ENV,
    EngineSettings,
    find_pulumi,
    load_or_create_passphrase,
)

__all__ = [
    "ENGINE_ENV",
    "PROJECT",
    "DiagnosticRecord",
    "EngineSettings",
    "OperationResult",
    "PendingOperation",
    "Program",
    "ProgressCallback",
    "ProgressRecord",
    "ResourceCounts",
    "ResourceEvent",
    "ResourceOp",
    "ResourcePhase",
    "StackDriver",
    "StackEngine",
    "StackOutput",
    "StackOutputs",
    "StackProgress",
    "SummaryRecord",
    "check_stack_name",
    "find_pulumi",
    "load_or_create_passphrase",
    "translate_event",
]

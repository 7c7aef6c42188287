"""Typed progress records translated from Pulumi engine events.

The Automation API streams ``EngineEvent`` objects (one per line of the engine's event log).
:func:`translate_event` turns each into at most one :class:`ProgressRecord` — a frozen
pydantic model that an NS LCM operation occurrence can store and show — and
:class:`StackProgress` folds those records into the current step and the per-operation
resource counts (created / updated / deleted / replaced / same).

Only Pulumi's own event classes are read here; nothing of them travels further.
Diagnostics keep Pulumi's masking of secret values (``[secret]``) and are cut to a bounded
length.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pulumi.automation import events as pe
from pydantic import BaseModel, ConfigDict, Field

_MAX_MESSAGE = 2000


class ResourceOp(StrEnum):
    """The step the engine takes on one resource (Pulumi ``OpType``, grouped)."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"
    SAME = "same"
    READ = "read"
    REFRESH = "refresh"
    IMPORT = "import"
    OTHER = "other"


_OP_MAP: dict[str, ResourceOp] = {
    "create": ResourceOp.CREATE,
    "update": ResourceOp.UPDATE,
    "delete": ResourceOp.DELETE,
    "replace": ResourceOp.REPLACE,
    "create-replacement": ResourceOp.REPLACE,
    "delete-replaced": ResourceOp.REPLACE,
    "same": ResourceOp.SAME,
    "read": ResourceOp.READ,
    "read-replacement": ResourceOp.READ,
    "refresh": ResourceOp.REFRESH,
    "import": ResourceOp.IMPORT,
    "import-replacement": ResourceOp.IMPORT,
}

#: Sub-steps of a replacement: reported as events, but counted once (as the ``replace`` step).
_REPLACE_SUBSTEPS = frozenset({"create-replacement", "delete-replaced"})


class ResourcePhase(StrEnum):
    """Where a resource step is: about to run, finished, or failed."""

    STARTED = "started"
    DONE = "done"
    FAILED = "failed"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sequence: int = Field(description="engine event sequence number (monotonic per run)")
    timestamp: datetime


class ResourceEvent(_Record):
    """One step on one resource (``ResourcePreEvent``/``ResOutputsEvent``/``ResOpFailedEvent``)."""

    kind: Literal["resource"] = "resource"
    urn: str
    type: str
    name: str
    op: ResourceOp
    raw_op: str = Field(description="Pulumi's own OpType value, e.g. create-replacement")
    phase: ResourcePhase
    planning: bool = Field(description="true during a preview: nothing was changed")


class DiagnosticRecord(_Record):
    """A message from the engine, a provider or the program (``DiagnosticEvent``)."""

    kind: Literal["diagnostic"] = "diagnostic"
    severity: str
    message: str
    urn: str | None = None


class SummaryRecord(_Record):
    """The engine's final counts for the run (``SummaryEvent``)."""

    kind: Literal["summary"] = "summary"
    resource_changes: dict[str, int]
    duration_seconds: int


ProgressRecord = Annotated[
    ResourceEvent | DiagnosticRecord | SummaryRecord, Field(discriminator="kind")
]


def _when(event: pe.EngineEvent) -> datetime:
    return datetime.fromtimestamp(event.timestamp, tz=UTC)


def _name_of(urn: str) -> str:
    """The logical name: the last ``::`` segment of a URN."""
    return urn.rsplit("::", 1)[-1]


def _resource(
    event: pe.EngineEvent, meta: pe.StepEventMetadata, phase: ResourcePhase, planning: bool
) -> ResourceEvent:
    raw_op = meta.op.value if isinstance(meta.op, pe.OpType) else str(meta.op)
    return ResourceEvent(
        sequence=event.sequence,
        timestamp=_when(event),
        urn=meta.urn,
        type=meta.type,
        name=_name_of(meta.urn),
        op=_OP_MAP.get(raw_op, ResourceOp.OTHER),
        raw_op=raw_op,
        phase=phase,
        planning=planning,
    )


def translate_event(event: pe.EngineEvent) -> ProgressRecord | None:
    """Translate one Pulumi engine event; events without progress meaning give ``None``.

    Ephemeral diagnostics (spinner updates) and stdout/prelude/cancel/policy events are
    dropped: the op occurrence shows resource steps, warnings/errors and the summary.
    """
    if event.resource_pre_event is not None:
        pre = event.resource_pre_event
        return _resource(event, pre.metadata, ResourcePhase.STARTED, bool(pre.planning))
    if event.res_outputs_event is not None:
        out = event.res_outputs_event
        return _resource(event, out.metadata, ResourcePhase.DONE, bool(out.planning))
    if event.res_op_failed_event is not None:
        return _resource(event, event.res_op_failed_event.metadata, ResourcePhase.FAILED, False)
    if event.diagnostic_event is not None:
        diag = event.diagnostic_event
        if diag.ephemeral or not diag.message.strip():
            return None
        return DiagnosticRecord(
            sequence=event.sequence,
            timestamp=_when(event),
            severity=diag.severity,
            message=diag.message.strip()[:_MAX_MESSAGE],
            urn=diag.urn or None,
        )
    if event.summary_event is not None:
        summary = event.summary_event
        changes = {
            (k.value if isinstance(k, pe.OpType) else str(k)): int(v)
            for k, v in summary.resource_changes.items()
        }
        return SummaryRecord(
            sequence=event.sequence,
            timestamp=_when(event),
            resource_changes=changes,
            duration_seconds=summary.duration_seconds,
        )
    return None


class ResourceCounts(BaseModel):
    """How many resources each kind of step has touched so far."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    created: int = 0
    updated: int = 0
    deleted: int = 0
    replaced: int = 0
    same: int = 0
    failed: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted + self.replaced

    @classmethod
    def from_summary(cls, changes: dict[str, int], failed: int = 0) -> ResourceCounts:
        return cls(
            created=changes.get("create", 0),
            updated=changes.get("update", 0),
            deleted=changes.get("delete", 0),
            replaced=changes.get("replace", 0),
            same=changes.get("same", 0),
            failed=failed,
        )


_COUNTER: dict[ResourceOp, str] = {
    ResourceOp.CREATE: "created",
    ResourceOp.UPDATE: "updated",
    ResourceOp.DELETE: "deleted",
    ResourceOp.REPLACE: "replaced",
    ResourceOp.SAME: "same",
}


class StackProgress(BaseModel):
    """Running view of one engine run: current step and counts (folded from records)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    current_step: str | None = None
    counts: ResourceCounts = ResourceCounts()
    finished: bool = False

    def apply(self, record: ProgressRecord) -> StackProgress:
        """Return the progress after ``record`` (records are applied in sequence order)."""
        if isinstance(record, SummaryRecord):
            counts = ResourceCounts.from_summary(record.resource_changes, self.counts.failed)
            return self.model_copy(update={"counts": counts, "finished": True})
        if not isinstance(record, ResourceEvent):
            return self
        step = f"{record.op.value} {record.type} {record.name}"
        if record.phase is ResourcePhase.STARTED:
            return self.model_copy(update={"current_step": step})
        if record.phase is ResourcePhase.FAILED:
            counts = self.counts.model_copy(update={"failed": self.counts.failed + 1})
            return self.model_copy(update={"counts": counts, "current_step": f"failed: {step}"})
        counter = _COUNTER.get(record.op)
        if counter is None or record.raw_op in _REPLACE_SUBSTEPS:
            return self
        counts = self.counts.model_copy(update={counter: getattr(self.counts, counter) + 1})
        return self.model_copy(update={"counts": counts})

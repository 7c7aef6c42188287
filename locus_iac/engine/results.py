"""Results of engine operations: resource counts, progress records and stack outputs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from locus_iac.engine.progress import ProgressRecord, ResourceCounts


class StackOutput(BaseModel):
    """One stack output; a secret one never shows its value in ``repr``/``str``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: Any = Field(repr=False)
    secret: bool = False

    def __repr__(self) -> str:
        shown = "[secret]" if self.secret else repr(self.value)
        return f"StackOutput(value={shown}, secret={self.secret})"

    __str__ = __repr__


class StackOutputs(BaseModel):
    """The outputs of a stack, by name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    values: dict[str, StackOutput] = Field(default_factory=dict)

    def get(self, name: str) -> Any:
        """The value of output ``name`` (``None`` if the stack has no such output)."""
        out = self.values.get(name)
        return None if out is None else out.value

    def public(self) -> dict[str, Any]:
        """Every output with secret values replaced by ``"[secret]"`` (safe to show/store)."""
        return {k: ("[secret]" if v.secret else v.value) for k, v in self.values.items()}


class OperationResult(BaseModel):
    """What one engine operation did."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operation: str
    counts: ResourceCounts
    records: list[ProgressRecord] = Field(default_factory=list)
    outputs: StackOutputs = Field(default_factory=StackOutputs)


class PendingOperation(BaseModel):
    """An operation the engine started but never finished (left by a crash mid-update)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(description="creating, updating, deleting, reading, importing")
    urn: str
    resource_type: str

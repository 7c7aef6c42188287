"""Translation of recorded Pulumi engine events into typed progress records."""

from __future__ import annotations

import json
from pathlib import Path

from pulumi.automation import events as pe

from locus_iac.engine import (
    DiagnosticRecord,
    ResourceCounts,
    ResourceEvent,
    ResourceOp,
    ResourcePhase,
    StackProgress,
    SummaryRecord,
    translate_event,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _recorded(name: str) -> list[pe.EngineEvent]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [pe.EngineEvent.from_json(json.loads(line)) for line in lines if line.strip()]


def _translated(name: str) -> list[ResourceEvent | DiagnosticRecord | SummaryRecord]:
    return [r for r in (translate_event(e) for e in _recorded(name)) if r is not None]


def test_prelude_ephemeral_and_cancel_events_are_dropped() -> None:
    records = _translated("up_events.jsonl")
    assert [r.sequence for r in records] == [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]


def test_resource_events_are_typed() -> None:
    records = _translated("up_events.jsonl")
    first = records[1]
    assert isinstance(first, ResourceEvent)
    assert (first.name, first.type, first.op, first.phase) == (
        "vdu-0",
        "locus:test:Box",
        ResourceOp.CREATE,
        ResourcePhase.STARTED,
    )
    assert first.timestamp.isoformat() == "2025-11-26T12:26:42+00:00"
    sub = records[4]
    assert isinstance(sub, ResourceEvent)
    assert (sub.op, sub.raw_op) == (ResourceOp.REPLACE, "create-replacement")
    failed = records[8]
    assert isinstance(failed, ResourceEvent) and failed.phase is ResourcePhase.FAILED


def test_diagnostics_keep_severity_and_pulumi_masking() -> None:
    diag = [r for r in _translated("up_events.jsonl") if isinstance(r, DiagnosticRecord)]
    assert len(diag) == 1
    assert diag[0].severity == "warning"
    assert diag[0].message == "warning: password [secret] was used"
    assert diag[0].urn is not None and diag[0].urn.endswith("::vdu-0")


def test_progress_folds_counts_step_and_summary() -> None:
    progress = StackProgress()
    seen_steps = []
    for record in _translated("up_events.jsonl")[:-1]:
        progress = progress.apply(record)
        seen_steps.append(progress.current_step)
    # live counts: two creates done, the replacement counted once, one failed delete
    assert progress.counts == ResourceCounts(created=2, replaced=1, failed=1)
    assert "create locus:test:Box vdu-0" in seen_steps
    assert progress.current_step == "failed: delete locus:test:Box gone"
    assert not progress.finished
    summary = _translated("up_events.jsonl")[-1]
    assert isinstance(summary, SummaryRecord)
    done = progress.apply(summary)
    assert done.finished
    assert done.counts == ResourceCounts(created=2, replaced=1, failed=1)
    assert done.counts.changed == 3


def test_records_serialise_as_a_discriminated_union() -> None:
    from pydantic import TypeAdapter

    from locus_iac.engine import ProgressRecord

    adapter = TypeAdapter(list[ProgressRecord])
    records = _translated("up_events.jsonl")
    again = adapter.validate_json(adapter.dump_json(records))
    assert again == records

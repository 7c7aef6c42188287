"""A :class:`locus_iac.lcm.runner.Reporter` for tests: it keeps everything it is told."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from locus_iac.config.results import TaskResult
from locus_iac.engine import ProgressRecord, ResourceCounts
from locus_iac.lcm.placement_record import PlacementRecord


class RecordingReporter:
    """Steps (engine runs included), engine records, preview summaries, task results and
    placement decisions."""

    def __init__(self) -> None:
        self.steps: list[str] = []
        self.records: list[ProgressRecord] = []
        self.previews: list[ResourceCounts] = []
        self.tasks: list[TaskResult] = []
        self.placements: list[PlacementRecord] = []
        self.outputs_seen: list[dict[str, Any]] = []

    def step(self, name: str) -> None:
        self.steps.append(name)

    def engine_run(self, name: str) -> None:
        self.steps.append(name)

    def stack_record(self, record: ProgressRecord) -> None:
        self.records.append(record)

    def preview(self, counts: ResourceCounts) -> None:
        self.previews.append(counts)

    def task_results(self, results: Iterable[TaskResult]) -> None:
        self.tasks.extend(results)

    def placement(self, record: PlacementRecord) -> None:
        self.placements.append(record)

    def outputs(self, values: dict[str, Any]) -> None:
        self.outputs_seen.append(values)

    def cancel_requested(self) -> bool:
        return False

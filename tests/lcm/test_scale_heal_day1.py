"""Day1 after SCALE and HEAL, and the VDU an ACTION targets, through the product's runner.

The cloud VNF (OpenStack, one VDU) from the catalogue; the engine is a stand-in whose ``up``
exports the management addresses of the VDU instances the spec asks for; ``run_day1`` is
recorded instead of reaching hosts (Day1 itself runs for real in
tests/lcm/test_vnf_day12_lifecycle.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.reporters import RecordingReporter

from locus_iac.catalogue import Database, PackageKind, SecretBox
from locus_iac.engine import OperationResult, ResourceCounts, StackOutput, StackOutputs
from locus_iac.errors import ValidationError
from locus_iac.lcm import operations
from locus_iac.lcm.operations import StackRunner
from locus_iac.lcm.runner import Job
from locus_iac.lcm.states import LcmOperationType

from .test_placing import EXAMPLES, _onboard, _vim

PROFILE = "1"
INSTANCE = {"vimAccountId": "core"}


class _Engine:
    """Exports ``cloud_vdu-<i>`` for every VDU instance of the last program's spec."""

    def __init__(self) -> None:
        self.count = 1

    def _result(self, operation: str) -> OperationResult:
        hosts = {f"cloud_vdu-{i}": f"10.0.0.{i + 10}" for i in range(self.count)}
        value = {PROFILE: hosts}
        outputs = StackOutputs(values={"management": StackOutput(value=value)})
        return OperationResult(operation=operation, counts=ResourceCounts(), outputs=outputs)

    def preview(self, *_: Any) -> OperationResult:
        return self._result("preview")

    def up(self, *_: Any) -> OperationResult:
        return self._result("up")

    def refresh(self, *_: Any) -> OperationResult:
        return self._result("refresh")

    def outputs(self, _stack: str) -> StackOutputs:
        return self._result("outputs").outputs


@pytest.fixture
def cloud_ns(db: Database, project: str, tmp_path: Path) -> str:
    _onboard(db, project, PackageKind.VNFD, EXAMPLES / "cloud_vnf")
    nsd = _onboard(db, project, PackageKind.NSD, EXAMPLES / "cloud_ns")
    _vim(db, SecretBox.from_data_dir(tmp_path / "keys"), project, "core")
    return nsd


@pytest.fixture
def day1_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    monkeypatch.setattr(operations, "run_day1", lambda *_args, only=None: calls.append(only))
    return calls


def _runner(db: Database, engine: _Engine, tmp_path: Path) -> StackRunner:
    box = SecretBox.from_data_dir(tmp_path / "keys")
    return StackRunner(db, box, engine, tmp_path / "data")  # type: ignore[arg-type]


def _job(project: str, nsd: str, op: LcmOperationType, params: dict[str, Any]) -> Job:
    return Job(
        op_occ_id=f"op-{op.value}",
        ns_instance_id="ns-1",
        project_id=project,
        nsd_id="cloud_ns",
        nsd_info_id=nsd,
        operation=op,
        operation_params=params,
        instance_params=INSTANCE,
    )


def _scale(to: int) -> dict[str, Any]:
    return {
        "scaleType": "SCALE_VNF",
        "scaleVnfData": [{"memberVnfIndex": PROFILE, "instances": to}],
    }


def test_scale_out_runs_day1_on_the_new_vdu_instances_only(
    db: Database, project: str, cloud_ns: str, tmp_path: Path, day1_calls: list[Any]
) -> None:
    engine = _Engine()
    runner = _runner(db, engine, tmp_path)
    engine.count = 3
    outcome = runner.run(
        _job(project, cloud_ns, LcmOperationType.SCALE, _scale(3)), RecordingReporter()
    )
    assert day1_calls == [{PROFILE: {"cloud_vdu-1", "cloud_vdu-2"}}]
    scaled = outcome.instance_params or {}
    assert scaled["additional_params"]["scale"] == {PROFILE: {"cloud_vdu": 3}}

    day1_calls.clear()  # scale in: nothing new, no Day1
    engine.count = 1
    runner.run(_job(project, cloud_ns, LcmOperationType.SCALE, _scale(1)), RecordingReporter())
    assert day1_calls == []


def test_heal_runs_day1_again_only_when_asked(
    db: Database, project: str, cloud_ns: str, tmp_path: Path, day1_calls: list[Any]
) -> None:
    runner = _runner(db, _Engine(), tmp_path)
    runner.run(_job(project, cloud_ns, LcmOperationType.HEAL, {}), RecordingReporter())
    assert day1_calls == []
    runner.run(
        _job(project, cloud_ns, LcmOperationType.HEAL, {"run-day1": True}), RecordingReporter()
    )
    assert day1_calls == [None]  # every profile, every host


def test_an_action_on_an_unknown_vdu_is_refused_before_ansible(
    db: Database, project: str, cloud_ns: str, tmp_path: Path
) -> None:
    runner = _runner(db, _Engine(), tmp_path)
    body = {
        "memberVnfIndex": PROFILE,
        "vduId": "no_such_vdu",
        "primitive": "health-check",
        "primitiveParameters": {},
    }
    with pytest.raises(ValidationError) as refused:
        runner.run(_job(project, cloud_ns, LcmOperationType.ACTION, body), RecordingReporter())
    assert [i.path for i in refused.value.issues] == ["/vdu_id"]

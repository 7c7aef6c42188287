"""Day1 after SCALE and HEAL, and the VDU and the timeout of an ACTION, through the product's
runner over real SSH.

Everything but the engine is the product, as in tests/lcm/test_vnf_day12_lifecycle.py: the
cloud VNF from the catalogue, the instance's key, the package's playbooks run by
ansible-runner, the task results the reporter receives. The engine double of that module
exports one management address per VDU instance the program declares, all on the one
namespace SSH host under their own inventory names (``cloud_vdu-0``, ``cloud_vdu-1``, ...):
the hosts named in the task results are the hosts a playbook ran on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.catalogue import onboard
from support.engines import RecordingEngine
from support.reporters import RecordingReporter

from locus_iac.catalogue import Database, PackageKind, SecretBox
from locus_iac.config.results import TaskStatus
from locus_iac.errors import PermanentError, ValidationError
from locus_iac.lcm.operations import StackRunner
from locus_iac.lcm.runner import Job
from locus_iac.lcm.states import LcmOperationType

from .test_placing import EXAMPLES, _vim
from .test_vnf_day12_lifecycle import (
    PROFILE,
    Day0Engine,
    VduHost,
    _job,
    box,
    onboard_cloud_ns,
    vdu,
)

__all__ = ["box", "vdu"]  # fixtures of test_vnf_day12_lifecycle used here

EDGE = "http://127.0.0.1:9001/"
SLOW_HEALTH_CHECK = """
- name: Take longer than the action allows.
  hosts: all
  gather_facts: false
  tasks:
    - name: Wait a minute.
      ansible.builtin.command: sleep 60
      changed_when: false
"""


def _scale(to: int) -> dict[str, Any]:
    return {
        "scaleType": "SCALE_VNF",
        "scaleVnfData": [{"memberVnfIndex": PROFILE, "vduId": "cloud_vdu", "instances": to}],
    }


def _instantiated(runner: StackRunner, project: str, nsd: str) -> dict[str, Any]:
    body = {"additionalParamsForNs": {"parameters": {PROFILE: {"edge_url": EDGE}}}}
    report = RecordingReporter()
    outcome = runner.run(_job(project, nsd, LcmOperationType.INSTANTIATE, body), report)
    assert {t.host for t in report.tasks} == {"cloud_vdu-0"}
    assert outcome.instance_params is not None
    return outcome.instance_params


def _hosts(report: RecordingReporter) -> set[str]:
    return {t.host for t in report.tasks}


def test_scale_out_runs_day1_on_the_new_vdu_instances_only(
    db: Database, project: str, box: SecretBox, vdu: VduHost, tmp_path: Path
) -> None:
    nsd = onboard_cloud_ns(db, project, box, tmp_path)
    runner = StackRunner(db, box, Day0Engine(vdu), tmp_path / "data")
    instance = _instantiated(runner, project, nsd)

    report = RecordingReporter()
    job = _job(project, nsd, LcmOperationType.SCALE, _scale(3), instance, "op-scale-out")
    scaled = runner.run(job, report).instance_params or {}
    assert scaled["additional_params"]["scale"] == {PROFILE: {"cloud_vdu": 3}}
    assert _hosts(report) == {"cloud_vdu-1", "cloud_vdu-2"}  # not cloud_vdu-0 again
    assert f"day1: {PROFILE}" in report.steps
    assert {t.status for t in report.tasks} <= {TaskStatus.OK, TaskStatus.CHANGED}

    report = RecordingReporter()  # scale in: nothing new, no Day1
    job = _job(project, nsd, LcmOperationType.SCALE, _scale(1), scaled, "op-scale-in")
    runner.run(job, report)
    assert report.tasks == [] and f"day1: {PROFILE}" not in report.steps


def test_heal_runs_day1_again_only_when_asked(
    db: Database, project: str, box: SecretBox, vdu: VduHost, tmp_path: Path
) -> None:
    nsd = onboard_cloud_ns(db, project, box, tmp_path)
    engine = Day0Engine(vdu)
    runner = StackRunner(db, box, engine, tmp_path / "data")
    instance = _instantiated(runner, project, nsd)

    report = RecordingReporter()
    runner.run(_job(project, nsd, LcmOperationType.HEAL, {}, instance, "op-heal"), report)
    assert engine.runs[-3:] == ["refresh", "preview", "up"]
    assert report.tasks == []

    report = RecordingReporter()
    job = _job(project, nsd, LcmOperationType.HEAL, {"run-day1": True}, instance, "op-heal-day1")
    runner.run(job, report)
    assert _hosts(report) == {"cloud_vdu-0"}  # every host of every profile


def test_an_action_on_a_named_vdu_runs_on_its_instances(
    db: Database, project: str, box: SecretBox, vdu: VduHost, tmp_path: Path
) -> None:
    nsd = onboard_cloud_ns(db, project, box, tmp_path)
    runner = StackRunner(db, box, Day0Engine(vdu), tmp_path / "data")
    instance = _instantiated(runner, project, nsd)
    job = _job(project, nsd, LcmOperationType.SCALE, _scale(2), instance, "op-scale")
    instance = runner.run(job, RecordingReporter()).instance_params or {}

    body = {
        "memberVnfIndex": PROFILE,
        "vduId": "cloud_vdu",
        "primitive": "set-edge-endpoint",
        "primitiveParameters": {"edge_url": "http://127.0.0.1:9002/"},
    }
    report = RecordingReporter()
    runner.run(_job(project, nsd, LcmOperationType.ACTION, body, instance, "op-action"), report)
    assert _hosts(report) == {"cloud_vdu-0", "cloud_vdu-1"}
    assert report.steps == [f"day2: {PROFILE} set-edge-endpoint", "done"]


def test_an_action_timeout_stops_its_playbook(
    db: Database, project: str, box: SecretBox, vdu: VduHost, tmp_path: Path
) -> None:
    """The request's ``timeout`` reaches ansible-runner: a playbook that would run a minute
    is stopped and the action fails naming the timeout."""
    nsd = onboard_cloud_ns(db, project, box, tmp_path, {"health-check.yml": SLOW_HEALTH_CHECK})
    runner = StackRunner(db, box, Day0Engine(vdu), tmp_path / "data")
    instance = _instantiated(runner, project, nsd)
    body = {"memberVnfIndex": PROFILE, "primitive": "health-check", "timeout": 3}
    job = _job(project, nsd, LcmOperationType.ACTION, body, instance, "op-slow")
    with pytest.raises(PermanentError, match=r"primitive health-check failed \(timeout"):
        runner.run(job, RecordingReporter())


# -- refused before Ansible: no host needed ---------------------------------------------------


def test_an_action_on_an_unknown_vdu_is_refused_before_ansible(
    db: Database, project: str, tmp_path: Path
) -> None:
    onboard(db, project, PackageKind.VNFD, EXAMPLES / "cloud_vnf")
    nsd = onboard(db, project, PackageKind.NSD, EXAMPLES / "cloud_ns")
    keys = SecretBox.from_data_dir(tmp_path / "keys")
    _vim(db, keys, project, "core")
    engine = RecordingEngine({"management": {PROFILE: {"cloud_vdu-0": "10.0.0.10"}}})
    runner = StackRunner(db, keys, engine, tmp_path / "data")
    body = {
        "memberVnfIndex": PROFILE,
        "vduId": "no_such_vdu",
        "primitive": "health-check",
        "primitiveParameters": {},
    }
    job = Job(
        op_occ_id="op-action",
        ns_instance_id="ns-1",
        project_id=project,
        nsd_id="cloud_ns",
        nsd_info_id=nsd,
        operation=LcmOperationType.ACTION,
        operation_params=body,
        instance_params={"vimAccountId": "core"},
    )
    report = RecordingReporter()
    with pytest.raises(ValidationError) as refused:
        runner.run(job, report)
    assert [i.path for i in refused.value.issues] == ["/vdu_id"]
    assert report.tasks == [] and engine.calls == ["outputs"]

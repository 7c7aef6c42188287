"""The smart functions against a real ``locus serve`` process (its operations carried out by
the file-controlled test runner of tests/lcm/runners.py, no engine): the NBI accepts their
scale and heal bodies, its occurrences keep the alert, and the cooldown and duplicate checks
read its real occurrence history (times, paging)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.lcm_server import COMMAND
from support.servers import locus_serve

from locus_iac.packages import archive_bytes, read_package
from locus_iac.smart import Alert, Autoscaler, Credentials, FaultManager, Outcome, Sol005Client

from .doubles import EXAMPLES, ROOT, alert

PASSWORD = "smart-pw"
OUT = dict(vnf_member_index="1", scaling_aspect="cloud_vdu_autoscale",
           scaling_policy="cpu_util_above_80", scaling_direction="out")  # fmt: skip


def _wait(client: Sol005Client, op_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        occ = client.op_occurrence(op_id)
        if occ["operationState"] not in ("PROCESSING", "ROLLING_BACK"):
            return occ
        time.sleep(0.1)
    raise AssertionError(f"{op_id} did not finish")


@pytest.fixture
def nbi(tmp_path: Path) -> Iterator[tuple[Sol005Client, str, Path]]:
    runner_dir = tmp_path / "runner"
    runner_dir.mkdir()
    env = {
        "LOCUS_ADMIN_PASSWORD": PASSWORD,
        "LOCUS_PAGE_SIZE": "2",
        "LOCUS_TEST_RUNNER_DIR": str(runner_dir),
        "LOCUS_LCM_POLL": "0.1",
        "LOCUS_LCM_GRACE": "2",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    with locus_serve(tmp_path / "data", env, command=COMMAND) as (url, _):
        client = Sol005Client(url, Credentials("admin", PASSWORD))
        token = httpx.post(
            f"{url}/admin/v1/tokens", json={"username": "admin", "password": PASSWORD}
        ).json()["id"]
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/gzip"}
        for path, folder in (
            ("/vnfpkgm/v1/vnf_packages_content", "cloud_vnf"),
            ("/nsd/v1/ns_descriptors_content", "cloud_ns"),
        ):
            data = archive_bytes(read_package(EXAMPLES / folder))
            assert httpx.post(url + path, content=data, headers=auth).status_code == 201
        body = {"nsdId": "cloud_ns", "nsName": "smart", "vimAccountId": "core"}
        created = httpx.post(
            f"{url}/nslcm/v1/ns_instances_content",
            json=body,
            headers={"Authorization": auth["Authorization"]},
        )
        assert created.status_code == 202, created.text
        assert _wait(client, created.json()["nsLcmOpOccId"])["operationState"] == "COMPLETED"
        yield client, created.json()["id"], runner_dir
        client.close()


def test_scale_out_through_the_real_nbi_then_cooldown_and_duplicate(
    nbi: tuple[Sol005Client, str, Path],
) -> None:
    client, ns, _ = nbi
    first = Alert.model_validate(alert("LocusScaleOut", ns, **OUT))
    acted = Autoscaler(client).handle(first)
    assert acted.outcome is Outcome.ACTED, acted.reason
    assert acted.op_occ_id is not None
    done = _wait(client, acted.op_occ_id)
    assert done["operationState"] == "COMPLETED"
    assert done["lcmOperationType"] == "SCALE"
    extra = done["operationParams"]["scale_vnf_data"][0]["additional_params"]
    assert extra["locusAlert"] == "LocusScaleOut"
    assert extra["locusAlertInstance"] == first.instance_key
    # a restarted autoscaler (a new object): the same firing is a duplicate, another firing
    # is inside the VNFD's 120 s cooldown, both read from the NBI's history (paged by 2)
    assert Autoscaler(client).handle(first).outcome is Outcome.DUPLICATE
    second = Alert.model_validate(alert("LocusScaleOut", ns, fingerprint="f2", **OUT))
    assert Autoscaler(client).handle(second).outcome is Outcome.COOLDOWN


def test_heal_through_the_real_nbi_and_a_failed_heal(nbi: tuple[Sol005Client, str, Path]) -> None:
    client, ns, runner_dir = nbi
    down = Alert.model_validate(
        alert("LocusTargetDown", ns, vnf_member_index="1", vdu_id="cloud_vdu")
    )
    faults = FaultManager(client, poll_seconds=0.1, timeout_seconds=60)
    (runner_dir / "fail").write_text("")
    acted = faults.handle(down)
    assert acted.outcome is Outcome.ACTED, acted.reason
    assert acted.op_occ_id is not None
    decisions = faults.follow(down, acted.op_occ_id)
    assert [d.outcome for d in decisions] == [Outcome.HEAL_FAILED, Outcome.REPLACE_UNAVAILABLE]
    occ = client.op_occurrence(acted.op_occ_id)
    assert occ["lcmOperationType"] == "HEAL"
    assert occ["operationParams"]["additional_params_for_ns"]["locusAlert"] == "LocusTargetDown"

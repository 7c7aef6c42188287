"""NS update and continue through the API (SOL005 clauses 6.4.5 and 6.4.13).

The operations are carried out by the file-controlled test runner of tests/lcm/runners.py (no
engine); the request checks against the NSD and the sites, the states, 409s, rollback and
continue are the real ones. The product's runner is exercised on the testbed
(tests/testbed/test_ns_update.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .harness import Api
from .test_nslcm import BASE, assert_conflict, create, occ, start, wait_until
from .test_nslcm import nsd as nsd  # the cloud NSD fixture (re-exported for pytest)

VIM = {
    "name": "core",
    "vim_url": "https://keystone.example:5000/v3",
    "vim_tenant_name": "locus",
    "vim_user": "mano",
    "vim_password": "s3cr3t-pw",
}
ADD = {"updateType": "ADD_VNF", "instantiateVnfData": [{"vnfProfileId": "1"}]}


@pytest.fixture
def instantiated(lcm_api: Api, nsd: str) -> str:
    registered = lcm_api.post("/admin/v1/vim_accounts?check=false", json=VIM)
    assert registered.status_code == 201, registered.text
    ns = create(lcm_api, nsd)
    wait_until(lcm_api, start(lcm_api, ns, "instantiate"), state="COMPLETED")
    return ns


def _errors(response: Any, status: int = 422) -> list[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["path"] for e in response.json()["errors"]]


def test_update_is_an_update_occurrence_with_sol005_params(lcm_api: Api, instantiated: str) -> None:
    op = start(lcm_api, instantiated, "update", ADD)
    done = wait_until(lcm_api, op, state="COMPLETED")
    assert done["lcmOperationType"] == "UPDATE"
    assert done["operationParams"] == ADD
    assert done["nsInstanceId"] == instantiated


def test_update_needs_an_instantiated_ns(lcm_api: Api, nsd: str) -> None:
    ns = create(lcm_api, nsd, "idle")
    response = lcm_api.post(f"{BASE}/ns_instances/{ns}/update", json=ADD)
    assert_conflict(response, "UPDATE", "NOT_INSTANTIATED")
    missing = lcm_api.post(f"{BASE}/ns_instances/nope/update", json=ADD)
    assert missing.status_code == 404


def test_unsupported_update_types_name_the_type(lcm_api: Api, instantiated: str) -> None:
    body = {"updateType": "MOVE_VNF", "moveVnfInstanceData": [{"targetNsInstanceId": "x"}]}
    response = lcm_api.post(f"{BASE}/ns_instances/{instantiated}/update", json=body)
    assert _errors(response) == ["/updateType"]
    assert "MOVE_VNF" in response.text
    unknown = lcm_api.post(f"{BASE}/ns_instances/{instantiated}/update", json={"updateType": "X"})
    assert unknown.status_code in (400, 422), unknown.text


def test_update_is_checked_against_the_nsd_and_the_sites(lcm_api: Api, instantiated: str) -> None:
    url = f"{BASE}/ns_instances/{instantiated}/update"
    bad_profile = {"updateType": "ADD_VNF", "instantiateVnfData": [{"vnfProfileId": "9"}]}
    assert _errors(lcm_api.post(url, json=bad_profile)) == ["/instantiateVnfData/0/vnfProfileId"]
    site = {"vnfProfileId": "1", "additionalParams": {"site": "mars"}}
    bad_site = {"updateType": "ADD_VNF", "instantiateVnfData": [site]}
    pointers = _errors(lcm_api.post(url, json=bad_site))
    assert pointers == ["/instantiateVnfData/0/additionalParams/site"]
    flavour = {"updateType": "CHANGE_NS_DF", "changeNsFlavourData": {"newNsFlavourId": "x"}}
    assert _errors(lcm_api.post(url, json=flavour)) == ["/changeNsFlavourData/newNsFlavourId"]
    remove = {"updateType": "REMOVE_VNF", "removeVnfInstanceId": ["7"]}
    assert _errors(lcm_api.post(url, json=remove)) == ["/removeVnfInstanceId/0"]
    # nothing was accepted: the NS instance is free
    assert lcm_api.get(f"{BASE}/ns_instances/{instantiated}").json()["currentLcmOpOccId"] is None


def test_a_failed_update_rolls_back(lcm_api: Api, instantiated: str, runner_dir: Path) -> None:
    (runner_dir / "fail").write_text("")
    op = start(lcm_api, instantiated, "update", ADD)
    failed = wait_until(lcm_api, op, state="FAILED_TEMP")
    assert "rollback" in failed["_links"]
    (runner_dir / "fail").unlink()
    response = lcm_api.post(f"{BASE}/ns_lcm_op_occs/{op}/rollback")
    assert response.status_code == 202, response.text
    wait_until(lcm_api, op, state="ROLLED_BACK")
    assert (runner_dir / "rollbacks").read_text().split() == [op]
    assert lcm_api.get(f"{BASE}/ns_instances/{instantiated}").json()["nsState"] == "INSTANTIATED"


def test_continue_goes_past_a_failed_configuration_step(
    lcm_api: Api, instantiated: str, runner_dir: Path
) -> None:
    (runner_dir / "fail-step").write_text("day1: 1")
    op = start(lcm_api, instantiated, "update", ADD)
    failed = wait_until(lcm_api, op, state="FAILED_TEMP")
    assert failed["progress"]["currentStep"] == "day1: 1"
    assert "continue" in failed["_links"]
    response = lcm_api.post(f"{BASE}/ns_lcm_op_occs/{op}/continue")
    assert response.status_code == 202, response.text
    assert response.json()["operationState"] == "PROCESSING"
    wait_until(lcm_api, op, state="COMPLETED")
    assert (runner_dir / f"{op}.continued").read_text() == "day1: 1"


def test_continue_past_an_engine_step_is_refused(
    lcm_api: Api, instantiated: str, runner_dir: Path
) -> None:
    (runner_dir / "fail-step").write_text("up")
    op = start(lcm_api, instantiated, "update", ADD)
    wait_until(lcm_api, op, state="FAILED_TEMP")
    response = lcm_api.post(f"{BASE}/ns_lcm_op_occs/{op}/continue")
    assert_conflict(response, "continue", "'up'", "retry")
    assert occ(lcm_api, op)["operationState"] == "FAILED_TEMP"
    done = lcm_api.post(f"{BASE}/ns_lcm_op_occs/{op}/continue")  # still refused, nothing moved
    assert done.status_code == 409
    finished = lcm_api.post(f"{BASE}/ns_lcm_op_occs/{op}/fail")
    assert finished.status_code == 200, finished.text


def test_continue_of_a_completed_occurrence_is_a_conflict(lcm_api: Api, instantiated: str) -> None:
    op = start(lcm_api, instantiated, "update", ADD)
    wait_until(lcm_api, op, state="COMPLETED")
    assert_conflict(lcm_api.post(f"{BASE}/ns_lcm_op_occs/{op}/continue"), "COMPLETED")

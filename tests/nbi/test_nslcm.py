"""NS lifecycle through the API (Annex B.4, SOL005 clause 6): states, 409s, concurrency, crash,
and the bodies against the TST010 JSON schemas.

The operation runner is the file-controlled test runner of tests/lcm/runners.py, given to the
app factory (``create_app(runner=FILE_RUNNER)``): these tests need no Pulumi engine; worker
processes, the durable queue and recovery are the real ones.
"""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator
from lcm.runners import FILE_RUNNER
from referencing import Registry
from referencing.jsonschema import DRAFT7

from locus_iac.catalogue.instances import NsInstanceRow
from locus_iac.engine import (
    DiagnosticRecord,
    ProgressRecord,
    ResourceEvent,
    ResourceOp,
    ResourcePhase,
    SummaryRecord,
)
from locus_iac.lcm import queue
from locus_iac.lcm.settings import LcmSettings
from locus_iac.lcm.states import LcmOperationType
from locus_iac.lcm.supervisor import spawn_worker
from locus_iac.nbi import Settings, create_app

from .harness import CONFORMANCE, GZ, Api, login

BASE = "/nslcm/v1"
DEADLINE = 60.0


@pytest.fixture
def nsd(lcm_api: Api, example_packages: dict[str, bytes]) -> str:
    """The cloud NSD of the exemplary service (its VNF declares Day2 primitives)."""
    for base, coll, content, name in (
        ("/vnfpkgm/v1", "vnf_packages", "package_content", "cloud_vnf"),
        ("/nsd/v1", "ns_descriptors", "nsd_content", "cloud_ns"),
    ):
        created = lcm_api.post(f"{base}/{coll}", json={})
        assert created.status_code == 201, created.text
        url = f"{base}/{coll}/{created.json()['id']}/{content}"
        uploaded = lcm_api.put(url, content=example_packages[name], headers=GZ)
        assert uploaded.status_code == 201, uploaded.text
    return "cloud_ns"


def create(api: Api, nsd: str, name: str = "ns") -> str:
    response = api.post(f"{BASE}/ns_instances", json={"nsdId": nsd, "nsName": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def start(api: Api, ns: str, op: str, body: dict[str, Any] | None = None) -> str:
    response = api.post(f"{BASE}/ns_instances/{ns}/{op}", json=body or {})
    assert response.status_code == 202, response.text
    op_id = str(response.json()["nsLcmOpOccId"])
    assert response.headers["Location"].endswith(f"{BASE}/ns_lcm_op_occs/{op_id}")
    return op_id


def occ(api: Api, op: str) -> dict[str, Any]:
    response = api.get(f"{BASE}/ns_lcm_op_occs/{op}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_until(
    api: Api, op: str, *, state: str | None = None, step: str | None = None
) -> dict[str, Any]:
    end = time.monotonic() + DEADLINE
    while True:
        body = occ(api, op)
        if (state is None or body["operationState"] == state) and (
            step is None or body["progress"]["currentStep"] == step
        ):
            return body
        if time.monotonic() > end:
            raise AssertionError(f"{op} never reached state={state} step={step}: {body}")
        time.sleep(0.05)


def ns_state(api: Api, ns: str) -> str:
    return str(api.get(f"{BASE}/ns_instances/{ns}").json()["nsState"])


def assert_conflict(response: Any, *words: str) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    for word in words:
        assert word in response.json()["detail"]


SCALE = {"scaleType": "SCALE_VNF", "scaleVnfData": [{"memberVnfIndex": "1", "instances": 3}]}
ACTION = {
    "member_vnf_index": "1",
    "primitive": "set-edge-endpoint",
    "primitive_params": {"edge_url": "http://edge.example:8080"},
}


def test_create_read_delete(lcm_api: Api, nsd: str) -> None:
    response = lcm_api.post(f"{BASE}/ns_instances", json={"nsdId": nsd, "nsName": "a"})
    assert response.status_code == 201
    ns = response.json()
    assert ns["nsState"] == "NOT_INSTANTIATED" and ns["nsdId"] == "cloud_ns"
    assert response.headers["Location"].endswith(f"{BASE}/ns_instances/{ns['id']}")
    assert "instantiate" in ns["_links"]
    assert [i["id"] for i in lcm_api.get(f"{BASE}/ns_instances").json()] == [ns["id"]]
    assert lcm_api.delete(f"{BASE}/ns_instances/{ns['id']}").status_code == 204
    assert lcm_api.get(f"{BASE}/ns_instances/{ns['id']}").status_code == 404


def test_unknown_nsd_is_422_at_nsd_id(lcm_api: Api) -> None:
    response = lcm_api.post(f"{BASE}/ns_instances", json={"nsdId": "nope", "nsName": "a"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "/nsdId"


@pytest.mark.parametrize(
    ("op", "body"),
    [("scale", SCALE), ("action", ACTION), ("heal", {}), ("terminate", {})],
)
def test_operations_need_an_instantiated_instance(
    lcm_api: Api, nsd: str, op: str, body: dict[str, Any]
) -> None:
    ns = create(lcm_api, nsd)
    response = lcm_api.post(f"{BASE}/ns_instances/{ns}/{op}", json=body)
    assert_conflict(response, "NOT_INSTANTIATED", "needs INSTANTIATED")
    assert lcm_api.get(f"{BASE}/ns_lcm_op_occs").json() == []


def test_whole_lifecycle_and_the_409_of_a_busy_instance(
    lcm_api: Api, nsd: str, runner_dir: Path
) -> None:
    (runner_dir / "block").touch()
    ns = create(lcm_api, nsd)
    first = start(lcm_api, ns, "instantiate", {"additionalParamsForNs": {"placement": {"1": "x"}}})
    body = wait_until(lcm_api, first, step="blocked")
    assert body["operationState"] == "PROCESSING" and body["lcmOperationType"] == "INSTANTIATE"
    assert body["operationParams"]["additionalParamsForNs"]["placement"] == {"1": "x"}
    assert_conflict(lcm_api.post(f"{BASE}/ns_instances/{ns}/instantiate", json={}), first)
    assert_conflict(lcm_api.post(f"{BASE}/ns_instances/{ns}/terminate", json={}), first)
    assert_conflict(lcm_api.delete(f"{BASE}/ns_instances/{ns}"), first)
    for task in ("retry", "rollback", "fail"):
        assert_conflict(lcm_api.post(f"{BASE}/ns_lcm_op_occs/{first}/{task}"), "PROCESSING")
    assert lcm_api.get(f"{BASE}/ns_instances/{ns}").json()["currentLcmOpOccId"] == first

    (runner_dir / "block").unlink()
    done = wait_until(lcm_api, first, state="COMPLETED")
    assert done["progress"]["currentStep"] == "done"
    assert ns_state(lcm_api, ns) == "INSTANTIATED"
    assert_conflict(lcm_api.post(f"{BASE}/ns_instances/{ns}/instantiate", json={}), "INSTANTIATED")
    for op, body_ in (("scale", SCALE), ("action", ACTION), ("heal", {})):
        wait_until(lcm_api, start(lcm_api, ns, op, body_), state="COMPLETED")
    assert_conflict(lcm_api.delete(f"{BASE}/ns_instances/{ns}"), "terminate it")
    wait_until(lcm_api, start(lcm_api, ns, "terminate"), state="COMPLETED")
    assert ns_state(lcm_api, ns) == "NOT_INSTANTIATED"
    ops = lcm_api.get(f"{BASE}/ns_lcm_op_occs", params={"nsInstanceId": ns}).json()
    assert [o["lcmOperationType"] for o in ops] == [
        "INSTANTIATE",
        "SCALE",
        "ACTION",
        "HEAL",
        "TERMINATE",
    ]
    assert lcm_api.delete(f"{BASE}/ns_instances/{ns}").status_code == 204


def test_two_instances_run_in_parallel(lcm_api: Api, nsd: str, runner_dir: Path) -> None:
    (runner_dir / "block").touch()
    op_a = start(lcm_api, create(lcm_api, nsd, "a"), "instantiate")
    op_b = start(lcm_api, create(lcm_api, nsd, "b"), "instantiate")
    wait_until(lcm_api, op_a, step="blocked")
    wait_until(lcm_api, op_b, step="blocked")  # both blocked at once: two live workers
    pid_a = (runner_dir / f"{op_a}.1.pid").read_text()
    pid_b = (runner_dir / f"{op_b}.1.pid").read_text()
    assert pid_a != pid_b and str(os.getpid()) not in (pid_a, pid_b)
    (runner_dir / "block").unlink()
    wait_until(lcm_api, op_a, state="COMPLETED")
    wait_until(lcm_api, op_b, state="COMPLETED")


def test_content_creates_and_instantiates(lcm_api: Api, nsd: str) -> None:
    response = lcm_api.post(f"{BASE}/ns_instances_content", json={"nsdId": nsd, "nsName": "c"})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["id"] == body["nsInstanceId"]
    assert body["nslcmop_id"] == body["nsLcmOpOccId"]
    wait_until(lcm_api, body["nsLcmOpOccId"], state="COMPLETED")
    assert ns_state(lcm_api, body["id"]) == "INSTANTIATED"


def test_failure_retry_rollback_fail(lcm_api: Api, nsd: str, runner_dir: Path) -> None:
    (runner_dir / "fail").touch()
    ns = create(lcm_api, nsd)
    op = start(lcm_api, ns, "instantiate")
    failed = wait_until(lcm_api, op, state="FAILED_TEMP")
    assert "failed on purpose" in failed["error"]["detail"]
    assert failed["error"]["status"] == 500  # SOL013 ProblemDetails (a PermanentError)
    assert {"retry", "rollback", "fail"} <= set(failed["_links"])
    retried = lcm_api.post(f"{BASE}/ns_lcm_op_occs/{op}/retry")
    assert retried.status_code == 202
    wait_until(lcm_api, op, state="FAILED_TEMP")
    assert lcm_api.post(f"{BASE}/ns_lcm_op_occs/{op}/rollback").status_code == 202
    rolled = wait_until(lcm_api, op, state="ROLLED_BACK")
    assert rolled["progress"]["currentStep"] == "rollback"
    assert (runner_dir / "rollbacks").read_text().split() == [op]
    assert ns_state(lcm_api, ns) == "NOT_INSTANTIATED"
    assert_conflict(lcm_api.post(f"{BASE}/ns_lcm_op_occs/{op}/fail"), "ROLLED_BACK")

    second = start(lcm_api, ns, "instantiate")
    wait_until(lcm_api, second, state="FAILED_TEMP")
    response = lcm_api.post(f"{BASE}/ns_lcm_op_occs/{second}/fail")
    assert response.status_code == 200 and response.json()["operationState"] == "FAILED"
    assert lcm_api.get(f"{BASE}/ns_instances/{ns}").json()["currentLcmOpOccId"] is None


def test_cancel_of_a_running_operation(lcm_api: Api, nsd: str, runner_dir: Path) -> None:
    (runner_dir / "block").touch()
    op = start(lcm_api, create(lcm_api, nsd), "instantiate")
    wait_until(lcm_api, op, step="blocked")
    response = lcm_api.post(f"{BASE}/ns_lcm_op_occs/{op}/cancel")
    assert response.status_code == 202
    assert response.json()["isCancelPending"] is True
    cancelled = wait_until(lcm_api, op, state="FAILED_TEMP")
    assert cancelled["error"]["title"] == "Cancelled"


def test_killed_worker_then_retry_completes(
    lcm_api: Api, app: FastAPI, nsd: str, runner_dir: Path
) -> None:
    (runner_dir / "block").touch()
    ns = create(lcm_api, nsd)
    op = start(lcm_api, ns, "instantiate")
    wait_until(lcm_api, op, step="blocked")
    pid = app.state.lcm.worker_pids()[op]
    os.kill(pid, signal.SIGKILL)
    failed = wait_until(lcm_api, op, state="FAILED_TEMP")
    assert str(pid) in failed["error"]["detail"]
    (runner_dir / "block").unlink()
    assert lcm_api.post(f"{BASE}/ns_lcm_op_occs/{op}/retry").status_code == 202
    wait_until(lcm_api, op, state="COMPLETED")
    assert ns_state(lcm_api, ns) == "INSTANTIATED"


def test_start_up_recovers_an_operation_of_a_crashed_server(
    runner_dir: Path, settings: Settings, nsd: str, lcm_api: Api
) -> None:
    """A worker of a previous server killed mid-run: the next start-up makes it FAILED_TEMP."""
    (runner_dir / "block").touch()
    ns = create(lcm_api, nsd)
    svc = lcm_api.client.app.state.services  # type: ignore[attr-defined]
    with svc.db.session() as session:  # queued and claimed as the crashed server had done
        project = _project_of(lcm_api, ns)
        op = queue.start_operation(session, project, ns, LcmOperationType.INSTANTIATE, {}).id
        assert queue.claim(session, op, "crashed-server")
    lcm = LcmSettings.from_env(settings.url, settings.data_dir)
    worker = spawn_worker(lcm, FILE_RUNNER, op, "crashed-server")
    wait_until(lcm_api, op, step="blocked")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    assert occ(lcm_api, op)["operationState"] == "PROCESSING"  # nobody knows yet

    (runner_dir / "block").unlink()
    restarted = create_app(settings, runner=FILE_RUNNER)
    with TestClient(restarted, raise_server_exceptions=False) as client:  # restart
        api = Api(client, login(client))
        recovered = occ(api, op)
        assert recovered["operationState"] == "FAILED_TEMP"
        assert recovered["error"]["title"] == "Interrupted"
        assert (runner_dir / "recovered").read_text().split() == [ns]
        assert api.post(f"{BASE}/ns_lcm_op_occs/{op}/retry").status_code == 202
        wait_until(api, op, state="COMPLETED")


def _project_of(api: Api, ns: str) -> str:
    svc = api.client.app.state.services  # type: ignore[attr-defined]
    with svc.db.session(readonly=True) as session:
        row = session.get(NsInstanceRow, ns)
        assert row is not None
        return str(row.project_id)


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        (
            {"member_vnf_index": "9", "primitive": "health-check"},
            "/member_vnf_index",
            "unknown-profile",
        ),
        ({"member_vnf_index": "1", "primitive": "reboot"}, "/primitive", "unknown-primitive"),
        (
            {"member_vnf_index": "1", "primitive": "set-edge-endpoint"},
            "/primitive_params/edge_url",
            "missing-parameter",
        ),
        (
            {
                "member_vnf_index": "1",
                "primitive": "set-edge-endpoint",
                "primitive_params": {"edge_url": "u", "bogus": 1},
            },
            "/primitive_params/bogus",
            "unknown-parameter",
        ),
        (
            {"member_vnf_index": "1", "vdu_id": "no_such_vdu", "primitive": "health-check"},
            "/vdu_id",
            "unknown-vdu",
        ),
        (  # OSM's kdu_name must name a KDU (the cloud VNF has only a VDU)
            {"member_vnf_index": "1", "kdu_name": "cloud-vdu", "primitive": "health-check"},
            "/kdu_name",
            "unknown-kdu",
        ),
        (  # OSM's fields are typed too
            {"member_vnf_index": "1", "primitive": "health-check", "timeout_ns_action": 0},
            "/body/timeout_ns_action",
            "greater_than_equal",
        ),
    ],
)
def test_action_is_checked_against_the_vnfd_before_it_is_accepted(
    lcm_api: Api, nsd: str, body: dict[str, Any], path: str, code: str
) -> None:
    ns = create(lcm_api, nsd)
    wait_until(lcm_api, start(lcm_api, ns, "instantiate"), state="COMPLETED")
    response = lcm_api.post(f"{BASE}/ns_instances/{ns}/action", json=body)
    assert response.status_code == 422, response.text
    assert {"path": path, "code": code} in [
        {"path": e["path"], "code": e["code"]} for e in response.json()["errors"]
    ]
    ops = lcm_api.get(f"{BASE}/ns_lcm_op_occs", params={"nsInstanceId": ns}).json()
    assert [o["lcmOperationType"] for o in ops] == ["INSTANTIATE"]


# -- ETSI TST010 SOL005 JSON schemas (NSLifecycleManagement-API), read, never copied --

SCHEMAS = (
    CONFORMANCE / "etsi-nfv-tst010-sol005" / "SOL005" / "NSLifecycleManagement-API" / "schemas"
)


def _load(path: Path) -> Any:
    return json.loads(path.read_bytes().decode("cp1252", errors="replace"))


def _check(name: str, body: Any) -> None:
    registry: Registry[Any] = Registry().with_resources(
        (p.name, DRAFT7.create_resource(_load(p))) for p in SCHEMAS.glob("*.json")
    )
    validator = Draft7Validator(_load(SCHEMAS / name), registry=registry)
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(body)
        if not _tst010_defect(name, list(e.absolute_path), e.message)
    ]
    assert errors == []


def _tst010_defect(schema: str, path: list[Any], message: str) -> bool:
    """Two defects of the TST010 NsLcmOpOcc schema against SOL005 v3.7.1 clause 6.5.2.3: it
    requires ``statusEnteredTime`` (SOL005: ``stateEnteredTime``) and types
    ``operationParams`` as the operation-type enum (SOL005: the request body, an object)."""
    if not schema.startswith("NsLcmOpOcc"):
        return False
    if "'statusEnteredTime' is a required property" in message:
        return True
    return path[-1:] == ["operationParams"]


@pytest.mark.skipif(not SCHEMAS.is_dir(), reason=f"conformance material absent: {SCHEMAS}")
def test_ns_instances_and_occurrences_match_tst010(
    lcm_api: Api, nsd: str, runner_dir: Path
) -> None:
    ns = create(lcm_api, nsd)
    _check("NsInstance.schema.json", lcm_api.get(f"{BASE}/ns_instances/{ns}").json())
    _check("NsInstances.schema.json", lcm_api.get(f"{BASE}/ns_instances").json())
    done = wait_until(lcm_api, start(lcm_api, ns, "instantiate"), state="COMPLETED")
    _check("NsLcmOpOcc.schema.json", done)
    (runner_dir / "fail").touch()
    failed = wait_until(lcm_api, start(lcm_api, ns, "heal"), state="FAILED_TEMP")
    _check("NsLcmOpOcc.schema.json", failed)
    _check("NsLcmOpOccs.schema.json", lcm_api.get(f"{BASE}/ns_lcm_op_occs").json())
    conflict = lcm_api.post(f"{BASE}/ns_instances/{ns}/terminate", json={})
    assert conflict.status_code == 409
    _check("ProblemDetails.schema.json", conflict.json())


def test_an_operation_past_its_timeout_is_stopped(lcm_api: Api, nsd: str, runner_dir: Path) -> None:
    ns = create(lcm_api, nsd)
    wait_until(lcm_api, start(lcm_api, ns, "instantiate"), state="COMPLETED")
    (runner_dir / "block").touch()
    op = start(lcm_api, ns, "heal", {"timeout": 1})  # blocked: only the timeout ends it
    failed = wait_until(lcm_api, op, state="FAILED_TEMP")
    assert failed["error"]["detail"] == "the operation timed out"
    pid_file = runner_dir / f"{op}.1.pid"  # absent if the worker was stopped while starting
    if pid_file.exists():
        stat = Path(f"/proc/{pid_file.read_text()}/stat")
        assert not stat.exists() or stat.read_text().split()[2] == "Z"


def test_the_occurrence_shows_engine_progress_without_pulumi_internals(
    lcm_api: Api, nsd: str, runner_dir: Path
) -> None:
    """``progress.events`` name resources and steps; no Pulumi URN, no raw engine op."""
    (runner_dir / "block").touch()  # the worker stays in its step: only our records
    ns = create(lcm_api, nsd)
    op = start(lcm_api, ns, "instantiate")
    wait_until(lcm_api, op, step="blocked")
    urn = "urn:pulumi:ns-1::locus-ns::kubernetes:apps/v1:Deployment::edge-cache"
    at = datetime.now(UTC)
    records: list[ProgressRecord] = [
        ResourceEvent(
            sequence=1,
            timestamp=at,
            urn=urn,
            type="kubernetes:apps/v1:Deployment",
            name="edge-cache",
            op=ResourceOp.REPLACE,
            raw_op="create-replacement",
            phase=ResourcePhase.DONE,
            planning=False,
        ),
        DiagnosticRecord(sequence=2, timestamp=at, severity="warning", message="slow", urn=urn),
        SummaryRecord(
            sequence=3, timestamp=at, resource_changes={"replace": 1, "same": 4}, duration_seconds=7
        ),
    ]
    svc = lcm_api.client.app.state.services  # type: ignore[attr-defined]
    with svc.db.session() as session:
        queue.record_progress(session, op, records=records)
    body = occ(lcm_api, op)
    (runner_dir / "block").unlink()
    wait_until(lcm_api, op, state="COMPLETED")
    text = json.dumps(body)
    assert "urn:pulumi" not in text and "create-replacement" not in text
    assert "raw_op" not in text and "rawOp" not in text
    resource, diagnostic, summary = body["progress"]["events"]
    assert {k: resource[k] for k in ("kind", "resource", "resourceKind", "action", "phase")} == {
        "kind": "resource",
        "resource": "edge-cache",
        "resourceKind": "Deployment",
        "action": "replace",
        "phase": "done",
    }
    assert (diagnostic["severity"], diagnostic["resource"]) == ("warning", "edge-cache")
    assert summary["resources"]["replaced"] == 1 and summary["resources"]["same"] == 4
    assert summary["durationSeconds"] == 7
    assert body["progress"]["currentStep"] == "blocked"

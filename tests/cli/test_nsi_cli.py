"""``locus nsi`` against a test double of ``/nsilcm/v1`` served on 127.0.0.1 (uvicorn in a
thread): the request bodies the CLI sends, ``--wait`` with its live line (state, step, one
``SUBNET=STATE`` per nested NS), exit codes, problem+json refusals, and paged lists.

The double keeps the contract of the NBI's netslice LCM API (seed Annex B.5): a netslice
instance per ``nstId`` it knows, occurrences that walk a scripted list of states (one per
GET), a page size of 2 with ``Link: rel="next"``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from support.servers import free_port
from typer.testing import CliRunner

from locus_iac.cli.client import Session, save_session
from locus_iac.cli.main import app

BASE = "/nsilcm/v1"
PAGE = 2
NESTED = ("core", "edge")
Step = tuple[str, str | None, dict[str, str | None]]  # state, currentStep, subnet -> state

SUCCESS: list[Step] = [
    ("PROCESSING", "nested-ns", {"core": "PROCESSING", "edge": None}),
    ("PROCESSING", "nested-ns", {"core": "COMPLETED", "edge": "PROCESSING"}),
    ("COMPLETED", None, {"core": "COMPLETED", "edge": "COMPLETED"}),
]
FAILURE: list[Step] = [
    ("PROCESSING", "nested-ns", {"core": "PROCESSING", "edge": None}),
    ("FAILED_TEMP", "nested-ns", {"core": "FAILED_TEMP", "edge": None}),
]


@dataclass
class Double:
    """State of the test double: what was asked, what exists, how operations go."""

    requests: list[tuple[str, Any]] = field(default_factory=list)
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    occurrences: dict[str, dict[str, Any]] = field(default_factory=dict)
    scripts: dict[str, list[Step]] = field(default_factory=dict)
    script: list[Step] = field(default_factory=lambda: list(SUCCESS))


def _problem(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "title": "refused", "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _paged(request: Request, items: list[dict[str, Any]]) -> Response:
    start = int(request.query_params.get("nextpage_opaque_marker") or 0)
    response = JSONResponse(items[start : start + PAGE])
    if start + PAGE < len(items):
        url = request.url.include_query_params(nextpage_opaque_marker=str(start + PAGE))
        response.headers["Link"] = f'<{url}>; rel="next"'
    return response


def _double_app(double: Double) -> FastAPI:
    api = FastAPI()

    def create(body: dict[str, Any]) -> dict[str, Any] | Response:
        if body.get("nstId") != "locus_nst":
            return _problem(404, f"netslice template {body.get('nstId')!r} not found")
        nsi_id = f"nsi-{len(double.instances) + 1}"
        info = {
            "id": nsi_id,
            "_id": nsi_id,
            "nsiName": body["nsiName"],
            "nstId": "locus_nst",
            "nsiState": "NOT_INSTANTIATED",
            "currentLcmOpOccId": None,
            "nestedNsInstances": [
                {"netsliceSubnetId": s, "nsdId": f"{s}_ns", "nsInstanceId": None} for s in NESTED
            ],
        }
        double.instances[nsi_id] = info
        return info

    def start(nsi_id: str, kind: str, body: dict[str, Any]) -> dict[str, Any] | Response:
        subnets = [s.get("id") for s in body.get("netslice-subnet", [])]
        unknown = [i for i, s in enumerate(subnets) if s not in NESTED]
        if unknown:
            errors = [
                {"path": f"/netslice-subnet/{i}/id", "code": "unknown-subnet", "message": "?"}
                for i in unknown
            ]
            return _problem(422, "invalid instantiate request", errors)
        op_id = f"op-{len(double.occurrences) + 1}"
        double.scripts[op_id] = list(double.script)
        double.occurrences[op_id] = {"id": op_id, "netsliceInstanceId": nsi_id, "type": kind}
        double.instances[nsi_id]["currentLcmOpOccId"] = op_id
        return {"id": op_id, "netsliceInstanceId": nsi_id, "nsiLcmOpOccId": op_id}

    @api.post(f"{BASE}/netslice_instances", status_code=201)
    async def post_instance(request: Request) -> Any:
        body = await request.json()
        double.requests.append(("create", body))
        return create(body)

    @api.post(f"{BASE}/netslice_instances_content", status_code=202)
    async def post_content(request: Request) -> Any:
        body = await request.json()
        double.requests.append(("content", body))
        info = create(body)
        if isinstance(info, Response):
            return info
        accepted = start(info["id"], "INSTANTIATE", body)
        return accepted if isinstance(accepted, Response) else {**accepted, "id": info["id"]}

    @api.post(BASE + "/netslice_instances/{nsi_id}/{operation}", status_code=202)
    async def post_operation(nsi_id: str, operation: str, request: Request) -> Any:
        body = await request.json()
        double.requests.append((operation, body))
        if nsi_id not in double.instances:
            return _problem(404, f"netslice instance {nsi_id!r} not found")
        return start(nsi_id, operation.upper(), body)

    @api.get(f"{BASE}/netslice_instances")
    def list_instances(request: Request) -> Response:
        return _paged(request, list(double.instances.values()))

    @api.get(BASE + "/netslice_instances/{nsi_id}")
    def get_instance(nsi_id: str) -> Any:
        return double.instances.get(nsi_id) or _problem(404, f"{nsi_id!r} not found")

    @api.delete(BASE + "/netslice_instances/{nsi_id}")
    def delete_instance(nsi_id: str) -> Response:
        info = double.instances[nsi_id]
        if info["currentLcmOpOccId"]:
            return _problem(409, f"busy: occurrence {info['currentLcmOpOccId']} is open")
        del double.instances[nsi_id]
        return Response(status_code=204)

    @api.get(f"{BASE}/nsi_lcm_op_occs")
    def list_occurrences(request: Request) -> Response:
        wanted = request.query_params.get("netsliceInstanceId")
        items = [
            _view(double, op_id, advance=False)
            for op_id, occ in double.occurrences.items()
            if wanted in (None, occ["netsliceInstanceId"])
        ]
        return _paged(request, items)

    @api.get(BASE + "/nsi_lcm_op_occs/{op_id}")
    def get_occurrence(op_id: str) -> dict[str, Any]:
        return _view(double, op_id, advance=True)

    @api.post(BASE + "/nsi_lcm_op_occs/{op_id}/{task}")
    def post_task(op_id: str, task: str) -> JSONResponse:
        double.requests.append((task, op_id))
        if task == "retry":
            double.scripts[op_id] = list(SUCCESS[1:])
            return JSONResponse(_view(double, op_id, advance=False), status_code=202)
        double.scripts[op_id] = [("FAILED", None, double.scripts[op_id][0][2])]
        return JSONResponse(_view(double, op_id, advance=False))

    return api


def _view(double: Double, op_id: str, *, advance: bool) -> dict[str, Any]:
    """The occurrence as the NBI shows it; a GET of one occurrence moves its script on."""
    script = double.scripts[op_id]
    state, step, nested = script[0]
    if advance and len(script) > 1:
        script.pop(0)
    occ = double.occurrences[op_id]
    view: dict[str, Any] = {
        "id": op_id,
        "operationState": state,
        "netsliceInstanceId": occ["netsliceInstanceId"],
        "lcmOperationType": occ["type"],
        "startTime": "2026-01-01T00:00:00Z",
        "progress": {
            "currentStep": step,
            "nested": [
                {"netsliceSubnetId": s, "nsInstanceId": None, "operationState": st}
                for s, st in nested.items()
            ],
        },
    }
    if state.startswith("FAILED"):
        view["error"] = {"status": 500, "detail": "nested NS core: stack update failed"}
    return view


@pytest.fixture
def double() -> Double:
    return Double()


@pytest.fixture
def cli(double: Double, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CLI logged in to the double (served by uvicorn on a free 127.0.0.1 port)."""
    port = free_port()
    config = uvicorn.Config(_double_app(double), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the double did not start"
        time.sleep(0.05)
    monkeypatch.setenv("LOCUS_CONFIG_DIR", str(tmp_path / "config"))
    url = f"http://127.0.0.1:{port}"
    save_session(Session(url=url, token="t", username="admin", project="admin", expires=0))
    yield CliRunner()
    server.should_exit = True
    thread.join(timeout=10)


def _run(cli: CliRunner, *args: str, code: int = 0) -> Any:
    done = cli.invoke(app, ["nsi", *args])
    assert done.exit_code == code, done.output
    assert "Traceback" not in done.output
    return done


WAIT = ("--wait", "--poll", "0.1")


def test_create_then_instantiate_with_per_subnet_options(cli: CliRunner, double: Double) -> None:
    nsi = _run(cli, "create", "locus_nst", "--name", "slice").stdout.strip()
    assert nsi == "nsi-1"
    assert double.requests[-1] == ("create", {"nstId": "locus_nst", "nsiName": "slice"})
    done = _run(
        cli, "instantiate", nsi, "--site", "uma", "--subnet-site", "edge=edge-k8s",
        "--place", "core:1=openstack", "--param", 'edge:2={"replicas": 2}',
        "--scale", 'core:1={"vdu": 3}', *WAIT,
    )  # fmt: skip
    assert double.requests[-1] == (
        "instantiate",
        {
            "vimAccountId": "uma",
            "netslice-subnet": [
                {
                    "id": "core",
                    "additionalParamsForNs": {
                        "placement": {"1": "openstack"},
                        "scale": {"1": {"vdu": 3}},
                    },
                },
                {
                    "id": "edge",
                    "vimAccountId": "edge-k8s",
                    "additionalParamsForNs": {"parameters": {"2": {"replicas": 2}}},
                },
            ],
        },
    )
    assert done.stdout.strip() == "op-1"
    assert "INSTANTIATE PROCESSING step=nested-ns nested: core=COMPLETED edge=PROCESSING" in (
        done.stderr
    )
    assert done.stderr.splitlines() == [  # not a terminal: one line per change, no escapes
        "INSTANTIATE PROCESSING step=nested-ns nested: core=PROCESSING edge=-",
        "INSTANTIATE PROCESSING step=nested-ns nested: core=COMPLETED edge=PROCESSING",
        "INSTANTIATE COMPLETED step=- nested: core=COMPLETED edge=COMPLETED",
    ]


def test_create_instantiate_one_shot_prints_the_instance(cli: CliRunner, double: Double) -> None:
    done = _run(cli, "create", "locus_nst", "--name", "s", "--instantiate", "--site", "uma", *WAIT)
    assert done.stdout.strip() == "nsi-1"
    assert double.requests[-1] == (
        "content",
        {"nstId": "locus_nst", "nsiName": "s", "vimAccountId": "uma"},
    )
    as_json = _run(cli, "create", "locus_nst", "--name", "t", "--instantiate", "--json")
    assert '"nsiLcmOpOccId": "op-2"' in as_json.stdout


def test_refusals_exit_1_with_the_reason(cli: CliRunner, double: Double) -> None:
    missing = _run(cli, "create", "no_such_nst", "--name", "x", code=1)
    assert "netslice template 'no_such_nst' not found (HTTP 404)" in missing.stderr
    invalid = _run(
        cli, "create", "locus_nst", "--name", "x", "--instantiate",
        "--subnet-site", "nope=uma", "--json", code=1,
    )  # fmt: skip
    assert '"path": "/netslice-subnet/0/id"' in invalid.stdout
    bad = _run(cli, "instantiate", "nsi-1", "--place", "core=uma", code=1)
    assert "/place/0" in bad.stderr and "SUBNET:PROFILE" in bad.stderr
    assert ("instantiate", {}) not in double.requests  # nothing was sent
    usage = _run(cli, "create", "locus_nst", "--name", "x", "--wait", code=2)
    assert "--instantiate" in usage.output


def test_failed_operation_exits_1_then_retry_completes(cli: CliRunner, double: Double) -> None:
    nsi = _run(cli, "create", "locus_nst", "--name", "s").stdout.strip()
    double.script = list(FAILURE)
    failed = _run(cli, "instantiate", nsi, *WAIT, code=1)
    assert "FAILED_TEMP step=nested-ns nested: core=FAILED_TEMP edge=-" in failed.stderr
    assert "operation op-1 ended FAILED_TEMP: nested NS core: stack update failed" in (
        failed.stderr
    )
    busy = _run(cli, "delete", nsi, code=1)
    assert "occurrence op-1 is open (HTTP 409)" in busy.stderr
    retried = _run(cli, "retry", "op-1", *WAIT)
    assert retried.stdout.strip().startswith("INSTANTIATE COMPLETED")
    double.script = list(FAILURE)
    _run(cli, "terminate", nsi, *WAIT, code=1)
    _run(cli, "fail", "op-2")
    assert [r for r in double.requests if r[0] in ("retry", "fail")] == [
        ("retry", "op-1"),
        ("fail", "op-2"),
    ]


def test_action_body_and_lists_follow_every_page(cli: CliRunner, double: Double) -> None:
    ids = [_run(cli, "create", "locus_nst", "--name", f"s{i}").stdout.strip() for i in range(3)]
    op = _run(
        cli, "action", ids[0], "health-check", "--subnet", "core", "--profile", "1",
        "--param", "depth=2", "--param", "mode=full",
    ).stdout.strip()  # fmt: skip
    assert double.requests[-1] == (
        "action",
        {
            "netsliceSubnetId": "core",
            "member_vnf_index": "1",
            "vdu_id": None,
            "primitive": "health-check",
            "primitive_params": {"depth": 2, "mode": "full"},
        },
    )
    _run(cli, "terminate", ids[1])
    assert double.requests[-1] == ("terminate", {})
    _run(cli, "terminate", ids[2], "--skip-terminate-primitives")
    assert double.requests[-1] == ("terminate", {"skip_terminate_primitives": True})
    listed = _run(cli, "list", "--json").stdout
    assert all(f'"id": "{nsi}"' in listed for nsi in ids)
    table = _run(cli, "list").stdout
    assert "core=-" in table and "s2" in table
    everything = _run(cli, "ops", "--json").stdout
    assert all(f'"id": "op-{i}"' in everything for i in (1, 2, 3))
    mine = _run(cli, "ops", ids[0], "--json").stdout
    assert f'"id": "{op}"' in mine and '"op-2"' not in mine
    one = _run(cli, "ops", "--id", op).stdout
    assert "ACTION" in one
    _run(cli, "delete", "nsi-3", code=1)
    double.instances["nsi-3"]["currentLcmOpOccId"] = None
    assert _run(cli, "delete", "nsi-3").stdout.strip() == "deleted nsi-3"

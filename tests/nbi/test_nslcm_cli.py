"""``locus ns ...`` against a real ``locus serve`` process whose operation runner is the test
runner of tests/lcm/runners.py (configuration, no engine): the whole lifecycle with
``--wait``, and a server stop that leaves no worker process behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.lcm_server import COMMAND
from support.servers import locus_serve
from typer.testing import CliRunner

from locus_iac.cli.main import app

from .harness import EXAMPLES, REPO


@pytest.fixture
def runner_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "runner"
    folder.mkdir()
    return folder


@pytest.fixture
def server(tmp_path: Path, runner_dir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    env = {
        "LOCUS_ADMIN_PASSWORD": "cli-pw",
        "LOCUS_TEST_RUNNER_DIR": str(runner_dir),
        "LOCUS_LCM_POLL": "0.1",
        "LOCUS_LCM_GRACE": "2",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    with locus_serve(tmp_path / "data", env, command=COMMAND) as running:
        yield running


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LOCUS_CONFIG_DIR", str(tmp_path / "config"))
    return CliRunner()


def _ok(cli: CliRunner, *args: str) -> str:
    done = cli.invoke(app, list(args))
    assert done.exit_code == 0, done.output
    return done.stdout.strip()


def _login_and_onboard(cli: CliRunner, url: str) -> None:
    _ok(cli, "login", "--url", url, "--password", "cli-pw")
    _ok(cli, "vnfpkg", "upload", str(EXAMPLES / "cloud_vnf"))
    _ok(cli, "nsd", "upload", str(EXAMPLES / "cloud_ns"))


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_lifecycle_with_wait(server: tuple[str, subprocess.Popen[bytes]], cli: CliRunner) -> None:
    url, _ = server
    _login_and_onboard(cli, url)
    ns = _ok(cli, "ns", "create", "cloud_ns", "--name", "cloud")
    _ok(cli, "ns", "instantiate", ns, "--place", "1=local", "--wait", "--poll", "0.1")
    assert json.loads(_ok(cli, "ns", "show", ns, "--json"))["nsState"] == "INSTANTIATED"
    _ok(cli, "ns", "scale", ns, "--profile", "1", "--to", "3", "--wait", "--poll", "0.1")
    _ok(cli, "ns", "action", ns, "health-check", "--profile", "1", "--wait", "--poll", "0.1")
    refused = cli.invoke(app, ["ns", "action", ns, "set-edge-endpoint", "--profile", "1"])
    assert refused.exit_code == 1 and "/primitive_params/edge_url" in refused.output
    _ok(cli, "ns", "heal", ns, "--wait", "--poll", "0.1")
    _ok(cli, "ns", "terminate", ns, "--wait", "--poll", "0.1")
    ops = json.loads(_ok(cli, "ns", "ops", ns, "--json"))
    assert [(o["lcmOperationType"], o["operationState"]) for o in ops] == [
        ("INSTANTIATE", "COMPLETED"),
        ("SCALE", "COMPLETED"),
        ("ACTION", "COMPLETED"),
        ("HEAL", "COMPLETED"),
        ("TERMINATE", "COMPLETED"),
    ]
    listed = json.loads(_ok(cli, "ns", "list", "--json"))
    assert [(i["id"], i["nsState"]) for i in listed] == [(ns, "NOT_INSTANTIATED")]


def test_failed_operation_exits_non_zero_then_retry(
    server: tuple[str, subprocess.Popen[bytes]], cli: CliRunner, runner_dir: Path
) -> None:
    url, _ = server
    _login_and_onboard(cli, url)
    ns = _ok(cli, "ns", "create", "cloud_ns", "--name", "cloud")
    (runner_dir / "fail").touch()
    done = cli.invoke(app, ["ns", "instantiate", ns, "--wait", "--poll", "0.1"])
    assert done.exit_code == 1
    assert "FAILED_TEMP" in done.output and "failed on purpose" in done.output
    op = json.loads(_ok(cli, "ns", "ops", ns, "--json"))[0]["id"]
    (runner_dir / "fail").unlink()
    line = _ok(cli, "ns", "ops", "--id", op, "--task", "retry", "--wait", "--poll", "0.1")
    assert "INSTANTIATE COMPLETED" in line


def test_stopping_the_server_stops_its_workers(
    server: tuple[str, subprocess.Popen[bytes]], cli: CliRunner, runner_dir: Path
) -> None:
    url, proc = server
    _login_and_onboard(cli, url)
    (runner_dir / "block").touch()
    ns = _ok(cli, "ns", "create", "cloud_ns", "--name", "cloud")
    op = _ok(cli, "ns", "instantiate", ns)
    pid_file = runner_dir / f"{op}.1.pid"
    deadline = time.monotonic() + 60
    while not pid_file.exists():
        assert time.monotonic() < deadline, "the worker never started"
        time.sleep(0.1)
    pid = int(pid_file.read_text())
    assert _alive(pid)
    proc.terminate()
    # a graceful stop: uvicorn runs the lifespan shutdown, then re-raises SIGTERM
    assert proc.wait(timeout=30) in (0, -15)
    assert not _alive(pid)


def test_instantiate_with_a_metrics_endpoint(
    server: tuple[str, subprocess.Popen[bytes]], cli: CliRunner
) -> None:
    url, _ = server
    _login_and_onboard(cli, url)
    ns = _ok(cli, "ns", "create", "cloud_ns", "--name", "cloud")
    refused = cli.invoke(app, ["ns", "instantiate", ns, "--metrics-endpoint", "1=no-port"])
    assert refused.exit_code == 1 and "metrics_endpoint" in refused.output
    _ok(cli, "ns", "instantiate", ns, "--metrics-endpoint", "1=127.0.0.1:9101", "--wait")
    (op,) = json.loads(_ok(cli, "ns", "ops", ns, "--json"))
    # operationParams: the request in SOL005's (and OSM's) names (issue 16)
    assert op["operationParams"]["additionalParamsForVnf"] == [
        {"member-vnf-index": "1", "additionalParams": {"metrics_endpoint": "127.0.0.1:9101"}}
    ]

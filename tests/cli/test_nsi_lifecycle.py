"""The whole ``locus nsi`` lifecycle with ``--wait`` against a real ``locus serve`` whose NS
operations run in worker processes with the file-controlled test runner of
tests/lcm/runners.py (no engine; the netslice coordinator, queue and database are real).
The example NST ``edge_nst`` nests two edge NSs on one registered Kubernetes cluster.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.lcm_server import COMMAND
from support.servers import locus_serve
from typer.testing import CliRunner

from locus_iac.cli.main import app

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "packages"
PASSWORD = "nsi-life-pw"
KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"
WAIT = ("--wait", "--poll", "0.1")


@pytest.fixture
def runner_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "runner"
    folder.mkdir()
    return folder


@pytest.fixture
def cli(tmp_path: Path, runner_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CLI logged in to a real server with the edge service onboarded and a site."""
    env = {
        "LOCUS_ADMIN_PASSWORD": PASSWORD,
        "LOCUS_TEST_RUNNER_DIR": str(runner_dir),
        "LOCUS_LCM_POLL": "0.1",
        "LOCUS_LCM_GRACE": "2",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    monkeypatch.setenv("LOCUS_CONFIG_DIR", str(tmp_path / "config"))
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    runner = CliRunner()
    with locus_serve(tmp_path / "data", env, command=COMMAND) as (url, _):
        _ok(runner, "login", "--url", url, "--password", PASSWORD)
        for area, folder in [("vnfpkg", "edge_knf"), ("nsd", "edge_ns"), ("nst", "edge_nst")]:
            _ok(runner, area, "upload", str(EXAMPLES / folder))
        _ok(runner, "site", "add", "kubernetes", "edge", "--kubeconfig", str(kubeconfig))
        yield runner


def _call(cli: CliRunner, *args: str, code: int = 0) -> tuple[str, str]:
    done = cli.invoke(app, list(args))
    assert done.exit_code == code, done.output
    assert "Traceback" not in done.output
    return done.stdout.strip(), done.stderr


def _ok(cli: CliRunner, *args: str) -> str:
    return _call(cli, *args)[0]


def test_create_instantiate_action_terminate_with_wait(cli: CliRunner) -> None:
    nsi, progress = _call(
        cli, "nsi", "create", "edge_nst", "--name", "s1", "--instantiate", "--site", "edge", *WAIT
    )
    assert "INSTANTIATE COMPLETED" in progress
    assert "nested: collector=COMPLETED analytics=COMPLETED" in progress
    shown = json.loads(_ok(cli, "nsi", "show", nsi, "--json"))
    assert shown["nsiState"] == "INSTANTIATED"
    assert [n["netsliceSubnetId"] for n in shown["nestedNsInstances"]] == [
        "collector",
        "analytics",
    ]
    assert all(n["nsInstanceId"] for n in shown["nestedNsInstances"])

    action, progress = _call(
        cli, "nsi", "action", nsi, "restart", "--subnet", "analytics", "--profile", "1",
        "--param", "reason=cli test", *WAIT,
    )  # fmt: skip
    assert "ACTION COMPLETED" in progress and "analytics=COMPLETED" in progress
    _, refused = _call(
        cli, "nsi", "action", nsi, "no-such", "--subnet", "analytics", "--profile", "1", code=1
    )
    assert "/primitive" in refused

    _, progress = _call(cli, "nsi", "terminate", nsi, *WAIT)
    assert "TERMINATE COMPLETED" in progress
    assert json.loads(_ok(cli, "nsi", "show", nsi, "--json"))["nsiState"] == "NOT_INSTANTIATED"
    ops = json.loads(_ok(cli, "nsi", "ops", nsi, "--json"))
    assert [o["lcmOperationType"] for o in ops] == ["INSTANTIATE", "ACTION", "TERMINATE"]
    assert action == ops[1]["id"]
    assert all(o["operationState"] == "COMPLETED" for o in ops)
    assert "ACTION" in _ok(cli, "nsi", "ops", "--id", action)
    assert _ok(cli, "nsi", "delete", nsi) == f"deleted {nsi}"
    assert json.loads(_ok(cli, "nsi", "list", "--json")) == []


def test_failed_operation_exits_1_retry_and_fail(cli: CliRunner, runner_dir: Path) -> None:
    nsi = _ok(cli, "nsi", "create", "edge_nst", "--name", "s2")
    (runner_dir / "fail").touch()
    _, failed = _call(cli, "nsi", "instantiate", nsi, "--site", "edge", *WAIT, code=1)
    assert "INSTANTIATE FAILED_TEMP" in failed
    assert "ended FAILED_TEMP" in failed and "collector" in failed
    (op,) = json.loads(_ok(cli, "nsi", "ops", nsi, "--json"))
    _, busy = _call(cli, "nsi", "delete", nsi, code=1)
    assert op["id"] in busy and "(HTTP 409)" in busy

    (runner_dir / "fail").unlink()
    retried = _ok(cli, "nsi", "retry", op["id"], *WAIT)
    assert retried.startswith("INSTANTIATE COMPLETED")
    assert json.loads(_ok(cli, "nsi", "show", nsi, "--json"))["nsiState"] == "INSTANTIATED"

    (runner_dir / "fail").touch()
    _call(cli, "nsi", "terminate", nsi, *WAIT, code=1)
    ops = json.loads(_ok(cli, "nsi", "ops", nsi, "--json"))
    assert [o["operationState"] for o in ops] == ["COMPLETED", "FAILED_TEMP"]
    given_up = _ok(cli, "nsi", "fail", ops[1]["id"])
    assert given_up.startswith("TERMINATE FAILED ")
    assert json.loads(_ok(cli, "nsi", "show", nsi, "--json"))["currentLcmOpOccId"] is None

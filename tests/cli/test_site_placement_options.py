"""``locus site add`` with the placement extension (``--role``, ``--capacity``, ``--used``,
``--cost``, ``--latency``) against a real ``locus serve`` on 127.0.0.1; ``site show``/``list``
display what was registered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.servers import locus_serve
from typer.testing import CliRunner

from locus_iac.cli.main import app


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("site-placement") / "data"
    with locus_serve(data, {"LOCUS_ADMIN_PASSWORD": "site-pw"}) as (url, _):
        yield url


@pytest.fixture
def cli(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LOCUS_CONFIG_DIR", str(tmp_path / "config"))
    runner = CliRunner()
    assert runner.invoke(app, ["login", "--url", server, "--password", "site-pw"]).exit_code == 0
    return runner


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text("apiVersion: v1\nkind: Config\n")
    return path


def _names(cli: CliRunner) -> set[str]:
    return {s["name"] for s in json.loads(cli.invoke(app, ["site", "list", "--json"]).output)}


def _delete(cli: CliRunner, *names: str) -> None:
    for name in names:
        assert cli.invoke(app, ["site", "delete", name]).exit_code == 0


def _add_k8s(cli: CliRunner, kubeconfig: Path, name: str, *extra: str) -> Any:
    return cli.invoke(
        app, ["site", "add", "kubernetes", name, "--kubeconfig", str(kubeconfig), *extra]
    )


def test_placement_options_are_registered_and_shown(
    cli: CliRunner, kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edge = _add_k8s(
        cli, kubeconfig, "p-edge",
        "--capacity", "vcpu=16,memory_gb=32",
        "--capacity", "pods=110",
        "--used", "vcpu=2",
        "--cost", "vcpu=0.05,pod=0.001",
    )  # fmt: skip
    assert edge.exit_code == 0, edge.output
    core = cli.invoke(
        app,
        [
            "site", "add", "openstack", "p-core",
            "--auth-url", "https://keystone.test:5000/v3",
            "--project", "locus", "--user", "mano", "--password", "pw-1",
            "--role", "core",
            "--capacity", "vcpu=64,memory_gb=256,storage_gb=2000",
            "--latency", "p-edge=12.5",
            "--json",
        ],
    )  # fmt: skip
    assert core.exit_code == 0, core.output
    assert json.loads(core.output)["latency_ms"] == {"p-edge": 12.5}

    shown = json.loads(cli.invoke(app, ["site", "show", "p-edge", "--json"]).output)
    assert shown["role"] == "edge"  # the default of a Kubernetes cluster
    assert shown["capacity"] == {"vcpu": 16, "memory_gb": 32, "storage_gb": 0, "pods": 110}
    assert shown["used"]["vcpu"] == 2
    assert shown["cost"]["vcpu"] == 0.05 and shown["cost"]["pod"] == 0.001

    text = cli.invoke(app, ["site", "show", "p-core"])
    assert text.exit_code == 0
    lines = {line.split(None, 1)[0]: line for line in text.output.splitlines() if line.strip()}
    assert "role" in lines and "core" in lines["role"]
    assert "vcpu=64" in lines["capacity"]
    assert "p-edge=12.5" in lines["latency_ms"]

    monkeypatch.setenv("COLUMNS", "400")  # the table's width (rich)
    table = cli.invoke(app, ["site", "list"]).output.splitlines()
    header = [cell.strip() for cell in table[0].split("┃")]
    assert header[-5:] == ["ROLE", "CAPACITY", "USED", "COST", "LATENCY_MS"]
    row = next(line for line in table if line.startswith(" p-edge"))
    cells = dict(zip(header, (cell.strip() for cell in row.split("│")), strict=True))
    assert cells["ROLE"] == "edge"
    assert "pods=110" in cells["CAPACITY"] and "vcpu=2" in cells["USED"]
    assert cells["LATENCY_MS"] == "-"
    _delete(cli, "p-core", "p-edge")


@pytest.mark.parametrize(
    ("options", "pointers"),
    [
        (["--capacity", "vcpu"], [("/capacity/0", "bad-format")]),
        (["--capacity", "vcpu=1,memory_gb=lots"], [("/capacity/1", "not-a-number")]),
        (["--cost", "vcpu=0.1", "--cost", "pod=true"], [("/cost/1", "not-a-number")]),
        (["--latency", "p-x=fast,=3"], [("/latency/1", "bad-format")]),
        (["--net", "cache"], [("/net/0", "bad-option")]),
    ],
)
def test_malformed_items_are_named_before_anything_is_sent(
    cli: CliRunner, kubeconfig: Path, options: list[str], pointers: list[tuple[str, str]]
) -> None:
    done = _add_k8s(cli, kubeconfig, "p-bad", *options, "--json")
    assert done.exit_code == 1
    error = json.loads(done.output)
    assert error["error"] == "ValidationError"
    assert [(e["path"], e["code"]) for e in error["errors"]] == pointers
    assert "p-bad" not in _names(cli)


def test_values_the_server_refuses_come_back_with_their_pointers(
    cli: CliRunner, kubeconfig: Path
) -> None:
    over = _add_k8s(cli, kubeconfig, "p-over", "--capacity", "vcpu=2", "--used", "vcpu=3", "--json")
    assert over.exit_code == 1
    errors = json.loads(over.output)["errors"]
    assert [e["path"] for e in errors] == ["/body/used"]
    assert "used exceeds capacity" in errors[0]["message"]

    unknown = _add_k8s(cli, kubeconfig, "p-gpu", "--capacity", "gpus=1")
    assert unknown.exit_code == 1
    assert "/body/capacity/gpus" in unknown.output + (unknown.stderr or "")

    bad_role = _add_k8s(cli, kubeconfig, "p-role", "--role", "metro")
    assert bad_role.exit_code == 2  # a choice of the command line: a usage error
    assert _names(cli).isdisjoint({"p-over", "p-gpu", "p-role"})

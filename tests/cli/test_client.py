"""The CLI client against a real `locus serve` process on 127.0.0.1 (SQLite data dir)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.servers import LOCUS, free_port, locus_serve
from typer.testing import CliRunner

from locus_iac.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "packages"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with locus_serve(tmp_path / "data", {"LOCUS_ADMIN_PASSWORD": "cli-pw"}) as (url, _):
        yield url


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LOCUS_CONFIG_DIR", str(tmp_path / "config"))
    return CliRunner()


def test_serve_refuses_to_start_without_admin_password(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LOCUS_ADMIN_PASSWORD", "LOCUS_DATABASE_URL")
    }
    done = subprocess.run(
        [LOCUS, "serve", "--port", str(free_port()), "--data-dir", str(tmp_path / "d")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "LOCUS_ADMIN_PASSWORD" in done.stderr
    assert "Traceback" not in done.stderr


def test_login_onboard_list_show_delete(server: str, cli: CliRunner, tmp_path: Path) -> None:
    login = cli.invoke(app, ["login", "--url", server, "--password", "cli-pw"])
    assert login.exit_code == 0, login.output
    session = tmp_path / "config" / "session.json"
    assert stat.S_IMODE(session.stat().st_mode) == 0o600

    ids = {}
    for area, folder in [
        ("vnfpkg", "cloud_vnf"),
        ("vnfpkg", "edge_knf"),
        ("nsd", "cloud_ns"),
        ("nsd", "edge_ns"),
        ("nst", "locus_nst"),
    ]:
        done = cli.invoke(app, [area, "upload", str(EXAMPLES / folder), "--json"])
        assert done.exit_code == 0, done.output
        ids[folder] = json.loads(done.output)["id"]

    listed = cli.invoke(app, ["vnfpkg", "list", "--json"])
    assert sorted(p["vnfdId"] for p in json.loads(listed.output)) == ["cloud_vnf", "edge_knf"]
    table = cli.invoke(app, ["nsd", "list"])
    assert "cloud_ns" in table.output and "ONBOARDED" in table.output
    yaml_text = cli.invoke(app, ["nst", "show", ids["locus_nst"], "--descriptor"])
    assert "netslice-subnet" in yaml_text.output

    created = cli.invoke(app, ["nsd", "create", "--name", "empty"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("nsd:\n  nsd:\n  - id: broken\n    vnfd-id: [missing_vnf]\n")
    refused = cli.invoke(app, ["nsd", "upload", str(bad), "--id", created.output.strip(), "--json"])
    assert refused.exit_code == 1
    report = json.loads(refused.output)
    assert report["error"] == "ValidationError"
    assert report["errors"][0]["path"] == "/nsd/nsd/0/vnfd-id/0"

    in_use = cli.invoke(app, ["vnfpkg", "delete", ids["cloud_vnf"]])
    assert in_use.exit_code == 1
    assert "in use" in (in_use.stderr if hasattr(in_use, "stderr") else in_use.output)
    assert cli.invoke(app, ["nst", "delete", ids["locus_nst"]]).exit_code == 0

    token = json.loads(session.read_text())["token"]
    assert cli.invoke(app, ["logout"]).exit_code == 0
    assert not session.exists()
    revoked = httpx.get(
        f"{server}/nsd/v1/ns_descriptors", headers={"Authorization": f"Bearer {token}"}
    )
    assert revoked.status_code == 401


def test_site_add_list_show_delete(server: str, cli: CliRunner, tmp_path: Path) -> None:
    assert cli.invoke(app, ["login", "--url", server, "--password", "cli-pw"]).exit_code == 0
    added = cli.invoke(
        app,
        [
            "site",
            "add",
            "openstack",
            "ote-core",
            "--auth-url",
            "https://keystone.test:5000/v3",
            "--project",
            "locus",
            "--user",
            "mano",
            "--password",
            "pw-123",
            "--region",
            "RegionOne",
            "--network",
            "mgmt=provider-mgmt",
        ],
    )
    assert added.exit_code == 0, added.output
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    k8s = cli.invoke(
        app,
        [
            "site",
            "add",
            "kubernetes",
            "uma-edge",
            "--kubeconfig",
            str(kubeconfig),
            "--namespace",
            "locus",
            "--net",
            "cache=cache-net",
        ],
    )
    assert k8s.exit_code == 0, k8s.output
    listed = json.loads(cli.invoke(app, ["site", "list", "--json"]).output)
    assert {(s["name"], s["kind"]) for s in listed} == {
        ("ote-core", "openstack"),
        ("uma-edge", "kubernetes"),
    }
    shown = cli.invoke(app, ["site", "show", "ote-core", "--json"])
    assert "pw-123" not in shown.output
    assert json.loads(shown.output)["config"]["network_mappings"] == {"mgmt": "provider-mgmt"}
    assert cli.invoke(app, ["site", "delete", "uma-edge"]).exit_code == 0
    assert cli.invoke(app, ["site", "show", "uma-edge"]).exit_code == 1


def test_commands_need_login(cli: CliRunner) -> None:
    done = cli.invoke(app, ["nsd", "list"])
    assert done.exit_code == 1
    assert "locus login" in done.output + (done.stderr or "")

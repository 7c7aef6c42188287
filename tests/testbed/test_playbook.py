"""The testbed playbook converges with no change when the testbed is up (idempotence), and
``locus testbed status`` reports every component, the API server and the nodes."""

from __future__ import annotations

import json
import os
import ssl
import sys
from pathlib import Path
from typing import Any

import ansible_runner
import httpx
import pytest
from typer.testing import CliRunner

from locus_iac.cli.main import app
from testbed.helpers import REPO

pytestmark = pytest.mark.testbed


def converge(private_dir: Path) -> dict[str, Any]:
    private_dir.mkdir()
    runner = ansible_runner.run(
        private_data_dir=str(private_dir),
        playbook=str(REPO / "playbooks" / "local-testbed.yml"),
        inventory=str(REPO / "inventories" / "local"),
        envvars={"ANSIBLE_ROLES_PATH": str(REPO / "roles")},
        quiet=True,
    )
    assert runner.status == "successful", runner.stdout.read()[-4000:]
    stats: dict[str, Any] = runner.stats
    return stats


def test_second_converge_changes_nothing(
    site: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ansible-runner looks ansible-playbook up on PATH: the one beside this interpreter.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    converge(tmp_path / "first")
    second = converge(tmp_path / "second")
    assert second["changed"].get("localhost", 0) == 0
    assert second["ok"]["localhost"] > 10


def test_status_reports_a_healthy_testbed(site: dict[str, Any], kube: httpx.Client) -> None:
    result = CliRunner().invoke(app, ["testbed", "status", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["healthy"] is True
    names = {c["name"] for c in report["components"]}
    assert names == {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}
    assert all(c["pid"] and c["listening"] for c in report["components"])
    api_nodes = {n["metadata"]["name"] for n in kube.get("/api/v1/nodes").json()["items"]}
    assert {n["name"] for n in report["nodes"]} == api_nodes == set(site["nodes"])
    assert all(n["ready"] for n in report["nodes"])


def test_multus_crd_is_served(kube: httpx.Client) -> None:
    crd = kube.get(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
        "network-attachment-definitions.k8s.cni.cncf.io"
    ).json()
    assert crd["spec"]["group"] == "k8s.cni.cncf.io"
    assert [v["name"] for v in crd["spec"]["versions"]] == ["v1"]
    listing = kube.get("/apis/k8s.cni.cncf.io/v1/network-attachment-definitions")
    assert listing.status_code == 200
    assert listing.json()["kind"] == "NetworkAttachmentDefinitionList"


def test_anonymous_requests_are_refused(site: dict[str, Any]) -> None:
    trust_only = ssl.create_default_context(cafile=site["testbed"]["ca_cert"])
    answer = httpx.get(site["api_server"] + "/api/v1/namespaces", verify=trust_only)
    assert answer.status_code == 401

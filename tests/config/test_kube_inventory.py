"""The Ansible inventory of a Kubernetes KNF: one local host per KDU, paths but no secrets."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from locus_iac.config import (
    KubernetesInventory,
    kubernetes_inventory_from_outputs,
)
from locus_iac.config.kube_inventory import KDU_GROUP
from locus_iac.errors import ValidationError

TOKEN = "tb-secret-token-5f0d0550e919"  # a test value that must not leak

KDUS: dict[str, Any] = {
    "edge/1": {
        "edge-cache": {
            "release": "edge-cache-1-3615a65e",
            "namespace": "locus-3615a65e",
            "service": "edge-cache-1-3615a65e-edge-cache.locus-3615a65e.svc.cluster.local",
        },
        "edge-proxy": {"release": "edge-proxy-1-3615a65e", "namespace": "locus-3615a65e"},
    },
    "other": {"db": {"release": "db-other", "namespace": "locus-3615a65e"}},
}


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig-local"
    path.write_text(
        f"apiVersion: v1\nkind: Config\nusers:\n  - name: admin\n    user:\n      token: {TOKEN}\n"
    )
    path.chmod(0o600)
    return path


def test_one_local_host_per_kdu_with_where_it_lives(kubeconfig: Path) -> None:
    inventory = kubernetes_inventory_from_outputs(
        KDUS, "edge/1", ["edge-cache", "edge-proxy"], kubeconfig=kubeconfig, context="edge"
    )
    doc = inventory.as_ansible()
    hosts = doc["all"]["children"][KDU_GROUP]["hosts"]
    assert sorted(hosts) == ["edge-cache", "edge-proxy"]
    assert hosts["edge-cache"] == {
        "locus_kdu": "edge-cache",
        "locus_helm_release": "edge-cache-1-3615a65e",
        "locus_namespace": "locus-3615a65e",
        "locus_vnf_profile": "edge/1",
        "locus_service": "edge-cache-1-3615a65e-edge-cache.locus-3615a65e.svc.cluster.local",
    }
    assert "locus_service" not in hosts["edge-proxy"]  # not exported: not invented
    common = doc["all"]["vars"]
    assert common == {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "ansible_pipelining": True,
        "locus_kubeconfig": str(kubeconfig),
        "locus_kube_context": "edge",
    }


def test_the_kubeconfig_is_a_path_never_its_content(kubeconfig: Path) -> None:
    inventory = kubernetes_inventory_from_outputs(
        KDUS, "edge/1", ["edge-cache"], kubeconfig=kubeconfig
    )
    text = json.dumps(inventory.as_ansible()) + inventory.model_dump_json()
    assert str(kubeconfig) in text
    assert TOKEN not in text
    assert "locus_kube_context" not in inventory.as_ansible()["all"]["vars"]


def test_without_kubeconfig_the_client_defaults_apply() -> None:
    inventory = kubernetes_inventory_from_outputs(KDUS, "other", ["db"], kubeconfig=None)
    assert "locus_kubeconfig" not in inventory.as_ansible()["all"]["vars"]


def test_only_the_kdus_of_the_vnfd_become_hosts(kubeconfig: Path) -> None:
    inventory = kubernetes_inventory_from_outputs(
        KDUS, "edge/1", ["edge-proxy"], kubeconfig=kubeconfig
    )
    assert [t.name for t in inventory.targets] == ["edge-proxy"]
    assert inventory.for_kdu("edge-proxy").targets == inventory.targets
    with pytest.raises(ValidationError) as caught:
        inventory.for_kdu("edge-cache")
    assert caught.value.issues[0].path == "/kdu/edge-cache"


def test_a_knf_the_stack_does_not_export_is_reported(kubeconfig: Path) -> None:
    for outputs in (None, {}, {"edge/1": {}}, {"edge/1": "x"}):
        with pytest.raises(ValidationError) as caught:
            kubernetes_inventory_from_outputs(
                outputs, "edge/1", ["edge-cache"], kubeconfig=kubeconfig
            )
        assert [i.path for i in caught.value.issues] == ["/outputs/kdus/edge~11"]
        assert caught.value.issues[0].code == "no-kdu-release"


def test_every_kdu_without_release_is_reported_at_once(kubeconfig: Path) -> None:
    outputs = {"p": {"a": {"release": "", "namespace": "n"}, "b": {"release": "r"}}}
    with pytest.raises(ValidationError) as caught:
        kubernetes_inventory_from_outputs(outputs, "p", ["a", "b", "c"], kubeconfig=kubeconfig)
    assert [i.path for i in caught.value.issues] == [
        "/outputs/kdus/p/a",
        "/outputs/kdus/p/b",
        "/outputs/kdus/p/c",
    ]


def test_a_knf_without_kdu_is_reported(kubeconfig: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        kubernetes_inventory_from_outputs(KDUS, "other", [], kubeconfig=kubeconfig)
    assert caught.value.issues[0].code == "no-kdu"


def test_the_inventory_is_immutable_and_strict(kubeconfig: Path) -> None:
    inventory = KubernetesInventory(targets=(), kubeconfig=kubeconfig)
    with pytest.raises(ValueError, match="frozen"):
        inventory.kubeconfig = None  # type: ignore[misc]
    with pytest.raises(ValueError, match="extra"):
        KubernetesInventory.model_validate({"targets": [], "kubeconfig_content": "x"})

"""Day1 and Day2 of the example edge KNF with real Ansible (kubernetes.core) against the local
testbed's API server: the package's own playbooks act on a Deployment labelled like the one
its Helm chart creates, and every effect is read back through the Kubernetes API."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import pytest
import yaml
from kubernetes import client, config
from testbed.helpers import REPO

from locus_iac.config import (
    ConfigRunner,
    KduTarget,
    KubernetesInventory,
    TaskStatus,
    VnfConfigTarget,
    raise_for_failure,
    vnf_day12,
)
from locus_iac.descriptors import Vnfd
from locus_iac.descriptors.day12 import Day12
from locus_iac.errors import PermanentError
from locus_iac.packages import read_package

pytestmark = pytest.mark.testbed

# the conftest fixture edge_release: (apps/v1 client, namespace, release, Deployment name)
EdgeRelease = tuple[client.AppsV1Api, str, str, str]

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def _target(kubeconfig: Path, namespace: str, release: str) -> VnfConfigTarget:
    package = read_package(REPO / "examples" / "packages" / "edge_knf")
    vnfd = package.descriptor.model
    assert isinstance(vnfd, Vnfd)
    day12 = vnf_day12(vnfd)
    assert day12 is not None
    kdu = KduTarget(
        name="edge-cache",
        vnf_profile_id="1",
        release=release,
        namespace=namespace,
        service=f"{release}-edge-cache.{namespace}.svc.cluster.local",
    )
    return VnfConfigTarget(
        ns_instance_id=f"test-{namespace}",
        vnf_profile_id="1",
        day12=day12,
        files=package.files,
        inventory=KubernetesInventory(targets=(kdu,), kubeconfig=kubeconfig),
    )


def test_edge_knf_day1_then_day2_restart(
    edge_release: EdgeRelease, testbed_kubeconfig: Path, tmp_path: Path
) -> None:
    api, namespace, release, name = edge_release
    target = _target(testbed_kubeconfig, namespace, release)
    runner = ConfigRunner(tmp_path / "data", timeout=300)

    runs = runner.day1(target, {}, op_occ_id="op-day1")
    assert [r.primitive for r in runs] == ["mark-configured"]
    raise_for_failure(runs[0])
    assert {t.host for t in runs[0].tasks} == {"edge-cache"}
    assert any(t.status is TaskStatus.CHANGED for t in runs[0].tasks)
    deployment = api.read_namespaced_deployment(name, namespace)
    assert deployment.metadata.labels["locus/configured"] == "true"
    assert deployment.metadata.annotations["locus/service"] == target.inventory.targets[0].service

    again = runner.day1(target, {}, op_occ_id="op-day1-again")
    raise_for_failure(again[0])
    assert [t.task for t in again[0].tasks if t.status is TaskStatus.CHANGED] == []  # idempotent

    stamps = []
    for reason in ("cache warm-up", "cache warm-up"):
        run = runner.day2(target, "restart", {"reason": reason}, op_occ_id=f"op-{len(stamps)}")
        raise_for_failure(run)
        template = api.read_namespaced_deployment(name, namespace).spec.template.metadata
        assert template.annotations["locus/restart-reason"] == reason
        stamps.append(template.annotations[RESTARTED_AT])
    assert stamps[0] != stamps[1]  # every restart is a new rollout, like kubectl's

    default = runner.day2(target, "restart", {}, op_occ_id="op-default")
    raise_for_failure(default)
    template = api.read_namespaced_deployment(name, namespace).spec.template.metadata
    assert template.annotations["locus/restart-reason"] == "day2 restart"  # VNFD default
    _assert_no_credentials_in(tmp_path / "data", testbed_kubeconfig)


def _assert_no_credentials_in(folder: Path, kubeconfig: Path) -> None:
    """No credential of the kubeconfig (base64 or decoded) is in any kept artifact."""
    loaded = yaml.safe_load(kubeconfig.read_text())
    secrets = [
        value
        for entry in loaded.get("users") or []
        for key, value in (entry.get("user") or {}).items()
        if key in ("client-key-data", "token", "password")
    ]
    assert secrets, "the testbed kubeconfig should carry a credential to look for"
    forms = set(secrets)
    for value in secrets:
        try:
            decoded = base64.b64decode(value).decode()
        except ValueError:
            continue
        forms.update(line for line in decoded.splitlines() if len(line) > 40)
    kept = [p for p in folder.rglob("*") if p.is_file()]
    assert kept
    for path in kept:
        text = path.read_text(errors="replace")
        assert not any(form in text for form in forms), f"credential in {path}"


def test_a_release_without_deployment_fails_clearly(
    edge_release: EdgeRelease, testbed_kubeconfig: Path, tmp_path: Path
) -> None:
    namespace = edge_release[1]
    target = _target(testbed_kubeconfig, namespace, "no-such-release")
    runner = ConfigRunner(tmp_path / "data", timeout=300)
    run = runner.day2(target, "restart", {})
    assert not run.ok
    with pytest.raises(PermanentError, match="no Deployment of release no-such-release"):
        raise_for_failure(run)
    day1 = runner.day1(target, {})  # Day1 patches the chart's Deployment by name: none there
    assert [r.ok for r in day1] == [False]
    with pytest.raises(PermanentError, match="no Deployment of release no-such-release"):
        raise_for_failure(day1[0])


SECRET_DAY12 = """
id: token-knf
execution-environment-list:
  - id: kube-env
config-primitive:
  - name: set-token
    parameter:
      - {name: token, data-type: STRING, mandatory: true, hidden: true}
"""

SET_TOKEN = """
- name: Store a token in a Secret of the KDU's namespace.
  hosts: kdus
  gather_facts: false
  module_defaults:
    group/kubernetes.core.k8s:
      kubeconfig: "{{ locus_kubeconfig }}"
  tasks:
    - name: Ensure the token Secret holds the token.
      kubernetes.core.k8s:
        state: present
        definition:
          apiVersion: v1
          kind: Secret
          metadata:
            name: "{{ locus_helm_release }}-token"
            namespace: "{{ locus_namespace }}"
          stringData:
            token: "{{ token }}"
    - name: Say something careless.
      ansible.builtin.debug:
        msg: "the token of {{ locus_kdu }} is {{ token }}"
"""


def test_hidden_parameters_of_a_knf_primitive_are_redacted(
    edge_release: EdgeRelease, testbed_kubeconfig: Path, tmp_path: Path
) -> None:
    namespace = edge_release[1]
    kdu = KduTarget(name="db", vnf_profile_id="2", release="db-2-cfgtest", namespace=namespace)
    target = VnfConfigTarget(
        ns_instance_id="ns-token",
        vnf_profile_id="2",
        day12=Day12.model_validate(yaml.safe_load(SECRET_DAY12)),
        files={"ansible/kube-env/set-token.yml": SET_TOKEN.encode()},
        inventory=KubernetesInventory(targets=(kdu,), kubeconfig=testbed_kubeconfig),
    )
    token = f"tok-{uuid.uuid4().hex}"
    run = ConfigRunner(tmp_path / "data", timeout=300).day2(target, "set-token", {"token": token})
    raise_for_failure(run)
    messages = [t.message for t in run.tasks]
    assert "the token of db is [secret]" in messages
    assert not any(token in m for m in messages)
    kept = [p for p in Path(run.artifacts_dir).rglob("*") if p.is_file()]
    assert kept and not any(token in p.read_text(errors="replace") for p in kept)
    api = config.new_client_from_config(config_file=str(testbed_kubeconfig))
    secret = client.CoreV1Api(api).read_namespaced_secret("db-2-cfgtest-token", namespace)
    assert base64.b64decode(secret.data["token"]).decode() == token  # the effect is real

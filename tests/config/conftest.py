"""Fixtures for the config tests: real SSH hosts in network namespaces and the local
testbed's Kubernetes API server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from kubernetes import client, config  # the client the kubernetes.core modules use
from support.netns_ssh import (
    SshTestbed,
    netns_unavailable_reason,
    start_hosts,
    unavailable_reason,
)
from testbed.helpers import TESTBED_DIR

LOOPBACK_ENV = "LOCUS_TEST_SSH_LOOPBACK"


@pytest.fixture(scope="module")
def ssh_testbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshTestbed]:
    """Two SSH hosts in network namespaces; on sshd at 127.0.0.1 only when
    ``LOCUS_TEST_SSH_LOOPBACK=1`` asks for it. Where namespaces cannot be made the tests skip
    and say why (a silent fallback would hide that the namespace path went untested)."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"no SSH test hosts: {reason}")
    if os.environ.get(LOOPBACK_ENV) != "1":
        netns = netns_unavailable_reason()
        if netns is not None:
            pytest.skip(
                f"no SSH test hosts: network namespaces cannot be made here ({netns}); "
                f"{LOOPBACK_ENV}=1 runs these tests against sshd on 127.0.0.1"
            )
    with start_hosts(tmp_path_factory.mktemp("ssh"), count=2) as testbed:
        yield testbed


@pytest.fixture
def remote_dir(ssh_testbed: SshTestbed) -> Iterator[Path]:
    """A fresh folder path in the test user's home (created by the playbooks), removed after."""
    path = ssh_testbed.home / f"t-{uuid.uuid4().hex[:8]}"
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def testbed_kubeconfig() -> Path:
    """The kubeconfig of the running local testbed (skips when it is not up)."""
    path = TESTBED_DIR / "kubeconfig"
    if not path.is_file():
        pytest.skip(f"the local testbed is not up ({path} missing): run 'locus testbed up'")
    try:
        api = config.new_client_from_config(config_file=str(path))
        client.VersionApi(api).get_code(_request_timeout=5)
    except Exception as exc:  # any failure to reach it means: no testbed for this run
        pytest.skip(f"the local testbed's API server does not answer: {exc}")
    return path


class EdgeRelease(NamedTuple):
    """A Deployment labelled like the example edge chart's, in a fresh testbed namespace."""

    apps: client.AppsV1Api
    namespace: str
    release: str
    deployment: str


@pytest.fixture
def edge_release(testbed_kubeconfig: Path) -> Iterator[EdgeRelease]:
    """A namespace on the testbed holding the Deployment of release ``edge-cache-1-cfgtest``
    (selected by ``app.kubernetes.io/instance``, as the edge KNF's playbooks do); the
    namespace is deleted afterwards."""
    api = config.new_client_from_config(config_file=str(testbed_kubeconfig))
    core = client.CoreV1Api(api)
    namespace = f"locus-cfgtest-{uuid.uuid4().hex[:8]}"
    release = "edge-cache-1-cfgtest"
    labels = {"app": "vcache-edge", "app.kubernetes.io/instance": release}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"{release}-edge-cache", "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "vcache-edge", "image": "python:3.12-alpine"}]},
            },
        },
    }
    core.create_namespace({"metadata": {"name": namespace}})
    try:
        apps = client.AppsV1Api(api)
        apps.create_namespaced_deployment(namespace, deployment)
        yield EdgeRelease(apps, namespace, release, f"{release}-edge-cache")
    finally:
        core.delete_namespace(namespace)

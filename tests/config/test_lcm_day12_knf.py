"""The lifecycle's Day1/Day2 (``locus_iac.lcm.day12``) of a KNF placed on a Kubernetes site:
the inventory comes from the stack output ``kdus`` and the instance's kubeconfig path (no SSH
key is made), the task results reach the occurrence's reporter, the effect is real."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from support.reporters import RecordingReporter
from testbed.helpers import REPO

from locus_iac.config import TaskStatus
from locus_iac.errors import ValidationError
from locus_iac.infra import NsSpec, SiteAccess
from locus_iac.infra.from_packages import spec_from_packages
from locus_iac.lcm.day12 import run_day1, run_day2
from locus_iac.lcm.requests import ActionRequest
from locus_iac.lcm.runner import Job
from locus_iac.lcm.states import LcmOperationType
from locus_iac.packages import read_package
from locus_iac.sites import (
    KubernetesNetworking,
    Resources,
    Site,
    SiteCatalog,
    SiteKind,
    SiteRole,
)

EXAMPLES = REPO / "examples" / "packages"


def _spec(kubeconfig: Path) -> NsSpec:
    site = Site(
        name="local",
        kind=SiteKind.KUBERNETES,
        role=SiteRole.EDGE,
        capacity=Resources(),
        kubernetes=KubernetesNetworking(namespace="default", multus_master_interface="eth0"),
    )
    spec = spec_from_packages(
        read_package(EXAMPLES / "edge_ns"),
        [read_package(EXAMPLES / "edge_knf")],
        {"edge_knf": EXAMPLES / "edge_knf"},
        SiteCatalog(sites=(site,)),
        instance_id=str(uuid.uuid4()),
    )
    assert isinstance(spec, NsSpec)
    return spec.model_copy(update={"access": {"local": SiteAccess(kubeconfig=str(kubeconfig))}})


def _job(spec: NsSpec, operation: LcmOperationType) -> Job:
    return Job(
        op_occ_id=f"op-{uuid.uuid4().hex[:8]}",
        ns_instance_id=spec.ns_instance_id,
        project_id="p",
        nsd_id="edge_ns",
        nsd_info_id="nsd",
        operation=operation,
    )


def test_a_knf_without_exported_releases_is_reported_before_anything_runs(
    tmp_path: Path,
) -> None:
    spec = _spec(tmp_path / "kubeconfig-local")
    recorder = RecordingReporter()
    with pytest.raises(ValidationError) as caught:
        run_day1(tmp_path, _job(spec, LcmOperationType.INSTANTIATE), spec, {}, recorder)
    assert [i.path for i in caught.value.issues] == ["/outputs/kdus/1"]
    assert recorder.tasks == []
    assert not (tmp_path / "instances" / spec.ns_instance_id / "ssh").exists()  # no SSH key


@pytest.mark.testbed
def test_day1_and_day2_of_the_edge_knf_through_the_lifecycle(
    edge_release: tuple[client.AppsV1Api, str, str, str],
    testbed_kubeconfig: Path,
    tmp_path: Path,
) -> None:
    apps, namespace, release, name = edge_release
    spec = _spec(testbed_kubeconfig)
    outputs: dict[str, Any] = {
        "kdus": {"1": {"edge-cache": {"release": release, "namespace": namespace}}}
    }
    day1 = RecordingReporter()
    run_day1(tmp_path, _job(spec, LcmOperationType.INSTANTIATE), spec, outputs, day1)
    assert day1.steps == ["day1: 1"]
    assert {t.host for t in day1.tasks} == {"edge-cache"}
    assert apps.read_namespaced_deployment(name, namespace).metadata.labels == {
        "app": "vcache-edge",
        "app.kubernetes.io/instance": release,
        "locus/configured": "true",
    }

    day2 = RecordingReporter()
    request = ActionRequest.model_validate(
        {"member_vnf_index": "1", "primitive": "restart", "primitive_params": {"reason": "x1"}}
    )
    run_day2(tmp_path, _job(spec, LcmOperationType.ACTION), spec, outputs, request, day2)
    assert day2.steps == ["day2: 1 restart"]
    assert any(t.status is TaskStatus.CHANGED for t in day2.tasks)
    template = apps.read_namespaced_deployment(name, namespace).spec.template.metadata
    assert template.annotations["locus/restart-reason"] == "x1"

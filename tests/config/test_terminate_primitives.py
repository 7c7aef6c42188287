"""TERMINATE runs the VNFs' ``terminate-config-primitive`` entries (OSM IM day1-2) before the
stack is destroyed: in ``seq`` order, with Day1's parameter syntax, through the same runner,
the first failure stops everything and nothing is destroyed; ``skip_terminate_primitives``
and a stack without outputs skip them.

Playbooks run for real (ansible-runner, ``ansible_connection: local`` as for KDUs) and write
to a file of the test. Through the lifecycle it is the product's runner on a real catalogue
(the edge NS onboarded with its KNF's ``mark-terminating`` replaced, a Kubernetes cluster
registered) with a recording engine passed in; the edge KNF's own ``mark-terminating`` runs
against the local testbed (skipped when it is down)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from kubernetes import client
from support.catalogue import onboard
from support.engines import RecordingEngine
from support.reporters import RecordingReporter
from testbed.helpers import REPO

from locus_iac.catalogue import (
    Database,
    PackageKind,
    SecretBox,
    create_project,
    register_site,
)
from locus_iac.config import (
    ConfigRunner,
    KduTarget,
    KubernetesInventory,
    TaskResult,
    TaskStatus,
    VnfConfigTarget,
    raise_for_failure,
)
from locus_iac.descriptors.day12 import Day12
from locus_iac.engine import OperationResult, ProgressCallback
from locus_iac.errors import PermanentError, ValidationError
from locus_iac.infra import NsSpec, SiteAccess
from locus_iac.infra.from_packages import spec_from_packages
from locus_iac.lcm.day12 import run_terminate
from locus_iac.lcm.operations import StackRunner
from locus_iac.lcm.requests import TerminateNsRequest
from locus_iac.lcm.runner import Job
from locus_iac.lcm.states import LcmOperationType
from locus_iac.nbi.schemas_admin import K8sClusterRegistration
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
KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"

DAY12 = """
id: vnf
execution-environment-list:
  - id: env
config-primitive:
  - name: drain
    parameter:
      - {name: token, data-type: STRING, hidden: true}
terminate-config-primitive:
  - seq: 2
    name: release
    parameter:
      - {name: log, value: <log>}
      - {name: step, value: second}
  - seq: 1
    name: drain
    parameter:
      - {name: log, value: <log>}
      - {name: step, value: first}
      - {name: token, value: <token>}
"""

RECORD = """
- name: Record a terminate step.
  hosts: kdus
  gather_facts: false
  tasks:
    - name: Append the step.
      ansible.builtin.lineinfile:
        path: "{{ log }}"
        line: "{{ step }} {{ token | default('') }}"
        create: true
"""

FAIL = """
- name: Fail.
  hosts: kdus
  gather_facts: false
  tasks:
    - name: Refuse.
      ansible.builtin.fail:
        msg: "cannot drain {{ token }}"
"""


def _local_inventory() -> KubernetesInventory:
    """One host run with ``ansible_connection: local`` (no cluster is contacted)."""
    return KubernetesInventory(
        targets=(KduTarget(name="kdu1", vnf_profile_id="vnf", release="r", namespace="n"),)
    )


def _target(drain: str = RECORD) -> VnfConfigTarget:
    return VnfConfigTarget(
        ns_instance_id="ns-term",
        vnf_profile_id="vnf",
        day12=Day12.model_validate(yaml.safe_load(DAY12)),
        files={"ansible/env/drain.yml": drain.encode(), "ansible/env/release.yml": RECORD.encode()},
        inventory=_local_inventory(),
    )


def test_terminate_primitives_run_in_seq_order_with_instance_parameters(tmp_path: Path) -> None:
    log = tmp_path / "steps.txt"
    seen: list[TaskResult] = []
    runs = ConfigRunner(tmp_path / "data").terminate(
        _target(), {"log": str(log), "token": "s3cr3t-tok"}, op_occ_id="op1", on_task=seen.append
    )
    assert [(r.primitive, r.ok) for r in runs] == [("drain", True), ("release", True)]
    assert log.read_text().split("\n")[:2] == ["first s3cr3t-tok", "second "]
    assert {t.status for t in seen} == {TaskStatus.CHANGED}
    artifacts = tmp_path / "data" / "ansible" / "ns-term" / "op1"
    assert sorted(p.name.split("-")[0] for p in artifacts.iterdir()) == ["terminate", "terminate"]


def test_a_failing_terminate_primitive_stops_the_sequence_and_hides_secrets(
    tmp_path: Path,
) -> None:
    log = tmp_path / "steps.txt"
    runs = ConfigRunner(tmp_path / "data").terminate(
        _target(drain=FAIL), {"log": str(log), "token": "s3cr3t-tok"}
    )
    assert [(r.primitive, r.ok) for r in runs] == [("drain", False)]  # release never ran
    assert not log.exists()
    failed = runs[0].failures()
    assert [t.task for t in failed] == ["Refuse."]
    assert "s3cr3t-tok" not in failed[0].message and "[secret]" in failed[0].message
    with pytest.raises(PermanentError, match="primitive drain failed"):
        raise_for_failure(runs[0])


def test_a_missing_instantiation_parameter_is_reported_before_anything_runs(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValidationError) as caught:
        ConfigRunner(tmp_path / "data").terminate(_target(), {"log": str(tmp_path / "x")})
    assert "terminate-config-primitive 'drain'" in str(caught.value)
    assert [(i.path, i.code) for i in caught.value.issues] == [
        ("/additionalParamsForVnf/vnf/token", "missing-parameter")
    ]
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "data" / "ansible").exists()


# -- through the lifecycle: the edge NS, its KNF's package with a local playbook --------------


def _edge_spec(package: Path, kubeconfig: Path) -> NsSpec:
    site = Site(
        name="local",
        kind=SiteKind.KUBERNETES,
        role=SiteRole.EDGE,
        capacity=Resources(),
        kubernetes=KubernetesNetworking(namespace="default", multus_master_interface="eth0"),
    )
    spec = spec_from_packages(
        read_package(EXAMPLES / "edge_ns"),
        [read_package(package)],
        {"edge_knf": package},
        SiteCatalog(sites=(site,)),
        instance_id=str(uuid.uuid4()),
    )
    assert isinstance(spec, NsSpec)
    return spec.model_copy(update={"access": {"local": SiteAccess(kubeconfig=str(kubeconfig))}})


def _edge_package(tmp_path: Path, playbook: str) -> Path:
    """A copy of the edge KNF whose ``mark-terminating`` is ``playbook``."""
    package = tmp_path / "edge_knf"
    shutil.copytree(EXAMPLES / "edge_knf", package)
    (package / "ansible" / "edge-config" / "mark-terminating.yml").write_text(playbook)
    return package


def _job(spec: NsSpec, params: dict[str, Any] | None = None) -> Job:
    return Job(
        op_occ_id=f"op-{uuid.uuid4().hex[:8]}",
        ns_instance_id=spec.ns_instance_id,
        project_id="p",
        nsd_id="edge_ns",
        nsd_info_id="nsd",
        operation=LcmOperationType.TERMINATE,
        operation_params=params or {},
        instance_params={},
    )


OUTPUTS: dict[str, Any] = {"kdus": {"1": {"edge-cache": {"release": "rel-1", "namespace": "ns-1"}}}}


def _marker_playbook(marker: Path, fail: bool = False) -> str:
    task = (
        "ansible.builtin.fail: {msg: refused}"
        if fail
        else f'ansible.builtin.copy: {{dest: "{marker}", content: "{{{{ locus_helm_release }}}}"}}'
    )
    return f"- hosts: kdus\n  gather_facts: false\n  tasks:\n    - name: Mark.\n      {task}\n"


class Engine(RecordingEngine):
    """The engine's side of TERMINATE, recorded; ``destroy`` notes whether the primitive had
    already left its marker, i.e. whether the primitives ran first."""

    def __init__(self, marker: Path, outputs: dict[str, Any] | None) -> None:
        super().__init__(outputs)
        self.marker = marker
        self.destroyed: list[bool] = []

    def destroy(
        self,
        ns_instance_id: str,
        on_progress: ProgressCallback | None = None,
        remove_stack: bool = True,
        op_occ_id: str | None = None,
    ) -> OperationResult:
        self.destroyed.append(self.marker.exists())
        return super().destroy(ns_instance_id, on_progress, remove_stack, op_occ_id)


class EdgeCatalogue(NamedTuple):
    """A catalogue with the edge NS onboarded (its KNF's ``mark-terminating`` replaced) and
    a Kubernetes cluster registered: what the product's runner builds the spec from."""

    db: Database
    box: SecretBox
    project: str
    nsd_info_id: str

    def runner(self, engine: Engine, data: Path) -> StackRunner:
        return StackRunner(self.db, self.box, engine, data)

    def job(self, params: dict[str, Any] | None = None) -> Job:
        return Job(
            op_occ_id=f"op-{uuid.uuid4().hex[:8]}",
            ns_instance_id=str(uuid.uuid4()),
            project_id=self.project,
            nsd_id="edge_ns",
            nsd_info_id=self.nsd_info_id,
            operation=LcmOperationType.TERMINATE,
            operation_params=params or {},
            instance_params={},  # no placement asked: the KNF on the registered cluster
        )


def _edge_catalogue(tmp_path: Path, playbook: str) -> Iterator[EdgeCatalogue]:
    db = Database(f"sqlite:///{tmp_path / 'catalogue.db'}")
    db.migrate()
    box = SecretBox.from_data_dir(tmp_path / "keys")
    with db.session() as session:
        project = create_project(session, "terminate").id
    onboard(db, project, PackageKind.VNFD, _edge_package(tmp_path, playbook))
    nsd = onboard(db, project, PackageKind.NSD, EXAMPLES / "edge_ns")
    cluster = K8sClusterRegistration.model_validate(
        {"name": "local", "credentials": KUBECONFIG, "namespace": "default"}
    )
    with db.session() as session:
        register_site(session, box, project, cluster)
    yield EdgeCatalogue(db, box, project, nsd)
    db.dispose()


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "marker"


@pytest.fixture
def edge(tmp_path: Path, marker: Path) -> Iterator[EdgeCatalogue]:
    yield from _edge_catalogue(tmp_path, _marker_playbook(marker))


@pytest.fixture
def failing_edge(tmp_path: Path, marker: Path) -> Iterator[EdgeCatalogue]:
    yield from _edge_catalogue(tmp_path, _marker_playbook(marker, fail=True))


def test_terminate_runs_the_primitives_then_destroys(
    edge: EdgeCatalogue, marker: Path, tmp_path: Path
) -> None:
    engine = Engine(marker, OUTPUTS)
    report = RecordingReporter()
    edge.runner(engine, tmp_path / "data").run(edge.job(), report)
    assert marker.read_text() == "rel-1"
    assert engine.destroyed == [True]  # the primitive ran before destroy
    assert report.steps == ["terminate: 1", "destroy", "done"]
    assert [(t.host, t.task, t.status) for t in report.tasks] == [
        ("edge-cache", "Mark.", TaskStatus.CHANGED)
    ]


def test_a_failed_terminate_primitive_destroys_nothing(
    failing_edge: EdgeCatalogue, marker: Path, tmp_path: Path
) -> None:
    engine = Engine(marker, OUTPUTS)
    report = RecordingReporter()
    with pytest.raises(PermanentError, match="mark-terminating failed"):
        failing_edge.runner(engine, tmp_path / "data").run(failing_edge.job(), report)
    assert engine.destroyed == []
    assert report.steps == ["terminate: 1"]
    assert [t.status for t in report.tasks] == [TaskStatus.FAILED]


@pytest.mark.parametrize(
    ("params", "outputs", "step"),
    [
        ({"skip_terminate_primitives": True}, OUTPUTS, "skipped (skip_terminate_primitives)"),
        ({}, {}, "skipped (the stack has no outputs)"),
        ({}, None, "skipped (the stack has no outputs)"),
    ],
)
def test_skipped_terminate_primitives(
    edge: EdgeCatalogue,
    marker: Path,
    tmp_path: Path,
    params: dict[str, Any],
    outputs: dict[str, Any] | None,
    step: str,
) -> None:
    engine = Engine(marker, outputs)
    report = RecordingReporter()
    edge.runner(engine, tmp_path / "data").run(edge.job(params), report)
    assert engine.destroyed == [False]
    assert report.steps == [f"terminate primitives {step}", "destroy", "done"]
    assert report.tasks == []


def test_a_profile_the_stack_never_created_is_skipped(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    spec = _edge_spec(_edge_package(tmp_path, _marker_playbook(marker)), tmp_path / "kc")
    report = RecordingReporter()
    run_terminate(tmp_path / "data", _job(spec), spec, {"kdus": {}, "other": 1}, report)
    assert report.steps == ["terminate: 1 skipped (not deployed)"]
    assert not marker.exists()


def test_the_skip_flag_keeps_osm_spelling() -> None:
    assert TerminateNsRequest.model_validate(
        {"skip_terminate_primitives": True}
    ).skip_terminate_primitives
    assert not TerminateNsRequest().skip_terminate_primitives
    with pytest.raises(ValueError, match="skipTerminate"):
        TerminateNsRequest.model_validate({"skipTerminate": True})


# -- the edge KNF's own primitive against the local testbed -----------------------------------


@pytest.mark.testbed
def test_mark_terminating_of_the_edge_knf_on_the_testbed(
    edge_release: tuple[client.AppsV1Api, str, str, str],
    testbed_kubeconfig: Path,
    tmp_path: Path,
) -> None:
    apps, namespace, release, name = edge_release
    spec = _edge_spec(EXAMPLES / "edge_knf", testbed_kubeconfig)
    outputs = {"kdus": {"1": {"edge-cache": {"release": release, "namespace": namespace}}}}
    report = RecordingReporter()
    run_terminate(tmp_path / "data", _job(spec), spec, outputs, report)
    assert report.steps == ["terminate: 1"]
    assert any(t.status is TaskStatus.CHANGED for t in report.tasks)
    annotations = apps.read_namespaced_deployment(name, namespace).metadata.annotations
    assert annotations["locus/terminating-since"].endswith("Z")

    # already gone (e.g. a retry after a partial destroy): nothing to mark, not a failure
    apps.delete_namespaced_deployment(name, namespace)
    again = RecordingReporter()
    run_terminate(tmp_path / "data", _job(spec), spec, outputs, again)
    assert again.steps == ["terminate: 1"]
    assert not any(t.status is TaskStatus.FAILED for t in again.tasks)

"""Day1 and Day2 of the exemplary cloud VNF through the product's runner, over real SSH.

The OpenStack provider cannot run here, so only the engine is replaced. Everything else is
the product: the packages ``cloud_vnf`` + ``cloud_ns`` onboarded into a real catalogue
database, an OpenStack VIM registered, :class:`StackRunner` building the spec, the inventory
from the stack output ``management``, the NS instance's own SSH key, the package's real
playbooks (``examples/packages/cloud_vnf/ansible/cloud-config``) run by ansible-runner in its
child process, task results reported on the occurrence.

The engine double's ``up`` plays OpenStack + cloud-init on a network-namespace SSH host
(:mod:`support.netns_ssh`): it runs the real NS program offline, takes the public key of the
key pair the program declares (what Nova hands to cloud-init) into the host's
``authorized_keys``, gives the SSH user passwordless sudo (as cloud-init does for an Ubuntu
image's default user; the playbook uses ``become``), mounts a private ``/etc/locus-cloud``
in the host's mount namespace and starts the forwarder that the rendered user data writes
(Day0, seed §5.1 Figure 34). Its ``management`` output is the program's own, with the SSH
host's address for the VDU instance.

The cloud VNFD declares no ``hidden`` parameter: there is nothing to redact here (the
redaction itself is covered in tests/config/test_day12_ssh.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.catalogue import onboard
from support.netns_ssh import SshHost, SshTestbed, start_hosts, unavailable_reason
from support.reporters import RecordingReporter

from locus_iac.catalogue import (
    Database,
    PackageKind,
    SecretBox,
    register_site,
)
from locus_iac.config.results import TaskStatus
from locus_iac.engine import OperationResult, ResourceCounts
from locus_iac.engine.results import StackOutput, StackOutputs
from locus_iac.errors import LocusError, ValidationError
from locus_iac.infra import PreviewMocks, run_program
from locus_iac.lcm import instances, queue
from locus_iac.lcm.instances import NS
from locus_iac.lcm.operations import StackRunner
from locus_iac.lcm.runner import Job, Outcome
from locus_iac.lcm.states import LcmOperationState, LcmOperationType, NsState
from locus_iac.lcm.worker import execute
from locus_iac.nbi.schemas_admin import VimAccountRegistration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "packages"
PROFILE = "1"  # the cloud NSD's VNF profile
EDGE_PORT = 9000  # the edge KNF stand-in, on the VDU host's loopback
EDGE_DATA = [3, 14, 15, 92, 65]
KEYPAIR = "openstack:compute/keypair:Keypair"
INSTANCE = "openstack:compute/instance:Instance"
CLOUD_DIR = Path("/etc/locus-cloud")


def _why_not() -> str | None:
    reason = unavailable_reason()
    if reason is not None:
        return f"no SSH test hosts: {reason}"
    for tool in ("sudo", "nsenter", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (the cloud VNF's playbook uses become: sudo)"
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=str(_why_not()))


# -- the VDU host: a namespace SSH host prepared the way the VM's Day0 would be ------------


@dataclass
class VduHost:
    """One SSH test host and what Day0 started on it."""

    host: SshHost
    testbed: SshTestbed
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.host.process.pid

    def authorized_keys(self) -> Path:
        config = (self.testbed.workdir / f"sshd_{self.host.name}.conf").read_text()
        line = next(x for x in config.splitlines() if x.startswith("AuthorizedKeysFile "))
        return Path(line.split(None, 1)[1])

    def file(self, path: Path) -> Path:
        """``path`` as the host sees it (its own mount namespace)."""
        return Path(f"/proc/{self.pid}/root") / path.relative_to("/")

    def run_in(self, args: list[str], env: dict[str, str], mounts: bool = True) -> None:
        spaces = ["-m", "-n"] if mounts else ["-n"]
        process = subprocess.Popen(
            ["nsenter", "-t", str(self.pid), *spaces, *args],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)


EDGE_STAND_IN = f"""
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Edge(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({EDGE_DATA!r}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

ThreadingHTTPServer(("127.0.0.1", {EDGE_PORT}), Edge).serve_forever()
"""


@pytest.fixture
def vdu(tmp_path: Path) -> Iterator[VduHost]:
    """One namespace SSH host with a private ``/etc/locus-cloud`` and an edge stand-in."""
    created = not CLOUD_DIR.exists()
    CLOUD_DIR.mkdir(mode=0o755, exist_ok=True)  # the mount point (empty on this machine)
    sudoers = Path("/etc/sudoers.d") / f"locus-vnf-test-{uuid.uuid4().hex[:8]}"
    (tmp_path / "ssh").mkdir()
    try:
        with start_hosts(tmp_path / "ssh", count=1) as testbed:
            host = VduHost(testbed.hosts[0], testbed)
            if host.host.netns is None:
                pytest.skip("loopback fallback: the stack exports addresses, not ports")
            subprocess.run(
                [
                    "nsenter",
                    "-t",
                    str(host.pid),
                    "-m",
                    "mount",
                    "-t",
                    "tmpfs",
                    "-o",
                    "mode=0755",
                    "locus-cloud",
                    str(CLOUD_DIR),
                ],
                check=True,
                capture_output=True,
                timeout=30,
            )
            sudoers.parent.mkdir(mode=0o755, exist_ok=True)
            sudoers.write_text(f"{testbed.user} ALL=(ALL) NOPASSWD:ALL\n")
            sudoers.chmod(0o440)
            host.run_in([sys.executable, "-c", EDGE_STAND_IN], {}, mounts=False)
            try:
                yield host
            finally:
                for process in host.processes:
                    process.terminate()
                    process.wait(timeout=10)
    finally:
        sudoers.unlink(missing_ok=True)
        if created:
            CLOUD_DIR.rmdir()


# -- the engine double: OpenStack and cloud-init -----------------------------------------------


class Day0Engine:
    """Stands in for :class:`~locus_iac.engine.StackDriver` (see the module docstring).

    ``accept_key=False``: cloud-init never installs the key (the host refuses it).
    """

    def __init__(self, vdu: VduHost, *, accept_key: bool = True) -> None:
        self.vdu = vdu
        self.accept_key = accept_key
        self.runs: list[str] = []
        self.keys: list[str] = []
        self._outputs = StackOutputs()
        self._forwarding = False

    def _result(self, operation: str) -> OperationResult:
        self.runs.append(operation)
        return OperationResult(operation=operation, counts=ResourceCounts(), outputs=self._outputs)

    def exists(self, _stack: str) -> bool:
        """A stack exists from the first ``up`` to a ``destroy``."""
        return "up" in self.runs and self.runs[-1] != "destroy"

    def preview(self, _stack: str, program: Callable[[], None], *_: Any) -> OperationResult:
        run_program(program, mocks=PreviewMocks())
        return self._result("preview")

    def up(self, _stack: str, program: Callable[[], None], *_: Any) -> OperationResult:
        plan = run_program(program, mocks=PreviewMocks())
        server, *_ = plan.of_type(INSTANCE)  # one per VDU instance, alike
        self.keys = [str(k.inputs["publicKey"]) for k in plan.of_type(KEYPAIR)]
        if self.accept_key:
            with self.vdu.authorized_keys().open("a") as out:
                out.writelines(f"{key}\n" for key in self.keys)
        if not self._forwarding:  # the VM boots once; a later up (scale, heal) keeps it
            self._start_forwarder(str(server.inputs["userData"]))
            self._forwarding = True
        # the program's own host names (cloud_vdu-0, cloud_vdu-1, ...), all on the one host
        names = plan.outputs["management"][PROFILE]
        value = {PROFILE: {name: self.vdu.host.address for name in names}}
        self._outputs = StackOutputs(values={"management": StackOutput(value=value)})
        return self._result("up")

    def _start_forwarder(self, user_data: str) -> None:
        """The rendered user data's files, as cloud-init writes them, and its service."""
        files = {f["path"]: f.get("content", "") for f in yaml.safe_load(user_data)["write_files"]}
        script = self.vdu.testbed.workdir / "locus-cloud-forwarder"
        script.write_text(files["/usr/local/bin/locus-cloud-forwarder"])
        self.vdu.file(CLOUD_DIR / "edge-url").write_text(files["/etc/locus-cloud/edge-url"])
        env = {"LOCUS_PORT": "8080", "LOCUS_BIND": "127.0.0.1", "LOCUS_EDGE_TIMEOUT": "2"}
        self.vdu.run_in([sys.executable, str(script)], env)

    def outputs(self, _stack: str) -> StackOutputs:
        return self._outputs

    def destroy(self, *_: Any, **__: Any) -> OperationResult:
        return self._result("destroy")

    def refresh(self, *_: Any, **__: Any) -> OperationResult:
        return self._result("refresh")

    def cancel(self, _stack: str) -> None:
        self.runs.append("cancel")

    def clear_pending_operations(self, _stack: str) -> int:
        return 0


# -- the catalogue ------------------------------------------------------------------------------


@pytest.fixture
def box(tmp_path: Path) -> SecretBox:
    return SecretBox.from_data_dir(tmp_path / "keys")


@pytest.fixture
def cloud_ns(db: Database, project: str, box: SecretBox, tmp_path: Path) -> str:
    """``cloud_vnf`` + ``cloud_ns`` onboarded, one OpenStack VIM registered; the NSD id."""
    return onboard_cloud_ns(db, project, box, tmp_path)


def onboard_cloud_ns(
    db: Database,
    project: str,
    box: SecretBox,
    tmp_path: Path,
    playbooks: dict[str, str] | None = None,
) -> str:
    """``cloud_vnf`` + ``cloud_ns`` onboarded, one OpenStack VIM registered; the NSD id.

    The one change to the example: the VNFD's ``ssh-access/default-user`` is the test hosts'
    user (a real Ubuntu image has ``ubuntu``; the namespace hosts admit one test user only);
    ``playbooks`` replaces playbooks of its ``cloud-config`` environment by name.
    """
    vnf = tmp_path / "cloud_vnf"
    shutil.copytree(EXAMPLES / "cloud_vnf", vnf)
    for name, text in (playbooks or {}).items():
        (vnf / "ansible" / "cloud-config" / name).write_text(text)
    vnfd = vnf / "cloud_vnfd.yaml"
    text = vnfd.read_text()
    assert "default-user: ubuntu" in text
    vnfd.write_text(text.replace("default-user: ubuntu", "default-user: locus-ssh-test"))
    onboard(db, project, PackageKind.VNFD, vnf)
    body = VimAccountRegistration.model_validate(
        {
            "name": "core-1",
            "vim_url": "https://keystone.example:5000/v3",
            "vim_tenant_name": "locus",
            "vim_user": "mano",
            "vim_password": "vim-secret-pw",
        }
    )
    with db.session() as session:
        register_site(session, box, project, body)
    return onboard(db, project, PackageKind.NSD, EXAMPLES / "cloud_ns")


def _job(
    project: str,
    nsd: str,
    operation: LcmOperationType,
    params: dict[str, Any],
    instance: dict[str, Any] | None = None,
    op: str = "op-1",
) -> Job:
    return Job(
        op_occ_id=op,
        ns_instance_id="ns-cloud-1",
        project_id=project,
        nsd_id="cloud_ns",
        nsd_info_id=nsd,
        operation=operation,
        operation_params=params,
        instance_params=instance or {},
    )


def _instantiate(
    runner: StackRunner, project: str, nsd: str, edge_url: str, report: RecordingReporter
) -> Outcome:
    body = {"additionalParamsForNs": {"parameters": {PROFILE: {"edge_url": edge_url}}}}
    return runner.run(_job(project, nsd, LcmOperationType.INSTANTIATE, body), report)


def _action(
    runner: StackRunner,
    project: str,
    nsd: str,
    instance: dict[str, Any],
    primitive: str,
    params: dict[str, Any],
    report: RecordingReporter,
    op: str,
) -> Outcome:
    body = {"memberVnfIndex": PROFILE, "primitive": primitive, "primitiveParameters": params}
    job = _job(project, nsd, LcmOperationType.ACTION, body, instance, op)
    return runner.run(job, report)


def _fetch(vdu: VduHost) -> str:
    """GET / on the forwarder, from inside the host (it listens on its loopback)."""
    code = (
        "import urllib.request as u, urllib.error as e\n"
        "try:\n    print(u.urlopen('http://127.0.0.1:8080/').read().decode())\n"
        "except e.HTTPError as x:\n    print(x.code, x.read().decode())\n"
    )
    deadline = time.monotonic() + 10
    while True:
        done = subprocess.run(
            ["nsenter", "-t", str(vdu.pid), "-n", sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if done.returncode == 0 or time.monotonic() > deadline:
            return done.stdout.strip()
        time.sleep(0.2)


# -- the tests ----------------------------------------------------------------------------------


def test_day1_and_day2_of_the_cloud_vnf_run_on_the_vdu(
    db: Database, project: str, box: SecretBox, cloud_ns: str, vdu: VduHost, tmp_path: Path
) -> None:
    engine = Day0Engine(vdu)
    data = tmp_path / "data"
    runner = StackRunner(db, box, engine, data)
    edge_file = vdu.file(CLOUD_DIR / "edge-url")
    # Day1 points the forwarder at an edge endpoint where nothing listens yet
    report = RecordingReporter()
    outcome = _instantiate(runner, project, cloud_ns, "http://127.0.0.1:9001/", report)
    assert engine.runs == ["up"]  # a new stack: no preview (nothing exists to check)
    # the key the program gave the VM is the instance's own, from its work folder
    public = (data / "instances" / "ns-cloud-1" / "ssh" / "id_ed25519.pub").read_text().strip()
    assert engine.keys == [public]
    assert report.steps == ["resolve", "up", f"day1: {PROFILE}", "done"]
    assert edge_file.read_text() == "http://127.0.0.1:9001/\n"
    here = CLOUD_DIR / "edge-url"  # this machine's own view: the VDU host's file only
    assert not here.exists() or "9001" not in here.read_text()
    assert {t.host for t in report.tasks} == {"cloud_vdu-0"}
    assert [(t.task, t.status) for t in report.tasks] == [
        ("Check that edge_url is an HTTP URL.", TaskStatus.OK),
        ("Write the edge endpoint the forwarder reads on every query.", TaskStatus.CHANGED),
    ]
    assert outcome.instance_params is not None
    instance = outcome.instance_params
    # what ACTION rebuilds the spec from: the request with its Day1 parameter
    assert instance["additional_params"]["parameters"] == {
        PROFILE: {"edge_url": "http://127.0.0.1:9001/"}
    }
    # the Day0 forwarder reads the file on every query: the edge does not answer there
    assert "edge KNF did not answer" in _fetch(vdu)

    # Day2 health-check fails as it should: the task, the host and the primitive are named
    failing = RecordingReporter()
    with pytest.raises(LocusError) as caught:
        _action(runner, project, cloud_ns, instance, "health-check", {}, failing, "op-2")
    message = str(caught.value)
    assert "primitive health-check failed" in message and "cloud_vdu-0" in message
    assert failing.tasks[-1].status is TaskStatus.FAILED
    assert failing.tasks[-1].task == "Query the forwarder on the VDU."

    # Day2 set-edge-endpoint with a new edge_url, then health-check passes
    report = RecordingReporter()
    new_url = f"http://127.0.0.1:{EDGE_PORT}/"
    _action(
        runner,
        project,
        cloud_ns,
        instance,
        "set-edge-endpoint",
        {"edge_url": new_url},
        report,
        "op-3",
    )
    assert report.steps == [f"day2: {PROFILE} set-edge-endpoint", "done"]
    assert edge_file.read_text() == new_url + "\n"
    assert [t.status for t in report.tasks] == [TaskStatus.OK, TaskStatus.CHANGED]
    assert _fetch(vdu) == str(EDGE_DATA)
    report = RecordingReporter()
    _action(runner, project, cloud_ns, instance, "health-check", {}, report, "op-4")
    assert [t.status for t in report.tasks] == [TaskStatus.OK, TaskStatus.OK]
    assert {t.host for t in report.tasks} == {"cloud_vdu-0"}
    assert engine.runs == ["up"]  # Day2 only read the outputs

    # TERMINATE: the cloud VNF has no terminate primitive; destroy, and the key is gone
    report = RecordingReporter()
    job = _job(project, cloud_ns, LcmOperationType.TERMINATE, {}, instance, "op-5")
    assert runner.run(job, report).instance_params == {}
    assert engine.runs == ["up", "destroy"] and report.tasks == []
    assert not (data / "instances" / "ns-cloud-1").exists()


def test_day2_parameters_are_checked_against_the_vnfd_before_anything_runs(
    db: Database, project: str, box: SecretBox, cloud_ns: str, vdu: VduHost, tmp_path: Path
) -> None:
    runner = StackRunner(db, box, Day0Engine(vdu), tmp_path / "data")
    outcome = _instantiate(runner, project, cloud_ns, "http://127.0.0.1:9001/", RecordingReporter())
    assert outcome.instance_params is not None
    report = RecordingReporter()
    with pytest.raises(ValidationError) as caught:
        _action(
            runner,
            project,
            cloud_ns,
            outcome.instance_params,
            "set-edge-endpoint",
            {},
            report,
            "op-2",
        )
    (issue,) = caught.value.issues
    assert (issue.path, issue.code) == ("/primitive_params/edge_url", "missing-parameter")
    assert report.tasks == []  # no playbook ran
    assert vdu.file(CLOUD_DIR / "edge-url").read_text() == "http://127.0.0.1:9001/\n"


def test_a_host_that_refuses_the_key_fails_day1_with_a_clear_error(
    db: Database, project: str, box: SecretBox, cloud_ns: str, vdu: VduHost, tmp_path: Path
) -> None:
    """Through the queue and the worker's execute: what the occurrence shows the user."""
    data = tmp_path / "data"
    runner = StackRunner(db, box, Day0Engine(vdu, accept_key=False), data)
    body = {"additionalParamsForNs": {"parameters": {PROFILE: {"edge_url": "http://e.x:1/"}}}}
    with db.session() as session:
        ns = queue.create_instance(
            session, project, name="cloud", nsd_id="cloud_ns", nsd_info_id=cloud_ns
        ).id
    with db.session() as session:
        op = queue.start_operation(session, project, ns, LcmOperationType.INSTANTIATE, body).id
    with db.session() as session:
        assert queue.claim(session, op, "w1")
    execute(db, runner, op, "w1")
    with db.session(readonly=True) as session:
        occ = queue.get_occurrence(session, project, op)
        instance = instances.get_instance(session, NS, project, ns)
    assert occ.state is LcmOperationState.FAILED_TEMP
    assert instance.ns_state == NsState.NOT_INSTANTIATED.value
    assert occ.current_step == f"day1: {PROFILE}"  # never "done"
    assert occ.error is not None
    # unreachable is retryable (a VM may still be booting); host, primitive and cause named
    assert occ.error.title == "RetryableError"
    detail = occ.error.detail
    assert detail.startswith("primitive set-edge-endpoint failed (failed, rc=4): unreachable: ")
    assert "cloud_vdu-0" in detail and "Permission denied (publickey)" in detail
    # the URL check runs on the controller; the first task on the host cannot connect
    assert [t.status for t in occ.task_results] == [TaskStatus.OK, TaskStatus.UNREACHABLE]
    assert vdu.file(CLOUD_DIR / "edge-url").read_text() == ""  # Day0's empty file, untouched
    # no traceback, no private key, no site credential in what the occurrence shows
    private = (data / "instances" / ns / "ssh" / "id_ed25519").read_text()
    shown = occ.model_dump_json()
    assert "Traceback" not in shown and "vim-secret-pw" not in shown
    assert all(line not in shown for line in private.strip().splitlines()[1:-1])

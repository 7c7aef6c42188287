"""Day1 and Day2 with real Ansible over real SSH against hosts in network namespaces."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import yaml
from support.netns_ssh import SshTestbed

from locus_iac.config import (
    ConfigRunner,
    Inventory,
    SshTarget,
    TaskStatus,
    VnfConfigTarget,
    inventory_from_outputs,
    raise_for_failure,
)
from locus_iac.descriptors.day12 import Day12
from locus_iac.errors import PermanentError, RetryableError, ValidationError

DAY12 = """
id: test-vnf
config-access:
  ssh-access: {required: true, default-user: locus-ssh-test}
execution-environment-list:
  - id: test-env
initial-config-primitive:
  - seq: 2
    name: configure
    execution-environment-ref: test-env
    parameter:
      - {name: target_dir, value: <target_dir>}
      - {name: greeting, value: hello}
  - seq: 1
    name: prepare
    parameter:
      - {name: target_dir, value: <target_dir>}
config-primitive:
  - name: set-greeting
    execution-environment-ref: test-env
    parameter:
      - {name: target_dir, data-type: STRING, mandatory: true}
      - {name: greeting, data-type: STRING, mandatory: true}
      - {name: repeat, data-type: INTEGER, default-value: 1}
  - name: broken
    execution-environment-ref: test-env
  - name: set-token
    execution-environment-ref: test-env
    parameter:
      - {name: target_dir, data-type: STRING, mandatory: true}
      - {name: token, data-type: STRING, mandatory: true, hidden: true}
  - name: slow
    execution-environment-ref: test-env
    parameter:
      - {name: target_dir, data-type: STRING, mandatory: true}
"""

PREPARE = """
- name: Prepare the VDU.
  hosts: all
  gather_facts: false
  tasks:
    - name: Ensure the configuration folder exists.
      ansible.builtin.file:
        path: "{{ target_dir }}/{{ inventory_hostname }}"
        state: directory
        mode: "0755"
    - name: Record which SSH server answered.
      ansible.builtin.shell: >-
        echo "$SSH_CONNECTION" > "{{ target_dir }}/{{ inventory_hostname }}/conn"
      changed_when: true
    - name: Record the primitive order.
      ansible.builtin.lineinfile:
        path: "{{ target_dir }}/{{ inventory_hostname }}/order"
        line: prepare
        create: true
        mode: "0644"
"""

CONFIGURE = """
- name: Configure the VDU.
  hosts: all
  gather_facts: false
  tasks:
    - name: Record the primitive order.
      ansible.builtin.lineinfile:
        path: "{{ target_dir }}/{{ inventory_hostname }}/order"
        line: configure
        insertafter: EOF
    - name: Write the greeting.
      ansible.builtin.copy:
        dest: "{{ target_dir }}/{{ inventory_hostname }}/greeting"
        content: "{{ greeting }}\\n"
        mode: "0644"
"""

SET_GREETING = """
- name: Change the greeting.
  hosts: all
  gather_facts: false
  tasks:
    - name: Write the greeting.
      ansible.builtin.copy:
        dest: "{{ target_dir }}/{{ inventory_hostname }}/greeting"
        content: "{{ (greeting ~ ' ') * repeat }}\\n"
        mode: "0644"
"""

BROKEN = """
- name: Fail on purpose.
  hosts: all
  gather_facts: false
  tasks:
    - name: Check something that is false.
      ansible.builtin.assert:
        that: [1 == 2]
        fail_msg: the VDU is not ready
"""

SLOW = """
- name: Take a long time.
  hosts: vdu-0
  gather_facts: false
  tasks:
    - name: Mark the start.
      ansible.builtin.file:
        path: "{{ target_dir }}/started"
        state: touch
        mode: "0644"
    - name: Wait a minute.
      ansible.builtin.command: sleep 60
      changed_when: false
    - name: Mark the end.
      ansible.builtin.file:
        path: "{{ target_dir }}/finished"
        state: touch
        mode: "0644"
"""

SET_TOKEN = """
- name: Store a token.
  hosts: vdu-0
  gather_facts: false
  tasks:
    - name: Write the token.
      ansible.builtin.copy:
        dest: "{{ target_dir }}/token"
        content: "{{ token }}"
        mode: "0600"
    - name: Say something careless.
      ansible.builtin.debug:
        msg: "the token is {{ token }}"
"""

FILES = {
    "ansible/test-env/prepare.yml": PREPARE.encode(),
    "ansible/test-env/configure.yaml": CONFIGURE.encode(),
    "ansible/test-env/set-greeting.yml": SET_GREETING.encode(),
    "ansible/test-env/broken.yml": BROKEN.encode(),
    "ansible/test-env/slow.yml": SLOW.encode(),
    "ansible/test-env/set-token.yml": SET_TOKEN.encode(),
}


def _target(testbed: SshTestbed) -> VnfConfigTarget:
    day12 = Day12.model_validate(yaml.safe_load(DAY12))
    user = day12.config_access.ssh_access.default_user  # type: ignore[union-attr]
    assert user is not None
    management = {"vnf1": {h.name: h.address for h in testbed.hosts}}
    inventory = inventory_from_outputs(
        management,
        "vnf1",
        user=user,
        private_key_file=testbed.private_key,
        port=testbed.hosts[0].port,
    )
    if testbed.hosts[0].netns is None:  # loopback fallback: one port per host
        inventory = Inventory(
            targets=tuple(
                SshTarget(name=h.name, address=h.address, port=h.port, user=user, vdu="vdu")
                for h in testbed.hosts
            ),
            private_key_file=testbed.private_key,
        )
    return VnfConfigTarget(
        ns_instance_id="ns-1", vnf_profile_id="vnf1", day12=day12, files=FILES, inventory=inventory
    )


def test_day1_runs_initial_primitives_in_seq_order_on_every_vdu(
    ssh_testbed: SshTestbed, remote_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="locus_iac")
    runner = ConfigRunner(tmp_path / "data")
    seen = []
    runs = runner.day1(
        _target(ssh_testbed), {"target_dir": str(remote_dir)}, op_occ_id="op-1", on_task=seen.append
    )
    assert [r.primitive for r in runs] == ["prepare", "configure"]
    assert all(r.ok for r in runs), [r.failures() for r in runs]
    for host in ssh_testbed.hosts:
        folder = remote_dir / host.name
        assert (folder / "order").read_text().split() == ["prepare", "configure"]
        assert (folder / "greeting").read_text() == "hello\n"
        # the command ran through this host's own sshd: SSH_CONNECTION names its address
        assert (folder / "conn").read_text().split()[2] == host.address
        assert folder.stat().st_uid == ssh_testbed.home.stat().st_uid
    tasks = runs[1].tasks
    assert {(t.host, t.task, t.status) for t in tasks} == {
        (h.name, task, TaskStatus.CHANGED)
        for h in ssh_testbed.hosts
        for task in ("Record the primitive order.", "Write the greeting.")
    }
    assert seen == [t for r in runs for t in r.tasks]
    assert all(t.playbook.endswith(("prepare.yml", "configure.yaml")) for t in seen)
    artifacts = Path(runs[0].artifacts_dir)
    assert artifacts.is_relative_to(tmp_path / "data" / "ansible" / "ns-1" / "op-1")
    assert (artifacts / "job_events").is_dir()
    secret = ssh_testbed.private_key.read_text()
    assert "PRIVATE KEY" in secret
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(errors="replace"), path
    assert secret not in caplog.text
    assert "[ns=ns-1 op=op-1]" in caplog.text

    again = runner.day1(_target(ssh_testbed), {"target_dir": str(remote_dir)})
    configure_again = again[1].tasks
    assert {t.status for t in configure_again} == {TaskStatus.OK}  # idempotent second run


def test_day2_action_runs_with_checked_parameters(
    ssh_testbed: SshTestbed, remote_dir: Path, tmp_path: Path
) -> None:
    runner = ConfigRunner(tmp_path / "data")
    target = _target(ssh_testbed)
    owner = ssh_testbed.home.stat()
    for path in (remote_dir, *(remote_dir / h.name for h in ssh_testbed.hosts)):
        path.mkdir()
        os.chown(path, owner.st_uid, owner.st_gid)
    run = runner.day2(
        target, "set-greeting", {"target_dir": str(remote_dir), "greeting": "hi", "repeat": 2}
    )
    raise_for_failure(run)
    assert [t.status for t in run.tasks] == [TaskStatus.CHANGED, TaskStatus.CHANGED]
    for host in ssh_testbed.hosts:
        assert (remote_dir / host.name / "greeting").read_text() == "hi hi \n"

    with pytest.raises(ValidationError) as caught:
        runner.day2(target, "set-greeting", {"greeting": 5, "colour": "red"})
    assert {(i.path, i.code) for i in caught.value.issues} == {
        ("/primitive_params/colour", "unknown-parameter"),
        ("/primitive_params/greeting", "wrong-type"),
        ("/primitive_params/target_dir", "missing-parameter"),
    }
    with pytest.raises(ValidationError) as unknown:
        runner.day2(target, "reboot", {})
    assert unknown.value.issues[0].path == "/primitive"


def test_failed_task_is_reported_and_permanent(ssh_testbed: SshTestbed, tmp_path: Path) -> None:
    run = ConfigRunner(tmp_path / "data").day2(_target(ssh_testbed), "broken", {})
    assert not run.ok and run.status == "failed"
    failures = run.failures()
    assert {t.host for t in failures} == {h.name for h in ssh_testbed.hosts}
    assert all(t.status is TaskStatus.FAILED for t in failures)
    assert failures[0].message == "the VDU is not ready"
    with pytest.raises(PermanentError, match="the VDU is not ready"):
        raise_for_failure(run)


def test_unreachable_host_is_retryable(ssh_testbed: SshTestbed, tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port on loopback where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = _target(ssh_testbed)
    dead = Inventory(
        targets=(SshTarget(name="vdu-9", address="127.0.0.1", port=port, user="locus-ssh-test"),),
        private_key_file=ssh_testbed.private_key,
    )
    target = VnfConfigTarget(
        ns_instance_id="ns-1",
        vnf_profile_id="vnf1",
        day12=target.day12,
        files=FILES,
        inventory=dead,
    )
    params = {"target_dir": "/nonexistent", "greeting": "x"}
    run = ConfigRunner(tmp_path / "data").day2(target, "set-greeting", params)
    assert [t.status for t in run.tasks] == [TaskStatus.UNREACHABLE]
    assert "Connection refused" in run.tasks[0].message
    with pytest.raises(RetryableError, match="unreachable"):
        raise_for_failure(run)


def test_a_cancel_request_stops_the_playbook(
    ssh_testbed: SshTestbed, remote_dir: Path, tmp_path: Path
) -> None:
    owner = ssh_testbed.home.stat()
    remote_dir.mkdir()
    os.chown(remote_dir, owner.st_uid, owner.st_gid)
    started = remote_dir / "started"
    run = ConfigRunner(tmp_path / "data").day2(
        _target(ssh_testbed),
        "slow",
        {"target_dir": str(remote_dir)},
        should_cancel=started.exists,
    )
    assert run.status == "canceled"
    assert not run.ok
    assert started.exists() and not (remote_dir / "finished").exists()
    assert [t.task for t in run.tasks] == ["Mark the start."]


def test_hidden_parameters_are_redacted_from_results_and_artifacts(
    ssh_testbed: SshTestbed, remote_dir: Path, tmp_path: Path
) -> None:
    owner = ssh_testbed.home.stat()
    remote_dir.mkdir()
    os.chown(remote_dir, owner.st_uid, owner.st_gid)
    token = 'tok-"quoted"-s3cr3t'
    run = ConfigRunner(tmp_path / "data").day2(
        _target(ssh_testbed), "set-token", {"target_dir": str(remote_dir), "token": token}
    )
    raise_for_failure(run)
    assert (remote_dir / "token").read_text() == token  # the host got the real value
    assert [t.message for t in run.tasks][-1] == "the token is [secret]"
    files = [p for p in Path(run.artifacts_dir).rglob("*") if p.is_file()]
    assert any("[secret]" in p.read_text(errors="replace") for p in files)
    for path in files:
        text = path.read_text(errors="replace")
        assert "s3cr3t" not in text, path

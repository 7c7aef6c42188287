"""The Ansible settings run_playbook gives a run: pipelining for local (KDU) runs only, through
their inventory, so that KDU and SSH runs have the same settings (one playbook server's
import serves both)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from locus_iac.config import runner
from locus_iac.config.inventory import Inventory, SshTarget
from locus_iac.config.kube_inventory import KduTarget, KubernetesInventory
from locus_iac.config.results import TaskResult

PLAY = {"p.yml": b"- hosts: all\n  gather_facts: false\n  tasks: []\n"}


def _run_of(
    inventory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, str], dict[str, Any]]:
    """The environment and the inventory document a run gets."""
    seen: dict[str, Any] = {}

    def fake_child(
        spec: Mapping[str, Any],
        root: Path,
        record: Callable[[TaskResult], None],
        should_cancel: Callable[[], bool] | None,
        what: str,
    ) -> tuple[str, int]:
        seen.update(spec)
        seen["inventory_document"] = json.loads(Path(spec["inventory"]).read_text())
        return "successful", 0

    monkeypatch.setattr(runner, "_run_child", fake_child)
    runner.run_playbook(
        primitive="x",
        playbook="p.yml",
        playbook_dir=PLAY,
        inventory=inventory,
        extra_vars={},
        artifacts_root=tmp_path / "artifacts",
        ident="i",
    )
    env: dict[str, str] = seen["envvars"]
    document: dict[str, Any] = seen["inventory_document"]
    return env, document


def test_kdu_runs_pipeline_their_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kdu = KduTarget(name="cache", vnf_profile_id="1", release="r", namespace="ns")
    env, document = _run_of(KubernetesInventory(targets=(kdu,)), tmp_path, monkeypatch)
    assert document["all"]["vars"]["ansible_pipelining"] is True
    assert env["ANSIBLE_PIPELINING"] == "0"  # the inventory's variable wins for its hosts


def test_ssh_runs_keep_pipelining_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vm = SshTarget(name="vdu-0", address="192.0.2.7", user="ubuntu")
    inventory = Inventory(targets=(vm,), private_key_file=tmp_path / "key")
    env, document = _run_of(inventory, tmp_path, monkeypatch)
    assert env["ANSIBLE_PIPELINING"] == "0"
    assert "ansible_pipelining" not in json.dumps(document)
    assert env["ANSIBLE_SSH_CONTROL_PATH_DIR"].endswith("/cp")


def test_kdu_and_ssh_runs_have_the_same_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kdu = KduTarget(name="cache", vnf_profile_id="1", release="r", namespace="ns")
    vm = SshTarget(name="vdu-0", address="192.0.2.7", user="ubuntu")
    local, _ = _run_of(KubernetesInventory(targets=(kdu,)), tmp_path / "a", monkeypatch)
    remote, _ = _run_of(
        Inventory(targets=(vm,), private_key_file=tmp_path / "key"), tmp_path / "b", monkeypatch
    )
    per_run = {"ANSIBLE_SSH_CONTROL_PATH_DIR"}  # a folder of each run's own

    def settings(env: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in env.items() if k.startswith("ANSIBLE_") and k not in per_run}

    assert settings(local) == settings(remote)
    assert "ANSIBLE_PIPELINING" in settings(local)


CMDLINE_MODULE = b"""#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule

with open("/proc/self/cmdline", "rb") as cmdline:
    words = cmdline.read().decode().split("\\0")
AnsibleModule(argument_spec={}).exit_json(changed=False, msg=" ".join(words).strip())
"""


def test_a_kdu_run_gives_its_modules_their_code_on_stdin(tmp_path: Path) -> None:
    """A real local run: the module interpreter gets no payload file (pipelining), unless
    the playbook turns pipelining off for its hosts."""
    kdu = KduTarget(name="cache", vnf_profile_id="1", release="r", namespace="ns")
    play = b"- hosts: all\n  gather_facts: false\n  tasks:\n    - name: Probe.\n      probe:\n"
    messages = []
    for ident, extra in (("on", {}), ("off", {"ansible_pipelining": False})):
        run = runner.run_playbook(
            primitive="probe",
            playbook="p.yml",
            playbook_dir={"p.yml": play, "library/probe.py": CMDLINE_MODULE},
            inventory=KubernetesInventory(targets=(kdu,)),
            extra_vars=extra,
            artifacts_root=tmp_path / "artifacts",
            ident=ident,
            timeout=300,
        )
        assert run.ok, run.tasks
        messages.append(run.tasks[0].message)
    piped, filed = messages
    assert piped.endswith("_module_boot.py")
    assert filed.endswith("AnsiballZ_probe.py")

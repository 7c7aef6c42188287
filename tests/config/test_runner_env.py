"""The Ansible settings run_playbook gives a run: pipelining for local (KDU) runs only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from locus_iac.config import runner
from locus_iac.config.inventory import Inventory, SshTarget
from locus_iac.config.kube_inventory import KduTarget, KubernetesInventory
from locus_iac.config.results import TaskResult

PLAY = {"p.yml": b"- hosts: all\n  gather_facts: false\n  tasks: []\n"}


def _env_of(inventory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    seen: dict[str, Any] = {}

    def fake_child(
        spec: Mapping[str, Any],
        root: Path,
        record: Callable[[TaskResult], None],
        should_cancel: Callable[[], bool] | None,
        what: str,
    ) -> tuple[str, int]:
        seen.update(spec)
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
    return env


def test_kdu_runs_pipeline_their_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kdu = KduTarget(name="cache", vnf_profile_id="1", release="r", namespace="ns")
    env = _env_of(KubernetesInventory(targets=(kdu,)), tmp_path, monkeypatch)
    assert env["ANSIBLE_PIPELINING"] == "1"


def test_ssh_runs_keep_pipelining_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vm = SshTarget(name="vdu-0", address="192.0.2.7", user="ubuntu")
    inventory = Inventory(targets=(vm,), private_key_file=tmp_path / "key")
    env = _env_of(inventory, tmp_path, monkeypatch)
    assert env["ANSIBLE_PIPELINING"] == "0"
    assert env["ANSIBLE_SSH_CONTROL_PATH_DIR"].endswith("/cp")

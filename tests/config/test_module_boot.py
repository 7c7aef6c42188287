"""The interpreter front of KDU modules: a payload's module_utils come from their installed,
byte-compiled copies only when identical; everything else from the payload."""

from __future__ import annotations

import sysconfig
import zipfile
from pathlib import Path

import pytest

from locus_iac.config import runner
from locus_iac.config._module_boot import InstalledFirst
from locus_iac.config.kube_inventory import KduTarget, KubernetesInventory
from locus_iac.config.results import TaskStatus

UTILS = "ansible_collections/locustest/demo/plugins/module_utils"


def _layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, InstalledFirst]:
    """An installation with three module_utils files and a payload that sends them, one of
    them changed; the payload is on ``sys.path`` as AnsiballZ puts it."""
    installed = tmp_path / "site"
    folder = installed / UTILS
    folder.mkdir(parents=True)
    files = {"same.py": "X = 1\n", "changed.py": "X = 2\n", "__init__.py": "", "extra.py": ""}
    for name, text in files.items():
        (folder / name).write_text(text)
    payload = tmp_path / "ansible_demo_payload.zip"
    with zipfile.ZipFile(payload, "w") as z:
        z.writestr(f"{UTILS}/same.py", "X = 1\n")
        z.writestr(f"{UTILS}/changed.py", "X = 3\n")
        z.writestr(f"{UTILS}/__init__.py", "")
    monkeypatch.syspath_prepend(str(payload))
    return installed, InstalledFirst([str(installed)])


def test_identical_modules_come_from_the_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed, finder = _layout(tmp_path, monkeypatch)
    name = UTILS.replace("/", ".")
    spec = finder.find_spec(f"{name}.same")
    assert spec is not None and spec.origin == str(installed / UTILS / "same.py")
    assert finder.find_spec(f"{name}.changed") is None  # differs: the payload's copy runs
    assert finder.find_spec(f"{name}.extra") is None  # not sent: not taken either
    assert finder.find_spec(name) is None  # packages: the payload's
    assert finder.find_spec(f"{name}.missing") is None
    assert finder.find_spec("json") is None  # only ansible's namespaces


def test_without_a_payload_nothing_is_redirected(tmp_path: Path) -> None:
    installed = tmp_path / "site"
    (installed / UTILS).mkdir(parents=True)
    (installed / UTILS / "same.py").write_text("X = 1\n")
    finder = InstalledFirst([str(installed)])
    assert finder.find_spec(UTILS.replace("/", ".") + ".same") is None


PROBE_MODULE = b"""#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule
import ansible.module_utils.basic as basic

AnsibleModule(argument_spec={}).exit_json(changed=False, msg=basic.__file__)
"""

PLAY = b"""- hosts: kdus
  gather_facts: false
  tasks:
    - name: Say where the module's basic came from.
      probe:
    - name: Write a file with a builtin module.
      ansible.builtin.copy:
        dest: "{{ target }}"
        content: "written by {{ inventory_hostname }}\\n"
"""


def test_a_kdu_run_takes_identical_module_utils_from_the_installation(tmp_path: Path) -> None:
    """A real playbook run on the local connection: the modules work, and the ``basic``
    module_utils a module imports is the installed file, not the payload's copy."""
    inventory = KubernetesInventory(
        targets=(KduTarget(name="cache", vnf_profile_id="1", release="r", namespace="ns"),)
    )
    target = tmp_path / "out.txt"
    run = runner.run_playbook(
        primitive="probe",
        playbook="play.yml",
        playbook_dir={"play.yml": PLAY, "library/probe.py": PROBE_MODULE},
        inventory=inventory,
        extra_vars={"target": str(target)},
        artifacts_root=tmp_path / "artifacts",
        ident="probe",
        timeout=300,
    )
    assert run.ok, run.tasks
    probe, copy = run.tasks
    assert probe.status is TaskStatus.OK
    # (``tests/ansible`` shadows the ansible package in this process: the path is built)
    installed = Path(sysconfig.get_paths()["purelib"]) / "ansible" / "module_utils" / "basic.py"
    assert probe.message == str(installed)
    assert copy.status is TaskStatus.CHANGED
    assert target.read_text() == "written by cache\n"

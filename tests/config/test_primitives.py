"""Primitive parameters checked against the VNFD, playbook resolution, inventories, events."""

from __future__ import annotations

from pathlib import Path

import pytest

from locus_iac.config import (
    TaskStatus,
    check_primitive_params,
    day12_entries,
    initial_params,
    inventory_from_outputs,
    ordered_initial,
    resolve_playbook,
    task_result,
    vnf_day12,
)
from locus_iac.descriptors.day12 import ConfigPrimitive, Day12
from locus_iac.descriptors.vnfd import Vnfd
from locus_iac.errors import NotFound, ValidationError
from locus_iac.packages import read_package

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/packages/cloud_vnf"

PRIMITIVE = ConfigPrimitive.model_validate(
    {
        "name": "tune",
        "parameter": [
            {"name": "url", "data-type": "STRING", "mandatory": True},
            {"name": "workers", "data-type": "INTEGER", "default-value": 4},
            {"name": "debug", "data-type": "BOOLEAN", "default-value": "false"},
            {"name": "note"},
        ],
    }
)


def test_valid_parameters_get_their_defaults() -> None:
    assert check_primitive_params(PRIMITIVE, {"url": "http://x/", "debug": True}) == {
        "url": "http://x/",
        "workers": 4,
        "debug": True,
    }


def test_every_problem_is_reported_with_a_pointer() -> None:
    with pytest.raises(ValidationError) as caught:
        check_primitive_params(
            PRIMITIVE, {"workers": "4", "debug": 1, "note": 3, "colour": "red", "a/b": 1}
        )
    assert {(i.path, i.code) for i in caught.value.issues} == {
        ("/primitive_params/url", "missing-parameter"),
        ("/primitive_params/workers", "wrong-type"),
        ("/primitive_params/debug", "wrong-type"),
        ("/primitive_params/note", "wrong-type"),
        ("/primitive_params/colour", "unknown-parameter"),
        ("/primitive_params/a~1b", "unknown-parameter"),
    }
    messages = {i.path: i.message for i in caught.value.issues}
    assert messages["/primitive_params/workers"] == "'workers' must be an integer"
    assert "declared: debug, note, url, workers" in messages["/primitive_params/colour"]


def test_booleans_are_not_integers() -> None:
    with pytest.raises(ValidationError, match="tune"):
        check_primitive_params(PRIMITIVE, {"url": "u", "workers": True})


DAY12 = Day12.model_validate(
    {
        "id": "v",
        "execution-environment-list": [{"id": "env"}],
        "initial-config-primitive": [
            {
                "seq": 10,
                "name": "late",
                "parameter": [{"name": "n", "data-type": "INTEGER", "value": "7"}],
            },
            {
                "seq": 2,
                "name": "early",
                "execution-environment-primitive": "first",
                "parameter": [{"name": "url", "value": "<edge_url>"}],
            },
        ],
        "config-primitive": [{"name": "p"}],
    }
)


def test_initial_primitives_in_seq_order_and_their_values() -> None:
    early, late = ordered_initial(DAY12)
    assert (early.name, late.name) == ("early", "late")
    assert initial_params(early, {"edge_url": "http://e/"}, "/x") == {"url": "http://e/"}
    assert initial_params(late, {}, "/x") == {"n": 7}
    with pytest.raises(ValidationError) as caught:
        initial_params(early, {}, "/additionalParamsForVnf/cloud")
    assert caught.value.issues[0].path == "/additionalParamsForVnf/cloud/edge_url"


def test_playbook_resolution_follows_the_package_convention() -> None:
    files = {
        "ansible/env/first.yaml": b"- hosts: all\n",
        "ansible/env/p.yml": b"- hosts: all\n",
        "ansible/env/templates/x.j2": b"x",
        "ansible/other/p.yml": b"",
    }
    early = ordered_initial(DAY12)[0]
    resolved = resolve_playbook(DAY12, early, files)
    assert (resolved.primitive, resolved.environment, resolved.playbook) == (
        "early",
        "env",
        "first.yaml",
    )
    assert set(resolved.files) == {"first.yaml", "p.yml", "templates/x.j2"}
    with pytest.raises(NotFound, match=r"ansible/env/p\.yml"):
        resolve_playbook(DAY12, DAY12.config_primitive[0], {})


def test_inventory_from_stack_outputs(tmp_path: Path) -> None:
    key = tmp_path / "id"
    inv = inventory_from_outputs(
        {"cloud": {"cloud_vdu-1": "10.0.0.6", "cloud_vdu-0": "10.0.0.5"}},
        "cloud",
        user="ubuntu",
        private_key_file=key,
    )
    doc = inv.as_ansible(tmp_path / "known_hosts")["all"]
    assert doc["hosts"]["cloud_vdu-0"] == {
        "ansible_host": "10.0.0.5",
        "ansible_port": 22,
        "ansible_user": "ubuntu",
    }
    assert set(doc["children"]["cloud_vdu"]["hosts"]) == {"cloud_vdu-0", "cloud_vdu-1"}
    assert doc["vars"]["ansible_ssh_private_key_file"] == str(key)
    only = inv.for_vdu("cloud_vdu")
    assert [t.name for t in only.targets] == ["cloud_vdu-0", "cloud_vdu-1"]
    with pytest.raises(ValidationError, match="no management address for VDU 'x'"):
        inv.for_vdu("x")
    with pytest.raises(ValidationError) as caught:
        inventory_from_outputs({"cloud": {}}, "edge", user="u", private_key_file=key)
    assert caught.value.issues[0].path == "/outputs/management/edge"


RECORDED = [
    {"event": "playbook_on_start", "event_data": {"playbook": "p.yml"}},
    {
        "event": "runner_on_ok",
        "event_data": {
            "playbook": "p.yml",
            "play": "P",
            "host": "vdu-0",
            "task": "Write.",
            "task_action": "ansible.builtin.copy",
            "res": {"changed": True},
        },
    },
    {
        "event": "runner_on_ok",
        "event_data": {
            "playbook": "p.yml",
            "play": "P",
            "host": "vdu-1",
            "task": "Write.",
            "task_action": "ansible.builtin.copy",
            "res": {"changed": False, "msg": "All fine"},
        },
    },
    {
        "event": "runner_on_failed",
        "event_data": {
            "playbook": "p.yml",
            "play": "P",
            "host": "vdu-0",
            "task": "Run.",
            "ignore_errors": True,
            "task_action": "ansible.builtin.command",
            "res": {"rc": 1, "stderr": "boom\n"},
        },
    },
    {
        "event": "runner_on_unreachable",
        "event_data": {
            "playbook": "p.yml",
            "play": "P",
            "host": "vdu-1",
            "task": "Run.",
            "task_action": "ansible.builtin.command",
            "res": {"msg": "Connection refused"},
        },
    },
    {
        "event": "runner_on_skipped",
        "event_data": {
            "playbook": "p.yml",
            "play": "P",
            "host": "vdu-1",
            "task": "Skip.",
            "task_action": "x",
        },
    },
    {"event": "verbose", "stdout": "noise"},
]


def test_runner_events_become_task_results() -> None:
    results = [r for r in (task_result(e) for e in RECORDED) if r is not None]
    assert [(r.host, r.status, r.message, r.ignored) for r in results] == [
        ("vdu-0", TaskStatus.CHANGED, "", False),
        ("vdu-1", TaskStatus.OK, "All fine", False),
        ("vdu-0", TaskStatus.FAILED, "boom", True),
        ("vdu-1", TaskStatus.UNREACHABLE, "Connection refused", False),
        ("vdu-1", TaskStatus.SKIPPED, "", False),
    ]
    assert results[0].action == "ansible.builtin.copy"


def test_the_example_vnfd_primitives() -> None:
    package = read_package(EXAMPLE)
    vnfd = package.descriptor.model
    assert isinstance(vnfd, Vnfd)
    day12 = vnf_day12(vnfd)
    assert day12 is not None and day12.id == "cloud_vnf"
    assert day12_entries(vnfd, "default-df") == (day12,)
    with pytest.raises(NotFound, match="no deployment flavour 'big'"):
        day12_entries(vnfd, "big")
    action = day12.primitive("set-edge-endpoint")
    assert action is not None
    assert check_primitive_params(action, {"edge_url": "http://e:8080/"}) == {
        "edge_url": "http://e:8080/"
    }
    with pytest.raises(ValidationError) as caught:
        check_primitive_params(action, {})
    assert caught.value.issues[0].path == "/primitive_params/edge_url"
    first = ordered_initial(day12)[0]
    resolved = resolve_playbook(day12, first, package.files)
    assert (resolved.environment, resolved.playbook) == ("cloud-config", "set-edge-endpoint.yml")
    assert set(resolved.files) == {"set-edge-endpoint.yml", "health-check.yml"}
    assert initial_params(first, {"edge_url": "http://e/"}, "/p") == {"edge_url": "http://e/"}

"""OSM-style packages (descriptors from tests/fixtures/descriptors) are taken unchanged.

Each package is laid out the way OSM's own packages are: one top folder with the descriptor,
``cloud_init/``, ``charms/`` for Juju execution environments, ``helm-charts/`` for Helm
ones, ``icons/``, and a ``checksums.txt`` written the way OSM's client writes it (MD5, a tab,
the path prefixed with the folder the package was built from, files without a dot left out).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from locus_iac.errors import ValidationError
from locus_iac.packages import day12_playbooks, read_package, validate_set

from .archives import package_tar

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "descriptors"
EE_CHART = b"apiVersion: v2\nname: eechart\nversion: 0.1.0\n"


def _osm_checksums(top: str, files: dict[str, bytes]) -> bytes:
    lines = [
        f"{hashlib.md5(data, usedforsecurity=False).hexdigest()}\t./{top}/{path}\n"
        for path, data in files.items()
        if "." in path.rsplit("/", 1)[-1]
    ]
    return "".join(lines).encode()


def _osm_package(top: str, files: dict[str, bytes]) -> bytes:
    return package_tar({**files, "checksums.txt": _osm_checksums(top, files)}, top=top)


def _multivdu_files() -> dict[str, bytes]:
    return {
        "hackfest_multivdu_vnfd.yaml": (FIXTURES / "hackfest_multivdu_vnfd.yaml").read_bytes(),
        "cloud_init/cloud-config.txt": b"#cloud-config\npassword: osm4u\n",
        "charms/simple/metadata.yaml": b"name: simple\nsubordinate: false\n",
        "charms/simple/actions.yaml": b"touch:\n  params: {filename: {type: string}}\n",
        "charms/simple/src/charm.py": b"# charm code\n",
        "icons/osm.png": b"\x89PNG\r\n\x1a\n",
    }


def test_charmed_multi_vdu_vnf_package_is_taken_unchanged() -> None:
    package = read_package(_osm_package("hackfest_multivdu_vnf", _multivdu_files()))
    assert package.id == "hackfest_multivdu-vnf"
    assert day12_playbooks(package.descriptor, package.files) == []  # the charm runs them


def test_charmed_package_without_its_charm_needs_our_playbooks() -> None:
    files = {k: v for k, v in _multivdu_files().items() if not k.startswith("charms/")}
    with pytest.raises(ValidationError) as caught:
        read_package(_osm_package("hackfest_multivdu_vnf", files))
    messages = [i.message for i in caught.value.issues]
    assert len(messages) == 4  # config, touch (day 1), touch (day 2), touch (terminate)
    assert all("charms/simple/" in m and "ansible/simple-ee/" in m for m in messages)


def test_multi_vdu_cloud_init_file_must_be_shipped() -> None:
    files = _multivdu_files()
    del files["cloud_init/cloud-config.txt"]
    with pytest.raises(ValidationError) as caught:
        read_package(_osm_package("hackfest_multivdu_vnf", files))
    assert [(i.path, i.code) for i in caught.value.issues] == [
        ("/vnfd/vdu/0/cloud-init-file", "missing-file")
    ]


def test_helm_knf_with_a_helm_execution_environment_is_taken_unchanged() -> None:
    files = {
        "openldap_vnfd.yaml": (FIXTURES / "openldap_knf_vnfd.yaml").read_bytes(),
        "helm-charts/eechart/Chart.yaml": EE_CHART,
        "helm-charts/eechart/values.yaml": b"replicaCount: 1\n",
    }
    package = read_package(_osm_package("openldap_knf", files))
    assert package.id == "openldap_knf"
    del files["helm-charts/eechart/Chart.yaml"]
    del files["helm-charts/eechart/values.yaml"]
    with pytest.raises(ValidationError) as caught:
        read_package(_osm_package("openldap_knf", files))
    assert [(i.path, i.code) for i in caught.value.issues] == [
        (
            "/vnfd/df/0/lcm-operations-configuration/operate-vnf-op-config/day1-2/0/"
            "execution-environment-list/0/helm-chart",
            "missing-file",
        )
    ]


def test_ns_packages_resolve_against_their_vnf_packages() -> None:
    vnf = read_package(_osm_package("hackfest_multivdu_vnf", _multivdu_files()))
    nsd_text = (FIXTURES / "hackfest_multivdu_nsd.yaml").read_bytes()
    ns = read_package(
        _osm_package("hackfest_multivdu_ns", {"hackfest_multivdu_nsd.yaml": nsd_text})
    )
    assert [list(r.issues) for r in validate_set([ns, vnf])] == [[], []]

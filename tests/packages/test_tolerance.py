"""What OSM tolerates is a warning, not a refusal (unless strict); findings come together."""

from __future__ import annotations

import tarfile

import pytest

from locus_iac.descriptors import Vnfd, parse_descriptor
from locus_iac.errors import ValidationError
from locus_iac.packages import check_with, inspect_package

from .archives import MINIMAL_VNFD, Member, tar_bytes

ADDRESS = b"""  ext-cpd:
    - id: vnf-mgmt-ext
      int-cpd: {vdu-id: tiny_vdu, cpd: eth0-int}
      protocol:
        - associated-layer-protocol: ipv4
          address-data:
            - type: ip-address
              l3-address-data: {floating-ip-activated: true}
"""
WITHOUT_ASSIGNMENT = MINIMAL_VNFD.replace(
    b"""  ext-cpd:
    - id: vnf-mgmt-ext
      int-cpd: {vdu-id: tiny_vdu, cpd: eth0-int}
""",
    ADDRESS,
)
POINTER = "/vnfd/ext-cpd/0/protocol/0/address-data/0/l3-address-data/ip-address-assignment"

OSM_IM_LEAVES = (
    MINIMAL_VNFD.replace(
        b"      virtual-memory: {size: 1.0}\n",
        b"""      virtual-memory:
        size: 1.0
        mempage-size: LARGE
        numa-node-policy:
          node-cnt: 1
          mem-policy: STRICT
          node: [{id: 0, vcpu: [{id: 0}], num-cores: 1}]
      virtual-cpu:
        num-virtual-cpu: 1
        pinning: {policy: static, thread-policy: PREFER}
        cpu-quota: {limit: 100}
""",
    )
    .replace(b"      virtual-cpu: {num-virtual-cpu: 1}\n", b"")
    .replace(b"      name: tiny_vdu\n", b"      name: tiny_vdu\n      pdu-type: gateway\n")
)


def test_a_sol006_mandatory_leaf_osm_does_not_enforce_is_a_warning() -> None:
    lenient = inspect_package(WITHOUT_ASSIGNMENT)
    assert lenient.valid
    assert [(w.path, w.code) for w in lenient.warnings] == [(POINTER, "missing-field")]
    strict = inspect_package(WITHOUT_ASSIGNMENT, strict=True)
    assert not strict.valid and strict.warnings == ()
    assert [(i.path, i.code) for i in strict.issues] == [(POINTER, "missing-field")]


def test_osm_im_leaves_in_a_sol006_vnfd_are_accepted_and_kept() -> None:
    descriptor = parse_descriptor(OSM_IM_LEAVES, strict=True)
    model = descriptor.model
    assert isinstance(model, Vnfd)
    memory = model.virtual_compute_desc[0].virtual_memory
    assert memory is not None and memory.mempage_size == "LARGE"
    assert memory.numa_node_policy is not None and memory.numa_node_policy.node[0].num_cores == 1
    cpu = model.virtual_compute_desc[0].virtual_cpu
    assert cpu is not None and cpu.pinning is not None and cpu.pinning.thread_policy == "PREFER"
    assert model.vdu[0].pdu_type == "gateway"
    assert descriptor.document["vnfd"]["vdu"][0]["pdu-type"] == "gateway"


def test_an_osm_im_leaf_with_a_wrong_value_is_still_an_error() -> None:
    bad = OSM_IM_LEAVES.replace(b"mempage-size: LARGE", b"mempage-size: HUGE")
    with pytest.raises(ValidationError) as caught:
        parse_descriptor(bad)
    paths = [(i.path, i.code) for i in caught.value.issues]
    assert paths == [("/vnfd/virtual-compute-desc/0/virtual-memory/mempage-size", "invalid-value")]


def test_archive_and_descriptor_findings_are_reported_together() -> None:
    broken = MINIMAL_VNFD.replace(b"  provider: tests\n", b"  provider: tests\n  colour: red\n")
    data = tar_bytes(
        [
            Member("pkg/tiny.yaml", broken),
            Member("pkg/evil", kind=tarfile.SYMTYPE, linkname="/etc/passwd"),
        ]
    )
    check = inspect_package(data)
    assert check.package is None and check.unsafe
    assert (check.kind is not None, check.id) == (True, "tiny_vnf")
    assert sorted((i.path, i.code) for i in check.issues) == [
        ("/archive/pkg/evil", "link-member"),
        ("/vnfd/colour", "unknown-field"),
    ]


NSD = b"""nsd:
  nsd:
    - id: tiny_ns
      vnfd-id: [tiny_vnf]
      df:
        - id: default-df
          vnf-profile:
            - id: "1"
              vnfd-id: tiny_vnf
"""


def test_with_packages_matter_only_when_referenced() -> None:
    subject = inspect_package(NSD)
    unrelated = inspect_package(b"vnfd:\n  id: nobody_uses_me\n  vdu: not-a-list\n")
    assert not unrelated.valid
    assert check_with(subject, [unrelated, inspect_package(MINIMAL_VNFD)]) == []
    referenced = inspect_package(b"vnfd:\n  id: tiny_vnf\n  vdu: not-a-list\n")
    codes = {i.code for i in check_with(subject, [referenced])}
    assert codes == {"invalid-with-package", "unresolved-reference"}

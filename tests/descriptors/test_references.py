"""Every in-descriptor reference rule: a broken reference is reported at its own leaf."""

from __future__ import annotations

from typing import Any

import pytest

from locus_iac.descriptors import parse_descriptor

from .conftest import DELETE, fixture_data, issues_of, pairs, set_at, to_text

MULTI = "hackfest_multivdu_vnfd.yaml"
DAY12 = ["df", 0, "lcm-operations-configuration", "operate-vnf-op-config", "day1-2", 0]
SCALING = ["df", 0, "scaling-aspect", 0]

# (fixture, envelope path, path inside the descriptor, broken value)
CASES: list[tuple[str, list[Any], list[Any], str]] = [
    (MULTI, ["vnfd"], ["vdu", 0, "virtual-compute-desc"], "nope"),
    (MULTI, ["vnfd"], ["vdu", 0, "virtual-storage-desc", 0], "nope"),
    (MULTI, ["vnfd"], ["vdu", 0, "sw-image-desc"], "nope"),
    (MULTI, ["vnfd"], ["vdu", 0, "alternative-sw-image-desc", 0], "nope"),
    (MULTI, ["vnfd"], ["vdu", 0, "int-cpd", 1, "int-virtual-link-desc"], "nope"),
    (MULTI, ["vnfd"], ["vdu", 1, "alarm", 0, "vnf-monitoring-param-ref"], "nope"),
    (MULTI, ["vnfd"], ["ext-cpd", 0, "int-cpd", "vdu-id"], "nope"),
    # a port that exists, but on the other VDU
    (MULTI, ["vnfd"], ["ext-cpd", 0, "int-cpd", "cpd"], "dataVM-eth0-int"),
    (MULTI, ["vnfd"], ["mgmt-cp"], "mgmtVM-eth0-int"),
    (MULTI, ["vnfd"], ["df", 0, "vdu-profile", 0, "id"], "nope"),
    (MULTI, ["vnfd"], ["df", 0, "instantiation-level", 0, "vdu-level", 0, "vdu-id"], "nope"),
    (MULTI, ["vnfd"], ["df", 0, "virtual-link-profile", 0, "id"], "nope"),
    (MULTI, ["vnfd"], [*SCALING, "aspect-delta-details", "deltas", 0, "vdu-delta", 0, "id"], "x"),
    (
        MULTI,
        ["vnfd"],
        [*SCALING, "scaling-policy", 0, "scaling-criteria", 0, "vnf-monitoring-param-ref"],
        "x",
    ),
    (
        MULTI,
        ["vnfd"],
        [*SCALING, "scaling-config-action", 0, "vnf-config-primitive-name-ref"],
        "nope",
    ),
    (MULTI, ["vnfd"], ["df", 0, "healing-aspect", 0, "healing-policy", 0, "vdu-id"], "nope"),
    (MULTI, ["vnfd"], [*DAY12, "id"], "nope"),
    (MULTI, ["vnfd"], [*DAY12, "config-primitive", 0, "execution-environment-ref"], "nope"),
    (MULTI, ["vnfd"], [*DAY12, "initial-config-primitive", 1, "execution-environment-ref"], "x"),
    (MULTI, ["vnfd"], [*DAY12, "terminate-config-primitive", 0, "execution-environment-ref"], "x"),
    (
        MULTI,
        ["vnfd"],
        [*DAY12, "execution-environment-list", 0, "external-connection-point-ref"],
        "nope",
    ),
    ("edge_knf_vnfd.yaml", ["vnfd"], ["ext-cpd", 1, "k8s-cluster-net"], "user-net"),
    (
        "edge_knf_vnfd.yaml",
        ["vnfd"],
        ["kdu", 0, "service", 0, "external-connection-point-ref"],
        "nope",
    ),
    ("scalable_knf_vnfd.yaml", ["vnfd"], ["df", 0, "kdu-resource-profile", 0, "kdu-name"], "x"),
    (
        "scalable_knf_vnfd.yaml",
        ["vnfd"],
        ["df", 0, *SCALING[2:], "aspect-delta-details", "deltas", 0, "kdu-resource-delta", 0, "id"],
        "x",
    ),
    ("sol006_vnfd.yaml", ["etsi-nfv-vnfd:vnfd"], ["df", 0, "default-instantiation-level"], "x"),
    (
        "sol006_vnfd.yaml",
        ["etsi-nfv-vnfd:vnfd"],
        ["df", 0, "instantiation-level", 0, "scaling-info", 0, "scaling-aspect-id"],
        "x",
    ),
    (
        "sol006_vnfd.yaml",
        ["etsi-nfv-vnfd:vnfd"],
        ["df", 0, "scaling-aspect", 0, "aspect-delta-details", "step-deltas"],
        "x",
    ),
    (
        "hackfest_multivdu_nsd.yaml",
        ["nsd", "nsd", 0],
        ["df", 0, "vnf-profile", 0, "virtual-link-connectivity", 0, "virtual-link-profile-id"],
        "nope",
    ),
    (
        "hackfest_multivdu_nsd.yaml",
        ["nsd", "nsd", 0],
        [
            "df",
            0,
            "vnf-profile",
            0,
            "virtual-link-connectivity",
            0,
            "constituent-cpd-id",
            0,
            "constituent-base-element-id",
        ],
        "2",
    ),
    (
        "hackfest_multivdu_nsd.yaml",
        ["nsd", "nsd", 0],
        ["df", 0, "virtual-link-profile", 0, "virtual-link-desc-id"],
        "nope",
    ),
    (
        "sol006_nsd.yaml",
        ["etsi-nfv-nsd:nsd", "nsd", 0],
        ["df", 0, "virtual-link-profile", 0, "flavour-id"],
        "nope",
    ),
    (
        "sol006_nsd.yaml",
        ["etsi-nfv-nsd:nsd", "nsd", 0],
        ["df", 0, "ns-instantiation-level", 0, "vnf-to-level-mapping", 0, "vnf-profile-id"],
        "x",
    ),
    (
        "sol006_nsd.yaml",
        ["etsi-nfv-nsd:nsd", "nsd", 0],
        ["df", 0, "default-instantiation-level"],
        "x",
    ),
    ("sol006_nsd.yaml", ["etsi-nfv-nsd:nsd", "nsd", 0], ["sapd", 0, "virtual-link-desc"], "x"),
    (
        "locus_nst.yaml",
        ["nst", 0],
        ["netslice-vld", 3, "nss-connection-point-ref", 1, "nss-ref"],
        "knf_edge_nsd",
    ),
]


def _pointer(parts: list[Any]) -> str:
    return "".join(f"/{p}" for p in parts)


@pytest.mark.parametrize(
    ("fixture", "envelope", "path", "value"),
    CASES,
    ids=[f"{c[0].split('.')[0]}:{_pointer(c[2])}" for c in CASES],
)
def test_broken_reference_is_reported_at_the_referring_leaf(
    fixture: str, envelope: list[Any], path: list[Any], value: str
) -> None:
    data = set_at(fixture_data(fixture), [*envelope, *path], value)
    issues = issues_of(to_text(data))
    assert pairs(issues) == {(_pointer([*envelope, *path]), "broken-reference")}
    assert f"'{value}'" in issues[0].message


def test_message_lists_what_is_declared() -> None:
    data = set_at(fixture_data(MULTI), ["vnfd", "vdu", 0, "virtual-compute-desc"], "nope")
    issues = issues_of(to_text(data))
    assert issues[0].message == (
        "'nope' names no virtual-compute-desc (declared: 'data-compute', 'mgmt-compute')"
    )


def test_day12_id_may_name_the_vnfd_a_vdu_or_a_kdu() -> None:
    for value in ("hackfest_multivdu-vnf", "mgmtVM", "dataVM"):
        data = set_at(fixture_data(MULTI), ["vnfd", *DAY12, "id"], value)
        assert parse_descriptor(to_text(data)).id == "hackfest_multivdu-vnf"


def test_osm_virtual_link_profile_id_may_name_a_virtual_link_desc() -> None:
    """OSM NSDs connect VNFs straight to a VL id when the flavour has no VL profiles."""
    descriptor = parse_descriptor(to_text(fixture_data("hackfest_basic_nsd.yaml")))
    assert descriptor.id == "hackfest_basic-ns"


def test_a_vnf_with_vdus_needs_mgmt_cp_but_a_knf_does_not() -> None:
    data = set_at(fixture_data("cloud_vnfd.yaml"), ["vnfd", "mgmt-cp"], DELETE)
    assert pairs(issues_of(to_text(data))) == {("/vnfd/mgmt-cp", "missing-field")}
    data = set_at(fixture_data("edge_knf_vnfd.yaml"), ["vnfd", "mgmt-cp"], DELETE)
    assert parse_descriptor(to_text(data)).id == "bb7d54e9-b60b-45ae-bded-06b14387816b"


def test_references_are_checked_even_when_the_schema_fails() -> None:
    data = fixture_data(MULTI)
    set_at(data, ["vnfd", "vdu", 1, "name"], DELETE)  # the model cannot be built
    set_at(data, ["vnfd", "df", 0, "vdu-profile", 0, "id"], "nope")
    assert pairs(issues_of(to_text(data))) == {
        ("/vnfd/vdu/1/name", "missing-field"),
        ("/vnfd/df/0/vdu-profile/0/id", "broken-reference"),
    }


def test_nested_ns_profile_references() -> None:
    text = """
nsd:
  nsd:
  - id: composite
    nested-nsd-id: [inner]
    virtual-link-desc: [{id: vl}]
    df:
    - id: d
      ns-profile:
      - id: p
        nsd-id: other
        virtual-link-connectivity:
        - virtual-link-profile-id: vl
          constituent-cpd-id: [{constituent-base-element-id: q, constituent-cpd-id: sap}]
"""
    base = "/nsd/nsd/0/df/0/ns-profile/0"
    assert pairs(issues_of(text)) == {
        (f"{base}/nsd-id", "broken-reference"),
        (
            f"{base}/virtual-link-connectivity/0/constituent-cpd-id/0/constituent-base-element-id",
            "broken-reference",
        ),
    }


def test_vnffgd_references() -> None:
    text = """
nsd:
  nsd:
  - id: chain
    vnfd-id: [a]
    virtual-link-desc: [{id: vl}]
    vnffgd:
    - id: fg
      vnf-profile-id: [p1, p9]
      virtual-link-profile-id: vlp
      nfp-position-element:
      - id: e1
        desc: {vnf-profile: {vnf-profile-id: p1}, vnf: {vnfd-id: a, cpd-id: c}}
      nfpd:
      - id: path
        position-desc: [{id: pos1, nfp-position-element-id: [e1, e2]}]
    df:
    - id: d
      vnf-profile: [{id: p1, vnfd-id: a}]
      virtual-link-profile: [{id: vlp, virtual-link-desc-id: vl}]
"""
    assert pairs(issues_of(text)) == {
        ("/nsd/nsd/0/vnffgd/0/vnf-profile-id/1", "broken-reference"),
        (
            "/nsd/nsd/0/vnffgd/0/nfpd/0/position-desc/0/nfp-position-element-id/1",
            "broken-reference",
        ),
    }

"""Schema validation: every kind of schema issue, with its JSON pointer and code."""

from __future__ import annotations

import pydantic
import pytest

from locus_iac.descriptors import Nsd, Vnfd, parse_descriptor

from .conftest import DELETE, fixture_data, issues_of, pairs, set_at, to_text


def test_unknown_field_suggests_the_yang_name() -> None:
    data = set_at(fixture_data("cloud_vnfd.yaml"), ["vnfd", "vdu", 0, "cloud-init-fle"], "x")
    issues = issues_of(to_text(data))
    assert pairs(issues) == {("/vnfd/vdu/0/cloud-init-fle", "unknown-field")}
    assert "did you mean 'cloud-init-file'?" in issues[0].message


def test_missing_field_points_at_the_absent_leaf() -> None:
    data = set_at(
        fixture_data("cloud_nsd.yaml"),
        ["nsd", "nsd", 0, "df", 0, "vnf-profile", 0, "vnfd-id"],
        DELETE,
    )
    assert pairs(issues_of(to_text(data))) == {
        ("/nsd/nsd/0/df/0/vnf-profile/0/vnfd-id", "missing-field")
    }


def test_wrong_types() -> None:
    data = fixture_data("cloud_vnfd.yaml")
    set_at(data, ["vnfd", "vdu", 0, "virtual-storage-desc"], "cloud_vdu-storage")
    set_at(data, ["vnfd", "virtual-compute-desc", 0, "virtual-cpu", "num-virtual-cpu"], "four")
    set_at(data, ["vnfd", "virtual-compute-desc", 0, "virtual-memory"], [8])
    issues = issues_of(to_text(data))
    assert pairs(issues) == {
        ("/vnfd/vdu/0/virtual-storage-desc", "wrong-type"),
        ("/vnfd/virtual-compute-desc/0/virtual-cpu/num-virtual-cpu", "wrong-type"),
        ("/vnfd/virtual-compute-desc/0/virtual-memory", "wrong-type"),
    }
    by_path = {i.path: i.message for i in issues}
    assert by_path["/vnfd/vdu/0/virtual-storage-desc"].startswith("expected a list")
    assert by_path["/vnfd/virtual-compute-desc/0/virtual-memory"].startswith("expected a mapping")


def test_invalid_values() -> None:
    data = fixture_data("cloud_vnfd.yaml")
    set_at(data, ["vnfd", "virtual-compute-desc", 0, "virtual-cpu", "num-virtual-cpu"], 0)
    set_at(data, ["vnfd", "virtual-compute-desc", 0, "virtual-memory", "size"], -8)
    set_at(data, ["vnfd", "virtual-storage-desc", 0, "size-of-storage"], -1)
    set_at(data, ["vnfd", "sw-image-desc", 0, "disk-format"], "qcow3")
    set_at(data, ["vnfd", "df", 0, "vdu-profile", 0, "min-number-of-instances"], 3)
    issues = issues_of(to_text(data))
    assert pairs(issues) == {
        ("/vnfd/virtual-compute-desc/0/virtual-cpu/num-virtual-cpu", "invalid-value"),
        ("/vnfd/virtual-compute-desc/0/virtual-memory/size", "invalid-value"),
        ("/vnfd/virtual-storage-desc/0/size-of-storage", "invalid-value"),
        ("/vnfd/sw-image-desc/0/disk-format", "invalid-value"),
        ("/vnfd/df/0/vdu-profile/0", "invalid-value"),
    }
    profile = next(i for i in issues if i.path == "/vnfd/df/0/vdu-profile/0")
    assert "min-number-of-instances (3) exceeds max-number-of-instances (1)" in profile.message


def test_yang_choice_with_two_cases_is_invalid() -> None:
    data = set_at(
        fixture_data("edge_knf_vnfd.yaml"),
        ["vnfd", "ext-cpd", 0, "int-cpd"],
        {"vdu-id": "x", "cpd": "y"},
    )
    set_at(data, ["vnfd", "kdu", 0, "juju-bundle"], "bundle")
    issues = issues_of(to_text(data))
    assert ("/vnfd/ext-cpd/0", "invalid-value") in pairs(issues)
    assert ("/vnfd/kdu/0", "invalid-value") in pairs(issues)


def test_duplicate_list_keys_are_reported_at_the_second_entry() -> None:
    data = fixture_data("hackfest_multivdu_vnfd.yaml")
    vnfd = data["vnfd"]
    vnfd["vdu"][1]["id"] = "mgmtVM"
    vnfd["ext-cpd"][1]["id"] = "vnf-mgmt-ext"
    vnfd["df"][0]["vdu-profile"][1]["id"] = "mgmtVM"
    issues = issues_of(to_text(data))
    assert {
        ("/vnfd/vdu/1/id", "duplicate-key-value"),
        ("/vnfd/ext-cpd/1/id", "duplicate-key-value"),
        ("/vnfd/df/0/vdu-profile/1/id", "duplicate-key-value"),
    } <= pairs(issues)
    vdu = next(i for i in issues if i.path == "/vnfd/vdu/1/id")
    assert "'mgmtVM' is already used by entry 0 of 'vdu'" in vdu.message


def test_duplicate_list_key_in_an_nsd() -> None:
    data = fixture_data("cloud_nsd.yaml")
    data["nsd"]["nsd"][0]["virtual-link-desc"][2]["id"] = "mgmt_net"
    issues = issues_of(to_text(data))
    assert ("/nsd/nsd/0/virtual-link-desc/2/id", "duplicate-key-value") in pairs(issues)


def test_three_independent_defects_give_three_issues_in_one_pass() -> None:
    data = fixture_data("cloud_vnfd.yaml")
    set_at(data, ["vnfd", "vdu", 0, "flavor"], "m1.large")  # unknown field
    set_at(data, ["vnfd", "virtual-compute-desc", 0, "virtual-cpu", "num-virtual-cpu"], "x")
    set_at(data, ["vnfd", "ext-cpd", 2, "int-cpd", "cpd"], "ens9-int")  # broken reference
    issues = issues_of(to_text(data))
    assert pairs(issues) == {
        ("/vnfd/vdu/0/flavor", "unknown-field"),
        ("/vnfd/virtual-compute-desc/0/virtual-cpu/num-virtual-cpu", "wrong-type"),
        ("/vnfd/ext-cpd/2/int-cpd/cpd", "broken-reference"),
    }


def test_nsd_path_example_of_the_contract() -> None:
    data = fixture_data("hackfest_multivdu_nsd.yaml")
    set_at(data, ["nsd", "nsd", 0, "df", 0, "vnf-profile", 1, "vnfd-id"], "other-vnf")
    issues = issues_of(to_text(data))
    assert pairs(issues) == {("/nsd/nsd/0/df/0/vnf-profile/1/vnfd-id", "broken-reference")}


def test_osm_relaxations_are_accepted() -> None:
    """OSM packages omit ETSI-mandatory leaves and write numbers as strings."""
    text = """
vnfd:
  id: relaxed
  df: [{id: d, vdu-profile: [{id: v, min-number-of-instances: '1'}]}]
  mgmt-cp: e
  ext-cpd: [{id: e, int-cpd: {vdu-id: v, cpd: c}}]
  vdu: [{id: v, name: v, int-cpd: [{id: c}], virtual-compute-desc: vc}]
  virtual-compute-desc: [{id: vc, virtual-memory: {size: '2'}, virtual-cpu: {num-virtual-cpu: 1}}]
"""
    descriptor = parse_descriptor(text)
    assert isinstance(descriptor.model, Vnfd)
    assert descriptor.model.software_version is None and descriptor.model.provider is None
    compute = descriptor.model.compute_desc("vc")
    assert compute is not None and compute.virtual_memory is not None
    assert compute.virtual_memory.size == 2
    df = descriptor.model.df_by_id("d")
    assert df is not None and df.vdu_profile[0].min_number_of_instances == 1


def test_models_are_frozen_and_keep_the_yang_aliases() -> None:
    descriptor = parse_descriptor(to_text(fixture_data("cloud_nsd.yaml")))
    assert isinstance(descriptor.model, Nsd)
    dumped = descriptor.model.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    assert dumped["vnfd-id"] == ("b0c92f8c-7c69-40bd-a570-54a7a3df5b14",)
    assert "virtual-link-desc" in dumped and "virtual_link_desc" not in dumped
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        descriptor.model.id = "changed"  # type: ignore[misc]

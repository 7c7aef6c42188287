"""References between descriptors: resolved against the descriptors the caller knows."""

from __future__ import annotations

from locus_iac.descriptors import Descriptor, check_references, parse_descriptor

from .conftest import VALID, fixture_data, load, set_at, to_text


def _known(*names: str) -> list[Descriptor]:
    return [load(VALID / name) for name in names]


def _pairs(subject: Descriptor, known: list[Descriptor]) -> set[tuple[str, str]]:
    return {(i.path, i.code) for i in check_references(subject, known)}


def test_nsd_vnfd_id_needs_a_known_vnfd() -> None:
    nsd = load(VALID / "cloud_nsd.yaml")
    assert _pairs(nsd, []) == {("/nsd/nsd/0/vnfd-id/0", "unresolved-reference")}
    issues = check_references(nsd, _known("edge_knf_vnfd.yaml"))
    assert "no known VNFD has id 'b0c92f8c-7c69-40bd-a570-54a7a3df5b14'" in issues[0].message


def test_constituent_cpd_id_needs_an_ext_cpd_of_that_vnfd() -> None:
    data = fixture_data("cloud_nsd.yaml")
    profile = ["nsd", "nsd", 0, "df", 0, "vnf-profile", 0]
    set_at(
        data,
        [*profile, "virtual-link-connectivity", 2, "constituent-cpd-id", 0, "constituent-cpd-id"],
        "cp_kache-ext",
    )
    nsd = parse_descriptor(to_text(data))
    path = "/nsd/nsd/0/df/0/vnf-profile/0/virtual-link-connectivity/2/constituent-cpd-id/0/"
    issues = check_references(nsd, _known("cloud_vnfd.yaml"))
    assert {(i.path, i.code) for i in issues} == {
        (path + "constituent-cpd-id", "unresolved-reference")
    }
    assert "has no ext-cpd 'cp_kache-ext'" in issues[0].message


def test_vnf_profile_flavour_and_level_must_exist_in_the_vnfd() -> None:
    data = fixture_data("sol006_nsd.yaml")
    profile = ["etsi-nfv-nsd:nsd", "nsd", 0, "df", 0, "vnf-profile", 0]
    set_at(data, [*profile, "instantiation-level"], "il-9")
    nsd = parse_descriptor(to_text(data))
    assert _pairs(nsd, _known("sol006_vnfd.yaml")) == {
        ("/etsi-nfv-nsd:nsd/nsd/0/df/0/vnf-profile/0/instantiation-level", "unresolved-reference")
    }
    set_at(data, [*profile, "flavour-id"], "df-9")
    nsd = parse_descriptor(to_text(data))
    assert _pairs(nsd, _known("sol006_vnfd.yaml")) == {
        ("/etsi-nfv-nsd:nsd/nsd/0/df/0/vnf-profile/0/flavour-id", "unresolved-reference")
    }


def test_nested_nsd_and_its_saps() -> None:
    text = """
nsd:
  nsd:
  - id: composite
    nested-nsd-id: [cloud_nsd, missing_nsd]
    sapd:
    - id: cache
      ns: {nsd-id: cloud_nsd, ext-cpd-id: cp_kache}
    df:
    - id: d
      ns-profile:
      - id: cloud
        nsd-id: cloud_nsd
        virtual-link-connectivity:
        - virtual-link-profile-id: vl
          constituent-cpd-id:
          - {constituent-base-element-id: cloud, constituent-cpd-id: cp_origin}
        - virtual-link-profile-id: vl2
          constituent-cpd-id:
          - {constituent-base-element-id: cloud, constituent-cpd-id: cp_nowhere}
    virtual-link-desc: [{id: vl}, {id: vl2}]
"""
    composite = parse_descriptor(text)
    vlc = "/nsd/nsd/0/df/0/ns-profile/0/virtual-link-connectivity/1/constituent-cpd-id"
    assert _pairs(composite, _known("cloud_nsd.yaml")) == {
        ("/nsd/nsd/0/nested-nsd-id/1", "unresolved-reference"),
        ("/nsd/nsd/0/sapd/0/ns/ext-cpd-id", "unresolved-reference"),
        (f"{vlc}/0/constituent-cpd-id", "unresolved-reference"),
    }


def test_sapd_bound_to_a_vnf_ext_cpd() -> None:
    data = fixture_data("hackfest_basic_nsd.yaml")
    set_at(
        data,
        ["nsd", "nsd", 0, "sapd", 0],
        {"id": "s", "vnf": {"vnfd-id": "hackfest_basic-vnf", "ext-cpd-id": "vnf-cp9-ext"}},
    )
    nsd = parse_descriptor(to_text(data))
    assert _pairs(nsd, _known("hackfest_basic_vnfd.yaml")) == {
        ("/nsd/nsd/0/sapd/0/vnf/ext-cpd-id", "unresolved-reference")
    }


def test_nst_nsd_ref_and_connection_points() -> None:
    nst = load(VALID / "locus_nst.yaml")
    assert _pairs(nst, _known("cloud_nsd.yaml")) == {
        ("/nst/0/netslice-subnet/1/nsd-ref", "unresolved-reference")
    }
    data = set_at(
        fixture_data("locus_nst.yaml"),
        ["nst", 0, "netslice-vld", 3, "nss-connection-point-ref", 1, "nsd-connection-point-ref"],
        "cp_cache-ext",
    )
    nst = parse_descriptor(to_text(data))
    issues = check_references(nst, _known("cloud_nsd.yaml", "edge_nsd.yaml"))
    assert [(i.path, i.code) for i in issues] == [
        (
            "/nst/0/netslice-vld/3/nss-connection-point-ref/1/nsd-connection-point-ref",
            "unresolved-reference",
        )
    ]
    assert "NSD 'knf_edge_nsd' (subnet 'edge_nsd') has no sapd 'cp_cache-ext'" in issues[0].message


def test_vnfds_refer_to_nothing_else() -> None:
    assert check_references(load(VALID / "cloud_vnfd.yaml"), []) == []


def test_subject_paths_follow_its_envelope() -> None:
    nsd = load(VALID / "sol006_nsd.yaml")
    assert _pairs(nsd, []) == {("/etsi-nfv-nsd:nsd/nsd/0/vnfd-id/0", "unresolved-reference")}

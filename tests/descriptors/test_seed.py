"""The seed's printed descriptors (Figures 35, 38, 39) are rejected, precisely."""

from __future__ import annotations

from typing import Any

import yaml

from locus_iac.descriptors import check_references, parse_descriptor

from .conftest import SEED, VALID, issues_of, load, pairs, to_text


def _seed_issues(name: str) -> set[tuple[str, str]]:
    return pairs(issues_of((SEED / name).read_text()))


def test_cloud_vnfd_figure_35() -> None:
    assert _seed_issues("cloud_vnfd.yaml") == {
        ("/vnfd/df/0/instantiation-level/0/vdu-level/0/vdu-id", "missing-field"),
        ("/vnfd/mgmt-cp", "missing-field"),
    }


def test_edge_knf_vnfd_figure_35() -> None:
    issues = issues_of((SEED / "edge_knf_vnfd.yaml").read_text())
    assert pairs(issues) == {("/vnfd/mgmt-op", "unknown-field")}
    assert "did you mean 'mgmt-cp'?" in issues[0].message


def test_nested_nsds_figure_38() -> None:
    for name in ("cloud_nsd.yaml", "edge_nsd.yaml"):
        issues = issues_of((SEED / name).read_text())
        assert pairs(issues) == {
            ("/nsd/nsd/0/id", "missing-field"),
            ("/nsd/nsd/0/df/0/vnf-profile/0/vnfd-id", "missing-field"),
            ("/nsd/nsd/0/df/0/vnf-profile/0/vnf-id", "unknown-field"),
            ("/nsd/nsd/0/vnf-id", "unknown-field"),
        }, name
        unknown = [i for i in issues if i.code == "unknown-field"]
        assert all("did you mean 'vnfd-id'?" in i.message for i in unknown)


def test_netslice_figure_39_nss_refs() -> None:
    vld = "/nst/0/netslice-vld"
    assert _seed_issues("nst.yaml") == {
        (f"{vld}/0/nss-connection-point-ref/0/nss-ref", "broken-reference"),
        (f"{vld}/1/nss-connection-point-ref/0/nss-ref", "broken-reference"),
        (f"{vld}/2/nss-connection-point-ref/0/nss-ref", "broken-reference"),
        (f"{vld}/3/nss-connection-point-ref/0/nss-ref", "broken-reference"),
        (f"{vld}/3/nss-connection-point-ref/1/nss-ref", "broken-reference"),
        (f"{vld}/4/nss-connection-point-ref/0/nss-ref", "broken-reference"),
    }


def _seed_data(name: str) -> Any:
    return yaml.safe_load((SEED / name).read_text())


def test_netslice_figure_39_nsd_refs_match_no_nsd() -> None:
    """With its nss-refs repaired, the seed NST still names NSDs nobody has."""
    data = _seed_data("nst.yaml")
    for vld in data["nst"][0]["netslice-vld"]:
        for ref in vld["nss-connection-point-ref"]:
            ref["nss-ref"] = ref["nss-ref"].removeprefix("vCDN_")
    nst = parse_descriptor(to_text(data))
    known = [load(VALID / "cloud_nsd.yaml"), load(VALID / "edge_nsd.yaml")]
    issues = check_references(nst, known)
    assert {(i.path, i.code) for i in issues} == {
        ("/nst/0/netslice-subnet/0/nsd-ref", "unresolved-reference"),
        ("/nst/0/netslice-subnet/1/nsd-ref", "unresolved-reference"),
    }
    assert "fleaa73e3-0f94-45e5-be56-973a2b0085e8" in issues[0].message


def test_seed_nsds_have_no_saps_for_the_netslice() -> None:
    """Even with ids and vnfd-id repaired, the Figure 38 NSDs offer none of the Figure 39
    connection points: they declare no sapd."""
    known = []
    for name, nsd_id in (("cloud_nsd.yaml", "cloud_nsd"), ("edge_nsd.yaml", "knf_edge_nsd")):
        data = _seed_data(name)
        nsd = data["nsd"]["nsd"][0]
        nsd["id"] = nsd_id
        nsd["vnfd-id"] = nsd.pop("vnf-id")
        profile = nsd["df"][0]["vnf-profile"][0]
        profile["vnfd-id"] = profile.pop("vnf-id")
        known.append(parse_descriptor(to_text(data)))
    nst = load(VALID / "locus_nst.yaml")
    issues = check_references(nst, known)
    assert len(issues) == 6
    assert {i.code for i in issues} == {"unresolved-reference"}
    assert {i.path.rsplit("/", 1)[-1] for i in issues} == {"nsd-connection-point-ref"}
    assert "has no sapd 'cp_mgmt'" in issues[0].message


def test_corrected_versions_are_accepted_and_resolve() -> None:
    names = [
        "cloud_vnfd.yaml",
        "edge_knf_vnfd.yaml",
        "cloud_nsd.yaml",
        "edge_nsd.yaml",
        "locus_nst.yaml",
    ]
    known = [load(VALID / name) for name in names]
    assert all(check_references(d, known) == [] for d in known)

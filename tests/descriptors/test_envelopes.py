"""Envelope detection: OSM and SOL006 forms, exactly one descriptor per document."""

from __future__ import annotations

import pytest

from locus_iac.descriptors import DescriptorKind, parse_descriptor

from .conftest import issues_of, pairs

VNFD_BODY = "{id: v, df: [{id: d}]}"
NSD_BODY = "{id: n, df: [{id: d}]}"
NST_BODY = "{id: s, name: s}"


@pytest.mark.parametrize(
    ("text", "kind", "pointer"),
    [
        (f"vnfd: {VNFD_BODY}", DescriptorKind.VNFD, "/vnfd"),
        (f"etsi-nfv-vnfd:vnfd: {VNFD_BODY}", DescriptorKind.VNFD, "/etsi-nfv-vnfd:vnfd"),
        (f"nsd: {{nsd: [{NSD_BODY}]}}", DescriptorKind.NSD, "/nsd/nsd/0"),
        (f"etsi-nfv-nsd:nsd: {{nsd: [{NSD_BODY}]}}", DescriptorKind.NSD, "/etsi-nfv-nsd:nsd/nsd/0"),
        (f"etsi-nfv-nsd:nsd: [{NSD_BODY}]", DescriptorKind.NSD, "/etsi-nfv-nsd:nsd/0"),
        (f"nst: [{NST_BODY}]", DescriptorKind.NST, "/nst/0"),
        (f"nst: {NST_BODY}", DescriptorKind.NST, "/nst"),
    ],
)
def test_accepted_envelopes(text: str, kind: DescriptorKind, pointer: str) -> None:
    descriptor = parse_descriptor(text)
    assert descriptor.kind is kind
    assert descriptor.pointer == pointer
    assert descriptor.id == descriptor.model.id
    assert descriptor.source == "<input>"


def test_schema_paths_carry_the_envelope_prefix() -> None:
    text = "etsi-nfv-nsd:nsd: [{id: n, df: [{id: d, vnf-profile: [{id: p}]}]}]"
    assert pairs(issues_of(text)) == {
        ("/etsi-nfv-nsd:nsd/0/df/0/vnf-profile/0/vnfd-id", "missing-field")
    }


@pytest.mark.parametrize(
    "text",
    ["just text\n", "- vnfd: {id: a}\n", "", "vnffgd: {id: x}\n"],
    ids=["scalar", "list", "empty", "unknown-key"],
)
def test_unknown_envelope(text: str) -> None:
    assert pairs(issues_of(text)) == {("", "unknown-envelope")}


def test_legacy_osm_catalogue_is_named() -> None:
    issues = issues_of("vnfd:vnfd-catalog: {vnfd: [{id: a}]}\n")
    assert pairs(issues) == {("/vnfd:vnfd-catalog", "unknown-envelope")}
    assert "pre-SOL006" in issues[0].message


def test_two_envelopes_are_multiple_descriptors() -> None:
    text = f"vnfd: {VNFD_BODY}\nnsd: {{nsd: [{NSD_BODY}]}}\n"
    assert pairs(issues_of(text)) == {("/nsd", "multiple-descriptors")}


def test_two_nsds_in_the_list_are_multiple_descriptors() -> None:
    text = f"nsd: {{nsd: [{NSD_BODY}, {{id: m}}]}}\n"
    assert pairs(issues_of(text)) == {("/nsd/nsd/1", "multiple-descriptors")}


def test_two_nsts_are_multiple_descriptors() -> None:
    text = f"nst: [{NST_BODY}, {NST_BODY}, {NST_BODY}]\n"
    assert pairs(issues_of(text)) == {
        ("/nst/1", "multiple-descriptors"),
        ("/nst/2", "multiple-descriptors"),
    }


def test_empty_nsd_list() -> None:
    assert pairs(issues_of("nsd: {nsd: []}\n")) == {("/nsd/nsd", "missing-field")}


def test_envelope_of_the_wrong_shape() -> None:
    assert pairs(issues_of("vnfd: [a, b]\n")) == {("/vnfd", "wrong-type")}
    assert pairs(issues_of(f"nsd: [{NSD_BODY}]\n")) == {("/nsd", "wrong-type")}
    assert pairs(issues_of("nsd: {nsd: {id: n}}\n")) == {("/nsd/nsd", "wrong-type")}


def test_fields_beside_the_envelope_are_unknown() -> None:
    text = f"vnfd: {VNFD_BODY}\nname: stray\n"
    assert pairs(issues_of(text)) == {("/name", "unknown-field")}
    text = f"nsd: {{nsd: [{NSD_BODY}], designer: x}}\n"
    assert pairs(issues_of(text)) == {("/nsd/designer", "unknown-field")}

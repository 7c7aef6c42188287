"""The public API other layers rely on (packages, catalogue, infra, NBI)."""

from __future__ import annotations

import dataclasses
import inspect

import locus_iac.descriptors as descriptors
from locus_iac.descriptors import Descriptor, DescriptorKind
from locus_iac.errors import ValidationError

from .conftest import VALID, load


def test_public_functions_and_types_are_exported() -> None:
    for name in (
        "Descriptor",
        "DescriptorKind",
        "parse_descriptor",
        "check_references",
        "dump_descriptor",
        "Vnfd",
        "Nsd",
        "Nst",
    ):
        assert name in descriptors.__all__
    assert set(descriptors.__all__) <= set(dir(descriptors))


def test_descriptor_kind_values() -> None:
    assert [k.value for k in DescriptorKind] == ["vnfd", "nsd", "nst", "pnfd"]
    assert DescriptorKind("nsd") is DescriptorKind.NSD


def test_descriptor_fields() -> None:
    fields = [f.name for f in dataclasses.fields(Descriptor)]
    assert fields == ["kind", "id", "model", "pointer", "source", "document", "warnings"]


def test_signatures() -> None:
    parse = inspect.signature(descriptors.parse_descriptor)
    assert list(parse.parameters) == ["text", "source", "strict"]
    assert parse.parameters["source"].default == "<input>"
    assert parse.parameters["strict"].default is False
    assert list(inspect.signature(descriptors.check_references).parameters) == ["subject", "known"]
    assert list(inspect.signature(descriptors.dump_descriptor).parameters) == ["descriptor"]


def test_lookups_find_what_is_declared_and_nothing_else() -> None:
    cloud = load(VALID / "cloud_vnfd.yaml").model
    assert isinstance(cloud, descriptors.Vnfd)
    vdu = cloud.vdu_by_id("cloud_vdu")
    assert vdu is not None and vdu.name == "cloud_vdu"
    compute = cloud.compute_desc("cloud_vdu-compute")
    assert compute is not None and compute.virtual_cpu.num_virtual_cpu == 4
    storage = cloud.storage_desc("cloud_vdu-storage")
    assert storage is not None and storage.size_of_storage == 20
    image = cloud.image_desc("vCache-ubuntu-52-shrink")
    assert image is not None and image.image == "vCache-ubuntu-52-shrink"
    cpd = cloud.ext_cpd_by_id("cp_cache-ext")
    assert cpd is not None and cpd.int_cpd is not None and cpd.int_cpd.cpd == "ens6-int"
    df = cloud.df_by_id("default-df")
    assert df is not None and df.id == "default-df"
    assert not cloud.is_knf
    for lookup in (
        cloud.vdu_by_id,
        cloud.compute_desc,
        cloud.storage_desc,
        cloud.image_desc,
        cloud.ext_cpd_by_id,
        cloud.df_by_id,
        cloud.kdu_by_name,
    ):
        assert lookup("nope") is None
    knf = load(VALID / "edge_knf_vnfd.yaml").model
    assert isinstance(knf, descriptors.Vnfd) and knf.is_knf
    kdu = knf.kdu_by_name("edge_cache")
    assert kdu is not None and kdu.name == "edge_cache"
    nsd = load(VALID / "cloud_nsd.yaml").model
    assert isinstance(nsd, descriptors.Nsd)
    assert [nsd.df_by_id("default-df") is not None, nsd.df_by_id("nope")] == [True, None]
    nst = load(VALID / "locus_nst.yaml").model
    assert isinstance(nst, descriptors.Nst)
    subnet = nst.subnet_by_id("edge_nsd")
    assert subnet is not None and subnet.id == "edge_nsd"
    assert nst.subnet_by_id("nope") is None


def test_pnfd_is_checked_against_sol006() -> None:
    """SOL006 v3.3.1 etsi-nfv-pnfd: unknown leaves, repeated keys, wrong types are refused."""
    parsed = descriptors.parse_descriptor(
        b"etsi-nfv-pnfd:pnfd:\n  id: dpi\n  version: '1'\n  ext-cpd: [{id: outside}]\n"
    )
    assert (parsed.kind, parsed.id, parsed.pointer) == (
        DescriptorKind.PNFD,
        "dpi",
        "/etsi-nfv-pnfd:pnfd",
    )
    try:
        descriptors.parse_descriptor(b"pnfd:\n  id: dpi\n  ext-cpd: {id: x}\n  vdu: []\n")
    except ValidationError as exc:
        assert {i.path for i in exc.issues} == {"/pnfd/ext-cpd", "/pnfd/vdu"}
    else:  # pragma: no cover
        raise AssertionError("an invalid PNFD was accepted")
    relaxed = descriptors.parse_descriptor(b"pnfd: {id: dpi}\n")
    assert [w.path for w in relaxed.warnings] == ["/pnfd/version"]

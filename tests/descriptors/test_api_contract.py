"""The public API other layers rely on (packages, catalogue, infra, NBI)."""

from __future__ import annotations

import dataclasses
import inspect

import locus_iac.descriptors as descriptors
from locus_iac.descriptors import Descriptor, DescriptorKind


def test_public_functions_and_types_are_exported() -> None:
    for name in ("Descriptor", "DescriptorKind", "parse_descriptor", "check_references",
                 "dump_descriptor", "Vnfd", "Nsd", "Nst"):
        assert name in descriptors.__all__
        assert hasattr(descriptors, name)
    assert set(descriptors.__all__) <= set(dir(descriptors))


def test_descriptor_kind_values() -> None:
    assert [k.value for k in DescriptorKind] == ["vnfd", "nsd", "nst"]
    assert DescriptorKind("nsd") is DescriptorKind.NSD


def test_descriptor_fields() -> None:
    fields = [f.name for f in dataclasses.fields(Descriptor)]
    assert fields == ["kind", "id", "model", "pointer", "source", "document"]


def test_signatures() -> None:
    parse = inspect.signature(descriptors.parse_descriptor)
    assert list(parse.parameters) == ["text", "source"]
    assert parse.parameters["source"].default == "<input>"
    assert list(inspect.signature(descriptors.check_references).parameters) == [
        "subject", "known"]
    assert list(inspect.signature(descriptors.dump_descriptor).parameters) == ["descriptor"]


def test_lookups_exist() -> None:
    for name in ("vdu_by_id", "compute_desc", "storage_desc", "image_desc", "ext_cpd_by_id",
                 "df_by_id", "kdu_by_name", "is_knf"):
        assert hasattr(descriptors.Vnfd, name)
    assert hasattr(descriptors.Nsd, "df_by_id")
    assert hasattr(descriptors.Nst, "subnet_by_id")

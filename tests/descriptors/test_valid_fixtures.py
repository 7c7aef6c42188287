"""Every valid fixture parses, resolves against the others and round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from locus_iac.descriptors import (
    DescriptorKind,
    Nsd,
    Nst,
    Vnfd,
    check_references,
    dump_descriptor,
    parse_descriptor,
)

from .conftest import VALID, load

VALID_FILES = sorted(VALID.glob("*.yaml"))


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_valid_fixture_parses(path: Path) -> None:
    descriptor = load(path)
    assert descriptor.source == path.name
    assert descriptor.id


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_valid_fixture_round_trips(path: Path) -> None:
    descriptor = load(path)
    again = parse_descriptor(dump_descriptor(descriptor))
    assert again.model == descriptor.model
    assert again.pointer == descriptor.pointer


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_document_is_kept_as_written(path: Path) -> None:
    descriptor = load(path)
    assert descriptor.document == yaml.safe_load(path.read_text())
    assert json.loads(json.dumps(descriptor.document)) == descriptor.document


def test_descriptors_are_hashable_values() -> None:
    first, second = load(VALID / "cloud_vnfd.yaml"), load(VALID / "cloud_vnfd.yaml")
    assert first == second
    assert len({first, second, load(VALID / "cloud_nsd.yaml")}) == 2


def test_fixtures_resolve_against_each_other() -> None:
    known = [load(path) for path in VALID_FILES]
    for descriptor in known:
        assert check_references(descriptor, known) == [], descriptor.source


def test_seed_service_models_read_as_expected() -> None:
    cloud = load(VALID / "cloud_vnfd.yaml")
    assert cloud.kind is DescriptorKind.VNFD and cloud.pointer == "/vnfd"
    assert isinstance(cloud.model, Vnfd)
    vdu = cloud.model.vdu_by_id("cloud_vdu")
    assert vdu is not None and vdu.cloud_init_file == "cloud-init.cfg"
    compute = cloud.model.compute_desc("cloud_vdu-compute")
    assert compute is not None and compute.virtual_cpu is not None
    assert compute.virtual_cpu.num_virtual_cpu == 4
    assert compute.virtual_memory is not None and compute.virtual_memory.size == 8
    storage = cloud.model.storage_desc("cloud_vdu-storage")
    assert storage is not None and storage.size_gb == 20
    assert not cloud.model.is_knf
    assert [c.id for c in cloud.model.ext_cpd] == ["cp_mgmt-ext", "cp_cache-ext", "cp_origin-ext"]

    edge = load(VALID / "edge_knf_vnfd.yaml")
    assert isinstance(edge.model, Vnfd) and edge.model.is_knf
    kdu = edge.model.kdu_by_name("edge_cache")
    assert kdu is not None and kdu.helm_chart == "edge_cache"
    ext = edge.model.ext_cpd_by_id("cp_cache-ext")
    assert ext is not None and ext.k8s_cluster_net == "cache_net"

    nsd = load(VALID / "cloud_nsd.yaml")
    assert nsd.pointer == "/nsd/nsd/0" and isinstance(nsd.model, Nsd)
    df = nsd.model.df_by_id("default-df")
    assert df is not None and df.vnf_profile[0].vnfd_id == cloud.id

    nst = load(VALID / "locus_nst.yaml")
    assert nst.pointer == "/nst/0" and isinstance(nst.model, Nst)
    subnet = nst.model.subnet_by_id("edge_nsd")
    assert subnet is not None and subnet.nsd_ref == "knf_edge_nsd" and not subnet.is_shared_nss
    assert nst.model.snssai_identifier is not None
    assert nst.model.snssai_identifier.slice_service_type == "eMBB"

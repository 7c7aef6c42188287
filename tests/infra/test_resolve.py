"""Descriptors -> NS plan: counts, wiring, existing networks, and precise errors."""

from __future__ import annotations

import pytest

from locus_iac.errors import ValidationError
from locus_iac.infra import NsSpec, Upstream, resolve_ns, resolve_nsi
from locus_iac.packages import Package
from locus_iac.sites import SiteCatalog

from .conftest import exemplary_nsi, nested_spec


def test_cloud_vnf_plan_follows_the_vnfd(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    plan = resolve_ns(nested_spec(packages, catalog, "cloud_ns", "cloud_vnf", "core"))
    (vnf,) = plan.vnfs
    (vdu,) = vnf.vdus
    assert (vdu.vcpu, vdu.memory_mb, vdu.disk_gb, vdu.count) == (4, 8192, 20, 1)
    assert vdu.image == "ubuntu-22.04"
    assert [(p.cpd, p.vl, p.mgmt) for p in vdu.ports] == [
        ("ens3-int", "mgmt_net", True),
        ("ens6-int", "cache_net", False),
        ("ens7-int", "origin_net", False),
    ]
    assert vdu.cloud_init is not None and vdu.cloud_init.startswith("#cloud-config")
    links = {link.id: link for link in plan.links}
    assert links["mgmt_net"].existing == {"core": "locus-mgmt"}
    assert links["mgmt_net"].cidrs == {}
    assert links["origin_net"].cidrs["core"].subnet_of(catalog.site("core").openstack.cidr_pool)  # type: ignore[union-attr]
    assert plan.saps == {"cp_mgmt": "mgmt_net", "cp_cache": "cache_net", "cp_origin": "origin_net"}


def test_vim_network_name_is_used_when_the_site_maps_nothing(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    core = catalog.site("core")
    assert core.openstack is not None
    unmapped = core.model_copy(
        update={"openstack": core.openstack.model_copy(update={"network_mappings": {}})}
    )
    sites = catalog.model_copy(update={"sites": (unmapped, catalog.site("edge"))})
    plan = resolve_ns(nested_spec(packages, sites, "cloud_ns", "cloud_vnf", "core"))
    assert plan.link("mgmt_net").existing == {"core": "VM_MGMT"}


def test_nsi_allocates_disjoint_blocks_across_subnets(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    nsi = resolve_nsi(exemplary_nsi(packages, catalog))
    blocks = [(s, b) for link in nsi.plan.links for s, b in link.cidrs.items()]
    assert len(blocks) == len(set(blocks)) == 5
    cache = nsi.plan.link("cache_net")
    assert cache.sites == ("core", "edge") and cache.crosses_sites


def test_knf_on_an_openstack_site_is_rejected_with_a_pointer(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    spec = nested_spec(packages, catalog, "edge_ns", "edge_knf", "core")
    with pytest.raises(ValidationError) as err:
        resolve_ns(spec)
    (issue,) = err.value.issues
    assert (issue.path, issue.code) == ("/placement/1", "wrong-site-kind")


def test_unplaced_profile_and_unknown_flavour_are_reported_together(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    spec = nested_spec(packages, catalog, "cloud_ns", "cloud_vnf", "core")
    bad = spec.model_copy(update={"placement": {}, "df_id": "nope"})
    with pytest.raises(ValidationError) as err:
        resolve_ns(bad)
    assert [i.code for i in err.value.issues] == ["unknown-flavour"]
    bad = spec.model_copy(update={"placement": {}})
    with pytest.raises(ValidationError) as err:
        resolve_ns(bad)
    assert [(i.path, i.code) for i in err.value.issues] == [("/placement/1", "unplaced")]


def test_cross_site_link_without_a_vpn_stack_is_an_error(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    no_vpn = {"upstream": Upstream()}
    spec = exemplary_nsi(packages, catalog, cloud=no_vpn, edge=no_vpn)
    with pytest.raises(ValidationError) as err:
        resolve_nsi(spec)  # each nested NS is single-site; the merged cache link is not
    assert [(i.path, i.code) for i in err.value.issues] == [("/upstream/vpn", "no-vpn")]
    assert "cache_net joins core and edge" in err.value.issues[0].message


def test_missing_cloud_init_file_is_reported(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    spec = nested_spec(packages, catalog, "cloud_ns", "cloud_vnf", "core", package_dirs={})
    with pytest.raises(ValidationError) as err:
        resolve_ns(spec)
    assert [(i.path, i.code) for i in err.value.issues] == [
        ("/package_dirs/cloud_vnf", "missing-artifact")
    ]


def test_unknown_ext_cpd_points_into_the_nsd(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    spec = nested_spec(packages, catalog, "cloud_ns", "cloud_vnf", "core")
    (vnfd,) = spec.vnfds.values()
    trimmed = vnfd.model_copy(update={"ext_cpd": vnfd.ext_cpd[:2]})  # drops cp_origin-ext
    with pytest.raises(ValidationError) as err:
        resolve_ns(spec.model_copy(update={"vnfds": {vnfd.id: trimmed}}))
    (issue,) = err.value.issues
    assert issue.code == "broken-reference"
    assert issue.path == (
        "/nsd/df/0/vnf-profile/0/virtual-link-connectivity/2/constituent-cpd-id/0"
    )


def test_ns_spec_round_trips_through_json(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    spec = nested_spec(packages, catalog, "cloud_ns", "cloud_vnf", "core", scale={"1": {"x": 2}})
    again = NsSpec.model_validate_json(spec.model_dump_json(by_alias=True))
    assert again == spec
    assert resolve_ns(again) == resolve_ns(spec)


def test_vnf_profile_instances_become_separate_vnfs(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    spec = nested_spec(packages, catalog, "cloud_ns", "cloud_vnf", "core")
    df = spec.nsd.df[0]
    twice = df.model_copy(
        update={
            "vnf_profile": (df.vnf_profile[0].model_copy(update={"min_number_of_instances": 2}),)
        }
    )
    plan = resolve_ns(spec.model_copy(update={"nsd": spec.nsd.model_copy(update={"df": (twice,)})}))
    assert [v.profile_id for v in plan.vnfs] == ["1", "1-1"]
    assert all(v.vdus == plan.vnfs[0].vdus for v in plan.vnfs)
    assert {link.id for link in plan.links} == {"mgmt_net", "cache_net", "origin_net"}


EDGE2 = """
  - name: edge2
    kind: kubernetes
    role: edge
    capacity: {vcpu: 16, memory_gb: 32, storage_gb: 200, pods: 110}
    kubernetes: {namespace: locus, multus_master_interface: eno1, cidr_pool: 192.168.0.0/18}
"""


def test_ns_update_counts_removals_and_sites_shape_the_vnf_instances(
    packages: dict[str, Package],
) -> None:
    from locus_iac.infra.topology import VpnStackRef
    from locus_iac.sites import load_sites

    from .conftest import SITES_YAML

    text = SITES_YAML.replace("latency_ms:", EDGE2.lstrip("\n") + "latency_ms:").replace(
        "core: {edge: 10}", "core: {edge: 10, edge2: 12}\n  edge: {edge2: 3}"
    )
    catalog = load_sites(text)
    spec = nested_spec(
        packages,
        catalog,
        "edge_ns",
        "edge_knf",
        "edge",
        vnf_counts={"1": 3},
        removed_vnfs=frozenset({"1-1"}),
        vnf_sites={"1-2": "edge2"},
        # the instance's links now span two sites: a VPN stack must join them
        upstream=Upstream(vpn=(VpnStackRef(sites=("edge", "edge2"), stack="vpn/e-e2"),)),
    )
    plan = resolve_ns(spec)
    assert [(v.profile_id, v.site) for v in plan.vnfs] == [("1", "edge"), ("1-2", "edge2")]
    wrong = spec.model_copy(update={"vnf_sites": {"1-2": "core"}})
    with pytest.raises(ValidationError) as exc:
        resolve_ns(wrong)
    assert [(i.path, i.code) for i in exc.value.issues] == [("/vnf_sites/1-2", "wrong-site")]

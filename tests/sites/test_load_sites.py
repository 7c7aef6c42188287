"""locus_iac.sites: loading, validation with JSON pointers, latency matrix, free capacity."""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path

import pytest
import yaml

from locus_iac.errors import NotFound, ValidationError
from locus_iac.sites import (
    Resources,
    Site,
    SiteCatalog,
    SiteKind,
    SiteRole,
    UnitCost,
    load_sites,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sites"

CORE = """
  - name: core
    kind: openstack
    role: core
    capacity: {vcpu: 8, memory_gb: 16, storage_gb: 100}
    openstack: {management_network: mgmt}
"""
EDGE = """
  - name: edge
    kind: kubernetes
    role: edge
    capacity: {vcpu: 4, memory_gb: 8, pods: 20}
    kubernetes: {}
"""


def _doc(sites: str = CORE + EDGE, latency: str = "latency_ms: {core: {edge: 12}}") -> str:
    return f"sites:\n{sites}\n{latency}\n"


def _issues(text: str) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        load_sites(text)
    return {issue.path: issue.code for issue in info.value.issues}


@pytest.mark.parametrize("name", ["locus-poc.yaml", "local.yaml"])
def test_example_files_load(name: str) -> None:
    catalog = load_sites(EXAMPLES / name)
    assert len(catalog.sites) >= 2
    for a in catalog.names():
        for b in catalog.names():
            assert catalog.latency(a, b) == catalog.latency(b, a)


def test_poc_sites_have_the_expected_kinds_and_roles() -> None:
    catalog = load_sites(EXAMPLES / "locus-poc.yaml")
    assert catalog.site("ote-core").kind is SiteKind.OPENSTACK
    assert catalog.site("ote-core").role is SiteRole.CORE
    assert catalog.site("uma-edge").kind is SiteKind.KUBERNETES
    assert catalog.site("uma-edge").role is SiteRole.EDGE
    assert {s.name for s in catalog.by_kind(SiteKind.OPENSTACK)} == {
        "ote-core",
        "nextworks-lab-core",
    }
    assert catalog.site("uma-edge").cost.vcpu > catalog.site("ote-core").cost.vcpu


def test_one_sided_matrix_is_closed_symmetrically_with_zero_diagonal() -> None:
    catalog = load_sites(_doc())
    assert catalog.latency("edge", "core") == 12.0
    assert catalog.latency("core", "edge") == 12.0
    assert catalog.latency("core", "core") == 0.0
    assert catalog.latency_ms["edge"]["core"] == 12.0


def test_text_and_path_sources_are_equivalent(tmp_path: Path) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text(_doc())
    assert load_sites(path) == load_sites(str(path)) == load_sites(_doc())


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        load_sites(tmp_path / "nope.yaml")


def test_defaults_and_free_capacity() -> None:
    catalog = load_sites(
        _doc(sites=CORE.replace("storage_gb: 100}", "storage_gb: 100}\n    used: {vcpu: 3}") + EDGE)
    )
    core = catalog.site("core")
    assert core.free() == Resources(vcpu=5, memory_gb=16, storage_gb=100)
    assert core.openstack is not None
    assert core.openstack.cidr_pool == IPv4Network("10.100.0.0/16")
    edge = catalog.site("edge")
    assert edge.kubernetes is not None
    assert edge.kubernetes.namespace == "locus"
    assert edge.kubernetes.multus_master_interface == "eth0"
    assert edge.kubernetes.cidr_pool == IPv4Network("192.168.128.0/17")
    assert edge.cost == UnitCost()


def test_unknown_site_lookup_raises_not_found() -> None:
    catalog = load_sites(_doc())
    with pytest.raises(NotFound, match="known sites: core, edge"):
        catalog.site("elsewhere")
    with pytest.raises(NotFound):
        catalog.latency("core", "elsewhere")


def test_every_problem_is_reported_with_a_pointer() -> None:
    sites = (
        CORE.replace("vcpu: 8", "vcpu: -8")
        + EDGE.replace("kubernetes: {}", "openstack: {management_network: m}")
        + CORE.replace("role: core", "role: core\n    colour: blue")
    )
    latency = "latency_ms: {core: {edge: 12, mars: 3}, edge: {core: 13}}"
    issues = _issues(_doc(sites, latency))
    assert issues["/sites/0/capacity/vcpu"] == "negative-value"
    assert issues["/sites/1/openstack"] == "invalid-value"
    assert issues["/sites/1/kubernetes"] == "invalid-value"
    assert issues["/sites/2/colour"] == "unknown-field"
    assert issues["/sites/2/name"] == "duplicate-site"
    assert issues["/latency_ms/core/mars"] == "unknown-site"
    assert issues["/latency_ms/core/edge"] == "asymmetric-latency"


def test_negative_latency_and_missing_pair() -> None:
    issues = _issues(_doc(latency="latency_ms: {core: {edge: -1}}"))
    assert issues == {"/latency_ms/core/edge": "negative-value"}
    issues = _issues(_doc(latency="latency_ms: {}"))
    assert issues == {"/latency_ms/core/edge": "missing-latency"}


def test_used_above_capacity_is_rejected() -> None:
    sites = CORE.replace("storage_gb: 100}", "storage_gb: 100}\n    used: {vcpu: 9}") + EDGE
    with pytest.raises(ValidationError) as info:
        load_sites(_doc(sites))
    (issue,) = info.value.issues
    assert issue.path == "/sites/0/used"
    assert "vcpu 9 > capacity 8" in issue.message


def test_bad_names_and_unknown_top_level_keys() -> None:
    issues = _issues(_doc(sites=CORE.replace("name: core", "name: Core_1") + EDGE) + "extra: 1\n")
    assert issues["/sites/0/name"] == "bad-name"
    assert issues["/extra"] == "unknown-field"


def test_duplicate_yaml_keys_and_syntax_errors_are_rejected() -> None:
    issues = _issues(_doc(sites=CORE.replace("role: core", "role: core\n    role: edge") + EDGE))
    assert issues == {"": "yaml-syntax"}
    assert _issues("sites: [\n") == {"": "yaml-syntax"}
    assert _issues("- just\n- a list\n") == {"": "not-a-mapping"}
    assert _issues("sites: []\n") == {"/sites": "missing-field"}


def test_overlapping_vpn_subnets_are_rejected() -> None:
    sites = CORE.replace(
        "role: core", "role: core\n    vpn: {public_address: 192.0.2.1, subnet: 10.0.0.0/16}"
    ) + EDGE.replace(
        "role: edge", "role: edge\n    vpn: {public_address: 192.0.2.2, subnet: 10.0.3.0/24}"
    )
    assert _issues(_doc(sites)) == {"/sites/1/vpn/subnet": "overlapping-vpn-subnet"}


def test_catalog_built_in_python_is_checked_too() -> None:
    site = Site(
        name="a",
        kind=SiteKind.KUBERNETES,
        role=SiteRole.EDGE,
        capacity=Resources(vcpu=1),
        kubernetes={},  # type: ignore[arg-type]
    )
    other = site.model_copy(update={"name": "b"})
    with pytest.raises(ValidationError) as info:
        SiteCatalog(sites=(site, other))
    assert [i.code for i in info.value.issues] == ["missing-latency"]
    catalog = SiteCatalog(sites=(site, other), latency_ms={"b": {"a": 2.5}})
    assert catalog.latency("a", "b") == 2.5


def test_resources_helpers() -> None:
    demand = Resources(vcpu=2, memory_gb=4, storage_gb=10, pods=1)
    assert demand.scaled(3) == Resources(vcpu=6, memory_gb=12, storage_gb=30, pods=3)
    assert demand.fits_in(Resources(vcpu=2, memory_gb=4, storage_gb=10, pods=1))
    assert not demand.fits_in(Resources(vcpu=2, memory_gb=4, storage_gb=10))
    cost = UnitCost(vcpu=1, memory_gb=0.5, storage_gb=0.1, pod=2)
    assert cost.of(demand) == pytest.approx(2 + 2 + 1 + 2)


def test_catalog_round_trips_through_yaml() -> None:
    catalog = load_sites(EXAMPLES / "locus-poc.yaml")
    assert load_sites(yaml.safe_dump(catalog.as_yaml_dict())) == catalog


def test_booleans_are_not_numbers_but_numeric_strings_are() -> None:
    """Lax pydantic would read ``true`` as 1 and ``false`` as 0: a site file (or a POST body)
    saying ``pod: false`` is a mistake, refused with a pointer; ``"0.05"`` stays a number."""
    core = CORE.replace("storage_gb: 100}", "storage_gb: 100}\n    cost: {pod: false}")
    issues = _issues(_doc(core + EDGE.replace("pods: 20", "pods: true")))
    assert "/sites/0/cost/pod" in issues
    assert "/sites/1/capacity/pods" in issues
    assert UnitCost.model_validate({"vcpu": "0.05"}).vcpu == 0.05

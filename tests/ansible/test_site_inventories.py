"""The PoC inventories (``inventories/ote``, ``uma``, ``nextworks-lab``) agree with
``examples/sites/locus-poc.yaml`` (one source of truth for the site facts: names, VPN public
addresses and subnets, Multus master interfaces, CIDR pools), and ``playbooks/site.yml`` runs in
check mode against each of them.

The check run uses a local connection (``-c local``: the hosts are documentation addresses,
RFC 5737), ``locus_vpn_gateway_service=none`` and ``locus_mano_service_manager=process``
(no systemd in this container) and ``locus_mano_postgresql_install=false`` (no PostgreSQL
service to create the role in); secrets are made up for the run and passed in a 0600 file. The
Kubernetes edge plays copy the binaries of this machine's tool cache (``scripts/bootstrap-tools
--with-node``); flanneld and the flannel CNI plugin are empty stand-ins in a temporary folder
(``locus_site_flannel_source_dir``: check mode never runs them, and the run does not need the
tool cache to hold them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from locus_iac.infra.wireguard import generate_keypair

REPO = Path(__file__).resolve().parents[2]
INVENTORIES = {
    "ote": ["ote-core"],
    "uma": ["uma-edge"],
    "nextworks-lab": ["nextworks-lab-core", "nextworks-lab-edge"],
}
BIN = Path(sys.executable).parent
TOOLS_BIN = (
    Path(os.environ.get("LOCUS_TOOLS_DIR", Path.home() / ".cache" / "locus-iac" / "tools")) / "bin"
)


def poc_sites() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((REPO / "examples" / "sites" / "locus-poc.yaml").read_text())
    return {site["name"]: site for site in data["sites"]}


def inventory(name: str) -> dict[str, Any]:
    out = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(REPO / "inventories" / name), "--list"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    listing: dict[str, Any] = json.loads(out)
    return listing


def group_hosts(listing: dict[str, Any], group: str) -> list[str]:
    """Hosts of ``group`` and of its child groups."""
    entry = listing.get(group, {})
    hosts = list(entry.get("hosts", []))
    for child in entry.get("children", []):
        hosts += group_hosts(listing, child)
    return hosts


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_inventory_names_the_sites_of_the_poc_file(name: str) -> None:
    sites = poc_sites()
    hostvars = inventory(name)["_meta"]["hostvars"]
    named = {v["locus_site_name"] for v in hostvars.values()}
    assert named == set(INVENTORIES[name])
    assert named <= set(sites)
    assert all(v["locus_site_names"] == INVENTORIES[name] for v in hostvars.values())


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_vpn_gateways_match_the_poc_file(name: str) -> None:
    sites = poc_sites()
    listing = inventory(name)
    hostvars = listing["_meta"]["hostvars"]
    gateways = group_hosts(listing, "locus_vpn_gateways")
    assert {hostvars[h]["locus_site_name"] for h in gateways} == set(INVENTORIES[name])
    for host in gateways:
        own = hostvars[host]
        vpn = sites[own["locus_site_name"]]["vpn"]
        assert own["ansible_host"] == vpn["public_address"], host
        assert own["locus_vpn_subnet"] == vpn["subnet"], host
        assert own["locus_vpn_gateway_listen_port"] == vpn.get("listen_port", 51820), host
        for peer in own["locus_vpn_gateway_peers"]:
            peer_vpn = sites[peer["name"]]["vpn"]
            assert peer_vpn["subnet"] in peer["allowed_ips"], (host, peer["name"])
            if "endpoint" in peer:
                address, port = peer["endpoint"].rsplit(":", 1)
                assert address == peer_vpn["public_address"], (host, peer["name"])
                assert int(port) == peer_vpn.get("listen_port", 51820)


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_kubernetes_edges_match_the_poc_file(name: str) -> None:
    sites = poc_sites()
    listing = inventory(name)
    hostvars = listing["_meta"]["hostvars"]
    edges = {s for s in INVENTORIES[name] if sites[s]["kind"] == "kubernetes"}
    hosts = group_hosts(listing, "locus_k8s_edge")
    assert {hostvars[h]["locus_site_name"] for h in hosts} == edges
    for host in hosts:
        kube = sites[hostvars[host]["locus_site_name"]]["kubernetes"]
        assert hostvars[host]["locus_multus_master_interface"] == kube["multus_master_interface"]
        assert hostvars[host]["locus_cidr_pool"] == kube["cidr_pool"]


def test_ote_and_uma_tunnel_addresses_match_the_vpn_stack() -> None:
    stack = yaml.safe_load((REPO / "stacks" / "vpn" / "Pulumi.ote.yaml").read_text())["config"]
    ote = inventory("ote")["_meta"]["hostvars"]["ote-vpn-gw"]
    uma = inventory("uma")["_meta"]["hostvars"]["uma-vpn-gw"]
    assert ote["locus_vpn_gateway_address"] == stack["locus-vpn:coreTunnelAddress"]
    assert uma["locus_vpn_gateway_address"] == stack["locus-vpn:edgeTunnelAddress"]
    assert ote["locus_vpn_subnet"] == stack["locus-vpn:coreRoutedBlock"]
    assert uma["locus_vpn_subnet"] == stack["locus-vpn:edgeRoutedBlock"]


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_site_playbook_runs_in_check_mode(name: str, tmp_path: Path) -> None:
    if shutil.which("wg") is None:
        pytest.skip("wg (Debian wireguard-tools) is not installed: the VPN role checks keys")
    missing = [
        t
        for t in ("etcd", "kube-apiserver", "kubelet", "cni/multus")
        if not (TOOLS_BIN / t).is_file()
    ]
    if missing:
        pytest.skip(f"scripts/bootstrap-tools --with-node has not built {missing} in {TOOLS_BIN}")
    flannel = tmp_path / "flannel"
    (flannel / "cni").mkdir(parents=True)
    for stand_in in (flannel / "flanneld", flannel / "cni" / "flannel"):
        stand_in.touch(mode=0o755)
    secrets = tmp_path / "secrets.yml"
    secrets.touch(mode=0o600)
    secrets.write_text(
        yaml.safe_dump(
            {
                "locus_vpn_gateway_private_key": generate_keypair().private_key,
                "locus_vpn_peer_public_keys": {
                    site: generate_keypair().public_key
                    for sites in INVENTORIES.values()
                    for site in sites
                },
                "locus_mano_admin_password": "check-mode-admin",
                "locus_mano_postgresql_password": "check-mode-db",
                "locus_vpn_gateway_service": "none",
                "locus_mano_service_manager": "process",
                "locus_mano_postgresql_install": False,
                "locus_site_flannel_source_dir": str(flannel),
            }
        )
    )
    run = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            str(REPO / "inventories" / name),
            str(REPO / "playbooks" / "site.yml"),
            "--check",
            # the OpenStack play registers services through a running Keystone, which check
            # mode cannot predict: its roles' molecule scenario converges them instead
            "--skip-tags",
            "openstack",
            "-c",
            "local",
            "-e",
            f"@{secrets}",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
        ],
        capture_output=True,
        text=True,
        timeout=840,
        env={
            "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
            "PATH": f"{BIN}:/usr/sbin:/usr/bin:/sbin:/bin",
            # the edge plays copy the binaries of this tool cache
            "LOCUS_TOOLS_DIR": str(TOOLS_BIN.parent),
        },
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    recap = run.stdout[run.stdout.index("PLAY RECAP") :]
    assert "failed=0" in recap
    assert "unreachable=0" in recap


def site_plays() -> dict[str, list[str]]:
    plays = yaml.safe_load((REPO / "playbooks" / "site.yml").read_text())
    return {play["hosts"]: [r["role"] for r in play.get("roles", [])] for play in plays}


def test_site_playbook_builds_kubernetes_edges_and_openstack_cores() -> None:
    plays = site_plays()
    assert plays["locus_k8s_control_plane"] == [
        "locus_etcd",
        "locus_kube_control_plane",
        "locus_multus_crd",
    ]
    assert plays["locus_k8s_nodes"] == ["locus_cni", "locus_k8s_node"]
    assert plays["locus_openstack_nodes"] == [
        f"locus_openstack_{c}"
        for c in ("base", "keystone", "glance", "placement", "nova", "neutron")
    ]


@pytest.mark.parametrize("name", ["uma", "nextworks-lab"])
def test_kubernetes_edge_nodes_use_flannel(name: str) -> None:
    listing = inventory(name)
    hostvars = listing["_meta"]["hostvars"]
    nodes = group_hosts(listing, "locus_k8s_nodes")
    (control_plane,) = group_hosts(listing, "locus_k8s_control_plane")
    assert nodes
    edge_vars = yaml.safe_load(
        (REPO / "playbooks" / "group_vars" / "locus_k8s_edge.yml").read_text()
    )
    assert edge_vars["locus_cni_primary_type"] == "flannel"
    assert "flannel" in edge_vars["locus_cni_plugins"]
    assert (
        "--allocate-node-cidrs=true"
        in edge_vars["locus_kube_control_plane_controller_manager_extra_args"]
    )
    for node in nodes:
        assert hostvars[node]["locus_site_name"] == hostvars[control_plane]["locus_site_name"]

"""Time to build and mock-run the NS program for NSs of 1, 10 and 100 VNFs (print only).

Each NS has as many VM VNFs (one VDU, two ports: a shared mgmt network and a per-VNF data
link) at a core OpenStack site as KNFs (one KDU on a per-KNF link plus a link to its VM
peer that crosses to the edge, hence a SiteLink). Run: ``.venv/bin/python
benchmarks/bench_programs.py``.
"""

from __future__ import annotations

import time
from ipaddress import IPv4Network

from locus_iac.infra import (
    KduPlan,
    LinkPlan,
    NsPlan,
    PortPlan,
    PreviewMocks,
    Upstream,
    VduPlan,
    VnfPlan,
    VpnStackRef,
    allocate_cidrs,
    build_ns,
    run_program,
)
from locus_iac.sites import SiteKind, load_sites

SITES = load_sites(
    """
sites:
  - name: core
    kind: openstack
    role: core
    capacity: {vcpu: 4096, memory_gb: 16384, storage_gb: 100000}
    openstack: {management_network: mgmt, cidr_pool: 10.0.0.0/8}
  - name: edge
    kind: kubernetes
    role: edge
    capacity: {vcpu: 1024, memory_gb: 4096, storage_gb: 10000, pods: 5000}
    kubernetes: {namespace: locus, multus_master_interface: eth0, cidr_pool: 172.16.0.0/12}
latency_ms: {core: {edge: 5}}
"""
)
VPN = "locus-vpn/core--edge"


def ns_plan(vnfs: int) -> NsPlan:
    """An NS with ``vnfs`` functions: half VMs at the core, half KNFs at the edge."""
    vms = (vnfs + 1) // 2
    knfs = vnfs - vms
    core = allocate_cidrs(IPv4Network("10.0.0.0/8"), [f"data{i}" for i in range(vms)])
    edge = allocate_cidrs(
        IPv4Network("172.16.0.0/12"),
        [f"user{i}" for i in range(knfs)] + [f"peer{i}" for i in range(knfs)],
    )
    peer_core = allocate_cidrs(
        IPv4Network("10.0.0.0/8"), [f"peer{i}" for i in range(knfs)], reserved=core.values()
    )
    functions: list[VnfPlan] = []
    links = [LinkPlan(id="mgmt", sites=("core",), mgmt=True, existing={"core": "mgmt"})]
    for i in range(vms):
        ports = [PortPlan(cpd="eth0", vl="mgmt", mgmt=True), PortPlan(cpd="eth1", vl=f"data{i}")]
        if i < knfs:
            ports.append(PortPlan(cpd="eth2", vl=f"peer{i}"))
        vdu = VduPlan(
            id="vdu", vcpu=2, memory_mb=4096, disk_gb=10, image="ubuntu", ports=tuple(ports)
        )
        functions.append(
            VnfPlan(
                profile_id=f"vm{i}", vnfd_id="vm", site="core", kind=SiteKind.OPENSTACK, vdus=(vdu,)
            )
        )
        links.append(LinkPlan(id=f"data{i}", sites=("core",), cidrs={"core": core[f"data{i}"]}))
    for i in range(knfs):
        kdu = KduPlan(name="app", chart="charts/app", networks=(f"user{i}", f"peer{i}"))
        functions.append(
            VnfPlan(
                profile_id=f"knf{i}",
                vnfd_id="knf",
                site="edge",
                kind=SiteKind.KUBERNETES,
                kdus=(kdu,),
            )
        )
        links.append(LinkPlan(id=f"user{i}", sites=("edge",), cidrs={"edge": edge[f"user{i}"]}))
        links.append(
            LinkPlan(
                id=f"peer{i}",
                sites=("core", "edge"),
                cidrs={"core": peer_core[f"peer{i}"], "edge": edge[f"peer{i}"]},
            )
        )
    return NsPlan(
        ns_instance_id=f"bench-{vnfs}",
        name="bench",
        sites=SITES.sites,
        vnfs=tuple(functions),
        links=tuple(links),
        upstream=Upstream(vpn=(VpnStackRef(sites=("core", "edge"), stack=VPN),)),
    )


def main() -> None:
    outputs = {VPN: {"next_hops": {"core": "10.255.0.1", "edge": "172.31.255.1"},
                     "router_ids": {"core": "router"}}}  # fmt: skip
    baseline = None
    run_program(lambda: build_ns(ns_plan(1)), mocks=PreviewMocks(outputs))  # warm-up
    print(f"{'VNFs':>5} {'resources':>9} {'plan ms':>8} {'run s':>7} {'s/VNF':>7} {'x 1-VNF':>8}")
    for size in (1, 10, 100):
        start = time.perf_counter()
        plan = ns_plan(size)
        planned = time.perf_counter()
        result = run_program(lambda plan=plan: build_ns(plan), mocks=PreviewMocks(outputs))
        done = time.perf_counter()
        run = done - planned
        baseline = baseline or run
        print(
            f"{size:>5} {len(result.resources):>9} {(planned - start) * 1000:>8.1f} "
            f"{run:>7.2f} {run / size:>7.3f} {run / baseline:>8.1f}"
        )


if __name__ == "__main__":
    main()

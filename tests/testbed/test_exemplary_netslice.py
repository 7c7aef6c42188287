"""The seed's exemplary service for real: ``locus_nst`` across the testbed's OpenStack core and
Kubernetes edge, through the NBI, with the real Pulumi engine and providers (seed §5.1).

1. ``stacks/tenant`` and ``stacks/vpn`` are run with the ``pulumi`` CLI as ``stacks/README.md``
   says (the tenant from its ``Pulumi.local.yaml``; the VPN stack under the name the MANO's NS
   stacks read, ``organization/locus-vpn/local--core``), into the backend the NBI's workers use.
2. The NBI (``create_app``, worker processes, the product's runner) gets the testbed's
   Kubernetes cluster (``local``) and the testbed's OpenStack as VIM account ``core`` (the
   tenant's user), the five example packages, and instantiates the netslice: ``cloud_nss`` on
   the core (the cloud VNF's server with the 4 vCPU / 8 GB / 20 GB flavor, its three ports,
   its cloud-init user data; the cache link routed through the tenant router to the VPN
   gateway), then ``edge_nss`` on the edge (the edge KNF and its NADs).
3. Day1 of the cloud VNF is SSH to the server's management address. Nova's fake driver boots
   no guest, so the first try fails as the product must fail on an unreachable host
   (``FAILED_TEMP``, the nested operation named, nothing rolled back); the test then plays the
   guest the fake driver lacks (:mod:`testbed.fake_vms`: the server's own address and key
   pair) and ``retry`` completes the netslice with Day1 done over real SSH.
4. The cloud VNF is scaled 1 -> 2 (the new server's Day1 the same way) -> 1, healed after its
   server was deleted behind the MANO's back, and the netslice is terminated; then the VPN and
   tenant stacks are destroyed. After each step openstacksdk and the Kubernetes API show what
   exists; at the end no server, port, network, router, floating IP, security group or volume
   of the run is left.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from locus_iac.infra import dns_label, ns_namespace
from testbed.exemplary import (
    EDGE_POOL,
    EDGE_URL,
    CoreStacks,
    Tenant,
    admin_cloud,
    boot_guests,
    connect,
    ensure_gateway_flavor,
    ensure_image,
    instantiate_body,
    onboard_exemplary,
    openstack_unavailable_reason,
    register_core,
    server_detail,
    servers,
)
from testbed.fake_vms import CLOUD_DIR, FakeGuests, fake_guests
from testbed.fake_vms import unavailable_reason as guests_unavailable
from testbed.helpers import Nbi, wait_for

pytestmark = [pytest.mark.testbed, pytest.mark.timeout(3600)]

NSI = "/nsilcm/v1"
NS = "/nslcm/v1"
MULTUS = "k8s.v1.cni.cncf.io/networks"
FLAVOR = {"vcpus": 4, "ram": 8192, "disk": 20}


@pytest.fixture
def admin() -> Iterator[Any]:
    reason = openstack_unavailable_reason() or guests_unavailable()
    if reason is not None:
        pytest.skip(reason)
    conn = connect(admin_cloud())
    yield conn
    conn.close()


@pytest.fixture
def guests(tmp_path: Path) -> Iterator[FakeGuests]:
    folder = tmp_path / "guests"
    folder.mkdir()
    with fake_guests(folder) as made:
        yield made


# -- waiting ------------------------------------------------------------------------------------


def _wait(client: TestClient, auth: dict[str, str], url: str, timeout: float = 1200) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(url, headers=auth).json()
        if body["operationState"] not in ("PROCESSING", "STARTING", "ROLLING_BACK"):
            return body
        assert time.monotonic() < deadline, f"{url} still {body['operationState']}: {body}"
        time.sleep(2)


def _nsi_op(nbi: Nbi, op: str) -> Any:
    return _wait(nbi.client, nbi.auth, f"{NSI}/nsi_lcm_op_occs/{op}")


def _ns_op(nbi: Nbi, op: str) -> Any:
    return _wait(nbi.client, nbi.auth, f"{NS}/ns_lcm_op_occs/{op}")


def _retry(nbi: Nbi, url: str) -> Any:
    """Retry the FAILED_TEMP occurrence at ``url`` and wait for its new outcome (the
    occurrence stays FAILED_TEMP until the coordinator or a worker takes the retry up)."""
    answer = nbi.client.post(f"{url}/retry", headers=nbi.auth)
    assert answer.status_code == 202, answer.text
    wait_for(
        f"{url} to leave FAILED_TEMP",
        lambda: nbi.client.get(url, headers=nbi.auth).json()["operationState"] != "FAILED_TEMP",
        timeout=300,
    )
    return _wait(nbi.client, nbi.auth, url)


def _post(nbi: Nbi, url: str, body: dict[str, Any]) -> Any:
    response = nbi.client.post(url, json=body, headers=nbi.auth)
    assert response.status_code == 202, response.text
    return response.json()


# -- what OpenStack shows -----------------------------------------------------------------------


def _check_cloud_vnf(conn: Any, server: Any, networks: dict[str, str]) -> None:
    """ACTIVE, the VDU's flavor, three ports on mgmt/cache/origin, the rendered cloud-init."""
    assert server.status == "ACTIVE"
    detail = server_detail(conn, server.id)
    flavor = detail["flavor"]
    assert {k: flavor[k] for k in FLAVOR} == FLAVOR
    assert flavor["original_name"].endswith("-1-cloud_vdu")
    user_data = base64.b64decode(detail["OS-EXT-SRV-ATTR:user_data"]).decode()
    assert user_data.startswith("#cloud-config")
    assert "/usr/local/bin/locus-cloud-forwarder" in user_data
    ports = {p.network_id: p for p in conn.network.ports(device_id=server.id)}
    assert set(ports) == set(networks.values()), (ports, networks)
    for cpd, vl in (("ens3-int", "mgmt"), ("ens6-int", "cache"), ("ens7-int", "origin")):
        port = ports[networks[vl]]
        assert port.name.endswith(cpd)
        assert port.binding_vif_type not in ("binding_failed", "unbound"), port


def _networks(conn: Any, tenant: Tenant, nsi: str) -> dict[str, str]:
    names = {
        "mgmt": tenant.mgmt,
        "cache": dns_label(nsi[:8], "cache_net"),
        "origin": dns_label(nsi[:8], "origin_net"),
    }
    found = {}
    for vl, name in names.items():
        network = conn.network.find_network(name, ignore_missing=False)
        found[vl] = str(network.id)
    return found


def _check_wiring(conn: Any, stacks: CoreStacks, nsi: str, cache_network: str) -> None:
    """The tenant router: gateway on `public`, interfaces on the data network and the cache
    link, routes to the edge through the VPN gateway; the gateway's floating IP."""
    tenant = stacks.tenant
    router = conn.network.find_router(tenant.router, ignore_missing=False)
    public = conn.network.find_network("public", ignore_missing=False)
    assert router.external_gateway_info["network_id"] == public.id
    interfaces = {
        p.network_id
        for p in conn.network.ports(device_id=router.id, device_owner="network:router_interface")
    }
    data = conn.network.find_network(tenant.data, ignore_missing=False)
    assert {data.id, cache_network} <= interfaces
    vpn = stacks.outputs("vpn")
    gateway_ip = vpn["next_hops"]["core"]
    routes = {r["destination"]: r["nexthop"] for r in router.routes}
    assert routes.get("192.168.128.0/17") == gateway_ip  # the VPN stack's own route
    cache_subnet = next(conn.network.subnets(network_id=cache_network))
    edge_blocks = [d for d in routes if d != "192.168.128.0/17"]
    assert edge_blocks and all(routes[d] == gateway_ip for d in edge_blocks)
    assert any(r["destination"] in edge_blocks for r in cache_subnet.host_routes)
    fip = conn.network.find_ip(vpn["core_public_address"], ignore_missing=False)
    gateway_port = conn.network.get_port(fip.port_id)
    assert gateway_port.network_id == data.id
    assert gateway_port.fixed_ips[0]["ip_address"] == gateway_ip


# -- what Kubernetes shows ----------------------------------------------------------------------


def _check_edge(kube: httpx.Client, nsi: str, edge_ns: str) -> None:
    """The three NADs the edge NS declared in its namespace; the edge KNF's Deployment
    (configured by its Day1) attached to its user and cache networks (seed Figure 36)."""
    namespace = ns_namespace(edge_ns)
    url = f"/apis/k8s.cni.cncf.io/v1/namespaces/{namespace}/network-attachment-definitions"
    nads = {item["metadata"]["name"] for item in kube.get(url).json()["items"]}
    assert nads == {dns_label(nsi[:8], vld) for vld in ("cache_net", "external_net", "user_net")}
    (deployment,) = kube.get(f"/apis/apps/v1/namespaces/{namespace}/deployments").json()["items"]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    attached = json.loads(annotations[MULTUS])
    wanted = {(namespace, dns_label(nsi[:8], vld)) for vld in ("cache_net", "user_net")}
    assert {(a["namespace"], a["name"]) for a in attached} == wanted  # the chart's two nets
    assert deployment["metadata"]["labels"].get("locus/configured") == "true"  # its Day1


# -- leftovers ---------------------------------------------------------------------------------


def _leftovers(conn: Any, project_id: str, ns_ids: list[str]) -> dict[str, list[str]]:
    """Everything of the run's project (and servers of the NS instances) still there."""
    default_groups = {"default"}  # Neutron makes it for every project it serves
    return {
        "servers": [s.name for ns in ns_ids for s in servers(conn, ns)]
        + [s.name for s in conn.compute.servers(all_projects=True, project_id=project_id)],
        "ports": [p.id for p in conn.network.ports(project_id=project_id)],
        "networks": [n.name for n in conn.network.networks(project_id=project_id)],
        "routers": [r.name for r in conn.network.routers(project_id=project_id)],
        "floating ips": [f.floating_ip_address for f in conn.network.ips(project_id=project_id)],
        "security groups": [
            g.name
            for g in conn.network.security_groups(project_id=project_id)
            if g.name not in default_groups
        ],
        "volumes": [
            v.id for v in conn.block_storage.volumes(all_projects=True, project_id=project_id)
        ]
        if conn.has_service("block-storage")
        else [],
    }


# -- the phases ---------------------------------------------------------------------------------


@dataclass
class Run:
    """One run's handles and what it made so far."""

    admin: Any
    nbi: Nbi
    guests: FakeGuests
    stacks: CoreStacks
    tenant_conn: Any = None
    project_id: str = ""
    nsi: str = ""
    nested: dict[str, str] = field(default_factory=dict)
    networks: dict[str, str] = field(default_factory=dict)

    @property
    def cloud_ns(self) -> str:
        return self.nested["cloud_nss"]

    def boot(self) -> list[str]:
        return boot_guests(
            self.admin, self.tenant_conn, self.guests, self.cloud_ns, self.networks["mgmt"]
        )

    def edge_url_of(self, server_id: str) -> str:
        return self.guests.guests[server_id].file(CLOUD_DIR / "edge-url").read_text().strip()


def _scale_body(direction: str) -> dict[str, Any]:
    data = {"memberVnfIndex": "1", "vduId": "cloud_vdu", "scaleVnfType": direction}
    return {"scaleType": "SCALE_VNF", "scaleVnfData": [data]}


def _tenant_and_vpn(run: Run) -> None:
    """stacks/tenant as stacks/README.md runs it, then the VPN stack's core and edge sides."""
    stacks, admin = run.stacks, run.admin
    stacks.tenant_up()
    run.project_id = admin.identity.find_project(stacks.tenant.project, ignore_missing=False).id
    user = admin.identity.find_user(stacks.tenant.user, ignore_missing=False)
    assert user.default_project_id == run.project_id
    networks = {n.name for n in admin.network.networks(project_id=run.project_id)}
    assert networks == {stacks.tenant.mgmt, stacks.tenant.data}
    group = admin.network.find_security_group(
        stacks.tenant.security_group, project_id=run.project_id
    )
    assert group is not None
    assert admin.network.find_router(stacks.tenant.router, ignore_missing=False)
    stacks.vpn_up()
    run.tenant_conn = connect(stacks.tenant.cloud())


def _instantiate(run: Run, kube: httpx.Client, tmp_path: Path) -> None:
    """Sites, packages, the netslice; Day1 of the cloud VNF fails until its guest boots."""
    nbi = run.nbi
    register_core(nbi, run.stacks.tenant)
    onboard_exemplary(nbi, tmp_path)
    created = _post(nbi, f"{NSI}/netslice_instances_content", instantiate_body("exemplary"))
    run.nsi, op = created["id"], created["nsiLcmOpOccId"]
    first = _nsi_op(nbi, op)
    view = nbi.client.get(f"{NSI}/netslice_instances/{run.nsi}", headers=nbi.auth).json()
    run.nested = {n["netsliceSubnetId"]: n["nsInstanceId"] for n in view["nestedNsInstances"]}
    # Day1 cannot reach a guest the fake driver never booted: FAILED_TEMP, the subnet named
    assert first["operationState"] == "FAILED_TEMP", first
    assert "cloud_nss" in str(first.get("error")), first
    assert "unreachable" in str(first.get("error")).lower(), first
    (server,) = servers(run.admin, run.cloud_ns)
    run.networks = _networks(run.admin, run.stacks.tenant, run.nsi)
    assert run.boot() == [server.id]
    done = _retry(nbi, f"{NSI}/nsi_lcm_op_occs/{op}")
    assert done["operationState"] == "COMPLETED", done
    assert run.edge_url_of(server.id) == EDGE_URL  # Day1 over SSH wrote it
    (server,) = servers(run.admin, run.cloud_ns)
    _check_cloud_vnf(run.admin, server, run.networks)
    _check_wiring(run.admin, run.stacks, run.nsi, run.networks["cache"])
    _check_edge(kube, run.nsi, run.nested["edge_nss"])


def _scale(run: Run) -> None:
    """1 -> 2 (Day1 of the new server, once its guest is up) -> 1."""
    nbi, admin = run.nbi, run.admin
    (first,) = servers(admin, run.cloud_ns)
    op = _post(nbi, f"{NS}/ns_instances/{run.cloud_ns}/scale", _scale_body("SCALE_OUT"))["id"]
    scaled = _ns_op(nbi, op)
    assert scaled["operationState"] == "FAILED_TEMP", scaled  # the new server's guest is down
    (added,) = [s for s in servers(admin, run.cloud_ns) if s.id != first.id]
    assert run.boot() == [added.id]
    scaled = _retry(nbi, f"{NS}/ns_lcm_op_occs/{op}")
    assert scaled["operationState"] == "COMPLETED", scaled
    two = servers(admin, run.cloud_ns)
    assert [s.status for s in two] == ["ACTIVE", "ACTIVE"]
    for each in two:
        _check_cloud_vnf(admin, each, run.networks)
    assert run.edge_url_of(added.id) == EDGE_URL
    op = _post(nbi, f"{NS}/ns_instances/{run.cloud_ns}/scale", _scale_body("SCALE_IN"))["id"]
    scaled_in = _ns_op(nbi, op)
    assert scaled_in["operationState"] == "COMPLETED", scaled_in
    assert [s.id for s in servers(admin, run.cloud_ns)] == [first.id]
    assert not list(admin.network.ports(device_id=added.id))
    run.guests.halt(added.id)


def _heal(run: Run) -> None:
    """The server deleted behind the MANO's back is re-created on its own ports."""
    admin = run.admin
    (server,) = servers(admin, run.cloud_ns)
    ports_before = sorted(p.id for p in admin.network.ports(device_id=server.id))
    admin.compute.delete_server(server.id)
    admin.compute.wait_for_delete(server, wait=120)
    assert servers(admin, run.cloud_ns) == []
    op = _post(run.nbi, f"{NS}/ns_instances/{run.cloud_ns}/heal", {})["id"]
    healed = _ns_op(run.nbi, op)
    assert healed["operationState"] == "COMPLETED", healed
    (restored,) = servers(admin, run.cloud_ns)
    assert restored.id != server.id and restored.name == server.name
    _check_cloud_vnf(admin, restored, run.networks)
    assert sorted(p.id for p in admin.network.ports(device_id=restored.id)) == ports_before


def _terminate(run: Run, kube: httpx.Client) -> None:
    nbi, admin = run.nbi, run.admin
    op = _post(nbi, f"{NSI}/netslice_instances/{run.nsi}/terminate", {})["nsiLcmOpOccId"]
    ended = _nsi_op(nbi, op)
    assert ended["operationState"] == "COMPLETED", ended
    assert servers(admin, run.cloud_ns) == []
    for vld in ("cache_net", "origin_net"):
        assert admin.network.find_network(dns_label(run.nsi[:8], vld)) is None
    assert admin.network.find_security_group(ns_namespace(run.cloud_ns)) is None
    router = admin.network.find_router(run.stacks.tenant.router, ignore_missing=False)
    assert [r["destination"] for r in router.routes] == [EDGE_POOL]  # the VPN stack's only
    edge = ns_namespace(run.nested["edge_nss"])
    wait_for(
        f"namespace {edge} to be gone",
        lambda: kube.get(f"/api/v1/namespaces/{edge}").status_code == 404,
    )
    deleted = nbi.client.delete(f"{NSI}/netslice_instances/{run.nsi}", headers=nbi.auth)
    assert deleted.status_code == 204
    run.nsi = ""


def _abandon(run: Run) -> None:
    """After a failure: give up the open occurrence, terminate without primitives, wait."""
    nbi = run.nbi
    view = nbi.client.get(f"{NSI}/netslice_instances/{run.nsi}", headers=nbi.auth).json()
    current = view.get("currentLcmOpOccId")
    if current:
        nbi.client.post(f"{NSI}/nsi_lcm_op_occs/{current}/fail", headers=nbi.auth)
    for ns in run.nested.values():  # a nested scale or heal left open
        nested = nbi.client.get(f"{NS}/ns_instances/{ns}", headers=nbi.auth).json()
        if nested.get("currentLcmOpOccId"):
            op = nested["currentLcmOpOccId"]
            nbi.client.post(f"{NS}/ns_lcm_op_occs/{op}/fail", headers=nbi.auth)
    body = {"skip_terminate_primitives": True}
    answer = nbi.client.post(
        f"{NSI}/netslice_instances/{run.nsi}/terminate", json=body, headers=nbi.auth
    )
    if answer.status_code == 202:
        _nsi_op(nbi, answer.json()["nsiLcmOpOccId"])


def _no_default_group_left(admin: Any, project_id: str) -> None:
    """Neutron's automatic ``default`` group of the deleted project (no stack declares it)."""
    for group in admin.network.security_groups(project_id=project_id):
        admin.network.delete_security_group(group)


# -- the test -----------------------------------------------------------------------------------


def test_exemplary_netslice_across_openstack_core_and_kubernetes_edge(
    admin: Any,
    nbi: Nbi,
    kube: httpx.Client,
    site: dict[str, Any],
    pulumi_env: dict[str, str],
    guests: FakeGuests,
    tmp_path: Path,
) -> None:
    stacks = CoreStacks(dict(pulumi_env), tmp_path / "stacks", str(site["kubeconfig"]))
    stacks.workdir.mkdir()
    image, image_created = ensure_image(admin)
    stacks.gateway_flavor = ensure_gateway_flavor(admin, stacks.tenant.suffix)
    run = Run(admin, nbi, guests, stacks)
    try:
        _tenant_and_vpn(run)
        _instantiate(run, kube, tmp_path)
        _scale(run)
        _heal(run)
        _terminate(run, kube)
    finally:  # whatever failed, leave nothing on the shared testbed
        try:
            if run.nsi:
                _abandon(run)
            stacks.destroy_all()
        finally:
            admin.compute.delete_flavor(admin.compute.find_flavor(stacks.gateway_flavor))
            if image_created:
                admin.image.delete_image(image)
    # the tenant's project and user are gone, and nothing the run made is left
    assert admin.identity.find_project(stacks.tenant.project) is None
    assert admin.identity.find_user(stacks.tenant.user) is None
    left = _leftovers(admin, run.project_id, list(run.nested.values()))
    _no_default_group_left(admin, run.project_id)
    assert left == {k: [] for k in left}, left

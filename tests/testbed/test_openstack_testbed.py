"""The OpenStack control plane of the local testbed (``locus testbed up --with-openstack``).

Real Keystone, Glance, Placement, Nova (fake compute driver) and Neutron (ML2/linuxbridge with
the L3 agent) from Debian's packages, driven with openstacksdk through the credentials record
``<testbed dir>/openstack.yaml``. Skipped, with the reason, when that control plane is not up.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from testbed.helpers import TESTBED_DIR

openstack = pytest.importorskip("openstack", reason="openstacksdk is not installed (dev extra)")
config = pytest.importorskip("openstack.config")
connection = pytest.importorskip("openstack.connection")
UP = "run 'locus testbed up --with-openstack'"

pytestmark = [pytest.mark.testbed, pytest.mark.timeout(600)]

RECORD = TESTBED_DIR / "openstack.yaml"
USER_DATA = "#cloud-config\nwrite_files:\n  - path: /etc/locus\n    content: testbed\n"


def _record() -> dict[str, Any]:
    if not RECORD.exists():
        pytest.skip(f"the OpenStack testbed is not up ({RECORD} missing): {UP}")
    loaded = yaml.safe_load(RECORD.read_text())
    assert isinstance(loaded, dict), f"{RECORD} is not a mapping"
    return loaded


@pytest.fixture(scope="module")
def cloud() -> Iterator[Any]:
    """An admin connection built from the credentials record (not from clouds.yaml)."""
    record = _record()
    conn = openstack.connect(
        auth_url=record["auth_url"],
        username=record["username"],
        password=Path(record["password_file"]).read_text().strip(),
        project_name=record["project_name"],
        user_domain_name=record["user_domain_name"],
        project_domain_name=record["project_domain_name"],
        region_name=record["region"],
        compute_api_version="2.79",
    )
    try:
        conn.authorize()
    except openstack.exceptions.SDKException as exc:
        pytest.skip(f"the OpenStack testbed's Keystone does not answer ({exc}): {UP}")
    yield conn
    conn.close()


def test_record_names_a_clouds_yaml_that_authenticates(cloud: Any) -> None:
    record = _record()
    clouds = Path(record["clouds_yaml"])
    assert clouds.stat().st_mode & 0o777 == 0o600
    assert Path(record["password_file"]).stat().st_mode & 0o777 == 0o600
    region = config.OpenStackConfig(config_files=[str(clouds)]).get_one(cloud=record["cloud"])
    conn = connection.Connection(config=region)
    assert conn.identity.get_project(conn.current_project_id).name == record["project_name"]


def test_catalog_images_and_flavors(cloud: Any) -> None:
    types = {s.type for s in cloud.identity.services()}
    assert {"identity", "image", "compute", "placement", "network"} <= types
    images = {i.name for i in cloud.image.images()}
    assert {"locus-tiny", "ubuntu-22.04"} <= images
    flavor = cloud.compute.find_flavor("locus.cloud")
    assert (flavor.vcpus, flavor.ram, flavor.disk) == (4, 8192, 20)
    compute = {h.name for h in cloud.compute.hypervisors()}
    agents = {a.agent_type for a in cloud.network.agents(is_alive=True) if a.host in compute}
    assert agents == {"Linux bridge agent", "L3 agent"}


def _ours(items: Any, tag: str) -> list[Any]:
    return [i for i in items if tag in (i.name or "")]


def test_server_with_three_ports_and_floating_ip(cloud: Any) -> None:
    tag = f"locus-t-{uuid.uuid4().hex[:8]}"
    net = cloud.network
    public = net.find_network("public")
    made: dict[str, Any] = {}
    try:
        made["net"] = net.create_network(name=f"{tag}-net")
        made["subnet"] = net.create_subnet(
            name=f"{tag}-subnet", network_id=made["net"].id, ip_version=4, cidr="10.77.0.0/24"
        )
        made["router"] = net.create_router(
            name=f"{tag}-router", external_gateway_info={"network_id": public.id}
        )
        net.add_interface_to_router(made["router"], subnet_id=made["subnet"].id)
        made["sg"] = net.create_security_group(name=f"{tag}-sg")
        net.create_security_group_rule(
            security_group_id=made["sg"].id,
            direction="ingress",
            protocol="tcp",
            port_range_min=22,
            port_range_max=22,
            remote_ip_prefix="0.0.0.0/0",
        )
        ports = [
            net.create_port(
                name=f"{tag}-port{n}", network_id=made["net"].id, security_group_ids=[made["sg"].id]
            )
            for n in range(3)
        ]
        server = cloud.compute.create_server(
            name=f"{tag}-vm",
            flavor_id=cloud.compute.find_flavor("locus.cloud").id,
            image_id=cloud.image.find_image("ubuntu-22.04").id,
            networks=[{"port": p.id} for p in ports],
            user_data=base64.b64encode(USER_DATA.encode()).decode(),
        )
        server = cloud.compute.wait_for_server(server, status="ACTIVE", wait=300)
        assert server.status == "ACTIVE"
        attached = {i.port_id for i in cloud.compute.server_interfaces(server)}
        assert attached == {p.id for p in ports}
        for port in ports:
            bound = net.get_port(port.id)
            assert bound.binding_vif_type == "bridge", bound.binding_vif_type
            assert bound.device_id == server.id
        fip = net.create_ip(floating_network_id=public.id, port_id=ports[0].id, description=tag)
        assert net.get_ip(fip.id).port_id == ports[0].id
        assert fip.floating_ip_address.startswith("172.24.4.")
        gateway = next(
            net.ports(device_id=made["router"].id, device_owner="network:router_gateway")
        )
        assert net.get_port(gateway.id).binding_vif_type == "bridge"
        fetched = cloud.compute.get_server(server.id)
        assert base64.b64decode(fetched.user_data).decode() == USER_DATA
    finally:
        _delete_all(cloud, tag, made)
    left = (
        _ours(cloud.compute.servers(), tag)
        + _ours(net.ports(), tag)
        + _ours(net.networks(), tag)
        + _ours(net.routers(), tag)
        + _ours(net.security_groups(), tag)
    )
    assert left == []
    assert [
        ip for ip in net.ips() if ip.floating_network_id == public.id and ip.description == tag
    ] == []


def _delete_all(cloud: Any, tag: str, made: dict[str, Any]) -> None:
    net = cloud.network
    for server in _ours(cloud.compute.servers(), tag):
        cloud.compute.delete_server(server)
        cloud.compute.wait_for_delete(server, wait=120)
    for port in _ours(net.ports(), tag):
        for ip in net.ips(port_id=port.id):
            net.delete_ip(ip)
        net.delete_port(port)
    if "router" in made:
        if "subnet" in made:
            net.remove_interface_from_router(made["router"], subnet_id=made["subnet"].id)
        net.delete_router(made["router"])
    for group in _ours(net.security_groups(), tag):
        net.delete_security_group(group)
    for network in _ours(net.networks(), tag):
        net.delete_network(network)


def test_status_reads_the_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``locus testbed status --with-openstack`` from a record (no OpenStack needed)."""
    import os
    import socket

    from locus_iac.cli import testbed

    (tmp_path / "me.pid").write_text(str(os.getpid()))
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        closed_port = free.getsockname()[1]
    record = {
        "auth_url": "http://127.0.0.1:5000/v3",
        "region": "RegionOne",
        "username": "admin",
        "project_name": "admin",
        "password_file": str(tmp_path / "pw"),
        "clouds_yaml": str(tmp_path / "clouds.yaml"),
        "cloud": "locus-testbed",
        "components": [
            {"name": "agent", "pid_file": str(tmp_path / "me.pid"), "port": 0},
            {"name": "api", "pid_file": str(tmp_path / "gone.pid"), "port": closed_port},
        ],
    }
    (tmp_path / "openstack.yaml").write_text(yaml.safe_dump(record))
    monkeypatch.setenv("LOCUS_TESTBED_DIR", str(tmp_path))
    status = testbed._openstack_status(as_json=True)
    assert status["healthy"] is False
    assert status["components"] == [
        {"name": "agent", "pid": os.getpid(), "port": 0, "listening": None},
        {"name": "api", "pid": None, "port": closed_port, "listening": False},
    ]
    assert "password" not in yaml.safe_dump(status).replace("password_file", "")

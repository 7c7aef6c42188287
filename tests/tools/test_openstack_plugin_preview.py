"""The real engine previews OpenStack resources of the Python SDK with the plugin built here.

No OpenStack is needed: ``openstack:authUrl`` points at a closed loopback port and the provider
authenticates lazily, so a preview loads the plugin (as ``resource-openstack v5.5.3``, never
downloaded), configures it and has it check and plan every resource. A wrong input comes back
as an error naming the property.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

pulumi_openstack = pytest.importorskip("pulumi_openstack")
import pulumi  # noqa: E402
from pulumi import automation as auto  # noqa: E402

from locus_iac.engine import ENGINE_ENV, find_pulumi  # noqa: E402

from .openstack_plugin import PLUGIN, PULUMI_HOME  # noqa: E402

PULUMI = find_pulumi()
pytestmark = [
    pytest.mark.skipif(not PLUGIN.is_file(), reason="plugin not built"),
    pytest.mark.skipif(PULUMI is None, reason="pulumi CLI not built (scripts/bootstrap-tools)"),
]

UNREACHABLE = "http://127.0.0.1:9/v3"


def cloud_vnf(ethertype: str = "IPv4") -> None:
    """A network, subnet, port, security group and rule, router and a server on the port."""
    osn = pulumi_openstack.networking
    net = osn.Network("net", name="mgmt", admin_state_up=True)
    sub = osn.Subnet("sub", network_id=net.id, cidr="10.10.0.0/24", ip_version=4)
    fixed = osn.PortFixedIpArgs(subnet_id=sub.id, ip_address="10.10.0.10")
    port = osn.Port("port", network_id=net.id, fixed_ips=[fixed])
    group = osn.SecGroup("sg", name="vnf", description="VNF access")
    osn.SecGroupRule(
        "ssh",
        security_group_id=group.id,
        direction="ingress",
        ethertype=ethertype,
        protocol="tcp",
        port_range_min=22,
        port_range_max=22,
    )
    router = osn.Router("router", name="edge")
    osn.RouterInterface("router-sub", router_id=router.id, subnet_id=sub.id)
    flavor = pulumi_openstack.compute.Flavor("flavor", name="vnf", vcpus=4, ram=8192, disk=20)
    pulumi_openstack.compute.Instance(
        "vdu",
        name="vdu-1",
        flavor_id=flavor.id,
        image_name="debian",
        networks=[pulumi_openstack.compute.InstanceNetworkArgs(port=port.id)],
        user_data="#cloud-config\n",
    )
    # a flattened one-item list and a deprecated alias token
    pulumi_openstack.compute.ServerGroup("group", name="anti", policies="anti-affinity")
    pulumi_openstack.BgpvpnV2("vpn", name="vpn")
    pulumi.export("network", net.id)


def preview(tmp_path: Path, program: Callable[[], None]) -> auto.PreviewResult:
    assert PULUMI is not None
    env = {
        **ENGINE_ENV,
        "PULUMI_HOME": str(PULUMI_HOME),
        "PULUMI_BACKEND_URL": (tmp_path / "state").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "preview-only",
        "PATH": os.pathsep.join([str(PULUMI.parent), os.environ.get("PATH", "")]),
    }
    (tmp_path / "state").mkdir()
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(tmp_path),
        env_vars=env,
        pulumi_command=auto.PulumiCommand(str(PULUMI.parent.parent), skip_version_check=True),
    )
    stack = auto.create_or_select_stack(
        "dev", project_name="os-preview", program=program, opts=opts
    )
    config = {
        "openstack:authUrl": auto.ConfigValue(UNREACHABLE),
        "openstack:userName": auto.ConfigValue("admin"),
        "openstack:password": auto.ConfigValue("not-used", secret=True),
        "openstack:tenantName": auto.ConfigValue("admin"),
        "openstack:region": auto.ConfigValue("RegionOne"),
    }
    stack.set_all_config(config)
    return stack.preview()


def test_a_cloud_vnf_previews_with_the_plugin(tmp_path: Path) -> None:
    result = preview(tmp_path, cloud_vnf)
    # 11 OpenStack resources and the stack
    assert result.change_summary == {"create": 12}


def test_an_input_the_provider_refuses_names_the_property(tmp_path: Path) -> None:
    with pytest.raises(auto.CommandError) as failed:
        preview(tmp_path, lambda: cloud_vnf(ethertype="IPv5"))
    assert "ethertype" in str(failed.value)
    assert "IPv5" in str(failed.value)

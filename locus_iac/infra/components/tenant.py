"""``Tenant``: the OpenStack project LOCUS deploys VNFs into (seed §3.3.3, §3.2.2).

A project with its user and role, quotas, the management provider network (seed §5.1
"mgmt network"), self-service data networks attached to a router whose gateway is the
external network that floating IPs come from, and a default security group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

import pulumi
import pulumi_openstack as openstack


@dataclass(frozen=True)
class ProviderNetworkArgs:
    """The management provider network (Neutron provider attributes).

    ``physical_network`` names the physnet of a ``flat`` or ``vlan`` network; a tunnelled
    one (``vxlan``, ``geneve``) has none (a single-host testbed has no spare physnet)."""

    name: str
    cidr: str
    physical_network: str | None = None
    network_type: str = "flat"
    segmentation_id: int | None = None


@dataclass(frozen=True)
class Quotas:
    """Nova and Neutron quotas of the project (RAM in MB)."""

    cores: int = 64
    ram: int = 262144
    instances: int = 50
    floating_ips: int = 20
    networks: int = 50
    subnets: int = 50
    ports: int = 500
    routers: int = 2
    security_groups: int = 50
    security_group_rules: int = 500


@dataclass(frozen=True)
class TenantArgs:
    """Inputs of :class:`Tenant`; ``data_networks`` maps name to CIDR;
    ``admin_cidrs`` are the sources allowed SSH and ICMP (the MANO's Day1 addresses)."""

    project: str
    user: str
    password: pulumi.Input[str]
    role: str
    external_network: str
    management: ProviderNetworkArgs
    data_networks: Mapping[str, str] = field(default_factory=dict)
    quotas: Quotas = field(default_factory=Quotas)
    dns_nameservers: Sequence[str] = field(default_factory=tuple)
    admin_cidrs: Sequence[str] = field(default_factory=tuple)


class Tenant(pulumi.ComponentResource):
    """Project, user, role assignment, quotas, networks, router and security group."""

    def __init__(
        self, name: str, args: TenantArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("locus:tenant:Tenant", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        project = openstack.identity.Project(
            f"{name}-project", name=args.project, description="LOCUS", opts=child
        )
        user = openstack.identity.User(
            f"{name}-user",
            name=args.user,
            password=pulumi.Output.secret(args.password),
            default_project_id=project.id,
            opts=child,
        )
        role = openstack.identity.get_role_output(
            name=args.role, opts=pulumi.InvokeOptions(parent=self)
        )
        openstack.identity.RoleAssignment(
            f"{name}-role", project_id=project.id, user_id=user.id, role_id=role.id, opts=child
        )
        self._quotas(name, args.quotas, project.id)
        mgmt = self._management(name, args, project.id)
        router_id, data = self._routed_networks(name, args, project.id)
        group = self._security_group(name, args, project.id)
        self.project_id = project.id
        self.router_id = router_id
        self.management_network_id = mgmt
        self.data_network_ids = data
        self.security_group_id = group
        self.register_outputs(
            {"project_id": project.id, "router_id": router_id, "management_network_id": mgmt}
        )

    def _quotas(self, name: str, q: Quotas, project_id: pulumi.Output[str]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        openstack.compute.QuotaSetV2(
            f"{name}-compute-quota",
            project_id=project_id,
            cores=q.cores,
            ram=q.ram,
            instances=q.instances,
            opts=child,
        )
        openstack.networking.QuotaV2(
            f"{name}-network-quota",
            project_id=project_id,
            network=q.networks,
            subnet=q.subnets,
            port=q.ports,
            router=q.routers,
            floatingip=q.floating_ips,
            security_group=q.security_groups,
            security_group_rule=q.security_group_rules,
            opts=child,
        )

    def _routed_networks(
        self, name: str, args: TenantArgs, project_id: pulumi.Output[str]
    ) -> tuple[pulumi.Output[str], dict[str, pulumi.Output[str]]]:
        """The router (gateway: the external network floating IPs come from) and the
        self-service data networks attached to it."""
        child = pulumi.ResourceOptions(parent=self)
        external = openstack.networking.get_network_output(
            name=args.external_network, external=True, opts=pulumi.InvokeOptions(parent=self)
        )
        router = openstack.networking.Router(
            f"{name}-router",
            name=f"{args.project}-router",
            external_network_id=external.id,
            tenant_id=project_id,
            opts=child,
        )
        data: dict[str, pulumi.Output[str]] = {}
        for net_name, cidr in args.data_networks.items():
            network = openstack.networking.Network(
                f"{name}-{net_name}-net", name=net_name, tenant_id=project_id, opts=child
            )
            subnet = openstack.networking.Subnet(
                f"{name}-{net_name}-subnet",
                name=net_name,
                network_id=network.id,
                cidr=cidr,
                tenant_id=project_id,
                dns_nameservers=list(args.dns_nameservers) or None,
                opts=child,
            )
            openstack.networking.RouterInterface(
                f"{name}-{net_name}-router-if", router_id=router.id, subnet_id=subnet.id, opts=child
            )
            data[net_name] = network.id
        return router.id, data

    def _management(
        self, name: str, args: TenantArgs, project_id: pulumi.Output[str]
    ) -> pulumi.Output[str]:
        child = pulumi.ResourceOptions(parent=self)
        spec = args.management
        network = openstack.networking.Network(
            f"{name}-mgmt-net",
            name=spec.name,
            tenant_id=project_id,
            segments=[
                openstack.networking.NetworkSegmentArgs(
                    network_type=spec.network_type,
                    physical_network=spec.physical_network,
                    segmentation_id=spec.segmentation_id,
                )
            ],
            opts=child,
        )
        openstack.networking.Subnet(
            f"{name}-mgmt-subnet",
            name=spec.name,
            network_id=network.id,
            cidr=spec.cidr,
            tenant_id=project_id,
            opts=child,
        )
        return network.id

    def _security_group(
        self, name: str, args: TenantArgs, project_id: pulumi.Output[str]
    ) -> pulumi.Output[str]:
        child = pulumi.ResourceOptions(parent=self)
        group = openstack.networking.SecGroup(
            f"{name}-secgroup",
            name=f"{args.project}-default",
            description="LOCUS: SSH and ICMP for Day1, traffic within the tenant",
            tenant_id=project_id,
            opts=child,
        )
        rules = {"ssh": ("tcp", 22, 22), "icmp": ("icmp", None, None)}
        for (rule, (protocol, low, high)), (i, cidr) in product(
            rules.items(), enumerate(args.admin_cidrs)
        ):
            openstack.networking.SecGroupRule(
                f"{name}-secgroup-{rule}-{i}",
                security_group_id=group.id,
                direction="ingress",
                ethertype="IPv4",
                protocol=protocol,
                port_range_min=low,
                port_range_max=high,
                remote_ip_prefix=cidr,
                opts=child,
            )
        return group.id

"""``VirtualLink``: one end of an NS virtual link at one site.

OpenStack (seed §3.2.2, self-service networking): a Neutron network and subnet with a block
from the site's CIDR pool, or, when the VL names an existing VIM network (OSM
``vim-network-name``, the site's ``network_mappings``), a lookup of that network and
nothing created. Kubernetes (seed §3.2.3): a Multus ``NetworkAttachmentDefinition`` with
a macvlan interface on the site's master interface and cluster-wide IPAM on the VL's block,
or, for a netslice VL another nested NS owns, a reference to that NAD.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_openstack as openstack

from locus_iac.infra.components._checks import invalid
from locus_iac.sites import SiteKind

NAD_API_VERSION = "k8s.cni.cncf.io/v1"
NAD_KIND = "NetworkAttachmentDefinition"


@dataclass(frozen=True)
class Route:
    """A static route installed on a link end: ``destination`` via ``gateway``."""

    destination: pulumi.Input[str]
    gateway: pulumi.Input[str]


@dataclass(frozen=True)
class VirtualLinkArgs:
    """Inputs of :class:`VirtualLink`.

    ``resource_name`` is the VIM-side name (Neutron network/subnet, NAD name, a DNS label).
    Exactly one of ``cidr`` (create) and ``existing_network`` (look up by name) is set on
    OpenStack; Kubernetes needs ``cidr``, ``namespace`` and ``master_interface``, and
    ``segment`` is the prefix of the master interface's segment (see :func:`macvlan_config`).
    On Kubernetes, ``existing_network`` is the ``namespace/name`` of a NAD declared
    elsewhere (a netslice VL another nested NS owns): no NAD is declared, the attachment is
    that reference and ``cidr`` its block.
    A new OpenStack subnet has no gateway unless ``gateway`` (a routed link): VMs with
    several NICs then get one default route, through the management network.
    """

    kind: SiteKind
    resource_name: str
    cidr: pulumi.Input[str] | None = None
    existing_network: str | None = None
    namespace: pulumi.Input[str] | None = None
    master_interface: str = "eth0"
    ipam: str = "whereabouts"
    routes: Sequence[Route] = field(default_factory=tuple)
    segment: str | None = None
    gateway: bool = False
    dns_nameservers: Sequence[str] = field(default_factory=tuple)


class VirtualLink(pulumi.ComponentResource):
    """One VL end; outputs ``network_id``, ``subnet_id``, ``cidr`` (OpenStack) or
    ``attachment`` (``namespace/name`` of the NAD, Kubernetes)."""

    network_id: pulumi.Output[str] | None
    subnet_id: pulumi.Output[str] | None
    cidr: pulumi.Output[str]
    attachment: pulumi.Output[str] | None
    gateway_ip: pulumi.Output[str] | None
    created: bool

    def __init__(
        self, name: str, args: VirtualLinkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("locus:net:VirtualLink", name, None, opts)
        self.network_id = self.subnet_id = self.attachment = self.gateway_ip = None
        if args.kind == SiteKind.OPENSTACK:
            self._openstack(name, args)
        else:
            self._kubernetes(name, args)
        outputs: dict[str, Any] = {"cidr": self.cidr}
        if self.network_id is not None:
            outputs["network_id"] = self.network_id
        if self.attachment is not None:
            outputs["attachment"] = self.attachment
        self.register_outputs(outputs)

    def _openstack(self, name: str, args: VirtualLinkArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        if args.existing_network is not None:
            found = openstack.networking.get_network_output(
                name=args.existing_network, opts=pulumi.InvokeOptions(parent=self)
            )
            self.network_id = found.id
            subnet = openstack.networking.get_subnet_output(
                network_id=found.id, opts=pulumi.InvokeOptions(parent=self)
            )
            self.subnet_id = subnet.id
            self.cidr = subnet.cidr
            self.created = False
            return
        if args.cidr is None:
            raise invalid(f"{name}: a new OpenStack network needs a CIDR")
        network = openstack.networking.Network(
            f"{name}-net", name=args.resource_name, admin_state_up=True, opts=child
        )
        subnet_res = openstack.networking.Subnet(
            f"{name}-subnet",
            name=args.resource_name,
            network_id=network.id,
            cidr=args.cidr,
            ip_version=4,
            enable_dhcp=True,
            no_gateway=not args.gateway,
            dns_nameservers=list(args.dns_nameservers) or None,
            opts=child,
        )
        # through the subnet: a port made on a network that has no subnet yet gets no
        # address, and Nova refuses it ("requires a FixedIP"): users of the network wait
        self.network_id = pulumi.Output.all(network.id, subnet_res.id).apply(lambda v: str(v[0]))
        self.subnet_id = subnet_res.id
        self.cidr = subnet_res.cidr
        self.gateway_ip = subnet_res.gateway_ip if args.gateway else None
        self.created = True

    def _kubernetes(self, name: str, args: VirtualLinkArgs) -> None:
        if args.existing_network is not None:
            # a NAD another stack owns (a netslice VL): Multus accepts the cross-namespace
            # reference as it is; the block is the one the owner declared
            if args.cidr is None:
                raise invalid(f"{name}: the block of NAD {args.existing_network} is needed")
            self.cidr = pulumi.Output.from_input(args.cidr)
            self.attachment = pulumi.Output.from_input(args.existing_network)
            self.created = False
            return
        if args.cidr is None or args.namespace is None:
            raise invalid(f"{name}: a NetworkAttachmentDefinition needs a CIDR and namespace")
        config = pulumi.Output.all(
            args.cidr, *[pulumi.Output.all(r.destination, r.gateway) for r in args.routes]
        ).apply(
            lambda values: macvlan_config(
                args.resource_name,
                args.master_interface,
                args.ipam,
                values[0],
                values[1:],
                args.segment,
            )
        )
        nad = k8s.apiextensions.CustomResource(
            f"{name}-nad",
            api_version=NAD_API_VERSION,
            kind=NAD_KIND,
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.resource_name,
                namespace=args.namespace,
                labels={"app.kubernetes.io/managed-by": "locus"},
            ),
            spec={"config": config},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.cidr = pulumi.Output.from_input(args.cidr)
        # through the NAD's id, so that users of the attachment wait until it exists
        self.attachment = pulumi.Output.all(nad.id, args.namespace).apply(
            lambda v: f"{v[1]}/{args.resource_name}"
        )
        self.created = True
        self._nad = nad


def macvlan_config(
    name: str,
    master: str,
    ipam: str,
    cidr: str,
    routes: Sequence[Sequence[str]] = (),
    segment: str | None = None,
) -> str:
    """The CNI configuration (JSON) of a macvlan NAD on ``master`` with IPAM on ``cidr``.

    Pods of every macvlan NAD on one master interface share that interface's L2 segment.
    When ``segment`` (the segment's prefix, the site's CIDR pool) is given, addresses come
    from ``cidr`` but carry the segment's prefix length, so a gateway anywhere on the
    segment (the edge VPN gateway) is on-link for routes. ``whereabouts`` hands out
    addresses cluster-wide (pods on different nodes never clash); ``host-local`` is per
    node and only right on single-node edges.
    """
    block = IPv4Network(cidr)
    hosts = (str(block.network_address + 1), str(block.broadcast_address - 1))
    ipam_conf: dict[str, Any]
    if ipam == "host-local":
        ipam_conf = {"type": "host-local", "subnet": segment or cidr}
        if segment:
            ipam_conf.update(rangeStart=hosts[0], rangeEnd=hosts[1])
    else:
        ipam_conf = {"type": ipam, "range": segment or cidr}
        if segment:
            ipam_conf.update(range_start=hosts[0], range_end=hosts[1])
    if routes:
        ipam_conf["routes"] = [{"dst": dst, "gw": gw} for dst, gw in routes]
    conf = {
        "cniVersion": "0.3.1",
        "name": name,
        "type": "macvlan",
        "master": master,
        "mode": "bridge",
        "ipam": ipam_conf,
    }
    return json.dumps(conf, sort_keys=True)

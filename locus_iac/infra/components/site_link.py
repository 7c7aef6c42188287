"""``SiteLink``: a virtual link whose ends are at two sites, routed over their VPN.

The seed joins edge and core locations with a site-to-site VPN when they share no data
plane (§3.2.1, §3.4 Figure 16). A VL with constituents at two sites is therefore two L3
segments, one per site, plus what makes them reach each other, declared explicitly:

* OpenStack end: the VL subnet is attached to the tenant router (``RouterInterface``), the
  router gets a route to the peer end's block via the site's VPN gateway
  (``RouterRoute``), the subnet hands VMs a host route to that block via the router
  (``SubnetRoute``), and the NS security group admits the peer block (``SecGroupRule``).
* Kubernetes end: the NAD's IPAM carries a route to the peer end's block via the edge VPN
  gateway, so the KNF's Multus interface sends that traffic into the tunnel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pulumi
import pulumi_openstack as openstack

from locus_iac.infra.components._checks import invalid
from locus_iac.infra.components.virtual_link import Route, VirtualLink, VirtualLinkArgs
from locus_iac.sites import SiteKind


@dataclass(frozen=True)
class SiteLinkEnd:
    """One end of a site link: its VL args and how that site reaches the VPN.

    ``next_hop`` is the site's VPN gateway address on the network the end routes through
    (tenant data network on OpenStack, the macvlan underlay on Kubernetes); ``router_id``
    and ``security_group_id`` are needed on OpenStack ends only. ``provider`` is the
    site's provider: the two ends live in two different clouds.
    """

    site: str
    link: VirtualLinkArgs
    next_hop: pulumi.Input[str]
    router_id: pulumi.Input[str] | None = None
    security_group_id: pulumi.Input[str] | None = None
    provider: pulumi.ProviderResource | None = None


@dataclass(frozen=True)
class SiteLinkArgs:
    """Inputs of :class:`SiteLink`: the two ends (any kinds)."""

    vl_id: str
    a: SiteLinkEnd
    b: SiteLinkEnd


class SiteLink(pulumi.ComponentResource):
    """Both ends of a cross-site VL and the routes and rules joining them."""

    ends: dict[str, VirtualLink]

    def __init__(
        self, name: str, args: SiteLinkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("locus:net:SiteLink", name, None, opts)
        if args.a.site == args.b.site:
            raise invalid(f"{name}: a site link needs two different sites")
        self.ends = {}
        # An OpenStack end's block may only be known after a lookup, and a Kubernetes end
        # needs its peer's block inside its NAD: OpenStack ends are declared first.
        first, second = sorted((args.a, args.b), key=lambda e: e.link.kind != SiteKind.OPENSTACK)
        first_vl = self._end(name, first, peer_cidr=_known_cidr(second))
        second_vl = self._end(name, second, peer_cidr=first_vl.cidr)
        self._openstack_routing(name, first, first_vl, peer_cidr=second_vl.cidr)
        self._openstack_routing(name, second, second_vl, peer_cidr=first_vl.cidr)
        self.register_outputs({site: vl.cidr for site, vl in self.ends.items()})

    def _end(self, name: str, end: SiteLinkEnd, peer_cidr: pulumi.Input[str] | None) -> VirtualLink:
        link_args = end.link
        if end.link.kind == SiteKind.KUBERNETES and peer_cidr is not None:
            routes = (*end.link.routes, Route(destination=peer_cidr, gateway=end.next_hop))
            link_args = replace(end.link, routes=routes)
        vl = VirtualLink(
            f"{name}-{end.site}",
            link_args,
            pulumi.ResourceOptions(parent=self, provider=end.provider),
        )
        self.ends[end.site] = vl
        return vl

    def _openstack_routing(
        self, name: str, end: SiteLinkEnd, vl: VirtualLink, peer_cidr: pulumi.Output[str]
    ) -> None:
        if end.link.kind != SiteKind.OPENSTACK:
            return
        if end.router_id is None or end.security_group_id is None:
            raise invalid(f"{name}: OpenStack end at {end.site} needs a router and a group")
        child = pulumi.ResourceOptions(parent=self, provider=end.provider)
        prefix = f"{name}-{end.site}"
        if vl.created and vl.subnet_id is not None:
            openstack.networking.RouterInterface(
                f"{prefix}-router-if", router_id=end.router_id, subnet_id=vl.subnet_id, opts=child
            )
        openstack.networking.RouterRoute(
            f"{prefix}-route",
            router_id=end.router_id,
            destination_cidr=peer_cidr,
            next_hop=end.next_hop,
            opts=child,
        )
        if vl.gateway_ip is not None and vl.subnet_id is not None:
            # a host route handed out by DHCP: the VM reaches the peer block through the
            # router whatever its default route is
            openstack.networking.SubnetRoute(
                f"{prefix}-host-route",
                subnet_id=vl.subnet_id,
                destination_cidr=peer_cidr,
                next_hop=vl.gateway_ip,
                opts=child,
            )
        openstack.networking.SecGroupRule(
            f"{prefix}-allow-peer",
            security_group_id=end.security_group_id,
            direction="ingress",
            ethertype="IPv4",
            remote_ip_prefix=peer_cidr,
            description=pulumi.Output.concat("locus site link ", name, " from ", peer_cidr),
            opts=child,
        )


def _known_cidr(end: SiteLinkEnd) -> pulumi.Input[str] | None:
    """The block of an end known before it is declared (Kubernetes ends always have one)."""
    return end.link.cidr if end.link.kind == SiteKind.KUBERNETES else None

"""``SiteLink``: a virtual link routed over the VPN between sites.

The seed joins edge and core locations with a site-to-site VPN when they share no data
plane (§3.2.1, §3.4 Figure 16). A VL with constituents at two sites is therefore one L3
segment per site, plus what makes them reach each other, declared explicitly. The same
holds for one nested NS's end of a netslice VLD whose other ends belong to other nested NS
stacks (seed §5.1 Figure 39): their blocks are known (the NSI fixed them) and are the
link's ``peers``. One implementation serves both, per end and per other block:

* OpenStack end: the VL subnet is attached to the tenant router (``RouterInterface``), the
  router gets a route to the other block via the site's VPN gateway (``RouterRoute``), the
  subnet hands VMs a host route to that block via the router (``SubnetRoute``), and the NS
  security group admits the other block (``SecGroupRule``).
* Kubernetes end: the NAD's IPAM carries a route to the other block via the edge VPN
  gateway, so the KNF's Multus interface sends that traffic into the tunnel.
* An end ``attached`` to a network another stack owns (a netslice VL created by an earlier
  nested NS) declares only its security group rule: the router, subnet and NAD routes are
  the owner's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import pulumi
import pulumi_openstack as openstack

from locus_iac.infra.components._checks import invalid
from locus_iac.infra.components.virtual_link import Route, VirtualLink, VirtualLinkArgs
from locus_iac.sites import SiteKind


@dataclass(frozen=True)
class SiteLinkEnd:
    """One end of a site link: its VL args and how that site reaches the VPN.

    ``next_hops`` maps every other site of the link (other ends, peers) to this site's VPN
    gateway address towards it, on the network the end routes through (tenant data network
    on OpenStack, the macvlan underlay on Kubernetes); ``router_id`` and
    ``security_group_id`` are needed on OpenStack ends only (no router for an ``attached``
    end). ``provider`` is the site's provider: the ends live in different clouds.
    """

    site: str
    link: VirtualLinkArgs
    next_hops: Mapping[str, pulumi.Input[str]]
    router_id: pulumi.Input[str] | None = None
    security_group_id: pulumi.Input[str] | None = None
    provider: pulumi.ProviderResource | None = None
    attached: bool = False


@dataclass(frozen=True)
class SiteLinkArgs:
    """Inputs of :class:`SiteLink`: the ends declared here (any kinds, distinct sites) and
    the blocks of ends declared by other stacks (``peers``: site -> CIDR)."""

    vl_id: str
    ends: Sequence[SiteLinkEnd]
    peers: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


class SiteLink(pulumi.ComponentResource):
    """The ends of a cross-site VL declared here and the routes and rules joining them to
    every other end."""

    ends: dict[str, VirtualLink]

    def __init__(
        self, name: str, args: SiteLinkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("locus:net:SiteLink", name, None, opts)
        _check(name, args)
        self.ends = {}
        # An OpenStack end's block may only be known after a lookup, and a Kubernetes end
        # needs every other block inside its NAD: OpenStack ends are declared first.
        ordered = sorted(args.ends, key=lambda e: e.link.kind != SiteKind.OPENSTACK)
        blocks: dict[str, pulumi.Input[str]] = dict(args.peers)
        for end in ordered:
            if end.link.kind == SiteKind.KUBERNETES and end.link.cidr is not None:
                blocks[end.site] = end.link.cidr
        for end in ordered:
            vl = self._end(name, end, {s: b for s, b in blocks.items() if s != end.site})
            blocks[end.site] = vl.cidr
        for end in ordered:
            others = {s: b for s, b in blocks.items() if s != end.site}
            self._openstack_routing(name, end, self.ends[end.site], others)
        self.register_outputs({site: vl.cidr for site, vl in self.ends.items()})

    def _end(
        self, name: str, end: SiteLinkEnd, others: Mapping[str, pulumi.Input[str]]
    ) -> VirtualLink:
        link_args = end.link
        if link_args.kind == SiteKind.KUBERNETES and not end.attached:
            routes = [Route(destination=b, gateway=end.next_hops[s]) for s, b in others.items()]
            link_args = replace(link_args, routes=(*link_args.routes, *routes))
        vl = VirtualLink(
            f"{name}-{end.site}",
            link_args,
            pulumi.ResourceOptions(parent=self, provider=end.provider),
        )
        self.ends[end.site] = vl
        return vl

    def _openstack_routing(
        self,
        name: str,
        end: SiteLinkEnd,
        vl: VirtualLink,
        others: Mapping[str, pulumi.Input[str]],
    ) -> None:
        if end.link.kind != SiteKind.OPENSTACK:
            return
        if end.security_group_id is None or (end.router_id is None and not end.attached):
            raise invalid(f"{name}: OpenStack end at {end.site} needs a router and a group")
        child = pulumi.ResourceOptions(parent=self, provider=end.provider)
        prefix = f"{name}-{end.site}"
        if not end.attached and vl.created and vl.subnet_id is not None:
            openstack.networking.RouterInterface(
                f"{prefix}-router-if", router_id=end.router_id, subnet_id=vl.subnet_id, opts=child
            )
        for peer, block in others.items():
            # one other end keeps the historical names (no URN change for existing stacks)
            suffix = "" if len(others) == 1 else f"-{peer}"
            if not end.attached:
                self._routes(prefix, suffix, end, vl, block, end.next_hops[peer], child)
            openstack.networking.SecGroupRule(
                f"{prefix}-allow-peer{suffix}",
                security_group_id=end.security_group_id,
                direction="ingress",
                ethertype="IPv4",
                remote_ip_prefix=block,
                description=pulumi.Output.concat("locus site link ", name, " from ", block),
                opts=child,
            )

    @staticmethod
    def _routes(
        prefix: str,
        suffix: str,
        end: SiteLinkEnd,
        vl: VirtualLink,
        block: pulumi.Input[str],
        next_hop: pulumi.Input[str],
        child: pulumi.ResourceOptions,
    ) -> None:
        assert end.router_id is not None
        openstack.networking.RouterRoute(
            f"{prefix}-route{suffix}",
            router_id=end.router_id,
            destination_cidr=block,
            next_hop=next_hop,
            opts=child,
        )
        if vl.gateway_ip is not None and vl.subnet_id is not None:
            # a host route handed out by DHCP: the VM reaches the other block through the
            # router whatever its default route is
            openstack.networking.SubnetRoute(
                f"{prefix}-host-route{suffix}",
                subnet_id=vl.subnet_id,
                destination_cidr=block,
                next_hop=vl.gateway_ip,
                opts=child,
            )


def _check(name: str, args: SiteLinkArgs) -> None:
    sites = [end.site for end in args.ends]
    if len(set(sites)) != len(sites) or set(sites) & set(args.peers):
        raise invalid(f"{name}: every end of a site link needs its own site")
    if len(sites) + len(args.peers) < 2 or not sites:
        raise invalid(f"{name}: a site link needs an end here and another site")
    for end in args.ends:
        missing = sorted({*sites, *args.peers} - {end.site} - set(end.next_hops))
        if missing:
            raise invalid(f"{name}: end at {end.site} has no VPN next hop towards {missing}")

"""``build_ns``: the Pulumi program of one NS instance, a pure function of its plan.

One NS instance is one Pulumi stack (DESIGN.md). The program declares, under one
``locus:ns:NetworkService`` component: a provider per site, a security group (and key pair)
per OpenStack site, a namespace per Kubernetes site, every virtual link (a ``SiteLink`` when
its ends are at two sites, or when it is a netslice VL whose other ends, declared by other
nested NS stacks, are at other sites: ``LinkPlan.peers``), every VNF (``OpenStackVnf``) and
KNF (``KubernetesKnf``), and exports the management addresses (Day1 targets), SAP
endpoints and KNF service endpoints.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_openstack as openstack

from locus_iac.errors import NotFound
from locus_iac.infra.components._checks import invalid
from locus_iac.infra.components.kubernetes_knf import KubernetesKnf, KubernetesKnfArgs
from locus_iac.infra.components.openstack_vnf import OpenStackVnf, OpenStackVnfArgs
from locus_iac.infra.components.site_link import SiteLink, SiteLinkArgs, SiteLinkEnd
from locus_iac.infra.components.virtual_link import VirtualLink, VirtualLinkArgs
from locus_iac.infra.resolve import resolve_ns
from locus_iac.infra.spec import NsSpec
from locus_iac.infra.topology import LinkPlan, NsPlan, SiteAccess
from locus_iac.sites import SECRET_PROVIDER_ARGS, Site, SiteKind, read_cloud

log = logging.getLogger(__name__)
_NOT_DNS = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class LinkEnds:
    """A VL declared elsewhere (a netslice VLD, a shared NS): per site, the Neutron network
    id (OpenStack) or the NAD ``namespace/name`` (Kubernetes)."""

    networks: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    attachments: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class NsOutputs:
    """What an NS program exposes (and exports as stack outputs)."""

    component: NetworkService
    management: pulumi.Output[dict[str, dict[str, str]]]
    services: pulumi.Output[dict[str, dict[str, str]]]
    saps: pulumi.Output[dict[str, dict[str, str]]]
    links: dict[str, LinkEnds]


def dns_label(*parts: str, limit: int = 63) -> str:
    """A lowercase DNS label (RFC 1123) made of ``parts``, at most ``limit`` characters."""
    raw = "-".join(parts).lower()
    return _NOT_DNS.sub("-", raw).strip("-")[:limit].rstrip("-")


def ns_namespace(ns_instance_id: str) -> str:
    """The Kubernetes namespace of an NS instance at every Kubernetes site (also the
    namespace of its NADs, which other nested NSs of a netslice attach to)."""
    return dns_label("locus", ns_instance_id)


def openstack_provider(
    name: str, site: Site, access: SiteAccess | None, opts: pulumi.ResourceOptions
) -> openstack.Provider:
    """The OpenStack provider of ``site``: from the ``clouds.yaml`` the MANO wrote from the
    registered VIM account (its settings as provider arguments, password and application
    credential secret as secret Outputs: encrypted in the stack state, never shown), else
    the named cloud of the provider's own ``clouds.yaml`` search (``pulumi up`` by hand)."""
    cloud = (access.cloud if access else None) or site.vim_account or site.name
    if access is None or access.clouds_yaml is None:
        return openstack.Provider(name, cloud=cloud, opts=opts)
    settings = {**_PINNED, **read_cloud(Path(access.clouds_yaml), cloud).provider_args()}
    args: dict[str, Any] = {
        key: pulumi.Output.secret(value) if key in SECRET_PROVIDER_ARGS else value
        for key, value in settings.items()
    }
    return openstack.Provider(name, opts=opts, **args)


_PINNED: dict[str, str | bool] = {"cloud": "", "region": "", "insecure": False, "swauth": False}
"""Explicit values for the provider settings the SDK would otherwise take from ``OS_CLOUD``,
``OS_REGION_NAME``, ``OS_INSECURE``, ``OS_SWAUTH`` of the MANO host (``cloud`` would make
the provider search the host for a ``clouds.yaml``); the account's own values win."""


@dataclass(frozen=True)
class NetworkServiceArgs:
    """Inputs of :class:`NetworkService`: the plan, and VLs declared elsewhere (a netslice
    VLD, a shared NS) that this NS attaches to instead of declaring them."""

    plan: NsPlan
    external_links: Mapping[str, LinkEnds] = field(default_factory=dict)


class NetworkService(pulumi.ComponentResource):
    """Every resource of one NS instance (``locus:ns:NetworkService``)."""

    name: str
    vnfs: dict[str, OpenStackVnf | KubernetesKnf]
    links: dict[str, LinkEnds]

    def __init__(
        self, name: str, args: NetworkServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("locus:ns:NetworkService", name, None, opts)
        plan = args.plan
        self.name = name
        self._plan = plan
        self._stack_refs: dict[str, pulumi.StackReference] = {}
        self.providers: dict[str, pulumi.ProviderResource] = {}
        self.security_groups: dict[str, list[pulumi.Input[str]]] = {}
        self.key_pairs: dict[str, pulumi.Output[str]] = {}
        self.namespaces: dict[str, pulumi.Output[str]] = {}
        for site in plan.sites:
            self._site_scaffolding(site)
        self.links = dict(args.external_links)
        for link in plan.links:
            if link.id not in self.links:
                self.links[link.id] = self._link(link)
        self.vnfs = {vnf.profile_id: self._vnf(vnf.profile_id) for vnf in plan.vnfs}
        self.register_outputs({})

    # -- per site -------------------------------------------------------------------------

    def _opts(self, site: str, **extra: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=self.providers[site], **extra)

    def _site_scaffolding(self, site: Site) -> None:
        access = self._plan.access.get(site.name)
        prefix = f"{self.name}-{site.name}"
        label = ns_namespace(self._plan.ns_instance_id)
        if site.kind == SiteKind.OPENSTACK:
            self.providers[site.name] = openstack_provider(
                f"{prefix}-provider", site, access, pulumi.ResourceOptions(parent=self)
            )
            self._openstack_scaffolding(site, prefix, label)
        else:
            self.providers[site.name] = k8s.Provider(
                f"{prefix}-provider",
                kubeconfig=access.kubeconfig if access else None,
                context=access.context if access else None,
                opts=pulumi.ResourceOptions(parent=self),
            )
            namespace = k8s.core.v1.Namespace(
                f"{prefix}-namespace",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=label,
                    labels={
                        "app.kubernetes.io/managed-by": "locus",
                        "locus/ns-instance": dns_label(self._plan.ns_instance_id),
                    },
                ),
                opts=self._opts(site.name),
            )
            self.namespaces[site.name] = namespace.metadata.apply(lambda m: str(m.name))

    def _openstack_scaffolding(self, site: Site, prefix: str, label: str) -> None:
        group = openstack.networking.SecGroup(
            f"{prefix}-secgroup",
            name=label,
            description=f"LOCUS NS instance {self._plan.ns_instance_id}",
            opts=self._opts(site.name),
        )
        openstack.networking.SecGroupRule(
            f"{prefix}-secgroup-intra",
            security_group_id=group.id,
            direction="ingress",
            ethertype="IPv4",
            remote_group_id=group.id,
            description="traffic between the VDUs of this NS",
            opts=self._opts(site.name),
        )
        groups: list[pulumi.Input[str]] = [group.id]
        if site.openstack is not None and site.openstack.security_group:
            found = openstack.networking.get_sec_group_output(
                name=site.openstack.security_group,
                opts=pulumi.InvokeOptions(parent=self, provider=self.providers[site.name]),
            )
            groups.append(found.id)
        self.security_groups[site.name] = groups
        if self._plan.ssh_public_keys:
            keypair = openstack.compute.Keypair(
                f"{prefix}-keypair",
                name=label,
                public_key=self._plan.ssh_public_keys[0],
                opts=self._opts(site.name),
            )
            self.key_pairs[site.name] = keypair.name

    # -- links ----------------------------------------------------------------------------

    def _link_args(self, link: LinkPlan, site: Site) -> VirtualLinkArgs:
        existing = link.existing.get(site.name)
        name = link.name or dns_label(self._plan.ns_instance_id[:8], link.id)
        block = link.cidrs.get(site.name)
        cidr = str(block) if block is not None else None
        if site.kind == SiteKind.OPENSTACK:
            if existing is not None:
                return VirtualLinkArgs(SiteKind.OPENSTACK, name, existing_network=existing)
            return VirtualLinkArgs(SiteKind.OPENSTACK, name, cidr=cidr, gateway=link.routed)
        assert site.kubernetes is not None
        return VirtualLinkArgs(
            SiteKind.KUBERNETES,
            name,
            cidr=cidr,
            existing_network=existing,
            namespace=self.namespaces[site.name],
            master_interface=site.kubernetes.multus_master_interface,
            segment=str(site.kubernetes.cidr_pool),
        )

    def _link(self, link: LinkPlan) -> LinkEnds:
        prefix = f"{self.name}-{link.id}"
        if not link.routed:
            site = self._plan.site(link.sites[0])
            vl = VirtualLink(prefix, self._link_args(link, site), self._opts(site.name))
            vls = {site.name: vl}
        else:
            if len(link.sites) > 2:
                where = f"/links/{link.id}"
                raise invalid(f"VL {link.id} spans {len(link.sites)} sites; 2 at most", where)
            ends = [self._site_link_end(link, self._plan.site(s)) for s in link.sites]
            peers = {s: str(block) for s, block in link.peers.items()}
            component = SiteLink(
                prefix, SiteLinkArgs(link.id, ends, peers), pulumi.ResourceOptions(parent=self)
            )
            vls = component.ends
        if link.name is not None:
            self._admit_netslice_segment(link, prefix)
        return _ends(vls)

    def _admit_netslice_segment(self, link: LinkPlan, prefix: str) -> None:
        """A netslice VL's segment at an OpenStack site may be shared with other nested NSs
        (other security groups): admit its block in this NS's group."""
        for site_name in link.sites:
            block = link.cidrs.get(site_name)
            groups = self.security_groups.get(site_name)
            if block is None or not groups:
                continue
            openstack.networking.SecGroupRule(
                f"{prefix}-{site_name}-allow-netslice",
                security_group_id=groups[0],
                direction="ingress",
                ethertype="IPv4",
                remote_ip_prefix=str(block),
                description=f"locus netslice VL {link.name}: nested NSs on one segment",
                opts=self._opts(site_name),
            )

    def _site_link_end(self, link: LinkPlan, site: Site) -> SiteLinkEnd:
        next_hops: dict[str, pulumi.Input[str]] = {}
        router: pulumi.Output[str] | None = None
        for local, other in link.site_pairs:
            if local != site.name:
                continue
            ref = self._plan.upstream.vpn_between(site.name, other)
            if ref is None:
                message = f"VL {link.id}: no VPN stack joins {site.name} and {other}"
                raise invalid(message, "/upstream")
            stack = self._stack_ref(ref.stack)
            next_hops[other] = _output_item(stack, ref.stack, "next_hops", site.name)
            if site.kind == SiteKind.OPENSTACK and router is None:
                router = _output_item(stack, ref.stack, "router_ids", site.name)
        groups = self.security_groups.get(site.name)
        return SiteLinkEnd(
            site=site.name,
            link=self._link_args(link, site),
            next_hops=next_hops,
            router_id=router,
            security_group_id=groups[0] if groups else None,
            provider=self.providers[site.name],
            attached=site.name in link.attached,
        )

    def _stack_ref(self, stack: str) -> pulumi.StackReference:
        if stack not in self._stack_refs:
            self._stack_refs[stack] = pulumi.StackReference(
                f"{self.name}-ref-{dns_label(stack)}",
                stack_name=stack,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return self._stack_refs[stack]

    # -- functions ------------------------------------------------------------------------

    def _vnf(self, profile_id: str) -> OpenStackVnf | KubernetesKnf:
        plan = self._plan
        vnf = next(v for v in plan.vnfs if v.profile_id == profile_id)
        site = plan.site(vnf.site)
        name = f"{self.name}-{profile_id}"
        if vnf.kind == SiteKind.OPENSTACK:
            networks = {
                port.vl: self._network_at(port.vl, site.name)
                for vdu in vnf.vdus
                for port in vdu.ports
            }
            external = site.openstack.external_network if site.openstack else None
            args = OpenStackVnfArgs(
                ns_instance_id=plan.ns_instance_id,
                vnf=vnf,
                networks=networks,
                security_group_ids=tuple(self.security_groups[site.name]),
                key_pair=self.key_pairs.get(site.name),
                ssh_public_keys=plan.ssh_public_keys,
                floating_ip_pool=external,
                match_flavors=plan.match_flavors,
            )
            return OpenStackVnf(name, args, self._opts(site.name))
        attachments = {
            net: self._attachment_at(net, site.name) for kdu in vnf.kdus for net in kdu.networks
        }
        knf_args = KubernetesKnfArgs(
            ns_instance_id=plan.ns_instance_id,
            vnf=vnf,
            namespace=self.namespaces[site.name],
            attachments=attachments,
        )
        return KubernetesKnf(name, knf_args, self._opts(site.name))

    def _network_at(self, vl: str, site: str) -> pulumi.Input[str]:
        try:
            return self.links[vl].networks[site]
        except KeyError:
            raise invalid(f"VL {vl} has no network at site {site}", f"/links/{vl}") from None

    def _attachment_at(self, vl: str, site: str) -> pulumi.Input[str]:
        try:
            return self.links[vl].attachments[site]
        except KeyError:
            raise invalid(f"VL {vl} has no NAD at site {site}", f"/links/{vl}") from None


def _ends(vls: Mapping[str, VirtualLink]) -> LinkEnds:
    networks = {s: vl.network_id for s, vl in vls.items() if vl.network_id is not None}
    attachments = {s: vl.attachment for s, vl in vls.items() if vl.attachment is not None}
    return LinkEnds(networks=networks, attachments=attachments)


def _output_item(
    stack: pulumi.StackReference, stack_name: str, key: str, item: str
) -> pulumi.Output[str]:
    def pick(value: Any) -> str:
        if not isinstance(value, Mapping) or item not in value:
            raise NotFound(f"stack {stack_name!r}: output {key!r} has no entry for {item!r}")
        return str(value[item])

    return stack.get_output(key).apply(pick)


def build_ns(
    plan: NsPlan | NsSpec,
    *,
    external_links: Mapping[str, LinkEnds] | None = None,
    export: bool = True,
    opts: pulumi.ResourceOptions | None = None,
) -> NsOutputs:
    """Declare every resource of the NS instance ``plan`` and export its endpoints.

    Stack outputs (when ``export``): ``management`` (VNF profile -> ``vdu-index`` -> the
    address Day1 connects to), ``services`` (KNF profile -> KDU -> service DNS name),
    ``saps`` (SAP id -> site -> network id or NAD). An :class:`NsSpec` is resolved first
    (:func:`~locus_iac.infra.resolve.resolve_ns`).
    """
    if isinstance(plan, NsSpec):
        plan = resolve_ns(plan)
    log.info("declaring NS instance %s (%d VNFs)", plan.ns_instance_id, len(plan.vnfs))
    name = dns_label(plan.name or "ns", plan.ns_instance_id[:8])
    component = NetworkService(name, NetworkServiceArgs(plan, external_links or {}), opts)
    management = pulumi.Output.all(
        **{
            vnf_id: vnf.management_addresses
            for vnf_id, vnf in component.vnfs.items()
            if isinstance(vnf, OpenStackVnf)
        }
    ).apply(dict)
    services = pulumi.Output.all(
        **{
            vnf_id: vnf.service_endpoints
            for vnf_id, vnf in component.vnfs.items()
            if isinstance(vnf, KubernetesKnf)
        }
    ).apply(dict)
    kdus = pulumi.Output.all(
        **{k: v.kdus for k, v in component.vnfs.items() if isinstance(v, KubernetesKnf)}
    ).apply(dict)
    saps = pulumi.Output.all(
        **{
            sap: pulumi.Output.all(**_link_map(component.links[vl])).apply(dict)
            for sap, vl in plan.saps.items()
            if vl in component.links
        }
    ).apply(dict)
    if export:
        pulumi.export("ns_instance_id", plan.ns_instance_id)
        pulumi.export("management", management)
        pulumi.export("services", services)
        pulumi.export("kdus", kdus)  # KNF profile -> KDU -> release, namespace, service
        pulumi.export("saps", saps)
        links = {
            vl: pulumi.Output.all(**_link_map(e)).apply(dict) for vl, e in component.links.items()
        }
        pulumi.export("links", pulumi.Output.all(**links).apply(dict))
    return NsOutputs(component, management, services, saps, component.links)


def _link_map(ends: LinkEnds) -> dict[str, pulumi.Input[str]]:
    return {**dict(ends.networks), **dict(ends.attachments)}

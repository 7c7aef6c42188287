"""``VpnLink``: a WireGuard site-to-site link between an OpenStack core and a Kubernetes
edge (seed §3.2.1 "preconfigured VPN", §3.4 Figure 16).

Core side: a gateway VM on the tenant data network (its port may forward the edge block:
``allowed_address_pairs``), a floating IP as its public endpoint, a security group opening
the WireGuard UDP port to the edge's public address, a cloud-init ``wg-quick``
configuration, and a tenant-router route sending the edge block to the gateway. Edge side:
a Secret with the WireGuard configuration and a one-replica Deployment (``NET_ADMIN``,
IP forwarding) attached by Multus to the site's transit NAD at a fixed address: the next
hop of the edge NADs' routes to the core. The edge dials the core's floating IP (edges are
usually behind NAT; ``PersistentKeepalive`` keeps the mapping open).
Private keys are Pulumi secrets from config; only public keys appear in clear.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_openstack as openstack

from locus_iac.infra.components.kubernetes_knf import MULTUS_ANNOTATION


@dataclass(frozen=True)
class VpnSide:
    """One gateway: its WireGuard tunnel address (``10.255.0.1/30``), the block behind it
    and its private key (a secret) and the peer's public key."""

    site: str
    tunnel_address: str
    routed_block: str
    private_key: pulumi.Input[str]
    peer_public_key: pulumi.Input[str]
    listen_port: int = 51820


@dataclass(frozen=True)
class VpnLinkArgs:
    """Inputs of :class:`VpnLink`."""

    core: VpnSide
    edge: VpnSide
    core_provider: pulumi.ProviderResource
    edge_provider: pulumi.ProviderResource
    router_id: pulumi.Input[str]
    data_network_id: pulumi.Input[str]
    external_network: str
    image: str
    flavor: str
    edge_namespace: str
    edge_transit_nad: str
    edge_gateway_address: str
    edge_public_address: str
    gateway_image: str = "lscr.io/linuxserver/wireguard:latest"


def wg_config(
    side: VpnSide, peer: VpnSide, peer_endpoint: str | None, private: str, peer_public: str
) -> str:
    """A ``wg-quick`` configuration for ``side`` (contains the private key: keep secret)."""
    lines = [
        "[Interface]",
        f"Address = {side.tunnel_address}",
        f"ListenPort = {side.listen_port}",
        f"PrivateKey = {private}",
        "",
        "[Peer]",
        f"PublicKey = {peer_public}",
        f"AllowedIPs = {peer.routed_block}, {peer.tunnel_address.split('/')[0]}/32",
        "PersistentKeepalive = 25",
    ]
    if peer_endpoint is not None:
        lines.insert(-1, f"Endpoint = {peer_endpoint}:{peer.listen_port}")
    return "\n".join(lines) + "\n"


class VpnLink(pulumi.ComponentResource):
    """Both gateways of one site-to-site link; ``next_hops`` and ``router_ids`` are what NS
    stacks read to route their site links."""

    def __init__(
        self, name: str, args: VpnLinkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("locus:vpn:VpnLink", name, None, opts)
        core_ip = self._core(name, args)
        self._edge(name, args, self.core_public_address)
        self.next_hops = pulumi.Output.all(core_ip).apply(
            lambda ips: {args.core.site: ips[0], args.edge.site: args.edge_gateway_address}
        )
        self.router_ids = pulumi.Output.from_input(args.router_id).apply(
            lambda rid: {args.core.site: rid}
        )
        self.register_outputs({"next_hops": self.next_hops, "router_ids": self.router_ids})

    def _core(self, name: str, args: VpnLinkArgs) -> pulumi.Output[str]:
        opts = pulumi.ResourceOptions(parent=self, provider=args.core_provider)
        core, edge = args.core, args.edge
        group = openstack.networking.SecGroup(
            f"{name}-core-secgroup", name=f"{name}-wireguard", opts=opts
        )
        openstack.networking.SecGroupRule(
            f"{name}-core-wireguard-in",
            security_group_id=group.id,
            direction="ingress",
            ethertype="IPv4",
            protocol="udp",
            port_range_min=core.listen_port,
            port_range_max=core.listen_port,
            remote_ip_prefix=f"{args.edge_public_address}/32",
            opts=opts,
        )
        port = openstack.networking.Port(
            f"{name}-core-port",
            network_id=args.data_network_id,
            security_group_ids=[group.id],
            allowed_address_pairs=[
                openstack.networking.PortAllowedAddressPairArgs(ip_address=edge.routed_block)
            ],
            opts=opts,
        )
        user_data: pulumi.Output[str] = pulumi.Output.all(
            core.private_key, core.peer_public_key
        ).apply(_render(core, edge, cloud_init=True))
        server = openstack.compute.Instance(
            f"{name}-core-gateway",
            name=f"{name}-gateway",
            image_name=args.image,
            flavor_name=args.flavor,
            networks=[openstack.compute.InstanceNetworkArgs(port=port.id)],
            user_data=pulumi.Output.secret(user_data),  # type: ignore[arg-type]  # SDK typing: T unresolved
            # a replacement takes the same pre-created port: the old server must go first
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(delete_before_replace=True)
            ),
        )
        fip = openstack.networking.FloatingIp(
            f"{name}-core-fip", pool=args.external_network, opts=opts
        )
        openstack.networking.FloatingIpAssociate(
            f"{name}-core-fip-assoc",
            floating_ip=fip.address,
            port_id=port.id,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[server])),
        )
        address = port.all_fixed_ips.apply(lambda ips: ips[0] if ips else "")
        openstack.networking.RouterRoute(
            f"{name}-core-route",
            router_id=args.router_id,
            destination_cidr=edge.routed_block,
            next_hop=address,
            opts=opts,
        )
        self.core_public_address = fip.address
        return address

    def _edge(self, name: str, args: VpnLinkArgs, core_endpoint: pulumi.Output[str]) -> None:
        opts = pulumi.ResourceOptions(parent=self, provider=args.edge_provider)
        core, edge = args.core, args.edge
        config: pulumi.Output[str] = pulumi.Output.all(
            edge.private_key, edge.peer_public_key, core_endpoint
        ).apply(_render(edge, core, cloud_init=False))
        secret = k8s.core.v1.Secret(
            f"{name}-edge-config",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{name}-wireguard", namespace=args.edge_namespace
            ),
            string_data={"wg0.conf": pulumi.Output.secret(config)},  # type: ignore[arg-type]
            opts=opts,
        )
        labels = {"app": f"{name}-wireguard"}
        k8s.apps.v1.Deployment(
            f"{name}-edge-gateway",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{name}-gateway", namespace=args.edge_namespace
            ),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=_gateway_pod(args, labels, secret.metadata.apply(lambda m: str(m.name))),
            ),
            opts=opts,
        )


def _gateway_pod(
    args: VpnLinkArgs, labels: dict[str, str], secret_name: pulumi.Output[str]
) -> k8s.core.v1.PodTemplateSpecArgs:
    """The edge gateway pod: WireGuard with NET_ADMIN, its config from the Secret, and a
    Multus interface on the transit NAD at the fixed gateway address."""
    network = f'[{{"name": "{args.edge_transit_nad}", "ips": ["{args.edge_gateway_address}"]}}]'
    container = k8s.core.v1.ContainerArgs(
        name="wireguard",
        image=args.gateway_image,
        security_context=k8s.core.v1.SecurityContextArgs(
            capabilities=k8s.core.v1.CapabilitiesArgs(add=["NET_ADMIN"])
        ),
        ports=[k8s.core.v1.ContainerPortArgs(container_port=args.edge.listen_port, protocol="UDP")],
        volume_mounts=[k8s.core.v1.VolumeMountArgs(name="config", mount_path="/config/wg_confs")],
    )
    return k8s.core.v1.PodTemplateSpecArgs(
        metadata=k8s.meta.v1.ObjectMetaArgs(
            labels=labels, annotations={MULTUS_ANNOTATION: network}
        ),
        spec=k8s.core.v1.PodSpecArgs(
            containers=[container],
            volumes=[
                k8s.core.v1.VolumeArgs(
                    name="config",
                    secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=secret_name),
                )
            ],
        ),
    )


def _render(side: VpnSide, peer: VpnSide, *, cloud_init: bool) -> Callable[[list[str]], str]:
    """``values``: own private key, peer public key and, for the side that dials, the peer's
    public address."""

    def render(values: list[str]) -> str:
        endpoint = values[2] if len(values) > 2 else None
        conf = wg_config(side, peer, endpoint, values[0], values[1])
        return _cloud_init(conf) if cloud_init else conf

    return render


def _cloud_init(wg_conf: str) -> str:
    indented = "".join(f"      {line}\n" for line in wg_conf.splitlines())
    return (
        "#cloud-config\n"
        "package_update: true\n"
        "packages: [wireguard-tools]\n"
        "write_files:\n"
        "  - path: /etc/wireguard/wg0.conf\n"
        "    permissions: '0600'\n"
        "    content: |\n"
        f"{indented}"
        "  - path: /etc/sysctl.d/90-locus-forward.conf\n"
        "    content: |\n"
        "      net.ipv4.ip_forward = 1\n"
        "runcmd:\n"
        "  - [sysctl, --system]\n"
        "  - [systemctl, enable, --now, wg-quick@wg0]\n"
    )

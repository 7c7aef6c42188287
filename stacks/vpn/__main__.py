"""locus-vpn: WireGuard between an OpenStack core and a Kubernetes edge (seed §3.4, Fig. 16)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pulumi_openstack as openstack
from config import VpnConfig

from locus_iac.errors import NotFound
from locus_iac.infra import VpnLink, VpnLinkArgs
from locus_iac.infra.components.vpn_link import VpnSide
from locus_iac.infra.stack_config import expand_path, read_stack_config
from locus_iac.infra.wireguard import keypair_from_private

cfg = read_stack_config(VpnConfig)
secrets = pulumi.Config()
core_key = secrets.require_secret("corePrivateKey")
edge_key = secrets.require_secret("edgePrivateKey")
core_public = core_key.apply(lambda k: keypair_from_private(k, where="/corePrivateKey").public_key)
edge_public = edge_key.apply(lambda k: keypair_from_private(k, where="/edgePrivateKey").public_key)
tenant = pulumi.StackReference("tenant", stack_name=cfg.tenant_stack)


def data_network_id(ids: dict[str, str] | None) -> str:
    """The tenant data network the gateway VM sits on (the tenant stack's output)."""
    if not ids or cfg.data_network not in ids:
        known = ", ".join(sorted(ids or {})) or "none"
        raise NotFound(
            f"tenant stack {cfg.tenant_stack}: no data network {cfg.data_network!r} ({known})"
        )
    return ids[cfg.data_network]


data_network = tenant.get_output("data_network_ids").apply(data_network_id)
kubeconfig = (
    expand_path(cfg.edge_kubeconfig, "locus-vpn:edgeKubeconfig") if cfg.edge_kubeconfig else None
)

link = VpnLink(
    f"{cfg.core_site}-{cfg.edge_site}",
    VpnLinkArgs(
        core=VpnSide(
            site=cfg.core_site,
            tunnel_address=str(cfg.core_tunnel_address),
            routed_block=str(cfg.core_routed_block),
            private_key=core_key,
            peer_public_key=edge_public,
            listen_port=cfg.listen_port,
        ),
        edge=VpnSide(
            site=cfg.edge_site,
            tunnel_address=str(cfg.edge_tunnel_address),
            routed_block=str(cfg.edge_routed_block),
            private_key=edge_key,
            peer_public_key=core_public,
            listen_port=cfg.listen_port,
        ),
        core_provider=openstack.Provider("core", cloud=cfg.core_cloud),
        edge_provider=k8s.Provider("edge", kubeconfig=kubeconfig, context=cfg.edge_context),
        router_id=tenant.get_output("router_id"),
        data_network_id=data_network,
        external_network=cfg.external_network,
        image=cfg.image,
        flavor=cfg.flavor,
        edge_namespace=cfg.edge_namespace,
        edge_transit_nad=cfg.edge_transit_nad,
        edge_gateway_address=str(cfg.edge_gateway_address.ip),
        edge_public_address=str(cfg.edge_public_address),
    ),
)
pulumi.export("next_hops", link.next_hops)
pulumi.export("router_ids", link.router_ids)
pulumi.export("core_public_address", link.core_public_address)
pulumi.export("core_public_key", pulumi.Output.unsecret(core_public))
pulumi.export("edge_public_key", pulumi.Output.unsecret(edge_public))

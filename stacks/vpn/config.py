"""Configuration of the VPN stack, validated before anything is declared.

Secrets (read separately): ``corePrivateKey`` and ``edgePrivateKey``, WireGuard private
keys (``wg genkey``); public keys are derived from them.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel


class VpnConfig(BaseModel):
    """Keys of ``locus-vpn``. ``tenantStack`` names the core's ``locus-tenant`` stack
    (router and data network come from its outputs)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )

    tenant_stack: str
    core_site: str
    edge_site: str
    core_cloud: str
    edge_kubeconfig: str | None = None
    edge_context: str | None = None
    data_network: str
    external_network: str
    image: str
    flavor: str
    core_tunnel_address: IPv4Interface = IPv4Interface("10.255.0.1/30")
    edge_tunnel_address: IPv4Interface = IPv4Interface("10.255.0.2/30")
    core_routed_block: IPv4Network
    edge_routed_block: IPv4Network
    edge_public_address: IPv4Address
    listen_port: int = Field(default=51820, ge=1, le=65535)
    edge_namespace: str = "locus"
    edge_transit_nad: str = "locus-transit"
    edge_gateway_address: IPv4Interface

    @model_validator(mode="after")
    def _consistent(self) -> VpnConfig:
        if self.core_routed_block.overlaps(self.edge_routed_block):
            raise ValueError("coreRoutedBlock and edgeRoutedBlock overlap")
        if self.core_tunnel_address.network != self.edge_tunnel_address.network:
            raise ValueError("the two tunnel addresses must share one tunnel network")
        return self

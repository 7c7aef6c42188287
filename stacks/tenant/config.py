"""Configuration of the tenant stack, validated before anything is declared."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from locus_iac.infra.components.tenant import Quotas


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )


class Management(_Model):
    """The management provider network (seed §5.1 "mgmt network"): a ``flat`` or ``vlan``
    network names its ``physicalNetwork``; a tunnelled one (``vxlan``, ``geneve``) has none."""

    name: str = "locus-mgmt"
    cidr: IPv4Network
    physical_network: str | None = None
    network_type: Literal["flat", "vlan", "vxlan", "geneve"] = "flat"
    segmentation_id: int | None = Field(default=None, ge=1, le=16777215)

    @model_validator(mode="after")
    def _physnet_matches_type(self) -> Management:
        tunnelled = self.network_type in ("vxlan", "geneve")
        if tunnelled and self.physical_network is not None:
            raise ValueError(f"a {self.network_type} network has no physicalNetwork")
        if not tunnelled and self.physical_network is None:
            raise ValueError(f"a {self.network_type} network needs its physicalNetwork")
        return self


class QuotaConfig(_Model):
    cores: int = Field(default=64, ge=1)
    ram_mb: int = Field(default=262144, ge=512)
    instances: int = Field(default=50, ge=1)
    floating_ips: int = Field(default=20, ge=0)
    networks: int = Field(default=50, ge=1)
    ports: int = Field(default=500, ge=1)

    def quotas(self) -> Quotas:
        return Quotas(
            cores=self.cores,
            ram=self.ram_mb,
            instances=self.instances,
            floating_ips=self.floating_ips,
            networks=self.networks,
            subnets=self.networks,
            ports=self.ports,
        )


class TenantConfig(_Model):
    """Keys of ``locus-tenant`` (secret, read separately: ``userPassword``)."""

    cloud: str
    project: str = "locus"
    user: str = "locus-mano"
    role: str = "member"
    external_network: str
    management: Management
    data_networks: dict[str, IPv4Network] = Field(default_factory=dict)
    quotas: QuotaConfig = QuotaConfig()
    admin_cidrs: tuple[IPv4Network, ...] = ()
    dns_nameservers: tuple[str, ...] = ()

"""Configuration of the edge stack, validated before anything is declared."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"


class EdgeConfig(BaseModel):
    """Keys of ``locus-edge``. ``kubeconfig`` is a path (or unset: ``KUBECONFIG``);
    ``networks`` maps NAD name to CIDR (site-wide networks such as the VPN transit);
    ``segment`` is the macvlan segment's prefix (the site's ``cidr_pool`` in the sites file)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )

    kubeconfig: str | None = None
    context: str | None = None
    namespaces: tuple[Annotated[str, Field(pattern=DNS_LABEL)], ...] = Field(min_length=1)
    master_interface: str = Field(min_length=1, max_length=15)
    networks: dict[str, IPv4Network] = Field(default_factory=dict)
    ipam: Literal["whereabouts", "host-local"] = "whereabouts"
    mano_account: str = Field(default="locus-mano", pattern=DNS_LABEL)
    segment: IPv4Network | None = None

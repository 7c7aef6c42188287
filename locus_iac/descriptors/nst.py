"""OSM network slice templates (OSM IM ``nst``: netslice-subnet, netslice-vld...).

An NST composes NSDs into one composite service (the OSM form of NS nesting): each
``netslice-subnet`` instantiates one NSD (``nsd-ref``), possibly shared between slices;
each ``netslice-vld`` joins service access points (``nsd-connection-point-ref``, a SAP
``sapd`` id of the NSD) of those subnets (``nss-ref``).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from locus_iac.descriptors._base import Keyed, Uint16, Uint32, Uint64, YangModel


class Snssai(YangModel):
    """OSM nst: SNSSAI-identifier (3GPP TS 23.501 S-NSSAI)."""

    slice_service_type: Literal["eMBB", "URLLC", "mMTC"]
    slice_differentiator: str | None = None


class QualityOfService(YangModel):
    """OSM nst: quality-of-service (5QI characteristics, 3GPP TS 23.501 table 5.7.4-1)."""

    id: Uint16
    resource_type: Literal["delay-critical-GBR", "GBR", "non-GBR"] | None = None
    priority_level: Uint16 | None = None
    packet_delay_budget: Uint16 | None = None
    packet_error_rate: Uint16 | None = None
    default_max_data_burst: Uint16 | None = None


class NetsliceSubnet(YangModel):
    """OSM nst: netslice-subnet (one NS of the slice)."""

    yang_key: ClassVar[tuple[str, ...]] = ("id",)

    id: Annotated[str, Field(min_length=1, max_length=63)]
    description: str | None = None
    is_shared_nss: bool = False
    nsd_ref: str


class NssConnectionPointRef(YangModel):
    """OSM nst: netslice-vld/nss-connection-point-ref (a SAP of one subnet's NSD)."""

    yang_key: ClassVar[tuple[str, ...]] = ("nss_ref", "nsd_connection_point_ref")

    nss_ref: str
    nsd_connection_point_ref: str
    ip_address: str | None = None


class ProviderNetwork(YangModel):
    """OSM nst: netslice-vld/provider-network."""

    physical_network: str | None = None
    segmentation_id: Uint32 | None = Field(default=None, alias="segmentation_id")


class NetsliceVld(Keyed):
    """OSM nst: netslice-vld (a link between subnets of the slice)."""

    name: str | None = None
    short_name: str | None = None
    vendor: str | None = None
    description: str | None = None
    version: str | None = None
    type: Literal["ELAN", "ELINE"] | None = None
    root_bandwidth: Uint64 | None = None
    leaf_bandwidth: Uint64 | None = None
    provider_network: ProviderNetwork | None = None
    mgmt_network: bool | None = None
    nss_connection_point_ref: tuple[NssConnectionPointRef, ...] = ()


class NetsliceConnectionPoint(YangModel):
    """OSM nst: netslice-connection-point (an external CP of the slice)."""

    yang_key: ClassVar[tuple[str, ...]] = ("name",)

    name: str
    floating_ip_required: bool | None = None
    netslice_vld_id_ref: str | None = None
    nsd_id_ref: str | None = None
    nsd_connection_point_ref: str | None = None


class Nst(Keyed):
    """OSM nst: one network slice template."""

    name: str
    snssai_identifier: Snssai | None = Field(default=None, alias="SNSSAI-identifier")
    quality_of_service: QualityOfService | None = None
    netslice_subnet: tuple[NetsliceSubnet, ...] = ()
    netslice_connection_point: tuple[NetsliceConnectionPoint, ...] = ()
    netslice_vld: tuple[NetsliceVld, ...] = ()

    def subnet_by_id(self, subnet_id: str) -> NetsliceSubnet | None:
        """The netslice subnet ``subnet_id``, if declared."""
        return next((s for s in self.netslice_subnet if s.id == subnet_id), None)

    def vld_by_id(self, vld_id: str) -> NetsliceVld | None:
        """The netslice VLD ``vld_id``, if declared."""
        return next((v for v in self.netslice_vld if v.id == vld_id), None)

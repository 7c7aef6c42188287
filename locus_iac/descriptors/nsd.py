"""The network service descriptor (SOL006 v3.3.1 etsi-nfv-ns: nsd) with OSM's additions.

OSM adds ``description`` to the NSD, ``mgmt-network`` and ``vim-network-name`` to a
``virtual-link-desc`` (attach the VL to the management network, or to an existing VIM
network by name), ``virtual-link-protocol-data`` to a df ``virtual-link-profile`` (the IP
profile) and ``ip-address`` to a ``constituent-cpd-id`` (a fixed address). OSM also relaxes
``vnf-profile`` ``flavour-id`` / ``instantiation-level`` (the VNFD's first flavour and its
default level are used) and lets ``virtual-link-profile-id`` name a ``virtual-link-desc``
directly when the flavour declares no virtual-link profiles.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from locus_iac.descriptors._base import (
    AffinityGroup,
    AffinityRule,
    BitRateRequirements,
    ConnectivityType,
    Keyed,
    KeyValuePair,
    Uint16,
    Uint32,
    Uint64,
    VirtualLinkProtocolData,
    YangModel,
)
from locus_iac.descriptors.osm_im import (
    AffinityGroupRef,
    MonitoredInfo,
    NsConfiguration,
    NsDependency,
    PositionDescId,
    ProviderNetwork,
)
from locus_iac.descriptors.vnfd_resources import Qos

TestAccess = Literal["none", "passive-monitoring", "active-loopback"]


class SapdVnf(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: sapd/vnf (SAP bound to a VNF external CP)."""

    vnfd_id: str
    ext_cpd_id: str


class SapdPnf(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: sapd/pnf."""

    pnfd_id: str
    ext_cpd_id: str


class SapdNs(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: sapd/ns (SAP bound to a nested NS's SAP)."""

    nsd_id: str
    ext_cpd_id: str


class Sapd(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: sapd (service access point: an NS external CP).

    The ``cpd-or-virtual-link`` choice holds one of ``virtual-link-desc``, ``vnf``, ``pnf``
    or ``ns``.
    """

    address_assignment: bool | None = None
    description: str | None = None
    floating_ip_required: bool | None = None  # OSM ns-various
    virtual_link_desc: str | None = None
    vnf: SapdVnf | None = None
    pnf: SapdPnf | None = None
    ns: SapdNs | None = None

    @model_validator(mode="after")
    def _one_binding(self) -> Sapd:
        chosen = [n for n in ("virtual_link_desc", "vnf", "pnf", "ns") if getattr(self, n)]
        if len(chosen) > 1:
            names = ", ".join(n.replace("_", "-") for n in chosen)
            raise ValueError(f"a SAP binds to one thing only, found {names}")
        return self


class NsVlDf(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: virtual-link-desc/df (VL flavour with QoS)."""

    qos: Qos | None = None
    service_availability_level: Uint32 | None = None


class NsVirtualLinkDesc(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: virtual-link-desc, with OSM's management/VIM-network leaves."""

    connectivity_type: ConnectivityType | None = None
    df: tuple[NsVlDf, ...] = ()
    test_access: TestAccess | None = None
    description: str | None = None
    mgmt_network: bool | None = None
    vim_network_name: str | None = None
    signature: str | None = None
    algorithm: str | None = None
    certificate: str | None = None
    provider_network: ProviderNetwork | None = None


class ConstituentCpd(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: virtual-link-connectivity/constituent-cpd-id."""

    yang_key: ClassVar[tuple[str, ...]] = ("constituent_base_element_id",)

    constituent_base_element_id: str
    constituent_cpd_id: str | None = None
    ip_address: str | None = None


class VirtualLinkConnectivity(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: vnf-profile/virtual-link-connectivity."""

    yang_key: ClassVar[tuple[str, ...]] = ("virtual_link_profile_id",)

    virtual_link_profile_id: str
    constituent_cpd_id: tuple[ConstituentCpd, ...] = ()


class VnfProfile(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: df/vnf-profile (one VNF of the NS, by VNFD id)."""

    vnfd_id: str
    flavour_id: str | None = None
    instantiation_level: str | None = None
    min_number_of_instances: Uint16 | None = None
    max_number_of_instances: Uint16 | None = None
    local_affinity_or_anti_affinity_rule: tuple[AffinityRule, ...] = ()
    affinity_or_anti_affinity_group_id: tuple[str, ...] = ()
    affinity_or_anti_affinity_group: tuple[AffinityGroupRef, ...] = ()  # SOL006 v2.6.1
    virtual_link_connectivity: tuple[VirtualLinkConnectivity, ...] = ()
    service_availability_level: Uint32 | None = None


class PnfProfile(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: df/pnf-profile."""

    pnfd_id: str | None = None
    virtual_link_connectivity: tuple[VirtualLinkConnectivity, ...] = ()


class NsVirtualLinkProfile(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: df/virtual-link-profile (OSM adds the IP profile)."""

    virtual_link_desc_id: str
    flavour_id: str | None = None
    local_affinity_or_anti_affinity_rule: tuple[AffinityRule, ...] = ()
    affinity_or_anti_affinity_group_id: tuple[str, ...] = ()
    affinity_or_anti_affinity_group: tuple[AffinityGroupRef, ...] = ()  # SOL006 v2.6.1
    max_bitrate_requirements: BitRateRequirements | None = None
    min_bitrate_requirements: BitRateRequirements | None = None
    virtual_link_protocol_data: VirtualLinkProtocolData | None = None


class NsScalingAspect(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: df/scaling-aspect."""

    name: str | None = None
    description: str | None = None
    scaling_level: str | None = None


class VnfToLevelMapping(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: ns-instantiation-level/vnf-to-level-mapping."""

    yang_key: ClassVar[tuple[str, ...]] = ("vnf_profile_id",)

    vnf_profile_id: str
    number_of_instances: Uint32 | None = None


class VirtualLinkToLevelMapping(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: ns-instantiation-level/virtual-link-to-level-mapping."""

    yang_key: ClassVar[tuple[str, ...]] = ("virtual_link_profile_id",)

    virtual_link_profile_id: str
    root: Uint64
    leaf: Uint64 | None = None


class NsToLevelMapping(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: ns-instantiation-level/ns-to-level-mapping."""

    yang_key: ClassVar[tuple[str, ...]] = ("ns_profile_id",)

    ns_profile_id: str
    number_of_instances: Uint32 | None = None


class NsInstantiationLevel(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: df/ns-instantiation-level."""

    description: str | None = None
    vnf_to_level_mapping: tuple[VnfToLevelMapping, ...] = ()
    virtual_link_to_level_mapping: tuple[VirtualLinkToLevelMapping, ...] = ()
    ns_to_level_mapping: tuple[NsToLevelMapping, ...] = ()


class NsProfile(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: df/ns-profile (a nested NS)."""

    nsd_id: str
    ns_df_id: str | None = None
    instantiation_level_id: str | None = None
    min_number_of_instances: Uint16 | None = None
    max_number_of_instances: Uint16 | None = None
    #: ids (SOL006 v3.3.1 leaf-list) or ``{id: ...}`` entries (v2.6.1 list, kept by OSM)
    affinity_or_anti_affinity_group_id: tuple[str | AffinityGroupRef, ...] = ()
    virtual_link_connectivity: tuple[VirtualLinkConnectivity, ...] = ()


class LcmParams(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: ns-lcm-additional-params/{instantiate,scale,heal}."""

    params: tuple[KeyValuePair, ...] = ()


class NsLcmAdditionalParams(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: df/ns-lcm-additional-params."""

    instantiate: LcmParams | None = None
    scale: LcmParams | None = None
    heal: LcmParams | None = None


class NsDf(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: df (NS deployment flavour)."""

    flavour_key: str | None = None
    vnf_profile: tuple[VnfProfile, ...] = ()
    pnf_profile: tuple[PnfProfile, ...] = ()
    virtual_link_profile: tuple[NsVirtualLinkProfile, ...] = ()
    scaling_aspect: tuple[NsScalingAspect, ...] = ()
    affinity_or_anti_affinity_group: tuple[AffinityGroup, ...] = ()
    ns_instantiation_level: tuple[NsInstantiationLevel, ...] = ()
    default_instantiation_level: str | None = None
    ns_lcm_additional_params: NsLcmAdditionalParams | None = None
    ns_profile: tuple[NsProfile, ...] = ()
    service_availability_level: Uint32 | None = None
    dependencies: tuple[NsDependency, ...] = ()
    monitored_info: tuple[MonitoredInfo, ...] = ()

    def vnf_profile_by_id(self, profile_id: str) -> VnfProfile | None:
        """The VNF profile ``profile_id``, if declared."""
        return next((p for p in self.vnf_profile if p.id == profile_id), None)

    def virtual_link_profile_by_id(self, profile_id: str) -> NsVirtualLinkProfile | None:
        """The virtual-link profile ``profile_id``, if declared."""
        return next((p for p in self.virtual_link_profile if p.id == profile_id), None)


class ProfileRef(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: nfp-position-element/desc profile choice."""

    vnf_profile_id: str | None = None
    pnf_profile_id: str | None = None
    ns_profile_id: str | None = None


class CpdRef(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: nfp-position-element/desc constituent-cpd-id choice."""

    vnfd_id: str | None = None
    cpd_id: str | None = None
    pnfd_id: str | None = None
    pnf_cpd_id: str | None = None
    nsd_id: str | None = None
    sap_cpd_id: str | None = None


class NfpPositionDesc(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: vnffgd/nfp-position-element/desc."""

    vnf_profile: ProfileRef | None = None
    pnf_profile: ProfileRef | None = None
    ns_profile: ProfileRef | None = None
    vnf: CpdRef | None = None
    pnf: CpdRef | None = None
    ns: CpdRef | None = None


class CpdPool(Keyed):
    """SOL006 v2.6.1 etsi-nfv-nsd (kept by OSM): vnffgd/cpd-pool (same choices as ``desc``)."""

    vnf_profile: ProfileRef | None = None
    pnf_profile: ProfileRef | None = None
    ns_profile: ProfileRef | None = None
    vnf: CpdRef | None = None
    pnf: CpdRef | None = None
    ns: CpdRef | None = None


class NfpPositionElement(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: vnffgd/nfp-position-element."""

    desc: NfpPositionDesc | None = None


class PositionDesc(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: vnffgd/nfpd/position-desc."""

    nfp_position_element_id: tuple[str, ...] = ()
    forwarding_behaviour: str | None = None
    forwarding_behavior_input_parameters: str | None = None


class Nfpd(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: vnffgd/nfpd (a network forwarding path)."""

    rule: str | None = None
    position_desc: tuple[PositionDesc, ...] = ()
    position_desc_id: tuple[PositionDescId, ...] = ()  # SOL006 v2.6.1, OSM's SFC form


class Vnffgd(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: vnffgd (VNF forwarding graph)."""

    vnf_profile_id: tuple[str, ...] = ()
    pnf_profile_id: tuple[str, ...] = ()
    nested_ns_profile_id: tuple[str, ...] = ()
    virtual_link_profile_id: str | None = None
    nfp_position_element: tuple[NfpPositionElement, ...] = ()
    nfpd: tuple[Nfpd, ...] = ()
    cpd_pool: tuple[CpdPool, ...] = ()  # SOL006 v2.6.1


class LifecycleScriptNs(YangModel):
    """SOL006 v3.3.1 etsi-nfv-ns: nsd/lifecycle-management-script."""

    yang_key: ClassVar[tuple[str, ...]] = ("event",)

    event: str
    script: str | None = None


class Nsd(Keyed):
    """SOL006 v3.3.1 etsi-nfv-ns: nsd (one entry of ``nsd/nsd``)."""

    designer: str | None = None
    version: str | None = None
    name: str | None = None
    invariant_id: str | None = None
    description: str | None = None
    nested_nsd_id: tuple[str, ...] = ()
    vnfd_id: tuple[str, ...] = ()
    pnfd_id: tuple[str, ...] = ()
    sapd: tuple[Sapd, ...] = ()
    virtual_link_desc: tuple[NsVirtualLinkDesc, ...] = ()
    vnffgd: tuple[Vnffgd, ...] = ()
    autoscale_rule: tuple[str, ...] = ()
    lifecycle_management_script: tuple[LifecycleScriptNs, ...] = ()
    df: tuple[NsDf, ...] = ()
    signature: str | None = None
    algorithm: str | None = None
    certificate: str | None = None
    ns_configuration: NsConfiguration | None = None

    def df_by_id(self, df_id: str) -> NsDf | None:
        """The deployment flavour ``df_id``, if declared."""
        return next((d for d in self.df if d.id == df_id), None)

    def sapd_by_id(self, sapd_id: str) -> Sapd | None:
        """The service access point ``sapd_id``, if declared."""
        return next((s for s in self.sapd if s.id == sapd_id), None)

    def virtual_link_desc_by_id(self, vl_id: str) -> NsVirtualLinkDesc | None:
        """The virtual link ``vl_id``, if declared."""
        return next((v for v in self.virtual_link_desc if v.id == vl_id), None)

"""VNF deployment flavour models (SOL006 v3.3.1 etsi-nfv-vnf: vnfd/df).

With OSM's augmentations: ``scaling-aspect`` carries ``scaling-policy`` (threshold
autoscaling on a monitoring parameter) and ``scaling-config-action`` (primitives run around
a scale operation); ``healing-aspect`` says how a failed VDU is recovered;
``lcm-operations-configuration/operate-vnf-op-config/day1-2`` holds the Day-1/2
configuration (see :mod:`locus_iac.descriptors.day12`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import model_validator

from locus_iac.descriptors._base import (
    AffinityGroup,
    AffinityRule,
    BitRateRequirements,
    Keyed,
    KeyValuePair,
    MonitoringParameter,
    Named,
    NfviMaintenanceInfo,
    Timeticks,
    Uint16,
    Uint32,
    VirtualLinkProtocolData,
    YangModel,
)
from locus_iac.descriptors.day12 import Day12
from locus_iac.descriptors.osm_im import AffinityGroupRef

RelationalOperation = Literal["GE", "LE", "GT", "LT", "EQ", "NE"]


class VduProfile(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: df/vdu-profile (``id`` is a VDU id)."""

    min_number_of_instances: Uint16 | None = None
    max_number_of_instances: Uint16 | None = None
    local_affinity_or_anti_affinity_rule: tuple[AffinityRule, ...] = ()
    affinity_or_anti_affinity_group_id: tuple[str, ...] = ()
    affinity_or_anti_affinity_group: tuple[AffinityGroupRef, ...] = ()  # SOL006 v2.6.1
    nfvi_maintenance_info: NfviMaintenanceInfo | None = None

    @model_validator(mode="after")
    def _min_le_max(self) -> VduProfile:
        low, high = self.min_number_of_instances, self.max_number_of_instances
        if low is not None and high is not None and low > high:
            raise ValueError(
                f"min-number-of-instances ({low}) exceeds max-number-of-instances ({high})"
            )
        return self


class VnfVirtualLinkProfile(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: df/virtual-link-profile (``id`` is an internal VL).

    OSM omits ``flavour`` and uses ``virtual-link-protocol-data`` for the IP profile.
    """

    yang_key = ("id", "flavour")

    flavour: str | None = None
    local_affinity_or_anti_affinity_rule: tuple[AffinityRule, ...] = ()
    affinity_or_anti_affinity_group_id: tuple[str, ...] = ()
    affinity_or_anti_affinity_group: tuple[AffinityGroupRef, ...] = ()  # SOL006 v2.6.1
    max_bit_rate_requirements: BitRateRequirements | None = None
    min_bit_rate_requirements: BitRateRequirements | None = None
    virtual_link_protocol_data: VirtualLinkProtocolData | None = None


class VduLevel(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: df/instantiation-level/vdu-level."""

    yang_key = ("vdu_id",)

    vdu_id: str
    number_of_instances: Uint16 | None = None


class ScalingInfo(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: df/instantiation-level/scaling-info."""

    yang_key = ("scaling_aspect_id",)

    scaling_aspect_id: str
    scale_level: Uint32 | None = None


class InstantiationLevel(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: df/instantiation-level."""

    description: str | None = None
    vdu_level: tuple[VduLevel, ...] = ()
    scaling_info: tuple[ScalingInfo, ...] = ()


class OpConfig(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: one lcm-operations-configuration entry (parameters)."""

    parameter: tuple[KeyValuePair, ...] = ()


class ScaleVnfOpConfig(OpConfig):
    """SOL006 v3.3.1 etsi-nfv-vnf: lcm-operations-configuration/scale-vnf-op-config."""

    scaling_by_more_than_one_step_supported: bool | None = None


class ScaleVnfToLevelOpConfig(OpConfig):
    """SOL006 v3.3.1 etsi-nfv-vnf: lcm-operations-configuration/scale-vnf-to-level-op-config."""

    arbitrary_target_levels_supported: bool | None = None


class HealVnfOpConfig(OpConfig):
    """SOL006 v3.3.1 etsi-nfv-vnf: lcm-operations-configuration/heal-vnf-op-config."""

    cause: tuple[str, ...] = ()


class TerminateVnfOpConfig(OpConfig):
    """SOL006 v3.3.1 etsi-nfv-vnf: lcm-operations-configuration/terminate-vnf-op-config."""

    min_graceful_termination: Timeticks | None = None
    max_recommended_graceful_termination: Timeticks | None = None


class OperateVnfOpConfig(OpConfig):
    """SOL006 v3.3.1 etsi-nfv-vnf: operate-vnf-op-config, with OSM's ``day1-2`` list."""

    min_graceful_stop_timeout: Timeticks | None = None
    max_recommended_graceful_stop_timeout: Timeticks | None = None
    day1_2: tuple[Day12, ...] = ()


class LcmOperationsConfiguration(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: df/lcm-operations-configuration."""

    instantiate_vnf_op_config: OpConfig | None = None
    scale_vnf_op_config: ScaleVnfOpConfig | None = None
    scale_vnf_to_level_op_config: ScaleVnfToLevelOpConfig | None = None
    heal_vnf_op_config: HealVnfOpConfig | None = None
    terminate_vnf_op_config: TerminateVnfOpConfig | None = None
    operate_vnf_op_config: OperateVnfOpConfig | None = None
    change_vnf_flavour_op_config: OpConfig | None = None
    change_ext_vnf_connectivity_op_config: OpConfig | None = None
    create_snapshot_vnf_op_config: OpConfig | None = None
    revert_to_snapshot_vnf_op_config: OpConfig | None = None
    change_current_vnf_package_op_config: OpConfig | None = None


class Indicator(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: df/indicator."""

    name: str | None = None
    indicator_value: str | None = None
    source: Literal["vnf", "em", "both"] | None = None


class SupportedVnfInterface(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: df/supported-vnf-interfaces."""

    yang_key = ("name",)

    name: str
    cpd_id: tuple[str, ...] = ()
    interface_details: tuple[KeyValuePair, ...] = ()


class VduDelta(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: aspect-delta-details/deltas/vdu-delta (``id`` is a VDU)."""

    number_of_instances: Uint32 | None = None


class VirtualLinkBitRateDelta(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: aspect-delta-details/deltas/virtual-link-bit-rate-delta."""

    bit_rate_requirements: BitRateRequirements | None = None


class KduResourceDelta(Keyed):
    """OSM: deltas/kdu-resource-delta (``id`` is a kdu-resource-profile of the flavour)."""

    number_of_instances: Uint32 | None = None


class ScalingDelta(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: scaling-aspect/aspect-delta-details/deltas.

    OSM adds ``kdu-resource-delta`` to scale a Kubernetes resource of a KDU.
    """

    vdu_delta: tuple[VduDelta, ...] = ()
    virtual_link_bit_rate_delta: tuple[VirtualLinkBitRateDelta, ...] = ()
    kdu_resource_delta: tuple[KduResourceDelta, ...] = ()


class AspectDeltaDetails(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: scaling-aspect/aspect-delta-details."""

    deltas: tuple[ScalingDelta, ...] = ()
    step_deltas: str | None = None


class ScalingCriteria(Named):
    """OSM: scaling-policy/scaling-criteria (thresholds on a VNF monitoring parameter)."""

    scale_in_threshold: Decimal | None = None
    scale_in_relational_operation: RelationalOperation | None = None
    scale_out_threshold: Decimal | None = None
    scale_out_relational_operation: RelationalOperation | None = None
    vnf_monitoring_param_ref: str | None = None


class ScalingPolicy(Named):
    """OSM: scaling-aspect/scaling-policy (automatic or manual scaling; times in seconds)."""

    scaling_type: Literal["manual", "automatic"] | None = None
    enabled: bool | None = None
    threshold_time: Uint32 | None = None
    cooldown_time: Uint32 | None = None
    scaling_criteria: tuple[ScalingCriteria, ...] = ()
    scale_in_operation_type: Literal["AND", "OR"] | None = None
    scale_out_operation_type: Literal["AND", "OR"] | None = None


class ScalingConfigAction(YangModel):
    """OSM: scaling-aspect/scaling-config-action (a Day-2 primitive run around a scale)."""

    yang_key = ("trigger",)

    trigger: Literal["pre-scale-in", "post-scale-in", "pre-scale-out", "post-scale-out"]
    vnf_config_primitive_name_ref: str | None = None


class ScalingAspect(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: df/scaling-aspect, with OSM's policies and actions."""

    name: str | None = None
    description: str | None = None
    max_scale_level: Uint32 | None = None
    aspect_delta_details: AspectDeltaDetails | None = None
    scaling_policy: tuple[ScalingPolicy, ...] = ()
    scaling_config_action: tuple[ScalingConfigAction, ...] = ()


class HealingPolicy(YangModel):
    """OSM: healing-aspect/healing-policy (how a failed VDU is recovered)."""

    yang_key = ("vdu_id",)

    vdu_id: str
    event_name: str | None = None
    recovery_type: Literal["automatic", "manual"] | None = None
    action_on_recovery: str | None = None
    cooldown_time: Uint32 | None = None
    day1: bool | None = None


class HealingAspect(Keyed):
    """OSM: df/healing-aspect."""

    healing_policy: tuple[HealingPolicy, ...] = ()


class KduResourceProfile(Keyed):
    """OSM: df/kdu-resource-profile (a scalable Kubernetes resource, e.g. a Deployment)."""

    kdu_name: str
    resource_name: str
    min_number_of_instances: Uint32 | None = None
    max_number_of_instances: Uint32 | None = None


class VnfDf(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: df (deployment flavour)."""

    description: str | None = None
    vdu_profile: tuple[VduProfile, ...] = ()
    virtual_link_profile: tuple[VnfVirtualLinkProfile, ...] = ()
    instantiation_level: tuple[InstantiationLevel, ...] = ()
    default_instantiation_level: str | None = None
    supported_operation: tuple[str, ...] = ()
    lcm_operations_configuration: LcmOperationsConfiguration | None = None
    affinity_or_anti_affinity_group: tuple[AffinityGroup, ...] = ()
    indicator: tuple[Indicator, ...] = ()
    supported_vnf_interfaces: tuple[SupportedVnfInterface, ...] = ()
    monitoring_parameter: tuple[MonitoringParameter, ...] = ()
    scaling_aspect: tuple[ScalingAspect, ...] = ()
    healing_aspect: tuple[HealingAspect, ...] = ()
    kdu_resource_profile: tuple[KduResourceProfile, ...] = ()

    @property
    def day1_2(self) -> tuple[Day12, ...]:
        """OSM Day-1/2 configuration entries of this flavour (empty when none)."""
        lcm = self.lcm_operations_configuration
        if lcm is None or lcm.operate_vnf_op_config is None:
            return ()
        return lcm.operate_vnf_op_config.day1_2

    def vdu_profile_by_id(self, vdu_id: str) -> VduProfile | None:
        """The profile of VDU ``vdu_id`` in this flavour, if any."""
        return next((p for p in self.vdu_profile if p.id == vdu_id), None)

    def instantiation_level_by_id(self, level_id: str) -> InstantiationLevel | None:
        """The instantiation level ``level_id`` of this flavour, if any."""
        return next((lv for lv in self.instantiation_level if lv.id == level_id), None)

    def scaling_aspect_by_id(self, aspect_id: str) -> ScalingAspect | None:
        """The scaling aspect ``aspect_id`` of this flavour, if any."""
        return next((a for a in self.scaling_aspect if a.id == aspect_id), None)

"""Building blocks shared by every descriptor model.

YANG leaf and container names are kebab-case (``virtual-compute-desc``); the Python
attributes are their snake_case form (``virtual_compute_desc``) and the YANG name is the
alias used to read and write documents. Lists are tuples (models are frozen). A YANG list
item class declares its ``key`` statement in ``yang_key`` so duplicate keys can be found
(``duplicate-key-value``) before the model is even built.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def yang_name(field_name: str) -> str:
    """The YANG node name of a model attribute: ``vdu_profile`` -> ``vdu-profile``."""
    return field_name.replace("_", "-")


class SolMandatory:
    """Field marker: mandatory in the SOL006 YANG, not enforced by OSM's validation.

    The field is optional in the model; :func:`locus_iac.descriptors.schema.relaxed_mandatory`
    reports its absence as a ``missing-field`` warning (an error when validating strictly).
    """

    def __repr__(self) -> str:
        return "SolMandatory()"


#: Marks a leaf SOL006 makes mandatory and OSM does not enforce (see :class:`SolMandatory`).
SOL_MANDATORY = SolMandatory()


class YangModel(BaseModel):
    """A YANG container or list entry: unknown nodes are errors, instances are immutable."""

    model_config = ConfigDict(
        alias_generator=yang_name,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        coerce_numbers_to_str=True,
        validate_default=False,
    )

    #: Leaves of the YANG ``key`` statement when this model is a list entry.
    yang_key: ClassVar[tuple[str, ...]] = ()


class Keyed(YangModel):
    """A YANG list entry keyed by ``id`` (most SOL006 lists)."""

    yang_key: ClassVar[tuple[str, ...]] = ("id",)

    id: str


class Named(YangModel):
    """A YANG list entry keyed by ``name``."""

    yang_key: ClassVar[tuple[str, ...]] = ("name",)

    name: str


def _scalar_to_str(value: Any) -> Any:
    """YAML writes ``true``/``8080`` unquoted; string leaves of primitives take them as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


#: A string leaf that also takes a YAML scalar (bool/int/float) written without quotes.
ScalarStr = Annotated[str, BeforeValidator(_scalar_to_str)]

# YANG integer types with their ranges (RFC 7950 section 9.2).
Uint8 = Annotated[int, Field(ge=0, le=255)]
Uint16 = Annotated[int, Field(ge=0, le=65535)]
Uint32 = Annotated[int, Field(ge=0, le=4294967295)]
Uint64 = Annotated[int, Field(ge=0, le=18446744073709551615)]
#: A decimal64 leaf that must not be negative.
NonNegativeDecimal = Annotated[Decimal, Field(ge=0)]
#: ``yang:timeticks`` (hundredths of a second).
Timeticks = Uint32


class KeyValuePair(YangModel):
    """SOL006 v3.3.1 etsi-nfv-common: the ``key``/``value`` lists used for free parameters."""

    yang_key: ClassVar[tuple[str, ...]] = ("key",)

    key: str
    value: ScalarStr | None = None


class MonitoringParameter(Keyed):
    """SOL006 v3.3.1 etsi-nfv-common: monitoring-parameter (grouping)."""

    name: str | None = None
    performance_metric: str | None = None
    collection_period: Uint64 | None = None


class MaxImpactedInstances(YangModel):
    """SOL006 v3.3.1 etsi-nfv-common: nfvi-maintenance-info/max-number-of-impacted-instances."""

    yang_key: ClassVar[tuple[str, ...]] = ("group_size",)

    group_size: Uint32
    max_number_of_impacted_instances: Uint32 | None = None


class NfviMaintenanceInfo(YangModel):
    """SOL006 v3.3.1 etsi-nfv-common: nfvi-maintenance-info (times in yang:timeticks)."""

    impact_notification_lead_time: Annotated[Timeticks | None, SOL_MANDATORY] = None
    is_impact_mitigation_requested: bool | None = None
    supported_migration_type: tuple[str, ...] = ()
    max_undetectable_interruption_time: Timeticks | None = None
    min_recovery_time_between_impacts: Timeticks | None = None
    max_number_of_impacted_instances: tuple[MaxImpactedInstances, ...] = ()


class AffinityRule(YangModel):
    """SOL006 v3.3.1 etsi-nfv-common: local-affinity-or-anti-affinity-rule.

    SOL006 v2.6.1 (which OSM validates against) names the leaves ``affinity-type`` and
    ``affinity-scope``; either spelling is accepted.
    """

    yang_key: ClassVar[tuple[str, ...]] = ("type", "scope")

    type: str | None = None
    scope: str | None = None
    affinity_type: Literal["affinity", "anti-affinity"] | None = None
    affinity_scope: Literal["nfvi-node", "zone-group", "zone", "nfvi-pop"] | None = None
    nfvi_maintenance_info: NfviMaintenanceInfo | None = None


class AffinityGroup(Keyed):
    """SOL006 v3.3.1 etsi-nfv-common: affinity-or-anti-affinity-group."""

    type: str
    scope: str


class ConnectivityType(YangModel):
    """SOL006 v3.3.1 etsi-nfv-common: connectivity-type (layer protocols, flow pattern)."""

    layer_protocol: tuple[str, ...] = ()
    flow_pattern: str | None = None


class BitRateRequirements(YangModel):
    """SOL006 v3.3.1 etsi-nfv-common: link-bitrate-requirements (root and leaf, bit/s)."""

    root: Annotated[Uint64 | None, SOL_MANDATORY] = None
    leaf: Uint64 | None = None


class L2ProtocolData(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-link-protocol-data/l2-protocol-data."""

    name: str | None = None
    network_type: str | None = None
    vlan_transparent: bool | None = None
    mtu: Uint16 | None = None
    segmentation_id: ScalarStr | None = None


class L3ProtocolData(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-link-protocol-data/l3-protocol-data."""

    name: str | None = None
    ip_version: str | None = None
    cidr: str | None = None
    ip_allocation_pools: tuple[str, ...] = ()
    gateway_ip: str | None = None
    dhcp_enabled: bool | None = None
    ipv6_address_mode: str | None = None
    description: str | None = None  # OSM additional-info
    security_group: str | None = None  # OSM various / ns-various


class VirtualLinkProtocolData(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-link-protocol-data (OSM reads IP profiles here)."""

    associated_layer_protocol: str | None = None
    l2_protocol_data: L2ProtocolData | None = None
    l3_protocol_data: L3ProtocolData | None = None

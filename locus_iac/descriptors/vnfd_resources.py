"""VNFD resource models: VDUs, connection points, compute, storage, images, internal VLs.

SOL006 v3.3.1 etsi-nfv-vnf (grouping vnfd) with the OSM augmentations real OSM SOL006
packages use (``position``/``virtual-interface`` on interface requirements,
``cloud-init-file``/``cloud-init``/``alternative-sw-image-desc``/``alarm`` on a VDU,
``vim-type`` on an image, ``k8s-cluster-net`` on an external connection point, and the flat
``size-of-storage`` of SOL006 v2 that OSM keeps on a virtual storage descriptor).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from locus_iac.descriptors._base import (
    SOL_MANDATORY,
    ConnectivityType,
    Keyed,
    KeyValuePair,
    MonitoringParameter,
    Named,
    NfviMaintenanceInfo,
    NonNegativeDecimal,
    Uint16,
    Uint32,
    Uint64,
    YangModel,
)
from locus_iac.descriptors.osm_im import (
    MempageSize,
    NumaNodePolicy,
    ProviderNetwork,
    Quota,
    StorageRequirement,
    SupplementalBootData,
)

ContainerFormat = Literal["aki", "ami", "ari", "bare", "docker", "ova", "ovf"]
DiskFormat = Literal["aki", "ami", "ari", "iso", "qcow2", "raw", "vdi", "vhd", "vhdx", "vmdk"]

# --- connection points -------------------------------------------------------------------


class L2AddressData(YangModel):
    """SOL006 v3.3.1 etsi-nfv-common: address-data/l2-address-data."""

    mac_address_assignment: Annotated[bool | None, SOL_MANDATORY] = None


class L3AddressData(YangModel):
    """SOL006 v3.3.1 etsi-nfv-common: address-data/l3-address-data."""

    ip_address_assignment: Annotated[bool | None, SOL_MANDATORY] = None
    floating_ip_activated: Annotated[bool | None, SOL_MANDATORY] = None
    ip_address_type: Literal["ipv4", "ipv6"] | None = None
    number_of_ip_addresses: Uint32 | None = None


class AddressData(YangModel):
    """SOL006 v3.3.1 etsi-nfv-common: cpd/protocol/address-data."""

    yang_key = ("type",)

    type: str
    l2_address_data: L2AddressData | None = None
    l3_address_data: L3AddressData | None = None


class CpProtocol(YangModel):
    """SOL006 v3.3.1 etsi-nfv-common: cpd/protocol."""

    yang_key = ("associated_layer_protocol",)

    associated_layer_protocol: str
    address_data: tuple[AddressData, ...] = ()


class VirtualInterface(YangModel):
    """OSM augmentation: the VIM interface model of a VDU port."""

    type: Literal[
        "PARAVIRT", "OM-MGMT", "PCI-PASSTHROUGH", "SR-IOV", "VIRTIO", "E1000", "RTL8139", "PCNET"
    ]
    vpci: str | None = None
    bandwidth: Uint64 | None = None


class VirtualNetworkInterfaceRequirement(Named):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-network-interface-requirements (grouping).

    OSM adds ``position`` (interface order in the VM) and ``virtual-interface``.
    """

    description: str | None = None
    support_mandatory: bool | None = None
    network_interface_requirements: tuple[KeyValuePair, ...] = ()
    nic_io_requirements: str | None = None
    position: Uint32 | None = None
    virtual_interface: VirtualInterface | None = None
    vif_quota: Quota | None = None
    ip_address: str | None = None
    mac_address: str | None = None


class Cpd(Keyed):
    """SOL006 v3.3.1 etsi-nfv-common: cpd (connection point descriptor, grouping)."""

    layer_protocol: tuple[str, ...] = ()
    role: str | None = None
    description: str | None = None
    protocol: tuple[CpProtocol, ...] = ()
    trunk_mode: bool | None = None


class IntCpd(Cpd):
    """SOL006 v3.3.1 etsi-nfv-vnf: vdu/int-cpd (a VDU port)."""

    int_virtual_link_desc: str | None = None
    bitrate_requirement: Uint64 | None = None
    virtual_network_interface_requirement: tuple[VirtualNetworkInterfaceRequirement, ...] = ()
    nicio_requirements: str | None = None
    order: Uint32 | None = None
    vnic_type: str | None = None
    security_group_rule_id: str | None = None
    port_security_enabled: bool | None = None
    port_security_disable_strategy: str | None = None


class ExtCpdIntCpd(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: ext-cpd/int-cpd (the VDU port this external CP exposes)."""

    vdu_id: str | None = None
    cpd: str | None = None


class ExtCpd(Cpd):
    """SOL006 v3.3.1 etsi-nfv-vnf: ext-cpd; OSM adds ``k8s-cluster-net`` for KNFs.

    The ``cp-connection`` choice holds at most one of ``int-virtual-link-desc``,
    ``int-cpd``, ``vip-cpd`` and (OSM) ``k8s-cluster-net``.
    """

    int_virtual_link_desc: str | None = None
    int_cpd: ExtCpdIntCpd | None = None
    vip_cpd: str | None = None
    k8s_cluster_net: str | None = None
    virtual_network_interface_requirement: tuple[VirtualNetworkInterfaceRequirement, ...] = ()
    nicio_requirements: str | None = None
    security_group_rule_id: str | None = None
    port_security_enabled: bool | None = None
    port_security_disable_strategy: str | None = None

    @model_validator(mode="after")
    def _one_connection(self) -> ExtCpd:
        chosen = [
            name
            for name in ("int_virtual_link_desc", "int_cpd", "vip_cpd", "k8s_cluster_net")
            if getattr(self, name) is not None
        ]
        if len(chosen) > 1:
            names = ", ".join(n.replace("_", "-") for n in chosen)
            raise ValueError(f"an external CP connects to one thing only, found {names}")
        return self


class VipCpd(Cpd):
    """SOL006 v3.3.1 etsi-nfv-vnf: vip-cpd (virtual IP shared by several CPs)."""

    int_cpd: tuple[str, ...] = ()
    vnf_ext_cpd: tuple[str, ...] = ()
    vip_function: str | None = None


# --- VDU ---------------------------------------------------------------------------------


class AlarmAction(YangModel):
    """OSM augmentation: a webhook called when a VDU alarm changes state."""

    yang_key = ("url",)

    url: str


class AlarmActions(YangModel):
    """OSM augmentation: vdu/alarm/actions."""

    alarm: tuple[AlarmAction, ...] = ()
    ok: tuple[AlarmAction, ...] = ()
    insufficient_data: tuple[AlarmAction, ...] = ()


class VduAlarm(YangModel):
    """OSM augmentation: vdu/alarm (threshold alarm on a monitoring parameter)."""

    yang_key = ("alarm_id",)

    alarm_id: str
    vnf_monitoring_param_ref: str | None = None
    value: Decimal | None = None
    operation: Literal["GE", "LE", "GT", "LT", "EQ", "NE"] | None = None
    actions: AlarmActions | None = None
    name: str | None = None
    description: str | None = None
    vdur_id: str | None = None
    repeat: bool | None = None
    enabled: bool | None = None
    severity: Literal["LOW", "MODERATE", "CRITICAL"] | None = None
    statistic: Literal["AVERAGE", "MINIMUM", "MAXIMUM", "COUNT", "SUM"] | None = None
    period: Uint32 | None = None
    evaluations: Uint32 | None = None


class Vdu(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: vdu, with OSM's Day0 and image augmentations."""

    name: str
    description: str | None = None
    int_cpd: tuple[IntCpd, ...] = ()
    virtual_compute_desc: str | None = None
    virtual_storage_desc: tuple[str, ...] = ()
    boot_order: tuple[KeyValuePair, ...] = ()
    sw_image_desc: str | None = None
    alternative_sw_image_desc: tuple[str, ...] = ()
    nfvi_constraint: tuple[str, ...] = ()
    monitoring_parameter: tuple[MonitoringParameter, ...] = ()
    configurable_properties: tuple[KeyValuePair, ...] = ()
    boot_data: str | None = None
    cloud_init_file: str | None = None
    cloud_init: str | None = None
    alarm: tuple[VduAlarm, ...] = ()
    pdu_type: str | None = None
    supplemental_boot_data: SupplementalBootData | None = None

    @model_validator(mode="after")
    def _one_cloud_init(self) -> Vdu:
        if self.cloud_init_file is not None and self.cloud_init is not None:
            raise ValueError("give cloud-init-file or cloud-init, not both")
        return self


# --- compute -----------------------------------------------------------------------------


class LogicalNode(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-compute-desc/logical-node."""

    requirement_detail: tuple[KeyValuePair, ...] = ()


class RequestAdditionalCapability(Named):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-compute-desc/request-additional-capability."""

    support_mandatory: bool | None = None
    min_version: str | None = None
    preferred_version: str | None = None
    target_performance_parameters: tuple[KeyValuePair, ...] = ()


class VirtualMemory(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-compute-desc/virtual-memory (size in GB)."""

    size: Annotated[Decimal, Field(gt=0)] | None = None
    over_subscription_policy: str | None = None
    vdu_mem_requirements: tuple[KeyValuePair, ...] = ()
    numa_enabled: bool | None = None
    numa_node_policy: NumaNodePolicy | None = None
    mempage_size: MempageSize | None = None
    mem_quota: Quota | None = None


class CpuPinning(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-cpu/pinning."""

    policy: Literal["static", "dynamic"] | None = None
    rule: tuple[KeyValuePair, ...] = ()
    cpu_policy: tuple[str, ...] = ()
    thread_policy: Literal["REQUIRE", "ISOLATE", "PREFER"] | None = None


class VirtualCpu(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-compute-desc/virtual-cpu."""

    cpu_architecture: str | None = None
    num_virtual_cpu: Annotated[int, Field(ge=1, le=65535)] | None = None
    clock: Uint32 | None = None
    oversubscription_policy: str | None = None
    vdu_cpu_requirements: tuple[KeyValuePair, ...] = ()
    pinning: CpuPinning | None = None
    cpu_quota: Quota | None = None


class VirtualDisk(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-compute-desc/virtual-disk (size in GB)."""

    size_of_storage: Uint64 | None = None
    vdu_storage_requirements: tuple[KeyValuePair, ...] = ()
    rdma_enabled: bool | None = None
    sw_image_desc: str | None = None


class VirtualComputeDesc(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-compute-desc."""

    logical_node: tuple[LogicalNode, ...] = ()
    request_additional_capability: tuple[RequestAdditionalCapability, ...] = ()
    compute_requirements: str | None = None
    virtual_memory: VirtualMemory | None = None
    virtual_cpu: VirtualCpu | None = None
    virtual_disk: tuple[VirtualDisk, ...] = ()


# --- storage -----------------------------------------------------------------------------


class BlockStorageData(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-storage-desc/block-storage-data (GB)."""

    size_of_storage: Uint64 | None = None
    vdu_storage_requirements: tuple[KeyValuePair, ...] = ()
    rdma_enabled: bool | None = None
    sw_image_desc: str | None = None


class ObjectStorageData(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-storage-desc/object-storage-data (GB)."""

    max_size_of_storage: Uint64 | None = None


class FileStorageData(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-storage-desc/file-storage-data (GB)."""

    size_of_storage: Uint64 | None = None
    file_system_protocol: str | None = None
    int_virtual_link_desc: str | None = None


class StorageKeyValue(KeyValuePair):
    """SOL006 vdu-storage-requirements, with OSM's nested list of the same name."""

    vdu_storage_requirements: tuple[StorageRequirement, ...] = ()


class VirtualStorageDesc(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: virtual-storage-desc.

    OSM packages write the SOL006 v2 flat leaves (``size-of-storage``, ``sw-image-desc``...)
    directly on the descriptor; v3.3.1 puts them in one of the ``storage`` choice containers.
    Both are accepted; :attr:`size_gb` reads whichever is given.
    """

    type_of_storage: str | None = None
    size_of_storage: Uint64 | None = None
    vdu_storage_requirements: tuple[StorageKeyValue, ...] = ()
    rdma_enabled: bool | None = None
    sw_image_desc: str | None = None
    description: str | None = None
    disk_io_quota: Quota | None = None
    device_bus: Literal["ide", "usb", "virtio", "scsi"] | None = None
    block_storage_data: BlockStorageData | None = None
    object_storage_data: ObjectStorageData | None = None
    file_storage_data: FileStorageData | None = None

    @model_validator(mode="after")
    def _one_storage_kind(self) -> VirtualStorageDesc:
        kinds = [
            n
            for n in ("block_storage_data", "object_storage_data", "file_storage_data")
            if getattr(self, n) is not None
        ]
        if len(kinds) > 1:
            raise ValueError("give one of block-, object- or file-storage-data, not several")
        return self

    @property
    def size_gb(self) -> int | None:
        """The storage size in GB, from the flat leaf or the chosen storage container."""
        if self.size_of_storage is not None:
            return self.size_of_storage
        if self.block_storage_data is not None:
            return self.block_storage_data.size_of_storage
        if self.file_storage_data is not None:
            return self.file_storage_data.size_of_storage
        if self.object_storage_data is not None:
            return self.object_storage_data.max_size_of_storage
        return None


# --- images ------------------------------------------------------------------------------


class Checksum(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: sw-image-desc/checksum."""

    algorithm: Annotated[str | None, SOL_MANDATORY] = None
    hash: Annotated[str | None, SOL_MANDATORY] = None


class SwImageDesc(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: sw-image-desc; OSM adds ``vim-type``.

    OSM relaxes the ETSI mandatory ``name``, ``version``, ``checksum``, ``min-disk`` and
    ``size``: its packages name a VIM image by ``image`` (or ``name``) only.
    """

    name: str | None = None
    version: str | None = None
    provider: str | None = None
    checksum: Checksum | None = None
    container_format: ContainerFormat | None = None
    disk_format: DiskFormat | None = None
    min_disk: Uint64 | None = None
    min_ram: NonNegativeDecimal | None = None
    size: Uint64 | None = None
    image: str | None = None
    operating_system: str | None = None
    supported_virtualization_environment: tuple[str, ...] = ()
    vim_type: str | None = None


# --- internal virtual links and security groups ------------------------------------------


class Qos(YangModel):
    """SOL006 v3.3.1 etsi-nfv-common: virtual-link QoS (latency in ms)."""

    latency: Uint32
    packet_delay_variation: Uint32
    packet_loss_ratio: Annotated[Decimal, Field(ge=0, le=1)] | None = None
    priority: Uint32 | None = None


class VlFlavour(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: int-virtual-link-desc/flavour."""

    qos: Qos | None = None


class IntVirtualLinkDesc(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: int-virtual-link-desc (a VNF-internal network)."""

    flavour: tuple[VlFlavour, ...] = ()
    connectivity_type: ConnectivityType | None = None
    test_access: tuple[str, ...] = ()
    description: str | None = None
    monitoring_parameters: tuple[MonitoringParameter, ...] = ()
    nfvi_maintenance_info: NfviMaintenanceInfo | None = None
    provider_network: ProviderNetwork | None = None


class SecurityGroupRule(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: security-group-rule."""

    description: str | None = None
    direction: Literal["ingress", "egress"] | None = None
    ether_type: Literal["ipv4", "ipv6"] | None = None
    protocol: Literal["tcp", "udp", "icmp"] | None = None
    port_range_min: Uint16 | None = None
    port_range_max: Uint16 | None = None

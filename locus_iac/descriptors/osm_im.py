"""OSM IM leaves that OSM keeps in SOL006 descriptors (its augment modules on SOL006 v2.6.1).

OSM validates a SOL006 VNFD/NSD with the bindings generated from ETSI's YANG plus its own
augment modules (``epa``, ``various``, ``ns-various``, ``ns-vld``, ``vip``, ``day1-2``,
``ns-configuration``, ``alarm``, ``additional-info``, ``interface``, ``scaling``), and from
the SOL006 v2.6.1 names that v3.3.1 renamed (``affinity-type``/``affinity-scope``,
``vdu-profile/affinity-or-anti-affinity-group``, ``vnffgd/cpd-pool``,
``nfpd/position-desc-id``). Real OSM packages write them, so they are modelled here and kept
in the document; the test ``tests/descriptors/test_osm_im_coverage.py`` walks OSM's generated
bindings and checks every node of them is known to the models.

The EPA leaves are hints to the VIM (huge pages, NUMA topology, CPU thread policy, quotas);
locus-iac keeps them for the OpenStack flavour but does not check them against a site.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from locus_iac.descriptors._base import Keyed, Named, Uint8, Uint16, Uint32, Uint64, YangModel
from locus_iac.descriptors.day12 import (
    ConfigPrimitive,
    ExecutionEnvironment,
    Juju,
    Metric,
    Relation,
    ScriptConfig,
    SequencedPrimitive,
)

MempageSize = Literal["LARGE", "SMALL", "SIZE_2MB", "SIZE_1GB", "PREFER_LARGE"]


class Quota(YangModel):
    """OSM epa: cpu-quota / mem-quota / disk-io-quota / vif-quota (VIM resource shares)."""

    limit: Uint64 | None = None
    reserve: Uint64 | None = None
    shares: Uint64 | None = None


class PairedThreadIds(YangModel):
    """OSM epa: numa-node-policy/node/paired-threads/paired-thread-ids."""

    yang_key = ("thread_a",)

    thread_a: Uint8
    thread_b: Uint8 | None = None


class PairedThreads(YangModel):
    """OSM epa: numa-node-policy/node/paired-threads."""

    num_paired_threads: Uint8 | None = None
    paired_thread_ids: tuple[PairedThreadIds, ...] = ()


class NumaVcpu(YangModel):
    """OSM epa: numa-node-policy/node/vcpu (a vCPU pinned to this NUMA node)."""

    yang_key = ("id",)

    id: Uint64


class NumaNode(YangModel):
    """OSM epa: numa-node-policy/node."""

    yang_key = ("id",)

    id: Uint64
    vcpu: tuple[NumaVcpu, ...] = ()
    memory_mb: Uint64 | None = None
    num_cores: Uint8 | None = None
    paired_threads: PairedThreads | None = None
    num_threads: Uint8 | None = None


class NumaNodePolicy(YangModel):
    """OSM epa: virtual-memory/numa-node-policy (NUMA topology of the VM)."""

    node_cnt: Uint16 | None = None
    mem_policy: Literal["STRICT", "PREFERRED"] | None = None
    node: tuple[NumaNode, ...] = ()


class ProviderNetwork(YangModel):
    """OSM various / ns-vld: provider-network (physical network and segmentation id)."""

    physical_network: str | None = None
    segmentation_id: Uint32 | None = Field(default=None, alias="segmentation_id")


class SupplementalBootData(YangModel):
    """OSM various: vdu/supplemental-boot-data (Day-0 data on a config drive)."""

    boot_data_drive: bool | None = None


class PairedInterface(YangModel):
    """OSM vip: vip/paired-interfaces."""

    yang_key = ("vdu_id_ref",)

    vdu_id_ref: str
    interface_ref: str | None = None


class Vip(Named):
    """OSM vip: vnfd/vip (a virtual IP shared by VDU interfaces)."""

    paired_interfaces: tuple[PairedInterface, ...] = ()


class NsConfiguration(YangModel):
    """OSM ns-configuration: nsd/ns-configuration (NS-level charms and primitives)."""

    script: ScriptConfig | None = None
    juju: Juju | None = None
    execution_environment_list: tuple[ExecutionEnvironment, ...] = ()
    config_primitive: tuple[ConfigPrimitive, ...] = ()
    initial_config_primitive: tuple[SequencedPrimitive, ...] = ()
    terminate_config_primitive: tuple[SequencedPrimitive, ...] = ()
    metrics: tuple[Metric, ...] = ()
    relation: tuple[Relation, ...] = ()


class AffinityGroupRef(Keyed):
    """SOL006 v2.6.1 (kept by OSM): ``affinity-or-anti-affinity-group`` as a list of ids."""


class StorageRequirement(YangModel):
    """OSM additional-info: vdu-storage-requirements/vdu-storage-requirements."""

    yang_key = ("key",)

    key: str
    value: str | None = None


class NsDependency(Keyed):
    """SOL006 v2.6.1 etsi-nfv-nsd (kept by OSM): df/dependencies (instantiation order)."""

    primary_vnf_profile: str | None = None
    primary_ns_profile: str | None = None
    secondary_vnf_profile: str | None = None
    secondary_ns_profile: str | None = None


class VnfIndicatorInfo(YangModel):
    """SOL006 v2.6.1 etsi-nfv-nsd: df/monitored-info/vnf-indicator-info."""

    vnfd_id: str | None = None
    vnf_indicator: str | None = None


class MonitoredParameter(YangModel):
    """SOL006 v2.6.1 etsi-nfv-nsd: df/monitored-info/monitoring-parameter."""

    id: str | None = None
    name: str | None = None
    performance_metric: str | None = None
    collection_period: Uint64 | None = None


class MonitoredInfo(Keyed):
    """SOL006 v2.6.1 etsi-nfv-nsd (kept by OSM): df/monitored-info."""

    vnf_indicator_info: VnfIndicatorInfo | None = None
    monitoring_parameter: MonitoredParameter | None = None


class ConstituentProfileElement(Keyed):
    """SOL006 v2.6.1: vnffgd/nfpd/position-desc-id/cp-profile-id/constituent-profile-elements."""

    cpd_id: str | None = None


class CpProfileId(Keyed):
    """SOL006 v2.6.1: vnffgd/nfpd/position-desc-id/cp-profile-id."""

    constituent_profile_elements: tuple[ConstituentProfileElement, ...] = ()


class PositionDescId(Keyed):
    """SOL006 v2.6.1 (OSM's SFC form): vnffgd/nfpd/position-desc-id."""

    cp_profile_id: tuple[CpProfileId, ...] = ()

"""OSM Day-1/Day-2 configuration of a VNF, VDU or KDU.

OSM augmentation of SOL006 v3.3.1 etsi-nfv-vnf ``df/lcm-operations-configuration/
operate-vnf-op-config``: a ``day1-2`` list whose entry ``id`` names the configured element
(the VNFD id, a VDU id or a KDU name), the execution environments that run the primitives
(in OSM a Juju charm or a Helm chart; in locus-iac an Ansible playbook runner), the
primitives run once after instantiation (``initial-config-primitive``), on demand
(``config-primitive``, Day-2 actions) and before termination
(``terminate-config-primitive``), and how to reach the element (``config-access``).
"""

from __future__ import annotations

from typing import Literal

from locus_iac.descriptors._base import Keyed, Named, ScalarStr, Uint64, YangModel

DataType = Literal["STRING", "INTEGER", "BOOLEAN"]


class Juju(YangModel):
    """OSM: execution-environment-list/juju (a charm; proxy charms run outside the VNF)."""

    charm: str | None = None
    proxy: bool | None = None
    cloud: Literal["lxd", "k8s"] | None = None


class ExecutionEnvironment(Keyed):
    """OSM: day1-2/execution-environment-list entry.

    ``external-connection-point-ref`` names the ext-cpd through which the environment
    reaches the element (its management address).
    """

    juju: Juju | None = None
    helm_chart: str | None = None
    helm_version: Literal["v2", "v3"] | None = None
    external_connection_point_ref: str | None = None
    metric_service: str | None = None


class PrimitiveParameter(Named):
    """OSM: config-primitive/parameter (declared parameter of an on-demand primitive)."""

    data_type: DataType | None = None
    mandatory: bool | None = None
    default_value: ScalarStr | None = None
    parameter_pool: str | None = None
    read_only: bool | None = None
    hidden: bool | None = None


class ParameterValue(Named):
    """OSM: initial-/terminate-config-primitive/parameter (a value given to the primitive)."""

    data_type: DataType | None = None
    value: ScalarStr | None = None


class ConfigPrimitive(Named):
    """OSM: day1-2/config-primitive (a Day-2 action)."""

    execution_environment_ref: str | None = None
    execution_environment_primitive: str | None = None
    parameter: tuple[PrimitiveParameter, ...] = ()
    user_defined_script: str | None = None


class SequencedPrimitive(YangModel):
    """OSM: day1-2/initial-config-primitive and terminate-config-primitive (ordered by seq)."""

    yang_key = ("seq",)

    seq: Uint64
    name: str | None = None
    execution_environment_ref: str | None = None
    execution_environment_primitive: str | None = None
    parameter: tuple[ParameterValue, ...] = ()
    user_defined_script: str | None = None


class SshAccess(YangModel):
    """OSM: config-access/ssh-access (whether the element needs the NS SSH key injected)."""

    required: bool | None = None
    default_user: str | None = None


class ConfigAccess(YangModel):
    """OSM: day1-2/config-access."""

    ssh_access: SshAccess | None = None


class ScriptConfig(YangModel):
    """OSM day1-2 / ns-configuration: script (the legacy ``rift`` script type)."""

    script_type: Literal["rift"] | None = None


class Metric(Named):
    """OSM day1-2 / ns-configuration: metrics collected by the execution environment."""


class RelationEndpoint(YangModel):
    """OSM day1-2 / ns-configuration: relation/provider and relation/requirer."""

    vdu_profile_id: str | None = None
    kdu_resource_profile_id: str | None = None
    vnf_profile_id: str | None = None
    execution_environment_ref: str | None = None
    endpoint: str | None = None


class RelationEntity(Keyed):
    """OSM day1-2 / ns-configuration: relation/entities (the old Juju relation form)."""

    endpoint: str | None = None


class Relation(Named):
    """OSM day1-2 / ns-configuration: relation (a Juju relation between two charms)."""

    provider: RelationEndpoint | None = None
    requirer: RelationEndpoint | None = None
    entities: tuple[RelationEntity, ...] = ()


class Day12(Keyed):
    """OSM: operate-vnf-op-config/day1-2 entry; ``id`` is the VNFD id, a VDU id or a KDU name."""

    execution_environment_list: tuple[ExecutionEnvironment, ...] = ()
    config_primitive: tuple[ConfigPrimitive, ...] = ()
    initial_config_primitive: tuple[SequencedPrimitive, ...] = ()
    terminate_config_primitive: tuple[SequencedPrimitive, ...] = ()
    config_access: ConfigAccess | None = None
    blacklist_config_primitive: tuple[str, ...] = ()
    script: ScriptConfig | None = None
    juju: Juju | None = None
    metrics: tuple[Metric, ...] = ()
    relation: tuple[Relation, ...] = ()

    def primitive(self, name: str) -> ConfigPrimitive | None:
        """The Day-2 primitive called ``name``, if declared."""
        return next((p for p in self.config_primitive if p.name == name), None)

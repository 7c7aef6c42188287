"""The VNF descriptor (SOL006 v3.3.1 etsi-nfv-vnf: grouping vnfd) with OSM's KNF extension.

A KNF (Kubernetes network function) is a VNFD whose deployment units are ``kdu`` entries
(a Helm chart or a Juju bundle) instead of, or besides, ``vdu`` entries; its
``k8s-cluster/nets`` name the cluster networks (Multus attachments) its external connection
points bind to through ``ext-cpd/k8s-cluster-net``. ``mgmt-cp`` names the external
connection point through which the MANO manages the VNF.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from locus_iac.descriptors._base import Keyed, KeyValuePair, Named, YangModel
from locus_iac.descriptors.osm_im import Vip
from locus_iac.descriptors.vnfd_df import Indicator, VnfDf
from locus_iac.descriptors.vnfd_resources import (
    ExtCpd,
    IntVirtualLinkDesc,
    SecurityGroupRule,
    SwImageDesc,
    Vdu,
    VipCpd,
    VirtualComputeDesc,
    VirtualStorageDesc,
)


class KduService(Named):
    """OSM: kdu/service (a Kubernetes Service of the KDU; ``mgmt-service`` marks management)."""

    mgmt_service: bool | None = None
    external_connection_point_ref: str | None = None


class Kdu(Named):
    """OSM: kdu (Kubernetes deployment unit): a Helm chart or a Juju bundle."""

    description: str | None = None
    helm_chart: str | None = None
    helm_version: Literal["v2", "v3"] | None = None
    juju_bundle: str | None = None
    service: tuple[KduService, ...] = ()

    @model_validator(mode="after")
    def _one_model(self) -> Kdu:
        if self.helm_chart is not None and self.juju_bundle is not None:
            raise ValueError("a KDU is a helm-chart or a juju-bundle, not both")
        return self


class K8sClusterNet(Keyed):
    """OSM: k8s-cluster/nets (a cluster network the KNF attaches to)."""


class K8sCluster(YangModel):
    """OSM: k8s-cluster (requirements on the Kubernetes cluster that runs the KDUs)."""

    version: tuple[str, ...] = ()
    cni: tuple[Literal["calico", "flannel", "multus"], ...] = ()
    nets: tuple[K8sClusterNet, ...] = ()


class LifecycleManagementScript(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: lifecycle-management-script."""

    event: tuple[str, ...] = ()
    lcm_transition_event: tuple[str, ...] = ()
    script: str | None = None
    script_dsl: str | None = None
    script_input: tuple[KeyValuePair, ...] = ()


class ElementGroup(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: element-group (deprecated in SOL006, still accepted)."""

    description: str | None = None
    vdu: tuple[str, ...] = ()
    virtual_link_desc: tuple[str, ...] = ()


class ModifiableAttributes(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: modifiable-attributes."""

    extension: tuple[str, ...] = ()
    metadata: tuple[str, ...] = ()


class VnfConfigurableProperties(YangModel):
    """SOL006 v3.3.1 etsi-nfv-vnf: configurable-properties (VNF-level)."""

    is_auto_scalable_enabled: bool | None = None
    is_auto_heal_enabled: bool | None = None
    additional_configurable_property: tuple[KeyValuePair, ...] = ()


class Vnfd(Keyed):
    """SOL006 v3.3.1 etsi-nfv-vnf: vnfd, with OSM's augmentations.

    OSM relaxes the ETSI mandatory ``provider``, ``product-name``, ``software-version`` and
    ``version`` (its own packages omit some of them) and adds ``description``, ``mgmt-cp``,
    ``kdu`` and ``k8s-cluster``.
    """

    provider: str | None = None
    product_name: str | None = None
    software_version: str | None = None
    version: str | None = None
    description: str | None = None
    product_info_name: str | None = None
    product_info_description: str | None = None
    vnfm_info: tuple[str, ...] = ()
    localization_language: str | None = None
    default_localization_language: str | None = None
    mgmt_cp: str | None = None
    vdu: tuple[Vdu, ...] = ()
    virtual_compute_desc: tuple[VirtualComputeDesc, ...] = ()
    virtual_storage_desc: tuple[VirtualStorageDesc, ...] = ()
    sw_image_desc: tuple[SwImageDesc, ...] = ()
    int_virtual_link_desc: tuple[IntVirtualLinkDesc, ...] = ()
    security_group_rule: tuple[SecurityGroupRule, ...] = ()
    ext_cpd: tuple[ExtCpd, ...] = ()
    vip_cpd: tuple[VipCpd, ...] = ()
    df: tuple[VnfDf, ...] = ()
    kdu: tuple[Kdu, ...] = ()
    k8s_cluster: K8sCluster | None = None
    configurable_properties: VnfConfigurableProperties | None = None
    modifiable_attributes: ModifiableAttributes | None = None
    lifecycle_management_script: tuple[LifecycleManagementScript, ...] = ()
    element_group: tuple[ElementGroup, ...] = ()
    indicator: tuple[Indicator, ...] = ()
    auto_scale: tuple[str, ...] = ()
    vip: tuple[Vip, ...] = ()

    @property
    def is_knf(self) -> bool:
        """True when the VNF is deployed (at least partly) as Kubernetes KDUs."""
        return bool(self.kdu)

    def vdu_by_id(self, vdu_id: str) -> Vdu | None:
        """The VDU ``vdu_id``, if declared."""
        return next((v for v in self.vdu if v.id == vdu_id), None)

    def compute_desc(self, desc_id: str) -> VirtualComputeDesc | None:
        """The virtual compute descriptor ``desc_id``, if declared."""
        return next((c for c in self.virtual_compute_desc if c.id == desc_id), None)

    def storage_desc(self, desc_id: str) -> VirtualStorageDesc | None:
        """The virtual storage descriptor ``desc_id``, if declared."""
        return next((s for s in self.virtual_storage_desc if s.id == desc_id), None)

    def image_desc(self, desc_id: str) -> SwImageDesc | None:
        """The software image descriptor ``desc_id``, if declared."""
        return next((i for i in self.sw_image_desc if i.id == desc_id), None)

    def ext_cpd_by_id(self, cpd_id: str) -> ExtCpd | None:
        """The external connection point ``cpd_id``, if declared."""
        return next((c for c in self.ext_cpd if c.id == cpd_id), None)

    def df_by_id(self, df_id: str) -> VnfDf | None:
        """The deployment flavour ``df_id``, if declared."""
        return next((d for d in self.df if d.id == df_id), None)

    def kdu_by_name(self, name: str) -> Kdu | None:
        """The KDU called ``name``, if declared."""
        return next((k for k in self.kdu if k.name == name), None)

    def int_virtual_link_desc_by_id(self, vl_id: str) -> IntVirtualLinkDesc | None:
        """The internal virtual link ``vl_id``, if declared."""
        return next((v for v in self.int_virtual_link_desc if v.id == vl_id), None)

"""The typed input of an NS / NSI program: descriptors, flavour, placement, parameters.

:class:`NsSpec` is what the LCM (or ``locus plan``) knows when it instantiates one NS:
the NSD (SOL006 etsi-nfv-nsd), its VNFDs (etsi-nfv-vnfd with the OSM KNF augmentations),
the deployment flavour and instantiation level, where each VNF profile runs (placement),
the instantiation parameters (SOL005 ``additionalParamsForVnf``/``ForKdu``), the scale
(instances per VDU / replicas per KDU) and the unpacked package folders (cloud-init
files, Helm charts). :class:`NsiSpec` adds an OSM netslice template (NST) over nested NSs.
:func:`locus_iac.infra.resolve.resolve_ns` turns a spec into an :class:`NsPlan`.
"""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from locus_iac.descriptors import Nsd, Nst, Vnfd
from locus_iac.infra.cidr import DEFAULT_PREFIX
from locus_iac.infra.topology import NetsliceLink, SiteAccess, Upstream
from locus_iac.sites import SiteCatalog


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NsSpec(_Frozen):
    """Everything needed to derive the program of one NS instance.

    ``ns_instantiation_level_id`` picks the NS level (how many instances of each VNF
    profile); ``instantiation_level_id`` the VNF level (how many instances of each VDU) when
    the vnf-profile names none.

    ``placement`` maps NSD vnf-profile ids to site names; ``parameters`` maps vnf-profile
    ids to Day0 parameters (cloud-init variables); ``kdu_values`` maps vnf-profile id, then
    KDU name, to Helm values; ``scale`` maps vnf-profile id, then VDU id or KDU name, to an
    instance/replica count overriding the instantiation level. ``reserved_cidrs`` lists,
    per site, blocks other NS instances already use.

    ``vnf_counts`` (NS update, ADD_VNF) overrides the number of VNF instances of a profile
    that the NS instantiation level gives; ``removed_vnfs`` (REMOVE_VNF) names VNF instances
    (``<profile>`` or ``<profile>-<n>``) that are not deployed; ``vnf_sites`` puts one VNF
    instance on another site than its profile's placement.

    ``netslice_links`` binds VLs of this NSD (by virtual-link-desc id) to the netslice VLDs
    of the NSI this NS is nested in (:class:`NetsliceLink`): the NSI fixes their VIM-side
    name and blocks, and says where another nested NS already created the network.
    """

    ns_instance_id: Annotated[str, Field(min_length=1, max_length=63)]
    name: str = ""
    nsd: Nsd
    vnfds: dict[str, Vnfd]
    df_id: str | None = None
    instantiation_level_id: str | None = None
    ns_instantiation_level_id: str | None = None
    placement: dict[str, str]
    sites: SiteCatalog
    parameters: dict[str, dict[str, str]] = Field(default_factory=dict)
    kdu_values: dict[str, dict[str, dict[str, JsonValue]]] = Field(default_factory=dict)
    scale: dict[str, dict[str, Annotated[int, Field(ge=0, le=1000)]]] = Field(default_factory=dict)
    package_dirs: dict[str, Path] = Field(default_factory=dict)
    ssh_public_keys: tuple[str, ...] = ()
    floating_ips: bool = False
    match_flavors: bool = False
    cidr_prefix: Annotated[int, Field(ge=16, le=29)] = DEFAULT_PREFIX
    reserved_cidrs: dict[str, tuple[IPv4Network, ...]] = Field(default_factory=dict)
    upstream: Upstream = Upstream()
    access: dict[str, SiteAccess] = Field(default_factory=dict)
    netslice_links: dict[str, NetsliceLink] = Field(default_factory=dict)
    vnf_counts: dict[str, Annotated[int, Field(ge=0, le=100)]] = Field(default_factory=dict)
    removed_vnfs: frozenset[str] = frozenset()
    vnf_sites: dict[str, str] = Field(default_factory=dict)


class NsiSpec(_Frozen):
    """A netslice instance: the NST, one :class:`NsSpec` per netslice subnet that this
    stack deploys, and the stacks of shared subnets deployed elsewhere (``is-shared-nss``)."""

    nsi_id: Annotated[str, Field(min_length=1, max_length=63)]
    name: str = ""
    nst: Nst
    nested: dict[str, NsSpec]
    shared_stack_refs: dict[str, str] = Field(default_factory=dict)

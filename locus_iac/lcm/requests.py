"""Typed bodies of the NS LCM requests (SOL005 v3.7.1 clause 6.5.2, OSM NBI spellings).

The NBI parses each request into one of these models; the occurrence stores its JSON
(``operationParams``) and the runner parses it back, so no raw dict travels between them.
Field names are the SOL005 camelCase ones; OSM's snake_case names are accepted as aliases
where OSM clients send them (``member_vnf_index``, ``primitive_params``).
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from locus_iac.errors import Issue, ValidationError
from locus_iac.infra import NetsliceLink
from locus_iac.placement import Objective

Name = Annotated[str, Field(min_length=1, max_length=255)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class CreateNsRequest(_Body):
    """``CreateNsRequest`` (clause 6.5.2.7); ``nsdId`` is the NSD id or its package id."""

    nsd_id: Name = Field(validation_alias=AliasChoices("nsdId", "nsId", "nsd_id"))
    ns_name: Name = Field(validation_alias=AliasChoices("nsName", "ns_name"))
    ns_description: Annotated[str, Field(max_length=4096)] | None = Field(
        default=None, validation_alias=AliasChoices("nsDescription", "ns_description")
    )


class InstantiateAdditionalParams(_Body):
    """locus's ``additionalParamsForNs``: where each VNF profile goes and its parameters.

    ``placement`` maps a VNF profile id (or VNFD id) to a registered site name (a
    ``k8sclusters`` or ``vim_accounts`` entry). Profiles not named (and no ``vimAccountId``)
    are placed by the optimiser when registered sites declare capacity, minimising or
    maximising ``placementObjective`` (default ``min-total-cost``); the answer is written back
    into ``placement``. Otherwise they go to the default site of their kind (KNF: the first
    edge Kubernetes cluster; VNF: the first core OpenStack VIM).
    """

    placement: dict[Name, Name] = Field(default_factory=dict)
    placement_objective: Objective | None = Field(
        default=None,
        validation_alias=AliasChoices("placementObjective", "placement_objective"),
        description="locus: what the optimiser optimises (seed §4.1.1.2)",
    )
    parameters: dict[Name, dict[Name, str]] = Field(
        default_factory=dict, description="profile id -> Day0/Day1 parameter -> value"
    )
    scale: dict[Name, dict[Name, Annotated[int, Field(ge=0, le=1000)]]] = Field(
        default_factory=dict, description="profile id -> VDU id -> instances / replicas"
    )
    vnf_counts: dict[Name, Annotated[int, Field(ge=0, le=100)]] = Field(
        default_factory=dict,
        validation_alias=AliasChoices("vnfCounts", "vnf_counts"),
        description="set by NS update (ADD_VNF): VNF profile id -> instances of it, "
        "overriding the NS instantiation level",
    )
    removed_vnfs: tuple[Name, ...] = Field(
        default=(),
        validation_alias=AliasChoices("removedVnfs", "removed_vnfs"),
        description="set by NS update (REMOVE_VNF): the VNF instance ids taken out",
    )
    vnf_sites: dict[Name, Name] = Field(
        default_factory=dict,
        validation_alias=AliasChoices("vnfSites", "vnf_sites"),
        description="set by NS update (ADD_VNF): VNF instance id -> site, for an instance "
        "that does not run where its profile is placed",
    )
    netslice_links: dict[Name, NetsliceLink] = Field(
        default_factory=dict,
        validation_alias=AliasChoices("netsliceLinks", "netslice_links"),
        description="set by the netslice LCM: nested VL id -> how it joins the netslice VLD",
    )


_ENDPOINT = r"^[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}$"


class VnfMonitoringParams(_Body):
    """The parameters of one VNF profile that locus reads from ``additionalParamsForVnf``.

    ``metrics_endpoint`` ("host:port") is where Prometheus scrapes the VNF's metrics
    (issue 17); other keys are kept for the VNF's configuration.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    metrics_endpoint: Annotated[str, Field(pattern=_ENDPOINT, max_length=255)] | None = None


class VnfAdditionalParams(_Body):
    """OSM's ``additionalParamsForVnf`` entry: parameters of one VNF profile."""

    member_vnf_index: Name = Field(
        validation_alias=AliasChoices("member-vnf-index", "memberVnfIndex", "member_vnf_index")
    )
    additional_params: VnfMonitoringParams = Field(
        default_factory=VnfMonitoringParams,
        validation_alias=AliasChoices("additionalParams", "additional_params"),
    )


class InstantiateNsRequest(_Body):
    """``InstantiateNsRequest`` (clause 6.5.2.11) as locus uses it."""

    ns_flavour_id: Name | None = Field(
        default=None, validation_alias=AliasChoices("nsFlavourId", "ns_flavour_id")
    )
    vim_account_id: Name | None = Field(
        default=None,
        validation_alias=AliasChoices("vimAccountId", "vim_account_id"),
        description="OSM: the site every profile goes to unless placement says otherwise",
    )
    ns_instantiation_level_id: Name | None = Field(
        default=None,
        validation_alias=AliasChoices("nsInstantiationLevelId", "ns_instantiation_level_id"),
        description="the NS instantiation level of the flavour (default: the NSD's)",
    )
    additional_params: InstantiateAdditionalParams = Field(
        default_factory=InstantiateAdditionalParams,
        validation_alias=AliasChoices("additionalParamsForNs", "additionalParams"),
    )
    additional_params_for_vnf: tuple[VnfAdditionalParams, ...] = Field(
        default=(),
        validation_alias=AliasChoices("additionalParamsForVnf", "additional_params_for_vnf"),
        description="OSM: per VNF profile parameters (locus reads metrics_endpoint)",
    )


class CreateAndInstantiateRequest(CreateNsRequest, InstantiateNsRequest):
    """OSM's ``ns_instances_content`` body: create + instantiate in one request."""


class ScaleDirection(StrEnum):
    """``ScaleVnfType`` (clause 6.5.4.6)."""

    SCALE_OUT = "SCALE_OUT"
    SCALE_IN = "SCALE_IN"


class ScaleVnfData(_Body):
    """``ScaleVnfData`` (clause 6.5.3.20), addressed by VNF profile and VDU.

    Either a step (``scaleVnfType`` with ``numberOfSteps``, one step = one instance or one
    KNF replica) or ``instances``, the number wanted.
    """

    member_vnf_index: Name = Field(
        validation_alias=AliasChoices("memberVnfIndex", "member_vnf_index", "vnfInstanceId")
    )
    vdu_id: Name | None = Field(default=None, validation_alias=AliasChoices("vduId", "vdu_id"))
    scale_vnf_type: ScaleDirection | None = Field(
        default=None, validation_alias=AliasChoices("scaleVnfType", "scale_vnf_type")
    )
    number_of_steps: Annotated[int, Field(ge=1, le=100)] = Field(
        default=1, validation_alias=AliasChoices("numberOfSteps", "number_of_steps")
    )
    instances: Annotated[int, Field(ge=0, le=1000)] | None = None
    additional_params: dict[Name, Annotated[str, Field(max_length=1024)]] = Field(
        default_factory=dict,
        validation_alias=AliasChoices("additionalParams", "additional_params"),
        description="SOL005 ScaleByStepData.additionalParams: kept on the occurrence "
        "(e.g. the alert that caused an automatic scale), not used by the runner",
    )


class ScaleType(StrEnum):
    SCALE_VNF = "SCALE_VNF"


class ScaleNsRequest(_Body):
    """``ScaleNsRequest`` (clause 6.5.2.14): ``SCALE_VNF`` only."""

    scale_type: ScaleType = Field(validation_alias=AliasChoices("scaleType", "scale_type"))
    scale_vnf_data: list[ScaleVnfData] = Field(
        min_length=1, validation_alias=AliasChoices("scaleVnfData", "scale_vnf_data")
    )
    timeout: Annotated[int, Field(ge=1)] | None = None


class ActionRequest(_Body):
    """OSM ``NsActionRequest``: a Day2 primitive of one VNF profile (or the NS).

    ``vdu_id`` names a VDU or a KDU of the VNF; OSM's ``kdu_name`` names a KDU (see
    :attr:`unit`); OSM's ``vdu_count_index`` is kept (every instance of the unit runs the
    primitive) and ``timeout_ns_action`` is ``timeout``.
    """

    member_vnf_index: Name | None = Field(
        default=None, validation_alias=AliasChoices("memberVnfIndex", "member_vnf_index")
    )
    vdu_id: Name | None = Field(default=None, validation_alias=AliasChoices("vduId", "vdu_id"))
    kdu_name: Name | None = Field(
        default=None, validation_alias=AliasChoices("kduName", "kdu_name")
    )
    vdu_count_index: Annotated[int, Field(ge=0)] | None = None
    primitive: Name
    primitive_params: dict[Name, Any] = Field(
        default_factory=dict,
        validation_alias=AliasChoices("primitiveParameters", "primitive_params"),
    )
    timeout: Annotated[int, Field(ge=1)] | None = Field(
        default=None, validation_alias=AliasChoices("timeout", "timeout_ns_action")
    )

    @property
    def unit(self) -> str | None:
        """The VDU or KDU the primitive runs on (``vdu_id``, else ``kdu_name``), or None."""
        return self.vdu_id or self.kdu_name

    def profile_among(self, profiles: Collection[str]) -> str:
        """The VNF profile this action is for: ``member_vnf_index``, or the only profile;
        a :class:`ValidationError` at ``/member_vnf_index`` otherwise."""
        wanted = self.member_vnf_index or (next(iter(profiles)) if len(profiles) == 1 else None)
        if wanted is None or wanted not in profiles:
            raise ValidationError(
                "unknown VNF profile",
                [
                    Issue(
                        "/member_vnf_index",
                        "unknown-profile",
                        f"name one of: {', '.join(sorted(profiles))}",
                    )
                ],
            )
        return wanted


class HealNsRequest(_Body):
    """``HealNsRequest`` (clause 6.5.2.13): locus refreshes the stack and re-applies it.

    ``run_day1`` (OSM heal's ``run-day1``) runs every VNF's Day1 again afterwards: a VDU the
    heal re-created has lost its configuration (the playbooks must be idempotent)."""

    degree_healing: str | None = Field(
        default=None, validation_alias=AliasChoices("degreeHealing", "degree_healing")
    )
    run_day1: bool = Field(
        default=False, validation_alias=AliasChoices("runDay1", "run-day1", "run_day1")
    )
    timeout: Annotated[int, Field(ge=1)] | None = None
    additional_params_for_ns: dict[Name, Annotated[str, Field(max_length=1024)]] = Field(
        default_factory=dict,
        validation_alias=AliasChoices("additionalParamsforNs", "additional_params_for_ns"),
        description="SOL005 HealNsRequest.additionalParamsforNs: kept on the occurrence "
        "(e.g. the alert that caused an automatic heal), not used by the runner",
    )


class TerminateNsRequest(_Body):
    """``TerminateNsRequest`` (clause 6.5.2.15); ``skip_terminate_primitives`` is OSM's NBI
    flag: destroy without running the VNFs' terminate-config-primitives; ``autoremove`` is
    OSM's too: once the terminate has completed, the NS instance (and its occurrences) is
    deleted (OSM's ``DELETE .../ns_instances_content/{id}``)."""

    termination_time: str | None = Field(
        default=None, validation_alias=AliasChoices("terminationTime", "termination_time")
    )
    timeout: Annotated[int, Field(ge=1)] | None = None
    skip_terminate_primitives: bool = False
    autoremove: bool = False


# -- netslice instances (OSM NBI ``/nsilcm/v1``, seed Annex B.5) -------------------------------


class CreateNsiRequest(_Body):
    """Create a netslice instance of an NST (``nstId``: the NST id or its package id)."""

    nst_id: Name = Field(validation_alias=AliasChoices("nstId", "netSliceTemplateId", "nst_id"))
    nsi_name: Name = Field(validation_alias=AliasChoices("nsiName", "nsi_name"))
    nsi_description: Annotated[str, Field(max_length=4096)] | None = Field(
        default=None, validation_alias=AliasChoices("nsiDescription", "nsi_description")
    )


class NsiSubnetParams(_Body):
    """OSM ``InstantiateNsiRequest.netslice-subnet[]``: one nested NS's own parameters."""

    id: Name
    vim_account_id: Name | None = Field(
        default=None, validation_alias=AliasChoices("vimAccountId", "vim_account_id")
    )
    additional_params: InstantiateAdditionalParams = Field(
        default_factory=InstantiateAdditionalParams,
        validation_alias=AliasChoices("additionalParamsForNs", "additionalParams"),
    )


class InstantiateNsiRequest(_Body):
    """OSM ``InstantiateNsiRequest``: a default site and per-subnet parameters."""

    vim_account_id: Name | None = Field(
        default=None, validation_alias=AliasChoices("vimAccountId", "vim_account_id")
    )
    netslice_subnet: list[NsiSubnetParams] = Field(
        default_factory=list,
        validation_alias=AliasChoices("netslice-subnet", "netsliceSubnet", "netslice_subnet"),
    )


class CreateAndInstantiateNsiRequest(CreateNsiRequest, InstantiateNsiRequest):
    """OSM's ``netslice_instances_content`` body (Annex B Table 24)."""


class NsiActionRequest(ActionRequest):
    """OSM ``NsiActionRequest`` (Annex B Table 25): a Day2 primitive of one nested NS,
    named by its netslice subnet."""

    netslice_subnet_id: Name = Field(
        validation_alias=AliasChoices("netsliceSubnetId", "nssId", "nss_id", "netslice_subnet_id")
    )

"""NS update (SOL005 v3.7.1 clause 6.4.5, ``UpdateNsRequest`` clause 6.5.2.12): what changes.

An update is carried out like the other operations: the NS instance's parameters (the
``InstantiateNsRequest`` its last completed operation left) are changed here, then the
runner deploys them (:mod:`locus_iac.lcm.operations`: preview, up, Day1 of what is new).
This module is pure: the request body, its checks against the NSD, and the new parameters.

==================  =========================================================================
CHANGE_NS_DF        ``changeNsFlavourData``: another NS deployment flavour and/or instantiation
                    level. The VNF instance set follows the new flavour/level: what ADD_VNF /
                    REMOVE_VNF changed before is reset, scale counts of profiles the flavour
                    does not have are dropped.
ADD_VNF,            ``instantiateVnfData``: one new VNF instance per entry, of an NSD
INSTANTIATE_VNF     ``vnfProfileId`` (or the only profile of ``vnfdId``) of the current flavour,
                    named ``<profile>-<n>``; ``additionalParams.site`` puts it on a registered
                    site other than its profile's (re-placing). ``addVnfIstance`` (an existing
                    VNF instance) is refused: locus has no VNF instances outside NS instances.
REMOVE_VNF          ``removeVnfInstanceId``: those VNF instances are taken out (their
                    terminate-config-primitives run first); a profile may not go below its
                    ``min-number-of-instances``.
==================  =========================================================================

Every other ``updateType`` is refused (422 at ``/updateType``), as is a data member that
belongs to another update type. VNF instance ids are the profile instance names locus uses
everywhere (``memberVnfIndex``): ``<profile>`` and ``<profile>-<n>``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from locus_iac.descriptors import Nsd, NsDf, VnfProfile
from locus_iac.errors import Issue, ValidationError
from locus_iac.infra.resolve import level_instances
from locus_iac.lcm.requests import InstantiateNsRequest

Name = Annotated[str, Field(min_length=1, max_length=255)]


class UpdateType(StrEnum):
    """``UpdateNsRequest.updateType`` (SOL005 v3.7.1 clause 6.5.2.12)."""

    ADD_VNF = "ADD_VNF"
    REMOVE_VNF = "REMOVE_VNF"
    INSTANTIATE_VNF = "INSTANTIATE_VNF"
    CHANGE_VNF_DF = "CHANGE_VNF_DF"
    OPERATE_VNF = "OPERATE_VNF"
    MODIFY_VNF_INFORMATION = "MODIFY_VNF_INFORMATION"
    CHANGE_EXTERNAL_VNF_CONNECTIVITY = "CHANGE_EXTERNAL_VNF_CONNECTIVITY"
    CHANGE_VNFPKG = "CHANGE_VNFPKG"
    ADD_SAP = "ADD_SAP"
    REMOVE_SAP = "REMOVE_SAP"
    ADD_NESTED_NS = "ADD_NESTED_NS"
    REMOVE_NESTED_NS = "REMOVE_NESTED_NS"
    ASSOC_NEW_NSD_VERSION = "ASSOC_NEW_NSD_VERSION"
    MOVE_VNF = "MOVE_VNF"
    ADD_VNFFG = "ADD_VNFFG"
    REMOVE_VNFFG = "REMOVE_VNFFG"
    UPDATE_VNFFG = "UPDATE_VNFFG"
    CHANGE_NS_DF = "CHANGE_NS_DF"
    ADD_PNF = "ADD_PNF"
    MODIFY_PNF = "MODIFY_PNF"
    REMOVE_PNF = "REMOVE_PNF"
    CREATE_VNF_SNAPSHOT = "CREATE_VNF_SNAPSHOT"
    REVERT_VNF_TO_SNAPSHOT = "REVERT_VNF_TO_SNAPSHOT"
    DELETE_VNF_SNAPSHOT_INFO = "DELETE_VNF_SNAPSHOT_INFO"
    MODIFY_WAN_CONNECTION_INFO = "MODIFY_WAN_CONNECTION_INFO"
    CREATE_NS_VIRTUAL_LINK = "CREATE_NS_VIRTUAL_LINK"
    DELETE_NS_VIRTUAL_LINK = "DELETE_NS_VIRTUAL_LINK"


SUPPORTED = (
    UpdateType.CHANGE_NS_DF,
    UpdateType.ADD_VNF,
    UpdateType.INSTANTIATE_VNF,
    UpdateType.REMOVE_VNF,
)

#: the data members each supported type may carry (JSON names, SOL005)
_MEMBERS: Mapping[UpdateType, frozenset[str]] = {
    UpdateType.CHANGE_NS_DF: frozenset({"changeNsFlavourData"}),
    UpdateType.ADD_VNF: frozenset({"addVnfIstance", "instantiateVnfData"}),
    UpdateType.INSTANTIATE_VNF: frozenset({"instantiateVnfData"}),
    UpdateType.REMOVE_VNF: frozenset({"removeVnfInstanceId", "terminateVnfData"}),
}
_COMMON = frozenset({"updateType", "updateTime", "timeout_ns_update"})  # OSM: a timeout


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class ChangeNsFlavourData(_Body):
    """``ChangeNsFlavourData`` (clause 6.5.3.39)."""

    new_ns_flavour_id: Name = Field(
        validation_alias=AliasChoices("newNsFlavourId", "new_ns_flavour_id"),
        serialization_alias="newNsFlavourId",
    )
    instantiation_level_id: Name | None = Field(
        default=None,
        validation_alias=AliasChoices("instantiationLevelId", "instantiation_level_id"),
        serialization_alias="instantiationLevelId",
    )


class InstantiateVnfData(_Body):
    """``InstantiateVnfData`` (clause 6.5.3.24), the members locus uses.

    ``additionalParams.site`` (locus) names the registered site of the new VNF instance."""

    vnfd_id: Name | None = Field(
        default=None,
        validation_alias=AliasChoices("vnfdId", "vnfd_id"),
        serialization_alias="vnfdId",
    )
    vnf_flavour_id: Name | None = Field(
        default=None,
        validation_alias=AliasChoices("vnfFlavourId", "vnf_flavour_id"),
        serialization_alias="vnfFlavourId",
    )
    vnf_instantiation_level_id: Name | None = Field(
        default=None,
        validation_alias=AliasChoices("vnfInstantiationLevelId", "vnf_instantiation_level_id"),
        serialization_alias="vnfInstantiationLevelId",
    )
    vnf_profile_id: Name | None = Field(
        default=None,
        validation_alias=AliasChoices("vnfProfileId", "vnf_profile_id"),
        serialization_alias="vnfProfileId",
    )
    vnf_instance_name: Name | None = Field(
        default=None,
        validation_alias=AliasChoices("vnfInstanceName", "vnf_instance_name"),
        serialization_alias="vnfInstanceName",
    )
    vnf_instance_description: Annotated[str, Field(max_length=4096)] | None = Field(
        default=None,
        validation_alias=AliasChoices("vnfInstanceDescription", "vnf_instance_description"),
        serialization_alias="vnfInstanceDescription",
    )
    additional_params: dict[Name, Annotated[str, Field(max_length=1024)]] = Field(
        default_factory=dict,
        validation_alias=AliasChoices("additionalParams", "additional_params"),
        serialization_alias="additionalParams",
    )

    @property
    def site(self) -> str | None:
        return self.additional_params.get("site")


class VnfInstanceData(_Body):
    """``VnfInstanceData`` (clause 6.5.3.19): an existing VNF instance to add."""

    vnf_instance_id: Name = Field(
        validation_alias=AliasChoices("vnfInstanceId", "vnf_instance_id"),
        serialization_alias="vnfInstanceId",
    )
    vnf_profile_id: Name | None = Field(
        default=None,
        validation_alias=AliasChoices("vnfProfileId", "vnf_profile_id"),
        serialization_alias="vnfProfileId",
    )


class UpdateNsRequest(BaseModel):
    """``UpdateNsRequest`` (clause 6.5.2.12). Members of update types locus does not carry
    out are kept (``extra``) so that :func:`check_request` names them with a pointer."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    update_type: UpdateType = Field(
        validation_alias=AliasChoices("updateType", "update_type"),
        serialization_alias="updateType",
    )
    change_ns_flavour_data: ChangeNsFlavourData | None = Field(
        default=None,
        validation_alias=AliasChoices("changeNsFlavourData", "change_ns_flavour_data"),
        serialization_alias="changeNsFlavourData",
    )
    instantiate_vnf_data: tuple[InstantiateVnfData, ...] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        validation_alias=AliasChoices("instantiateVnfData", "instantiate_vnf_data"),
        serialization_alias="instantiateVnfData",
    )
    add_vnf_instance: tuple[VnfInstanceData, ...] | None = Field(
        default=None,
        validation_alias=AliasChoices("addVnfIstance", "addVnfInstance", "add_vnf_instance"),
        serialization_alias="addVnfIstance",
    )
    remove_vnf_instance_id: tuple[Name, ...] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        validation_alias=AliasChoices("removeVnfInstanceId", "remove_vnf_instance_id"),
        serialization_alias="removeVnfInstanceId",
    )
    terminate_vnf_data: tuple[dict[str, Any], ...] | None = Field(
        default=None,
        validation_alias=AliasChoices("terminateVnfData", "terminate_vnf_data"),
        serialization_alias="terminateVnfData",
        description="accepted with REMOVE_VNF; locus terminates gracefully (primitives) always",
    )
    update_time: str | None = Field(
        default=None,
        validation_alias=AliasChoices("updateTime", "update_time"),
        serialization_alias="updateTime",
    )

    def params(self) -> dict[str, Any]:
        """The request as the occurrence keeps it (``operationParams``, SOL005 names)."""
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def _present(request: UpdateNsRequest) -> set[str]:
    """The JSON members the request carries (SOL005 names; unknown ones as sent)."""
    named = set(request.model_dump(by_alias=True, exclude_none=True))
    return named | set(request.model_extra or {})


def check_request(request: UpdateNsRequest) -> None:
    """The update type is one locus carries out, with its data and only its data."""
    if request.update_type not in SUPPORTED:
        raise ValidationError(
            f"updateType {request.update_type.value} is not supported",
            [
                Issue(
                    "/updateType",
                    "unsupported",
                    f"{request.update_type.value} is not carried out by locus; supported: "
                    + ", ".join(t.value for t in SUPPORTED),
                )
            ],
        )
    allowed = _MEMBERS[request.update_type] | _COMMON
    issues = [
        Issue(f"/{name}", "wrong-member", f"not allowed with updateType {request.update_type}")
        for name in sorted(_present(request) - allowed)
    ]
    needed = {
        UpdateType.CHANGE_NS_DF: ("changeNsFlavourData", request.change_ns_flavour_data),
        UpdateType.ADD_VNF: ("instantiateVnfData", request.instantiate_vnf_data),
        UpdateType.INSTANTIATE_VNF: ("instantiateVnfData", request.instantiate_vnf_data),
        UpdateType.REMOVE_VNF: ("removeVnfInstanceId", request.remove_vnf_instance_id),
    }
    if request.add_vnf_instance is not None:
        issues.append(
            Issue(
                "/addVnfIstance",
                "unsupported",
                "locus has no VNF instances outside NS instances to add; give "
                "instantiateVnfData (a new instance of an NSD vnf-profile) instead",
            )
        )
    member, value = needed[request.update_type]
    if value is None and request.add_vnf_instance is None:
        issues.append(Issue(f"/{member}", "required", f"{request.update_type} needs {member}"))
    if issues:
        raise ValidationError("invalid NS update request", issues)


# -- the VNF instances of an NS instance ------------------------------------------------------


def current_flavour(nsd: Nsd, params: InstantiateNsRequest) -> NsDf:
    """The NS deployment flavour the instance runs (the request's, else the NSD's first)."""
    df = nsd.df_by_id(params.ns_flavour_id) if params.ns_flavour_id else None
    if df is None and not nsd.df:
        raise ValidationError("the NSD has no flavour", [Issue("/nsd/df", "no-flavour", "")])
    return df or nsd.df[0]


def _count(df: NsDf, params: InstantiateNsRequest, profile_id: str) -> int:
    counts = params.additional_params.vnf_counts
    if profile_id in counts:
        return counts[profile_id]
    return level_instances(df, params.ns_instantiation_level_id, profile_id)


def vnf_instances(nsd: Nsd, params: InstantiateNsRequest) -> dict[str, str]:
    """The VNF instances the parameters deploy: instance id -> its vnf-profile id (the
    naming of :func:`locus_iac.infra.resolve.resolve_ns`)."""
    df = current_flavour(nsd, params)
    removed = set(params.additional_params.removed_vnfs)
    found: dict[str, str] = {}
    for profile in df.vnf_profile:
        for n in range(_count(df, params, profile.id)):
            name = f"{profile.id}-{n}" if n else profile.id
            if name not in removed:
                found[name] = profile.id
    return found


# -- the new parameters -----------------------------------------------------------------------


def updated_params(
    nsd: Nsd, current: InstantiateNsRequest, request: UpdateNsRequest, sites: Collection[str]
) -> InstantiateNsRequest:
    """The NS instance's parameters after ``request`` (a :class:`ValidationError` with JSON
    pointers into the request when it does not fit the NSD or the registered ``sites``)."""
    check_request(request)
    if request.update_type is UpdateType.CHANGE_NS_DF:
        assert request.change_ns_flavour_data is not None  # check_request
        return _change_flavour(nsd, current, request.change_ns_flavour_data)
    if request.update_type is UpdateType.REMOVE_VNF:
        assert request.remove_vnf_instance_id is not None
        return _remove(nsd, current, request.remove_vnf_instance_id)
    assert request.instantiate_vnf_data is not None
    return _add(nsd, current, request.instantiate_vnf_data, sites)


def _with(current: InstantiateNsRequest, **changes: Any) -> InstantiateNsRequest:
    params = current.additional_params.model_copy(update=changes)
    return current.model_copy(update={"additional_params": params})


def _change_flavour(
    nsd: Nsd, current: InstantiateNsRequest, data: ChangeNsFlavourData
) -> InstantiateNsRequest:
    where = "/changeNsFlavourData"
    df = nsd.df_by_id(data.new_ns_flavour_id)
    if df is None:
        known = ", ".join(d.id for d in nsd.df)
        raise ValidationError(
            "unknown NS flavour",
            [Issue(f"{where}/newNsFlavourId", "unknown-flavour", f"NSD {nsd.id} has: {known}")],
        )
    level = data.instantiation_level_id
    if level is not None and level not in {lv.id for lv in df.ns_instantiation_level}:
        known = ", ".join(lv.id for lv in df.ns_instantiation_level) or "none"
        raise ValidationError(
            "unknown NS instantiation level",
            [
                Issue(
                    f"{where}/instantiationLevelId",
                    "unknown-level",
                    f"flavour {df.id} has instantiation levels: {known}",
                )
            ],
        )
    profiles = {p.id for p in df.vnf_profile}
    scale = {k: v for k, v in current.additional_params.scale.items() if k in profiles}
    changed = _with(current, vnf_counts={}, removed_vnfs=(), vnf_sites={}, scale=scale)
    return changed.model_copy(update={"ns_flavour_id": df.id, "ns_instantiation_level_id": level})


def _profile_for(df: NsDf, data: InstantiateVnfData, where: str) -> VnfProfile:
    if data.vnf_profile_id is not None:
        profile = df.vnf_profile_by_id(data.vnf_profile_id)
        if profile is None:
            known = ", ".join(p.id for p in df.vnf_profile)
            raise ValidationError(
                "unknown VNF profile",
                [Issue(f"{where}/vnfProfileId", "unknown-profile", f"flavour {df.id}: {known}")],
            )
        if data.vnfd_id is not None and data.vnfd_id != profile.vnfd_id:
            raise ValidationError(
                "VNFD and VNF profile disagree",
                [
                    Issue(
                        f"{where}/vnfdId",
                        "wrong-vnfd",
                        f"profile {profile.id} is of VNFD {profile.vnfd_id}",
                    )
                ],
            )
        return profile
    matching = [p for p in df.vnf_profile if p.vnfd_id == data.vnfd_id]
    if len(matching) != 1:
        what = "no" if not matching else "more than one"
        raise ValidationError(
            "which VNF profile?",
            [
                Issue(
                    f"{where}/vnfProfileId",
                    "ambiguous-profile" if matching else "unknown-profile",
                    f"flavour {df.id} has {what} profile of VNFD {data.vnfd_id!r}: "
                    "give vnfProfileId",
                )
            ],
        )
    return matching[0]


def _add(
    nsd: Nsd,
    current: InstantiateNsRequest,
    entries: tuple[InstantiateVnfData, ...],
    sites: Collection[str],
) -> InstantiateNsRequest:
    df = current_flavour(nsd, current)
    params = current.additional_params
    counts = {p.id: _count(df, current, p.id) for p in df.vnf_profile}
    placed = dict(params.vnf_sites)
    issues: list[Issue] = []
    for i, data in enumerate(entries):
        where = f"/instantiateVnfData/{i}"
        profile = _profile_for(df, data, where)
        if data.vnf_flavour_id is not None and profile.flavour_id not in (
            None,
            data.vnf_flavour_id,
        ):
            issues.append(
                Issue(
                    f"{where}/vnfFlavourId",
                    "wrong-flavour",
                    f"profile {profile.id} deploys VNF flavour {profile.flavour_id}",
                )
            )
        if data.vnf_instantiation_level_id is not None and data.vnf_instantiation_level_id != (
            profile.instantiation_level
        ):
            issues.append(
                Issue(
                    f"{where}/vnfInstantiationLevelId",
                    "wrong-level",
                    f"a VNF instance of profile {profile.id} has its profile's level "
                    f"({profile.instantiation_level or 'the VNF flavour default'}); "
                    "change VDU counts with scale",
                )
            )
        if data.site is not None and data.site not in sites:
            issues.append(
                Issue(
                    f"{where}/additionalParams/site",
                    "unknown-site",
                    f"no registered site {data.site!r}; known: {', '.join(sorted(sites))}",
                )
            )
        n = counts[profile.id]
        limit = profile.max_number_of_instances
        if limit is not None and _alive(current, profile.id, n) + 1 > limit:
            issues.append(
                Issue(where, "at-max", f"profile {profile.id} allows {limit} VNF instance(s)")
            )
            continue
        counts[profile.id] = n + 1
        if data.site is not None:
            placed[f"{profile.id}-{n}" if n else profile.id] = data.site
    if issues:
        raise ValidationError("invalid NS update request", issues)
    changed = {p: c for p, c in counts.items() if c != _count(df, current, p)}
    return _with(current, vnf_counts={**params.vnf_counts, **changed}, vnf_sites=placed)


def _alive(current: InstantiateNsRequest, profile_id: str, count: int) -> int:
    removed = set(current.additional_params.removed_vnfs)
    names = [f"{profile_id}-{n}" if n else profile_id for n in range(count)]
    return sum(1 for name in names if name not in removed)


def _remove(nsd: Nsd, current: InstantiateNsRequest, ids: tuple[str, ...]) -> InstantiateNsRequest:
    df = current_flavour(nsd, current)
    running = vnf_instances(nsd, current)
    issues: list[Issue] = []
    left: dict[str, int] = {}
    for name in running.values():
        left[name] = left.get(name, 0) + 1
    for i, vnf in enumerate(ids):
        profile_id = running.get(vnf)
        if profile_id is None or vnf in ids[:i]:
            known = ", ".join(running) or "none"
            issues.append(
                Issue(f"/removeVnfInstanceId/{i}", "unknown-vnf-instance", f"running: {known}")
            )
            continue
        left[profile_id] -= 1
        profile = df.vnf_profile_by_id(profile_id)
        least = profile.min_number_of_instances if profile else None
        if least is not None and left[profile_id] < least:
            issues.append(
                Issue(
                    f"/removeVnfInstanceId/{i}",
                    "below-min",
                    f"profile {profile_id} needs at least {least} VNF instance(s)",
                )
            )
    if issues:
        raise ValidationError("invalid NS update request", issues)
    removed = (*current.additional_params.removed_vnfs, *ids)
    sites = {k: v for k, v in current.additional_params.vnf_sites.items() if k not in ids}
    return _with(current, removed_vnfs=removed, vnf_sites=sites)

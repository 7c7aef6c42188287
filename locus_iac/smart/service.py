"""What an NS instance's descriptors say about scaling, read through the SOL005 API.

:func:`load_service` fetches the instance, its NSD and the VNFDs of its VNF profiles (the
onboarded packages) and parses them with :mod:`locus_iac.descriptors`. A scaling aspect of
a VNF profile becomes a :class:`ScalingTarget`: which VDU (or KDU) it changes, by how much
per step (SOL006 ``aspect-delta-details``), its bounds (``vdu-profile`` /
OSM ``kdu-resource-profile`` min/max-number-of-instances, the aspect's ``max-scale-level``)
and the policy's ``cooldown-time``. Current counts come from the instance's instantiation
parameters (locus keeps ``additionalParamsForNs.scale`` up to date after each scale), else
from the descriptor's instantiation level, as the MANO deploys them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from locus_iac.descriptors import parse_descriptor
from locus_iac.descriptors.nsd import Nsd, VnfProfile
from locus_iac.descriptors.vnfd import Vnfd
from locus_iac.descriptors.vnfd_df import ScalingAspect, VnfDf
from locus_iac.errors import NotFound
from locus_iac.smart.sol005 import Sol005Client


@dataclass(frozen=True)
class ScalingTarget:
    """The VDU/KDU a scaling aspect changes and the limits on it."""

    member: str
    aspect: str
    target: str  # the VDU id, or the KDU name for a KNF (as the NBI's scale takes it)
    step: int
    minimum: int
    maximum: int | None
    cooldown: int | None  # seconds, from the aspect's scaling policy


@dataclass(frozen=True)
class Member:
    """One VNF profile of the NS: its VNFD and deployment flavour."""

    profile: VnfProfile
    vnfd: Vnfd
    df: VnfDf


@dataclass(frozen=True)
class Service:
    """An NS instance with its descriptors, as the smart functions need it."""

    instance: dict[str, Any]
    nsd: Nsd
    members: dict[str, Member]
    vnfd_yaml: dict[str, str]

    @property
    def id(self) -> str:
        return str(self.instance["id"])

    def member(self, index: str) -> Member:
        found = self.members.get(index)
        if found is None:
            known = ", ".join(sorted(self.members)) or "none"
            raise NotFound(f"NS {self.id} has no VNF profile {index!r} (known: {known})")
        return found

    def scaling_target(self, index: str, aspect_id: str, policy: str | None) -> ScalingTarget:
        member = self.member(index)
        aspect = member.df.scaling_aspect_by_id(aspect_id)
        if aspect is None:
            raise NotFound(f"VNF profile {index!r} has no scaling aspect {aspect_id!r}")
        target, step, low, high = _delta(member, aspect)
        base = self.initial_count(index, target)
        if aspect.max_scale_level is not None:
            cap = base + aspect.max_scale_level * step
            high = cap if high is None else min(high, cap)
        cooldown = next(
            (p.cooldown_time for p in aspect.scaling_policy if policy in (None, p.name)), None
        )
        return ScalingTarget(index, aspect_id, target, step, low, high, cooldown)

    def initial_count(self, index: str, target: str) -> int:
        """Instances (replicas) of ``target`` as instantiated, before any scale."""
        member = self.member(index)
        if any(k.name == target for k in member.vnfd.kdu):
            return 1
        profile = member.df.vdu_profile_by_id(target)
        count = (profile.min_number_of_instances if profile else None) or 1
        level_id = member.profile.instantiation_level or member.df.default_instantiation_level
        level = member.df.instantiation_level_by_id(level_id) if level_id else None
        level = level or (
            member.df.instantiation_level[0] if member.df.instantiation_level else None
        )
        for vdu_level in level.vdu_level if level else ():
            if vdu_level.vdu_id == target and vdu_level.number_of_instances is not None:
                count = vdu_level.number_of_instances
        return count

    def current_count(self, index: str, target: str) -> int:
        """Instances (replicas) of ``target`` now, after the scale operations so far."""
        params = self.instance.get("additionalParams") or {}
        additional = params.get("additional_params") or params.get("additionalParamsForNs") or {}
        scaled = (additional.get("scale") or {}).get(index) or {}
        value = scaled.get(target)
        return int(value) if isinstance(value, int) else self.initial_count(index, target)


def _delta(member: Member, aspect: ScalingAspect) -> tuple[str, int, int, int | None]:
    """Target, step, min and max of an aspect's first delta (VDU or OSM KDU resource)."""
    deltas = aspect.aspect_delta_details.deltas if aspect.aspect_delta_details else ()
    for delta in deltas:
        for vdu in delta.vdu_delta:
            profile = member.df.vdu_profile_by_id(vdu.id)
            low = (profile.min_number_of_instances if profile else None) or 0
            high = profile.max_number_of_instances if profile else None
            return vdu.id, vdu.number_of_instances or 1, low, high
        for kdu in delta.kdu_resource_delta:
            resource = next((r for r in member.df.kdu_resource_profile if r.id == kdu.id), None)
            if resource is None:
                break
            low = resource.min_number_of_instances or 0
            return (
                resource.kdu_name,
                kdu.number_of_instances or 1,
                low,
                resource.max_number_of_instances,
            )
    raise NotFound(
        f"scaling aspect {aspect.id!r} of {member.vnfd.id} names no vdu-delta or kdu-resource-delta"
    )


def _flavour(vnfd: Vnfd, flavour_id: str | None) -> VnfDf:
    df = vnfd.df_by_id(flavour_id) if flavour_id else None
    df = df or (vnfd.df[0] if vnfd.df else None)
    if df is None:
        raise NotFound(f"VNFD {vnfd.id} has no deployment flavour")
    return df


def load_service(client: Sol005Client, ns_id: str) -> Service:
    """The NS instance ``ns_id`` and its descriptors, read through SOL005."""
    instance = client.ns_instance(ns_id)
    nsd_model = parse_descriptor(client.nsd_yaml(str(instance["nsdInfoId"])), "NSD").model
    assert isinstance(nsd_model, Nsd)
    params = instance.get("additionalParams") or {}
    flavour_id = params.get("ns_flavour_id")
    ns_df = next((d for d in nsd_model.df if d.id == flavour_id), None) or (
        nsd_model.df[0] if nsd_model.df else None
    )
    members: dict[str, Member] = {}
    texts: dict[str, str] = {}
    for profile in ns_df.vnf_profile if ns_df else ():
        if profile.vnfd_id not in texts:
            texts[profile.vnfd_id] = client.vnfd_yaml(profile.vnfd_id)
        vnfd = parse_descriptor(texts[profile.vnfd_id], f"VNFD {profile.vnfd_id}").model
        assert isinstance(vnfd, Vnfd)
        members[profile.id] = Member(profile, vnfd, _flavour(vnfd, profile.flavour_id))
    return Service(instance, nsd_model, members, texts)

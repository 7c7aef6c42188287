"""Catalogue rows -> SOL005 resource representations (NsdInfo, VnfPkgInfo, NST info), with
OSM's members beside them (``_admin``, descriptor labels; under ``/osm`` the descriptor's
``id`` and ``name``, see :mod:`locus_iac.nbi.osm.prefix`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import AliasChoices, BaseModel
from pydantic import ValidationError as PydanticValidationError
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from locus_iac.catalogue import OnboardingState, OperationalState, PackageKind, UsageState
from locus_iac.catalogue.models import PackageRow
from locus_iac.lcm import requests as rq
from locus_iac.nbi import schemas_packages as sp
from locus_iac.nbi.filters import Listing
from locus_iac.nbi.osm.records import admin


@dataclass(frozen=True)
class View:
    """One package with what its representation needs besides the row."""

    row: PackageRow
    in_use: bool
    references: list[str]
    root: str  # absolute base URL of the API, no trailing slash
    osm: bool = False  # asked under /osm: OSM's meaning of id and name


@dataclass(frozen=True)
class KindApi:
    """Paths and models of one package area (Annex B.1, B.2, B.3)."""

    kind: PackageKind
    base: str
    collection: str
    content: str
    descriptor: str
    one_shot: str
    tag: str
    info: type[sp.PackageInfo]
    modifications: type[sp.PackageModifications]
    render: Callable[[View, KindApi], BaseModel]
    shows_references: bool = False  # vnfPkgIds, nsdInfoIds: the packages it references

    def self_path(self, package_id: str) -> str:
        return f"{self.base}/{self.collection}/{package_id}"


def _operational(view: View) -> OperationalState:
    """SOL005: DISABLED until the content is onboarded, then as the operator set it."""
    if not _onboarded(view):
        return OperationalState.DISABLED
    return OperationalState(view.row.operational_state)


def _common(view: View) -> dict[str, object]:
    row = view.row
    osm = view.osm and row.descriptor_id is not None  # OSM: the descriptor's id and name
    state = OnboardingState(row.onboarding_state)
    return {
        "id": row.descriptor_id if osm else row.id,
        "_id": row.id,
        "name": (row.descriptor_name or row.name) if osm else row.name,
        "description": row.description,
        "userDefinedData": dict(row.user_defined_data),
        "version": row.descriptor_version,
        "onboardingFailureDetails": row.onboarding_failure,
        "_admin": admin(
            row.project_id,
            row.created_at,
            row.updated_at,
            _operational(view).value,
            type=row.kind,
            onboardingState=state.value,
            usageState=_usage(view).value,
            userDefinedData=dict(row.user_defined_data),
        ),
    }


def _onboarded(view: View) -> bool:
    return view.row.onboarding_state == OnboardingState.ONBOARDED


def _usage(view: View) -> UsageState:
    return UsageState.IN_USE if view.in_use else UsageState.NOT_IN_USE


def render_nsd(view: View, api: KindApi) -> sp.NsdInfo:
    row, me = view.row, view.root + api.self_path(view.row.id)
    done = _onboarded(view)
    return sp.NsdInfo.model_validate(
        {
            **_common(view),
            "nsdId": row.descriptor_id,
            "nsdName": row.descriptor_name,
            "nsdVersion": row.descriptor_version,
            "nsdDesigner": row.provider,
            "nsdInvariantId": row.descriptor_id,
            "vnfPkgIds": view.references if done else None,
            "nsdOnboardingState": OnboardingState(row.onboarding_state),
            "nsdOperationalState": _operational(view),
            "nsdUsageState": _usage(view),
            "designer": row.provider,
            "_links": {"self": {"href": me}, "nsd_content": {"href": f"{me}/{api.content}"}},
        }
    )


def render_vnf(view: View, api: KindApi) -> sp.VnfPkgInfo:
    row, me = view.row, view.root + api.self_path(view.row.id)
    checksum = {"algorithm": "SHA-256", "hash": row.content_sha256} if row.content_sha256 else None
    images = {i["imagePath"] for i in row.software_images or () if "imagePath" in i}
    return sp.VnfPkgInfo.model_validate(
        {
            **_common(view),
            "vnfdId": row.descriptor_id,
            "vnfProvider": row.provider,
            "vnfProductName": row.descriptor_name,
            "product-name": row.descriptor_name,
            "provider": row.provider,
            "vnfdVersion": row.descriptor_version,
            "vnfSoftwareVersion": row.software_version,
            "checksum": checksum,
            "softwareImages": _software_images(row),
            "additionalArtifacts": [
                {
                    "artifactPath": a["path"],
                    "checksum": {"algorithm": "SHA-256", "hash": a["sha256"]},
                    "isEncrypted": bool(a.get("encrypted", False)),
                }
                for a in row.artifacts
                if a["path"] not in images
            ]
            if row.artifacts
            else None,
            "onboardingState": OnboardingState(row.onboarding_state),
            "operationalState": _operational(view),
            "usageState": _usage(view),
            "_links": {
                "self": {"href": me},
                "vnfd": {"href": f"{me}/{api.descriptor}"},
                "packageContent": {"href": f"{me}/{api.content}"},
            },
        }
    )


def _software_images(row: PackageRow) -> list[dict[str, object]] | None:
    """SOL005 softwareImages (stored at onboarding); ``createdAt`` is the onboarding time."""
    if row.onboarding_state != OnboardingState.ONBOARDED or row.software_images is None:
        return None
    stamp = row.updated_at.isoformat().replace("+00:00", "Z")
    return [{**image, "createdAt": stamp} for image in row.software_images]


def render_nst(view: View, api: KindApi) -> sp.NstInfo:
    row, me = view.row, view.root + api.self_path(view.row.id)
    return sp.NstInfo.model_validate(
        {
            **_common(view),
            "nstId": row.descriptor_id,
            "nstName": row.descriptor_name,
            "nstVersion": row.descriptor_version,
            "nstDesigner": row.provider,
            "designer": row.provider,
            "nsdInfoIds": view.references if _onboarded(view) else None,
            "onboardingState": OnboardingState(row.onboarding_state),
            "operationalState": _operational(view),
            "usageState": _usage(view),
            "_links": {
                "self": {"href": me},
                "nst": {"href": f"{me}/{api.descriptor}"},
                "nst_content": {"href": f"{me}/{api.content}"},
            },
        }
    )


def render_pnfd(view: View, api: KindApi) -> sp.PnfdInfo:
    row, me = view.row, view.root + api.self_path(view.row.id)
    return sp.PnfdInfo.model_validate(
        {
            **_common(view),
            "pnfdId": row.descriptor_id,
            "pnfdName": row.descriptor_name,
            "pnfdersion": row.descriptor_version,
            "pnfdProvider": row.provider,
            "pnfdInvariantId": row.descriptor_id,
            "pnfdOnboardingState": OnboardingState(row.onboarding_state),
            "pnfdUsageState": _usage(view),
            "_links": {"self": {"href": me}, "pnfd_content": {"href": f"{me}/{api.content}"}},
        }
    )


NSD_API = KindApi(
    PackageKind.NSD,
    "/nsd/v1",
    "ns_descriptors",
    "nsd_content",
    "nsd",
    "ns_descriptors_content",
    "NSD management",
    sp.NsdInfo,
    sp.NsdModifications,
    render_nsd,
    shows_references=True,
)
VNF_API = KindApi(
    PackageKind.VNFD,
    "/vnfpkgm/v1",
    "vnf_packages",
    "package_content",
    "vnfd",
    "vnf_packages_content",
    "VNF package management",
    sp.VnfPkgInfo,
    sp.VnfPkgModifications,
    render_vnf,
)
NST_API = KindApi(
    PackageKind.NST,
    "/nst/v1",
    "netslice_templates",
    "nst_content",
    "nst",
    "netslice_templates_content",
    "Netslice templates",
    sp.NstInfo,
    sp.NstModifications,
    render_nst,
    shows_references=True,
)
PNFD_API = KindApi(
    PackageKind.PNFD,
    "/nsd/v1",
    "pnf_descriptors",
    "pnfd_content",
    "pnfd",
    "pnf_descriptors_content",
    "NSD management",
    sp.PnfdInfo,
    sp.PnfdModifications,
    render_pnfd,
)
KIND_APIS = (NSD_API, VNF_API, NST_API, PNFD_API)

#: SOL005 v3.7.1 clauses 5.4.2.3.2 and 9.4.2.3.2: left out of lists unless asked for
_UDD = ("userDefinedData",)
_NSD_DEFAULTS = (_UDD, ("onboardingFailureDetails",))
_VNF_DEFAULTS = (
    ("softwareImages",),
    ("additionalArtifacts",),
    _UDD,
    ("checksum",),
    ("onboardingFailureDetails",),
)
LISTINGS = {
    PackageKind.NSD: Listing(sp.NsdInfo, True, _NSD_DEFAULTS, _NSD_DEFAULTS),
    PackageKind.VNFD: Listing(sp.VnfPkgInfo, True, _VNF_DEFAULTS, _VNF_DEFAULTS),
    PackageKind.NST: Listing(sp.NstInfo, True, _NSD_DEFAULTS, _NSD_DEFAULTS),  # as an NSD
    PackageKind.PNFD: Listing(sp.PnfdInfo, True, _NSD_DEFAULTS, _NSD_DEFAULTS),  # as an NSD
}


# -- NS LCM operation parameters -------------------------------------------------------------

_REQUESTS: dict[str, type[BaseModel]] = {
    "INSTANTIATE": rq.InstantiateNsRequest,
    "SCALE": rq.ScaleNsRequest,
    "ACTION": rq.ActionRequest,
    "HEAL": rq.HealNsRequest,
    "TERMINATE": rq.TerminateNsRequest,
}


def _sol005_name(name: str, info: FieldInfo) -> str:
    """A request field's SOL005 name: the first name it is accepted under."""
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        return first if isinstance(first, str) else name
    if isinstance(alias, str):
        return alias
    return info.alias or name


def _camel(value: Any) -> Any:
    if isinstance(value, BaseModel):
        out = {
            _sol005_name(name, info): _camel(getattr(value, name))
            for name, info in type(value).model_fields.items()
            if getattr(value, name) is not None
        }
        out.update({k: _camel(v) for k, v in (value.model_extra or {}).items()})
        return out
    if isinstance(value, dict):
        return {k: _camel(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_camel(v) for v in value]
    return to_jsonable_python(value)


def operation_params(operation: str, stored: dict[str, Any]) -> dict[str, Any]:
    """An occurrence's ``operationParams`` in SOL005's camelCase form of the request that
    started it (they are stored under the request model's field names); as stored when no
    request model of that operation reads them."""
    model = _REQUESTS.get(operation)
    if model is None:
        return stored
    try:
        request = model.model_validate(stored)
    except PydanticValidationError:
        return stored
    converted: dict[str, Any] = _camel(request)
    return converted

"""Bodies of package management: SOL005 v3.7.1 clause 5.5 (NSD) and 9.5 (VNF package).

Response models follow the SOL005 names (``NsdInfo``, ``VnfPkgInfo``); netslice templates
(an OSM extension) use the same shape with ``nst`` names. OSM's members sit beside them for
OSM's client: ``_id`` (the package id), ``_admin`` and the descriptor's labels
(``product-name``, ``provider``, ``designer``, ``version``); under ``/osm`` ``id`` is the
descriptor's id and ``name`` its name, as in OSM (:mod:`locus_iac.nbi.osm.prefix`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from locus_iac.catalogue import OnboardingState, OperationalState, UsageState
from locus_iac.nbi.osm.records import OsmAdmin

Text = Annotated[str, Field(max_length=255)]


class CreatePackageRequest(BaseModel):
    """SOL005 CreateNsdInfoRequest / CreateVnfPkgInfoRequest, plus Annex B name, description."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    description: Annotated[str, Field(max_length=4096)] | None = None
    user_defined_data: dict[str, Any] | None = Field(default=None, alias="userDefinedData")


class PackageModifications(BaseModel):
    """SOL005 NsdInfoModifications / VnfPkgInfoModifications (PATCH body and answer)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    operational_state: OperationalState | None = Field(default=None)
    user_defined_data: dict[str, Any] | None = Field(default=None, alias="userDefinedData")


class NsdModifications(PackageModifications):
    operational_state: OperationalState | None = Field(default=None, alias="nsdOperationalState")


class VnfPkgModifications(PackageModifications):
    operational_state: OperationalState | None = Field(default=None, alias="operationalState")


class NstModifications(PackageModifications):
    operational_state: OperationalState | None = Field(default=None, alias="operationalState")


class PnfdModifications(PackageModifications):
    """SOL005 clause 6.5.2.4 PnfdInfoModifications: userDefinedData only (a PNFD has no
    operational state)."""

    operational_state: None = Field(default=None, alias="_noOperationalState", exclude=True)


class Link(BaseModel):
    href: str


class ProblemDetails(BaseModel):
    """SOL013 clause 6.3 ProblemDetails (``errors``: this server's issue list extension)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


class PackageInfo(BaseModel):
    """Members common to every package info resource (id, names, userDefinedData)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: str
    object_id: str = Field(alias="_id")
    name: str | None = None
    description: str | None = None
    user_defined_data: dict[str, Any] | None = Field(
        default=None,
        alias="userDefinedData",
        description="absent from lists unless asked for (SOL013 all_fields/fields)",
    )
    onboarding_failure_details: ProblemDetails | None = Field(
        default=None, alias="onboardingFailureDetails"
    )
    admin: OsmAdmin | None = Field(default=None, alias="_admin", description="OSM")
    version: str | None = Field(default=None, description="OSM: the descriptor's version")


class NsdLinks(BaseModel):
    self: Link
    nsd_content: Link


class NsdInfo(PackageInfo):
    """SOL005 clause 5.5.2.2 NsdInfo."""

    nsd_id: str | None = Field(default=None, alias="nsdId")
    nsd_name: str | None = Field(default=None, alias="nsdName")
    nsd_version: str | None = Field(default=None, alias="nsdVersion")
    nsd_designer: str | None = Field(default=None, alias="nsdDesigner")
    nsd_invariant_id: str | None = Field(default=None, alias="nsdInvariantId")
    vnf_pkg_ids: list[str] | None = Field(default=None, alias="vnfPkgIds")
    nsd_onboarding_state: OnboardingState = Field(alias="nsdOnboardingState")
    nsd_operational_state: OperationalState = Field(alias="nsdOperationalState")
    nsd_usage_state: UsageState = Field(alias="nsdUsageState")
    links: NsdLinks = Field(alias="_links")
    designer: str | None = Field(default=None, description="OSM: the NSD's designer")


class Checksum(BaseModel):
    algorithm: str
    hash: str


class PackageArtifact(BaseModel):
    """SOL005 clause 9.5.3.3 VnfPackageArtifactInfo."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    artifact_path: str = Field(alias="artifactPath")
    checksum: Checksum
    is_encrypted: bool = Field(default=False, alias="isEncrypted")
    metadata: dict[str, Any] | None = None


class SoftwareImageInfo(BaseModel):
    """SOL005 clause 9.5.3.2 VnfPackageSoftwareImageInfo (from the VNFD's ``sw-image-desc``,
    see :func:`locus_iac.catalogue.inspection._software_images`; sizes in bytes)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: str
    name: str
    provider: str | None = None
    version: str | None = None
    checksum: Checksum | None = None
    is_encrypted: bool = Field(default=False, alias="isEncrypted")
    container_format: str | None = Field(default=None, alias="containerFormat")
    disk_format: str | None = Field(default=None, alias="diskFormat")
    created_at: str | None = Field(default=None, alias="createdAt")
    min_disk: int | None = Field(default=None, alias="minDisk")
    min_ram: int | None = Field(default=None, alias="minRam")
    size: int | None = None
    image_path: str | None = Field(default=None, alias="imagePath")
    image_uri: str | None = Field(default=None, alias="imageUri")


class VnfPkgLinks(BaseModel):
    self: Link
    vnfd: Link
    package_content: Link = Field(alias="packageContent")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class VnfPkgInfo(PackageInfo):
    """SOL005 clause 9.5.2.5 VnfPkgInfo."""

    vnfd_id: str | None = Field(default=None, alias="vnfdId")
    vnf_provider: str | None = Field(default=None, alias="vnfProvider")
    vnf_product_name: str | None = Field(default=None, alias="vnfProductName")
    vnf_software_version: str | None = Field(default=None, alias="vnfSoftwareVersion")
    vnfd_version: str | None = Field(default=None, alias="vnfdVersion")
    checksum: Checksum | None = None
    software_images: list[SoftwareImageInfo] | None = Field(default=None, alias="softwareImages")
    additional_artifacts: list[PackageArtifact] | None = Field(
        default=None, alias="additionalArtifacts"
    )
    onboarding_state: OnboardingState = Field(alias="onboardingState")
    operational_state: OperationalState = Field(alias="operationalState")
    usage_state: UsageState = Field(alias="usageState")
    links: VnfPkgLinks = Field(alias="_links")
    product_name: str | None = Field(
        default=None, alias="product-name", description="OSM: the VNFD's product-name"
    )
    provider: str | None = Field(default=None, description="OSM: the VNFD's provider")


class NstLinks(BaseModel):
    self: Link
    nst: Link
    nst_content: Link


class NstInfo(PackageInfo):
    """A netslice template resource (OSM ``/nst/v1``), shaped like SOL005 NsdInfo."""

    nst_id: str | None = Field(default=None, alias="nstId")
    nst_name: str | None = Field(default=None, alias="nstName")
    nst_version: str | None = Field(default=None, alias="nstVersion")
    nst_designer: str | None = Field(default=None, alias="nstDesigner")
    nsd_info_ids: list[str] | None = Field(default=None, alias="nsdInfoIds")
    onboarding_state: OnboardingState = Field(alias="onboardingState")
    operational_state: OperationalState = Field(alias="operationalState")
    usage_state: UsageState = Field(alias="usageState")
    links: NstLinks = Field(alias="_links")
    designer: str | None = Field(default=None, description="OSM: the NST's designer")


class PnfdLinks(BaseModel):
    self: Link
    pnfd_content: Link


class PnfdInfo(PackageInfo):
    """SOL005 clause 6.5.2.2 PnfdInfo (no operational state in SOL005; ``pnfdUsageState``
    is IN_USE while an onboarded NSD names the PNFD in its ``pnfd-id``)."""

    pnfd_id: str | None = Field(default=None, alias="pnfdId")
    pnfd_name: str | None = Field(default=None, alias="pnfdName")
    pnfd_version: str | None = Field(default=None, alias="pnfdersion")
    pnfd_provider: str | None = Field(default=None, alias="pnfdProvider")
    pnfd_invariant_id: str | None = Field(default=None, alias="pnfdInvariantId")
    pnfd_onboarding_state: OnboardingState = Field(alias="pnfdOnboardingState")
    pnfd_usage_state: UsageState = Field(alias="pnfdUsageState")
    links: PnfdLinks = Field(alias="_links")


class ObjectId(BaseModel):
    id: str
    warnings: list[dict[str, str]] = Field(
        default_factory=list, description="What OSM tolerates in the upload, as errors are shaped"
    )

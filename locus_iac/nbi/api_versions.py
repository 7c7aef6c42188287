"""``GET /{apiName}/api_versions`` and ``GET /{apiName}/v1/api_versions`` for every API the
NBI serves (ETSI GS NFV-SOL013 clause 9: ``ApiVersionInformation``).

Every API is served in one version of major version 1 (the URIs' ``v1``). The version
information is public, as SOL013 allows: a client reads it before it has a token. Other
methods answer ``405`` with ``Allow: GET``.
"""

from __future__ import annotations

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from locus_iac.nbi.routing import PrefixRouter

#: the APIs served under ``/{name}/v1`` (SOL005 and OSM's netslice and admin APIs)
APIS = ("nsd", "vnfpkgm", "nslcm", "nsilcm", "nst", "admin")
#: the version of each (SOL013 clause 4.6.1): the major version is the URIs' v1
API_VERSION = "1.0.0"


class ApiVersion(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    version: str
    is_deprecated: bool = Field(alias="isDeprecated")


class ApiVersionInformation(BaseModel):
    """SOL013 clause 9.3.2: the URI prefix of an API and the versions served under it."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    uri_prefix: str = Field(alias="uriPrefix")
    api_versions: list[ApiVersion] = Field(alias="apiVersions")


router = PrefixRouter(tags=["API versions"])


def _information(request: Request, name: str) -> ApiVersionInformation:
    root = str(request.base_url).rstrip("/")
    return ApiVersionInformation(
        uri_prefix=f"{root}/{name}/v1",
        api_versions=[ApiVersion(version=API_VERSION, is_deprecated=False)],
    )


def _add(name: str) -> None:
    def api_versions(request: Request) -> ApiVersionInformation:
        return _information(request, name)

    for path, suffix in ((f"/{name}/api_versions", ""), (f"/{name}/v1/api_versions", "_v1")):
        router.add_api_route(
            path,
            api_versions,
            methods=["GET"],
            response_model=ApiVersionInformation,
            operation_id=f"{name}_api_versions{suffix}",
            summary=f"Versions of the {name} API",
        )


for _name in APIS:
    _add(_name)

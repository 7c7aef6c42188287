"""Reading inside onboarded packages: manifest, artifacts (SOL005 v3.7.1).

* ``GET .../{id}/manifest`` (clauses 5.4.4b NSD, 6.4.4b PNFD, 9.4.4b VNF package): the
  SOL004/SOL007 manifest as ``text/plain`` without its signature; with the flag
  ``include_signatures`` the manifest whole, in a zip with the package certificate. 404 when
  the package has none (a bare descriptor, an OSM tar.gz), 409 before onboarding.
* ``GET /vnfpkgm/v1/vnf_packages/{id}/artifacts`` (clause 9.4.5a): a zip of the artifacts,
  filtered by ``exclude_all_mano_artifacts``, ``exclude_all_non_mano_artifacts`` and
  ``select_non_mano_artifact_sets``; ``include_external_artifacts`` is accepted and changes
  nothing (no package here has external artifacts: ``ext_artifacts_access`` is not offered).
* ``GET .../{id}/artifacts/{artifactPath}`` (clauses 5.4.4a, 9.4.7): one file of the package,
  or with ``include_signatures`` a zip of it and its signature and certificate. The path is
  checked before use (:func:`locus_iac.packages.contents.artifact_key`: 400 for ``..``,
  absolute or backslashed paths); it only ever names a member of the package read in memory.

Every byte answer takes a single ``Range`` (:mod:`locus_iac.nbi.content`).
"""

from __future__ import annotations

import mimetypes
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from locus_iac import catalogue as cat
from locus_iac.errors import RetryableError
from locus_iac.nbi.content import RANGE_RESPONSES, problem_responses, ranged, stored_package
from locus_iac.nbi.context import CallerDep, ServicesDep
from locus_iac.nbi.fetch import ClientCredentials, FetchPolicy, check_address, fetch_package
from locus_iac.nbi.problems import problem_body
from locus_iac.nbi.representations import NSD_API, NST_API, PNFD_API, VNF_API, KindApi
from locus_iac.nbi.routing import PrefixRouter
from locus_iac.nbi.uploads import preferred
from locus_iac.nbi.workers import upload_pool
from locus_iac.packages import contents

Ref = Annotated[str, Path(min_length=1, max_length=64)]
Flag = Annotated[
    str | None,
    Query(description="a flag without value: include signatures and certificates (zip)"),
]
SIGNATURES = "include_signatures"
ZIP = "application/zip"


def _flag(request: Request, name: str) -> bool:
    return name in request.query_params


def _op(api: KindApi, action: str) -> str:
    return f"{api.kind.value}_{action}"


def build(api: KindApi, *, artifacts_archive: bool = False) -> APIRouter:
    """The content routes of one package area (``artifacts_archive``: VNF packages only)."""
    router = PrefixRouter(prefix=api.base, tags=[api.tag])
    item = f"/{api.collection}/{{package_id}}"
    _manifest_route(router, api, item)
    _artifact_route(router, api, item)
    if artifacts_archive:
        _archive_route(router, api, item)
    return router


def _manifest_route(router: APIRouter, api: KindApi, item: str) -> None:
    @router.get(
        f"{item}/manifest",
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {}, ZIP: {}}},
            **problem_responses(404, 406, 409),
        },
        operation_id=_op(api, "fetch_manifest"),
    )
    def fetch_manifest(
        package_id: Ref,
        request: Request,
        who: CallerDep,
        svc: ServicesDep,
        include_signatures: Flag = None,
    ) -> Response:
        """The package's manifest (text/plain), or with its certificate in a zip."""
        signed = _flag(request, SIGNATURES)
        preferred(request.headers.get("accept"), (ZIP,) if signed else ("text/plain",))
        with svc.db.session(readonly=True) as session:
            row = cat.get_package(session, who.project_id, api.kind, package_id)
            package = stored_package(session, row)
        copy = contents.manifest_copy(package, include_signatures=signed)
        return Response(content=copy.data, media_type=copy.media_type)


def _artifact_route(router: APIRouter, api: KindApi, item: str) -> None:
    @router.get(
        f"{item}/artifacts/{{artifact_path:path}}",
        response_class=Response,
        responses={
            200: {"content": {"application/octet-stream": {}, ZIP: {}}},
            **RANGE_RESPONSES,
            **problem_responses(404, 406, 409, 422),
        },
        operation_id=_op(api, "fetch_artifact"),
    )
    def fetch_artifact(
        package_id: Ref,
        artifact_path: str,
        request: Request,
        who: CallerDep,
        svc: ServicesDep,
        include_signatures: Flag = None,
    ) -> Response:
        """One artifact of the package (its own media type), or a zip with its signatures."""
        contents.artifact_key(artifact_path)  # 400 before anything is read
        with svc.db.session(readonly=True) as session:
            row = cat.get_package(session, who.project_id, api.kind, package_id)
            package = stored_package(session, row)
        if _flag(request, SIGNATURES):
            preferred(request.headers.get("accept"), (ZIP,))
            return ranged(request, contents.artifact_with_signatures(package, artifact_path), ZIP)
        data = contents.artifact(package, artifact_path)
        media = mimetypes.guess_type(artifact_path)[0] or "application/octet-stream"
        accept = request.headers.get("accept")
        if accept and not _accepts_any(accept, media):
            preferred(accept, (media,))
        return ranged(request, data, media)


def _accepts_any(accept: str, media: str) -> bool:
    """Artifacts are served as what they are: ``*/*`` or ``application/octet-stream`` fit."""
    wanted = {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}
    return bool(wanted & {"*/*", "application/octet-stream", media, media.split("/")[0] + "/*"})


def _archive_route(router: APIRouter, api: KindApi, item: str) -> None:
    @router.get(
        f"{item}/artifacts",
        response_class=Response,
        responses={
            200: {"content": {ZIP: {}}},
            **RANGE_RESPONSES,
            **problem_responses(404, 406, 409, 422),
        },
        operation_id=_op(api, "fetch_artifacts"),
    )
    def fetch_artifacts(
        package_id: Ref,
        request: Request,
        who: CallerDep,
        svc: ServicesDep,
        include_signatures: Flag = None,
        exclude_all_mano_artifacts: Flag = None,
        exclude_all_non_mano_artifacts: Flag = None,
        select_non_mano_artifact_sets: Annotated[
            str | None, Query(description="comma-separated names of non-MANO artifact sets")
        ] = None,
        include_external_artifacts: Flag = None,
    ) -> Response:
        """A zip of the package's artifacts, in the package's folder structure."""
        preferred(request.headers.get("accept"), (ZIP,))
        sets = (
            [s.strip() for s in select_non_mano_artifact_sets.split(",") if s.strip()]
            if select_non_mano_artifact_sets is not None
            else None
        )
        with svc.db.session(readonly=True) as session:
            row = cat.get_package(session, who.project_id, api.kind, package_id)
            package = stored_package(session, row)
        paths = contents.artifact_paths(
            package,
            mano=not _flag(request, "exclude_all_mano_artifacts"),
            non_mano=not _flag(request, "exclude_all_non_mano_artifacts"),
            sets=sets,
        )
        archive = contents.artifacts_archive(
            package, paths, include_signatures=_flag(request, SIGNATURES)
        )
        return ranged(request, archive, ZIP)


class OAuth2ClientCredentials(BaseModel):
    """SOL005 clause 9.5.2.4 UploadVnfPackageFromUriRequest.paramsOauth2ClientCredentials."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    client_id: Annotated[str, Field(min_length=1, max_length=1024, alias="clientId")]
    client_password: Annotated[SecretStr, Field(alias="clientPassword")]
    token_endpoint: Annotated[str, Field(min_length=1, max_length=2048, alias="tokenEndpoint")]


class UploadFromUriRequest(BaseModel):
    """SOL005 v3.7.1 clause 9.5.2.4 UploadVnfPackageFromUriRequest (and the v2 ``userName``/
    ``password`` for HTTP basic authentication)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    address_information: Annotated[
        str, Field(min_length=1, max_length=2048, alias="addressInformation")
    ]
    auth_type: Literal["OAUTH2_CLIENT_CREDENTIALS"] | None = Field(default=None, alias="authType")
    params_oauth2: OAuth2ClientCredentials | None = Field(
        default=None, alias="paramsOauth2ClientCredentials"
    )
    user_name: Annotated[str, Field(max_length=255)] | None = Field(default=None, alias="userName")
    password: SecretStr | None = None

    @model_validator(mode="after")
    def _oauth_needs_params(self) -> UploadFromUriRequest:
        if (self.auth_type is None) != (self.params_oauth2 is None):
            raise ValueError("authType OAUTH2_CLIENT_CREDENTIALS and its params go together")
        return self


def _grant(body: UploadFromUriRequest) -> ClientCredentials | None:
    params = body.params_oauth2
    if params is None:
        return None
    secret = params.client_password.get_secret_value()
    return ClientCredentials(params.client_id, secret, params.token_endpoint)


def _basic(body: UploadFromUriRequest) -> tuple[str, str] | None:
    if body.user_name is None:
        return None
    return body.user_name, body.password.get_secret_value() if body.password else ""


def upload_from_uri_route(router: APIRouter, api: KindApi) -> None:
    """POST ``.../{id}/package_content/upload_from_uri``: 202, then fetch and onboard."""

    @router.post(
        f"/{api.collection}/{{package_id}}/{api.content}/upload_from_uri",
        status_code=status.HTTP_202_ACCEPTED,
        response_class=Response,
        responses={
            202: {"description": "Accepted: the package is being fetched"},
            **problem_responses(404, 409, 422, 503),
        },
        operation_id=_op(api, "upload_from_uri"),
    )
    def upload_from_uri(
        package_id: Ref,
        body: UploadFromUriRequest,
        request: Request,
        who: CallerDep,
        svc: ServicesDep,
    ) -> Response:
        conf = svc.settings
        policy = FetchPolicy(conf.fetch_allow, conf.max_upload_bytes, conf.fetch_seconds)
        check_address(body.address_information, policy)  # refused now, not after the 202
        before = cat.claim_for_fetch(
            svc.db, project_id=who.project_id, kind=api.kind, package_id=package_id
        )  # 404, 409
        uri, grant, basic = body.address_information, _grant(body), _basic(body)
        job = partial(
            cat.upload_fetched,
            svc.db,
            svc.inspector,
            project_id=who.project_id,
            kind=api.kind,
            package_id=package_id,
            fetch=lambda: fetch_package(uri, policy, grant, basic),
            describe=problem_body,
        )
        try:
            upload_pool(request).submit(job, conf.upload_seconds + conf.fetch_seconds)
        except RetryableError:
            cat.release_claim(svc.db, package_id, before)
            raise
        return Response(status_code=status.HTTP_202_ACCEPTED)


def _vnf_router() -> APIRouter:
    router = build(VNF_API, artifacts_archive=True)
    upload_from_uri_route(router, VNF_API)
    return router


ROUTERS = [
    build(NSD_API),
    _vnf_router(),
    build(NST_API),
    build(PNFD_API),
]

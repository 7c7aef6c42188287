"""``/admin/v1``: tokens, users and projects (OSM NBI admin API).

Tokens: anyone with credentials may create one; each caller lists and revokes its own
(an administrator sees all). Users and projects are administrator-only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Path, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from locus_iac import catalogue as cat
from locus_iac.catalogue.models import ProjectRow, TokenRow, UserRow
from locus_iac.errors import AuthError, Forbidden
from locus_iac.nbi.context import AdminDep, CallerDep, ServicesDep
from locus_iac.nbi.osm.yaml_body import YamlBodyRoute
from locus_iac.nbi.routing import PrefixRouter
from locus_iac.nbi.schemas_admin import (
    ProjectIn,
    ProjectOut,
    TokenInfo,
    TokenRequest,
    UserIn,
    UserOut,
    UserPatch,
)
from locus_iac.nbi.throttle import login_throttle

router = PrefixRouter(prefix="/admin/v1", tags=["admin"], route_class=YamlBodyRoute)
Ref = Annotated[str, Path(min_length=1, max_length=255)]


def _token(found: tuple[TokenRow, UserRow, ProjectRow], secret: str | None = None) -> TokenInfo:
    row, user, project = found
    return TokenInfo.model_validate(
        {
            "id": secret,
            "_id": row.id,
            "expires": row.expires_at.timestamp(),
            "issued_at": row.issued_at.timestamp(),
            "project_id": project.id,
            "project_name": project.name,
            "username": user.username,
            "user_id": user.id,
            "admin": user.is_admin,
        }
    )


@router.post("/tokens", response_model=TokenInfo, response_model_exclude_none=True)
def create_token(body: TokenRequest, svc: ServicesDep, request: Request) -> TokenInfo:
    """Log in: a bearer token for ``project_id`` (name or id; default the user's first).

    Throttled per user name and per address (429 with ``Retry-After``, see ``nbi.throttle``).
    """
    lifetime = timedelta(seconds=svc.settings.token_ttl)
    throttle, address = login_throttle(request), request.client.host if request.client else None
    throttle.check(body.username, address)
    try:
        with svc.db.session() as session:
            issued = cat.issue_token(
                session, body.username, body.password, body.project_id, lifetime
            )
            found = cat.find_token(session, issued.caller.token_id, issued.caller)
            out = _token(found, issued.secret)
    except AuthError as exc:
        if not isinstance(exc, Forbidden):  # a right password for no project is no guess
            throttle.failed(body.username, address)
        raise
    throttle.succeeded(body.username)
    return out


@router.get("/tokens", response_model=list[TokenInfo], response_model_exclude_none=True)
def list_tokens(who: CallerDep, svc: ServicesDep) -> list[TokenInfo]:
    with svc.db.session(readonly=True) as session:
        return [_token(found) for found in cat.list_tokens(session, who)]


@router.delete("/tokens", status_code=status.HTTP_204_NO_CONTENT)
def revoke_current_token(who: CallerDep, svc: ServicesDep) -> Response:
    """Log out: revoke the token of this request."""
    with svc.db.session() as session:
        cat.revoke_token(session, who.token_id, who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tokens/{token_id}", response_model=TokenInfo, response_model_exclude_none=True)
def get_token(token_id: Ref, who: CallerDep, svc: ServicesDep) -> TokenInfo:
    with svc.db.session(readonly=True) as session:
        return _token(cat.find_token(session, token_id, who))


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: Ref, who: CallerDep, svc: ServicesDep) -> Response:
    with svc.db.session() as session:
        cat.revoke_token(session, token_id, who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _project(row: ProjectRow) -> ProjectOut:
    return ProjectOut.model_validate(
        {"id": row.id, "_id": row.id, "name": row.name, "created": row.created_at.timestamp()}
    )


@router.get("/projects", response_model=list[ProjectOut])
def list_projects(_: AdminDep, svc: ServicesDep) -> list[ProjectOut]:
    with svc.db.session(readonly=True) as session:
        return [_project(row) for row in cat.list_projects(session)]


@router.post("/projects", response_model=ProjectOut, status_code=status.HTTP_201_CREATED)
def create_project(
    body: ProjectIn, _: AdminDep, svc: ServicesDep, response: Response
) -> ProjectOut:
    with svc.db.session() as session:
        out = _project(cat.create_project(session, body.name))
    response.headers["Location"] = f"/admin/v1/projects/{out.id}"
    return out


@router.get("/projects/{project_id}", response_model=ProjectOut)
def get_project(project_id: Ref, _: AdminDep, svc: ServicesDep) -> ProjectOut:
    with svc.db.session(readonly=True) as session:
        return _project(cat.find_project(session, project_id))


@router.delete("/projects/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(project_id: Ref, _: AdminDep, svc: ServicesDep) -> Response:
    with svc.db.session() as session:
        cat.delete_project(session, project_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _user(row: UserRow, projects: list[str]) -> UserOut:
    return UserOut.model_validate(
        {
            "id": row.id,
            "_id": row.id,
            "username": row.username,
            "projects": projects,
            "admin": row.is_admin,
            "created": row.created_at.timestamp(),
        }
    )


@router.get("/users", response_model=list[UserOut])
def list_users(_: AdminDep, svc: ServicesDep) -> list[UserOut]:
    with svc.db.session(readonly=True) as session:
        return [
            _user(row, [p.name for p in cat.user_projects(session, row.id)])
            for row in cat.list_users(session)
        ]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
async def create_user(body: UserIn, _: AdminDep, svc: ServicesDep, response: Response) -> UserOut:
    def run() -> UserOut:
        with svc.db.session() as session:
            row = cat.create_user(
                session, body.username, body.password, body.projects, admin=body.admin
            )
            return _user(row, [p.name for p in cat.user_projects(session, row.id)])

    out = await run_in_threadpool(run)  # argon2 hashing is deliberately slow
    response.headers["Location"] = f"/admin/v1/users/{out.id}"
    return out


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: Ref, _: AdminDep, svc: ServicesDep) -> UserOut:
    with svc.db.session(readonly=True) as session:
        row = cat.find_user(session, user_id)
        return _user(row, [p.name for p in cat.user_projects(session, row.id)])


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: Ref, body: UserPatch, _: AdminDep, svc: ServicesDep) -> UserOut:
    """Change the password (revokes the user's tokens) and/or the project list."""
    with svc.db.session() as session:
        row = cat.update_user(session, user_id, password=body.password, projects=body.projects)
        return _user(row, [p.name for p in cat.user_projects(session, row.id)])


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(user_id: Ref, who: AdminDep, svc: ServicesDep) -> Response:
    with svc.db.session() as session:
        cat.delete_user(session, user_id, caller=who)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

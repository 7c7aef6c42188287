"""What every request handler needs: settings, the catalogue database, the secret box."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from locus_iac.catalogue import Caller, Database, Inspector, SecretBox, authenticate
from locus_iac.errors import AuthError
from locus_iac.nbi.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    box: SecretBox
    inspector: Inspector


def services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


_bearer = HTTPBearer(auto_error=False, description="a token from POST /admin/v1/tokens")


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The authenticated caller (``Authorization: Bearer <token>``), else 401."""
    if credentials is None or not credentials.credentials:
        raise AuthError("missing bearer token: get one with POST /admin/v1/tokens")
    with services(request).db.session(readonly=True) as session:
        return authenticate(session, credentials.credentials)


def admin_caller(who: Annotated[Caller, Depends(caller)]) -> Caller:
    who.require_admin()
    return who


ServicesDep = Annotated[Services, Depends(services)]
CallerDep = Annotated[Caller, Depends(caller)]
AdminDep = Annotated[Caller, Depends(admin_caller)]

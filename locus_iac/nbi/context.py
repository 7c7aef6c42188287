"""What every request handler needs: settings, the catalogue database, the secret box."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from locus_iac.catalogue import Caller, Database, Inspector, SecretBox
from locus_iac.errors import AuthError
from locus_iac.nbi.answer_cache import AnswerCache
from locus_iac.nbi.callers import CallerCache
from locus_iac.nbi.problems import HttpProblem
from locus_iac.nbi.settings import Settings
from locus_iac.nbi.ui.session import SESSION_COOKIE, check_csrf


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    box: SecretBox
    inspector: Inspector
    callers: CallerCache = field(default_factory=CallerCache)
    answers: AnswerCache = field(default_factory=AnswerCache)


async def services(request: Request) -> Services:
    """The app's services (``async``: a plain lookup, so FastAPI runs it on the event loop
    instead of sending it to a worker thread like the blocking dependencies)."""
    return _services_of(request)


def _services_of(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


_bearer = HTTPBearer(auto_error=False, description="a token from POST /admin/v1/tokens")


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The authenticated caller (``Authorization: Bearer <token>``, or the console's session
    cookie with its CSRF header on a state change: :mod:`locus_iac.nbi.ui.session`), else 401.
    An ``Authorization`` header that is not of the form ``Bearer <token>`` is a 400 (SOL013
    clause 8.1: a malformed request), a missing, unknown or expired token a 401.

    ``async``: a token resolved a moment ago is answered from :class:`CallerCache` on the
    event loop; only a miss asks the catalogue, on a worker thread.
    """
    _require_well_formed(request.headers.get("authorization"))
    if credentials is not None and credentials.credentials:
        token = credentials.credentials
    else:
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token:
            raise AuthError("missing bearer token: get one with POST /admin/v1/tokens")
        check_csrf(request, token)
    svc = _services_of(request)
    return await svc.callers.resolve(svc.db, token)


async def bearer_caller(request: Request) -> Caller:
    """:func:`caller` with its credentials read as its dependency reads them (the NBI's hot
    reads resolve their caller this way: :mod:`locus_iac.nbi.hot`)."""
    return await caller(request, await _bearer(request))


_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 clause 2.1, b64token


def _require_well_formed(header: str | None) -> None:
    if header is None:
        return
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not _TOKEN.fullmatch(token.strip()):
        raise HttpProblem(
            400,
            "Bad Request",
            "malformed Authorization header: expected 'Bearer <token>' "
            "(get a token with POST /admin/v1/tokens)",
        )


def admin_caller(who: Annotated[Caller, Depends(caller)]) -> Caller:
    who.require_admin()
    return who


ServicesDep = Annotated[Services, Depends(services)]
CallerDep = Annotated[Caller, Depends(caller)]
AdminDep = Annotated[Caller, Depends(admin_caller)]

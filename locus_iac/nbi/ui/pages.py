"""``/ui``: the console's log-in form, its page shell, the session it reads, log-out.

The shell (``/ui/``) is one static HTML page whose script (``/ui/static/console.js``)
draws the catalogue, sites and services from the API itself, so what a user sees and may do
is exactly what the API allows that user. Log-in goes through the API's own token handler
(:func:`locus_iac.nbi.routers.admin.create_token`: same checks, same throttle) and keeps the
token in the HttpOnly session cookie only (:mod:`locus_iac.nbi.ui.session`).
"""

from __future__ import annotations

import html
from importlib import resources
from string import Template
from typing import Annotated

from fastapi import Form, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from locus_iac import catalogue as cat
from locus_iac.errors import AuthError, LocusError, RetryableError
from locus_iac.nbi.context import CallerDep, ServicesDep
from locus_iac.nbi.routers.admin import create_token
from locus_iac.nbi.routing import PrefixRouter
from locus_iac.nbi.schemas_admin import TokenRequest
from locus_iac.nbi.ui import session as ses

router = PrefixRouter(prefix="/ui", tags=["console"], include_in_schema=False)

#: What a console page may load: only its own origin (no inline script, no framing).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _asset(name: str) -> str:
    return resources.files("locus_iac.nbi.ui").joinpath("static", name).read_text("utf-8")


def _page(body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status_code, headers=SECURITY_HEADERS)


def _login_page(request: Request, message: str = "", status_code: int = 200) -> HTMLResponse:
    nonce = ses.new_login_nonce()
    text = Template(_asset("login.html")).substitute(
        nonce=html.escape(nonce),
        message=html.escape(message),
        hidden="" if message else "hidden",
    )
    response = _page(text, status_code)
    ses.set_login_nonce(request, response, nonce)
    return response


def _signed_in(request: Request, svc: ServicesDep) -> bool:
    token = request.cookies.get(ses.SESSION_COOKIE)
    if not token:
        return False
    try:
        with svc.db.session(readonly=True) as session:
            cat.authenticate(session, token)
    except AuthError:
        return False
    return True


@router.get("", include_in_schema=False)
def ui_root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/")
def shell(request: Request, svc: ServicesDep) -> Response:
    """The console's single page; without a valid session, the log-in form."""
    if not _signed_in(request, svc):
        return RedirectResponse("/ui/login", status_code=status.HTTP_303_SEE_OTHER)
    return _page(_asset("index.html"))


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login")
def login(
    request: Request,
    svc: ServicesDep,
    username: Annotated[str, Form(max_length=255)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    project: Annotated[str, Form(max_length=255)] = "",
    nonce: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Check the credentials as ``POST /admin/v1/tokens`` does; keep the token in the cookie."""
    if not ses.login_nonce_ok(request, nonce):
        return _login_page(request, "The form expired: please log in again.", 403)
    try:
        body = TokenRequest(username=username, password=password, project_id=project or None)
        token = create_token(body, svc, request)
    except PydanticValidationError:
        return _login_page(request, "Enter a user name and a password.", 422)
    except RetryableError:
        return _login_page(request, "Too many failed log-ins: wait a little and retry.", 429)
    except LocusError as exc:
        message = str(exc) if isinstance(exc, AuthError) else "Log-in failed."
        return _login_page(request, message, 401)
    assert token.id is not None
    response = RedirectResponse("/ui/", status_code=status.HTTP_303_SEE_OTHER)
    ses.set_session(request, response, token.id, svc.settings.token_ttl)
    response.delete_cookie(ses.LOGIN_COOKIE, path="/ui")
    return response


class SessionInfo(BaseModel):
    username: str
    project_id: str
    project_name: str
    admin: bool
    expires: float
    csrf_token: str


@router.get("/session", response_model=SessionInfo)
def session_info(request: Request, who: CallerDep) -> SessionInfo:
    """Who is logged in, and the CSRF token the console sends with each state change."""
    token = request.cookies.get(ses.SESSION_COOKIE)
    if not token:
        raise AuthError("this is the console's session: log in at /ui/login")
    return SessionInfo(
        username=who.username,
        project_id=who.project_id,
        project_name=who.project_name,
        admin=who.admin,
        expires=who.expires.timestamp(),
        csrf_token=ses.csrf_token(token),
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, who: CallerDep, svc: ServicesDep) -> Response:
    """Revoke the session's token (CSRF-checked like every state change) and drop the cookie."""
    with svc.db.session() as session:
        cat.revoke_token(session, who.token_id, who)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    ses.clear_session(request, response)
    return response

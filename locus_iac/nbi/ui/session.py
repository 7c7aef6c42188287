"""The browser session of the operator console: one API token in an HttpOnly cookie.

Logging in through ``POST /ui/login`` issues an ordinary bearer token (the same
:func:`locus_iac.catalogue.issue_token` as ``POST /admin/v1/tokens``: same users, projects,
lifetime and log-in throttle) and hands it to the browser only as the cookie
:data:`SESSION_COOKIE` (``HttpOnly``: scripts cannot read it; ``SameSite=Strict``: other sites
cannot send it; ``Secure`` when served over HTTPS). Every API route accepts that cookie
instead of ``Authorization: Bearer`` (:func:`locus_iac.nbi.context.caller`), so the pages
see exactly what the API lets the user see.

A state-changing request (any method but GET, HEAD, OPTIONS) authenticated by the cookie
must also carry the header :data:`CSRF_HEADER` with :func:`csrf_token` of the session: a
keyed hash of the session token that the console reads from ``GET /ui/session`` (a
same-origin read another site cannot make). Without it the request is refused (403) before
the handler runs. Bearer-token requests are not affected: a browser never adds that header
on its own.

The log-in form itself carries a one-time value that must match the cookie
:data:`LOGIN_COOKIE` set with the form (double submit), so another site cannot log a
browser into an account of its choosing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from locus_iac.errors import Forbidden

SESSION_COOKIE = "locus_session"
LOGIN_COOKIE = "locus_login"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CSRF_CONTEXT = b"locus-ui-csrf-v1"


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: unguessable without the (HttpOnly) session token."""
    return hmac.new(session_token.encode(), _CSRF_CONTEXT, hashlib.sha256).hexdigest()


def check_csrf(request: Request, session_token: str) -> None:
    """Refuse a state-changing cookie-authenticated request without the right CSRF header."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or not hmac.compare_digest(sent, csrf_token(session_token)):
        raise Forbidden(
            f"a state-changing request with a session cookie needs the {CSRF_HEADER} header "
            "of that session (the console sends it; API clients use a bearer token)"
        )


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )


def new_login_nonce() -> str:
    """A fresh value for one log-in form (see :func:`set_login_nonce`)."""
    return secrets.token_urlsafe(24)


def set_login_nonce(request: Request, response: Response, nonce: str) -> None:
    """Keep the form's value in the HttpOnly cookie the submitted form must match."""
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def login_nonce_ok(request: Request, sent: str) -> bool:
    kept = request.cookies.get(LOGIN_COOKIE, "")
    return bool(kept) and bool(sent) and hmac.compare_digest(kept, sent)

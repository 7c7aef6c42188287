"""One mapping from the error tree to SOL013 ProblemDetails (``application/problem+json``).

ETSI GS NFV-SOL 013 clause 6.3 / IETF RFC 7807: ``status`` and ``detail`` always present,
``type`` and ``title`` too. Validation issues travel in the extension member ``errors``
(``[{"path": JSON pointer, "code", "message"}]``). A 500 never carries exception text: the
exception is logged with a reference id that the body repeats.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from locus_iac.errors import (
    AuthError,
    Conflict,
    Forbidden,
    Issue,
    LocusError,
    NotFound,
    PermanentError,
    RetryableError,
    UnsafeArchiveError,
    ValidationError,
    json_pointer,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

_STATUS: list[tuple[type[LocusError], int, str]] = [
    (UnsafeArchiveError, 422, "Unsafe package"),
    (ValidationError, 422, "Unprocessable Entity"),
    (NotFound, 404, "Not Found"),
    (Conflict, 409, "Conflict"),
    (Forbidden, 403, "Forbidden"),
    (AuthError, 401, "Unauthorized"),
    (RetryableError, 503, "Service Unavailable"),
    (PermanentError, 500, "Internal Server Error"),
]


class HttpProblem(LocusError):
    """A protocol-level problem with its own status (400, 406, 413, 415...)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.headers = headers
        self.extra = extra  # extension members of the problem (``errors``...)


def problem(
    status: int, title: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def error_response(exc: LocusError) -> JSONResponse:
    """The problem+json response for one domain error."""
    if isinstance(exc, HttpProblem):
        return problem(exc.status, exc.title, exc.message, headers=exc.headers, **exc.extra)
    status, title = 500, "Internal Server Error"
    for cls, code, name in _STATUS:
        if isinstance(exc, cls):
            status, title = code, name
            break
    if status == 500:
        return _internal(exc)
    extra: dict[str, Any] = {}
    headers: dict[str, str] | None = None
    if isinstance(exc, ValidationError):
        extra["errors"] = [issue.as_dict() for issue in exc.issues]
    if isinstance(exc, AuthError) and not isinstance(exc, Forbidden):
        headers = {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, RetryableError):
        headers = {"Retry-After": str(max(1, round(exc.delay)))}
    return problem(status, title, exc.message, headers=headers, **extra)


def problem_body(exc: BaseException) -> dict[str, Any]:
    """The ProblemDetails of ``exc`` as a mapping (kept on a resource, e.g. SOL005
    ``onboardingFailureDetails``); never the text of an unexpected exception."""
    response = error_response(exc) if isinstance(exc, LocusError) else _internal(exc)
    body = json.loads(bytes(response.body))
    assert isinstance(body, dict)
    return body


def _internal(exc: BaseException) -> JSONResponse:
    reference = str(uuid.uuid4())
    log.error("internal error %s", reference, exc_info=exc)
    return problem(
        500,
        "Internal Server Error",
        f"the server failed to handle the request; reference {reference} in its log",
    )


async def _locus(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LocusError)
    return error_response(exc)


async def _malformed(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues = [
        Issue(json_pointer(*err.get("loc", ())), str(err.get("type", "invalid")), str(err["msg"]))
        for err in exc.errors()
    ]
    detail = "; ".join(str(i) for i in issues[:5]) or "malformed request"
    # SOL013 clause 6.4: a body that is not even JSON is a Bad Request; well-formed data that
    # fails validation against the schema is Unprocessable Entity
    if any(i.code == "json_invalid" for i in issues):
        return problem(400, "Bad Request", detail, errors=[i.as_dict() for i in issues])
    return problem(422, "Unprocessable Entity", detail, errors=[i.as_dict() for i in issues])


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app fully matches at the request's path (``Allow``).
    Each method is tried through the routes' public ``matches``, so routers included in
    routers count as well."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    titles = {404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout"}
    title = titles.get(exc.status_code, "Error")
    return problem(exc.status_code, title, str(exc.detail), headers=headers)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    return _internal(exc)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(LocusError, _locus)
    app.add_exception_handler(RequestValidationError, _malformed)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)

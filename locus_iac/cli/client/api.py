"""HTTP access to the NBI and the cached login session.

Problem+json answers become the matching :mod:`locus_iac.errors` exception (with the
``errors`` issue list for a 422), so the CLI reports them like local validation errors.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from locus_iac.errors import (
    AuthError,
    Conflict,
    Forbidden,
    Issue,
    LocusError,
    NotFound,
    PermanentError,
    RetryableError,
    ValidationError,
)

SESSION_FILE = "session.json"


class Session(BaseModel):
    """What ``locus login`` caches: where the server is and the bearer token."""

    url: str
    token: str
    username: str
    project: str
    expires: float


def config_dir() -> Path:
    configured = os.environ.get("LOCUS_CONFIG_DIR")
    return Path(configured) if configured else Path.home() / ".config" / "locus"


def save_session(session: Session) -> Path:
    """Write the session file with mode 0600 (its folder 0700)."""
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / SESSION_FILE
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(session.model_dump_json())
    os.chmod(temp, 0o600)
    temp.replace(path)
    return path


def load_session() -> Session:
    path = config_dir() / SESSION_FILE
    try:
        return Session.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise AuthError("not logged in: run `locus login --url URL` first") from None
    except (PydanticValidationError, OSError) as exc:
        raise AuthError(f"{path} is unreadable ({type(exc).__name__}): log in again") from None


_ERRORS: dict[int, type[LocusError]] = {
    401: AuthError,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    503: RetryableError,
}


def error_from(response: httpx.Response) -> LocusError:
    """The domain error a problem+json (or any non-2xx) response stands for."""
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = {}
    detail = body.get("detail") if isinstance(body, dict) else None
    message = str(detail or response.reason_phrase or f"HTTP {response.status_code}")
    if response.status_code in (400, 406, 413, 415, 422):
        raw = body.get("errors", []) if isinstance(body, dict) else []
        issues = [
            Issue(str(i.get("path", "")), str(i.get("code", "")), str(i.get("message", "")))
            for i in raw
            if isinstance(i, dict)
        ]
        return ValidationError(f"{message} (HTTP {response.status_code})", issues)
    cls = _ERRORS.get(response.status_code, PermanentError)
    return cls(f"{message} (HTTP {response.status_code})")


class ApiClient:
    """A thin httpx client bound to one server and (optionally) one token."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    @classmethod
    def from_session(cls) -> ApiClient:
        session = load_session()
        return cls(session.url, session.token)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise RetryableError(f"cannot reach {self._http.base_url}: {exc}") from None
        if response.is_error:
            raise error_from(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else None

    def close(self) -> None:
        self._http.close()

"""HTTP to subscribers: the address policy, ``authentication`` and the two requests.

* Only hosts whose every address lies in ``LOCUS_NOTIFY_ALLOW`` are called (callback URIs
  and OAuth2 token endpoints alike), checked at subscription time and before each request,
  and the address actually connected to is checked again before the answer counts (a
  name that resolves differently the second time: the request has gone out by then, but
  its answer is neither a passed callback test, a delivery nor a token);
  redirects are not followed; response bodies are not read (the status is the answer).
  The policy itself is :mod:`locus_iac.outbound`, shared with ``upload_from_uri``.
* ``BASIC`` sends ``Authorization: Basic``; ``OAUTH2_CLIENT_CREDENTIALS`` fetches a token
  from the ``tokenEndpoint`` (:func:`locus_iac.outbound.fetch_token`), caches it until
  shortly before ``expires_in`` (an hour when the endpoint gives none) and fetches a new
  one after a 401.
* The callback test (SOL013, "testing the notification endpoint"): at subscription time
  ``GET callbackUri`` must answer ``204 No Content``.
* A notification is ``POST callbackUri`` with ``Content-Type: application/json``; any 2xx
  is delivered, anything else is retried.

No credential, token or response body is ever logged or put in an error message.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from locus_iac.errors import Issue, LocusError, RetryableError, ValidationError
from locus_iac.notifications.settings import NotifySettings
from locus_iac.outbound import (
    OutboundRefused,
    Resolver,
    fetch_token,
    judge,
    open_stream,
    resolve,
)

log = logging.getLogger(__name__)

_TOKEN_MARGIN = 30.0
_TOKEN_LIFETIME = 3600.0  # when the token endpoint gives no expires_in


def _oauth(auth: Mapping[str, Any] | None) -> bool:
    return bool(auth) and "OAUTH2_CLIENT_CREDENTIALS" in (auth or {}).get("authType", ())


class Refused(LocusError):
    """A call the policy or the subscriber refused (the message is safe to show)."""


@dataclass
class _Token:
    value: str
    expires: float


class CallbackClient:
    """Calls subscribers. ``resolver`` and ``clock`` are for tests."""

    def __init__(
        self,
        settings: NotifySettings,
        *,
        resolver: Resolver = resolve,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._resolve, self._clock = resolver, clock
        self._http = httpx.Client(timeout=settings.timeout, follow_redirects=False, trust_env=False)
        self._tokens: dict[tuple[str, str], _Token] = {}
        self._lock = threading.Lock()
        self.token_fetches = 0

    def close(self) -> None:
        self._http.close()

    # -- policy ----------------------------------------------------------------------------

    def check_address(self, url: str) -> httpx.URL:
        """The URL, unless an address of its host is not allowed (Refused)."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError):
            raise Refused("the address is not a URI") from None
        verdict = judge(parsed, self._settings.allow, self._resolve)
        if not verdict.resolved:
            raise Refused(f"host {verdict.host!r} does not resolve")
        if not verdict.allowed:
            raise Refused(
                f"host {verdict.host!r} ({verdict.listed}) is not an address the operator "
                "allows for notifications (LOCUS_NOTIFY_ALLOW)"
            )
        return parsed

    # -- authentication --------------------------------------------------------------------

    def _oauth_token(self, params: Mapping[str, Any], *, fresh: bool) -> str:
        key = (params["tokenEndpoint"], params["clientId"])
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and not fresh and cached.expires > self._clock():
                return cached.value
        url = self.check_address(params["tokenEndpoint"])
        self.token_fetches += 1
        try:
            token = fetch_token(
                self._http,
                url,
                params["clientId"],
                params["clientPassword"],
                self._settings.allow,
                resolver=self._resolve,
            )
        except OutboundRefused as exc:
            raise Refused(str(exc)) from None
        lifetime = _TOKEN_LIFETIME if token.lifetime is None else token.lifetime
        with self._lock:
            expiry = self._clock() + max(0.0, lifetime - _TOKEN_MARGIN)
            self._tokens[key] = _Token(token.value, expiry)
        return token.value

    def _headers(self, auth: Mapping[str, Any] | None, *, fresh: bool = False) -> dict[str, str]:
        if not auth:
            return {}
        if "OAUTH2_CLIENT_CREDENTIALS" in auth["authType"]:
            token = self._oauth_token(auth["paramsOauth2ClientCredentials"], fresh=fresh)
            return {"Authorization": f"Bearer {token}"}
        basic = auth["paramsBasic"]
        pair = f"{basic['userName']}:{basic['password']}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}

    def _call(self, method: str, url: str, headers: dict[str, str], body: Any) -> int:
        """The status of one request, if it reached an allowed address (body not read)."""
        try:
            with open_stream(
                self._http,
                method,
                httpx.URL(url),
                self._settings.allow,
                resolver=self._resolve,
                headers=headers,
                json=body,
            ) as answer:
                return answer.status_code
        except OutboundRefused as exc:
            raise Refused(
                f"{method} {url}: {exc} (the operator allows notifications to LOCUS_NOTIFY_ALLOW)"
            ) from None
        except httpx.HTTPError as exc:
            raise Refused(f"{method} {url} failed ({type(exc).__name__})") from exc

    def _send(self, method: str, url: str, auth: Mapping[str, Any] | None, body: Any = None) -> int:
        self.check_address(url)
        status = 0
        for fresh in (False, True):
            status = self._call(method, url, self._headers(auth, fresh=fresh), body)
            if not (status == 401 and _oauth(auth) and not fresh):
                break
        return status

    # -- the two requests ------------------------------------------------------------------

    def test(
        self, callback_uri: str, auth: Mapping[str, Any] | None, pointer: str = "/callbackUri"
    ) -> None:
        """The callback test at subscription time; ValidationError (422) at ``pointer`` when
        it fails."""
        try:
            status = self._send("GET", callback_uri, auth)
            if status != 204:
                raise Refused(
                    f"GET {callback_uri} answered {status}; the notification "
                    "endpoint must answer 204 No Content (SOL013)"
                )
        except Refused as exc:
            raise ValidationError(
                f"callback test failed: {exc}",
                [Issue(pointer, "callback-test-failed", str(exc))],
            ) from None

    def deliver(self, callback_uri: str, auth: Mapping[str, Any] | None, body: Any) -> None:
        """POST one notification; RetryableError when it was not accepted."""
        try:
            status = self._send("POST", callback_uri, auth, body)
        except Refused as exc:
            raise RetryableError(str(exc)) from None
        if not 200 <= status < 300:
            raise RetryableError(f"POST {callback_uri} answered {status}")

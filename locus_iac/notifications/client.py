"""HTTP to subscribers: the address policy, ``authentication`` and the two requests.

* Only hosts whose every address lies in ``LOCUS_NOTIFY_ALLOW`` are called (callback URIs
  and OAuth2 token endpoints alike), checked at subscription time and before each request;
  redirects are not followed.
* ``BASIC`` sends ``Authorization: Basic``; ``OAUTH2_CLIENT_CREDENTIALS`` fetches a token
  from the ``tokenEndpoint`` (RFC 6749 clause 4.4, client authenticated with HTTP Basic),
  caches it until shortly before ``expires_in`` and fetches a new one after a 401.
* The callback test (SOL013, "testing the notification endpoint"): at subscription time
  ``GET callbackUri`` must answer ``204 No Content``.
* A notification is ``POST callbackUri`` with ``Content-Type: application/json``; any 2xx
  is delivered, anything else is retried.

No credential, token or response body is ever logged or put in an error message.
"""

from __future__ import annotations

import base64
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from locus_iac.errors import Issue, LocusError, RetryableError, ValidationError
from locus_iac.notifications.settings import NotifySettings

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], list[str]]
_TOKEN_MARGIN = 30.0


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _oauth(auth: Mapping[str, Any] | None) -> bool:
    return bool(auth) and "OAUTH2_CLIENT_CREDENTIALS" in (auth or {}).get("authType", ())


class Refused(LocusError):
    """A call the policy or the subscriber refused (the message is safe to show)."""


@dataclass
class _Token:
    value: str
    expires: float


class CallbackClient:
    """Calls subscribers. ``transport`` and ``resolver`` are for tests."""

    def __init__(
        self,
        settings: NotifySettings,
        *,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver = resolve,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._resolve, self._clock = resolver, clock
        self._http = httpx.Client(
            transport=transport, timeout=settings.timeout, follow_redirects=False
        )
        self._tokens: dict[tuple[str, str], _Token] = {}
        self._lock = threading.Lock()
        self.token_fetches = 0

    def close(self) -> None:
        self._http.close()

    # -- policy ----------------------------------------------------------------------------

    def check_address(self, url: str) -> None:
        """Refused unless every address of the URL's host is allowed."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise Refused(f"host {host!r} does not resolve") from exc
        denied = [a for a in addresses if not self._settings.allows(a)]
        if not addresses or denied:
            raise Refused(
                f"host {host!r} ({', '.join(denied or addresses) or 'no address'}) is not an "
                "address the operator allows for notifications (LOCUS_NOTIFY_ALLOW)"
            )

    # -- authentication --------------------------------------------------------------------

    def _oauth_token(self, params: Mapping[str, Any], *, fresh: bool) -> str:
        key = (params["tokenEndpoint"], params["clientId"])
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and not fresh and cached.expires > self._clock():
                return cached.value
        self.check_address(params["tokenEndpoint"])
        try:
            answer = self._http.post(
                params["tokenEndpoint"],
                data={"grant_type": "client_credentials"},
                auth=(params["clientId"], params["clientPassword"]),
            )
        except httpx.HTTPError as exc:
            raise Refused(f"token endpoint unreachable ({type(exc).__name__})") from exc
        self.token_fetches += 1
        if answer.status_code != 200:
            raise Refused(f"token endpoint answered {answer.status_code}")
        try:
            document = answer.json()
            token = str(document["access_token"])
            lifetime = float(document.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as exc:
            raise Refused("token endpoint answered without an access_token") from exc
        with self._lock:
            expiry = self._clock() + max(0.0, lifetime - _TOKEN_MARGIN)
            self._tokens[key] = _Token(token, expiry)
        return token

    def _headers(self, auth: Mapping[str, Any] | None, *, fresh: bool = False) -> dict[str, str]:
        if not auth:
            return {}
        if "OAUTH2_CLIENT_CREDENTIALS" in auth["authType"]:
            token = self._oauth_token(auth["paramsOauth2ClientCredentials"], fresh=fresh)
            return {"Authorization": f"Bearer {token}"}
        basic = auth["paramsBasic"]
        pair = f"{basic['userName']}:{basic['password']}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}

    def _send(
        self, method: str, url: str, auth: Mapping[str, Any] | None, body: Any = None
    ) -> httpx.Response:
        self.check_address(url)
        for fresh in (False, True):
            headers = self._headers(auth, fresh=fresh)
            try:
                answer = self._http.request(method, url, headers=headers, json=body)
            except httpx.HTTPError as exc:
                raise Refused(f"{method} {url} failed ({type(exc).__name__})") from exc
            if not (answer.status_code == 401 and _oauth(auth) and not fresh):
                return answer
        return answer  # pragma: no cover - the loop returns

    # -- the two requests ------------------------------------------------------------------

    def test(
        self, callback_uri: str, auth: Mapping[str, Any] | None, pointer: str = "/callbackUri"
    ) -> None:
        """The callback test at subscription time; ValidationError (422) at ``pointer`` when
        it fails."""
        try:
            answer = self._send("GET", callback_uri, auth)
            if answer.status_code != 204:
                raise Refused(
                    f"GET {callback_uri} answered {answer.status_code}; the notification "
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
            answer = self._send("POST", callback_uri, auth, body)
        except Refused as exc:
            raise RetryableError(str(exc)) from None
        if not 200 <= answer.status_code < 300:
            raise RetryableError(f"POST {callback_uri} answered {answer.status_code}")

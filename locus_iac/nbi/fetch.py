"""Fetching a VNF package for ``upload_from_uri`` (SOL005 v3.7.1 clause 9.4.6), safely.

The NFVO downloads from an address a client names, so the server must not become a way to
reach what the client could not reach itself. Rules:

* only ``http``/``https``, and only hosts whose every address lies in the operator's allow
  list (``LOCUS_FETCH_ALLOW``, IP addresses or networks; empty by default: nothing is
  fetched); the address actually connected to is checked again before the body is read
  (a name that resolves differently the second time is caught there);
* redirects are followed by hand, at most :data:`MAX_REDIRECTS`, each target checked like
  the first; credentials are only sent to the origin the client named;
* the body is counted while it streams: over ``limit`` bytes (the upload limit) the download
  stops; the whole download has a wall-time limit (``LOCUS_FETCH_SECONDS``); no proxy or
  ``.netrc`` from the environment is used;
* the bytes then go through exactly the checks of a normal upload (media type sniffing,
  :class:`~locus_iac.packages.limits.PackageLimits`, the read budget, validation).

Every failure is a :class:`~locus_iac.errors.ValidationError` whose issue points at the
request member it concerns (``/addressInformation``, ``/paramsOauth2ClientCredentials``).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from locus_iac.errors import Issue, ValidationError
from locus_iac.nbi.uploads import sniffed_type
from locus_iac.outbound import (
    Network,
    OutboundRefused,
    fetch_token,
    judge,
    open_stream,
    read_limited,
)

MAX_REDIRECTS = 5
ADDRESS = "/addressInformation"
OAUTH = "/paramsOauth2ClientCredentials"


@dataclass(frozen=True)
class FetchPolicy:
    allow: Sequence[Network]
    limit: int
    seconds: float


@dataclass(frozen=True)
class ClientCredentials:
    """OAuth 2.0 client credentials grant (RFC 6749 clause 4.4) at ``token_endpoint``."""

    client_id: str
    client_password: str
    token_endpoint: str


def _refuse(pointer: str, code: str, message: str) -> ValidationError:
    return ValidationError(f"cannot fetch the package: {message}", [Issue(pointer, code, message)])


def check_address(uri: str, policy: FetchPolicy, pointer: str = ADDRESS) -> httpx.URL:
    """The URL, if the operator allows fetching from every address its host resolves to."""
    try:
        url = httpx.URL(uri)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise _refuse(pointer, "invalid-uri", "the address is not a URI") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise _refuse(pointer, "unsupported-uri", "only http:// and https:// URIs are fetched")
    if not policy.allow:
        raise _refuse(
            pointer,
            "address-not-allowed",
            "this server fetches from no address (the operator sets LOCUS_FETCH_ALLOW)",
        )
    verdict = judge(url, policy.allow)
    if not verdict.resolved:
        raise _refuse(pointer, "unresolvable-host", f"{url.host!r} does not resolve")
    if not verdict.allowed:
        raise _refuse(
            pointer,
            "address-not-allowed",
            f"{url.host} ({verdict.listed}) is not an address this server may fetch from",
        )
    return url


def _shown(url: httpx.URL) -> str:
    """The URL without user information or query (they may carry credentials)."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def _read(response: httpx.Response, policy: FetchPolicy, deadline: float) -> bytes:
    try:
        return read_limited(response, policy.limit, deadline)
    except OutboundRefused as exc:
        if exc.code == "too-large":
            message = f"the package is over {policy.limit} bytes"
            raise _refuse(ADDRESS, "too-large", message) from None
        message = f"the download took over {policy.seconds:g} s"
        raise _refuse(ADDRESS, "fetch-timeout", message) from None


def _token(
    client: httpx.Client, grant: ClientCredentials, policy: FetchPolicy, deadline: float
) -> str:
    url = check_address(grant.token_endpoint, policy, OAUTH + "/tokenEndpoint")
    secret = grant.client_password
    try:
        token = fetch_token(client, url, grant.client_id, secret, policy.allow, deadline=deadline)
    except OutboundRefused as exc:
        raise _refuse(OAUTH, exc.code, str(exc)) from None
    return token.value


def fetch_package(
    uri: str,
    policy: FetchPolicy,
    grant: ClientCredentials | None = None,
    basic: tuple[str, str] | None = None,
) -> tuple[bytes, str]:
    """The bytes at ``uri`` and their sniffed media type, under ``policy``."""
    deadline = time.monotonic() + policy.seconds
    url = check_address(uri, policy)
    origin = (url.scheme, url.host, url.port)
    timeout = httpx.Timeout(min(policy.seconds, 30.0))
    with httpx.Client(follow_redirects=False, trust_env=False, timeout=timeout) as client:
        headers: dict[str, str] = {}
        if grant is not None:
            headers["Authorization"] = f"Bearer {_token(client, grant, policy, deadline)}"
        elif basic is not None:
            token = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        for _hop in range(MAX_REDIRECTS + 1):
            send = {"Accept-Encoding": "identity"}
            if (url.scheme, url.host, url.port) == origin:
                send.update(headers)  # credentials only for the origin the client named
            try:
                with open_stream(client, "GET", url, policy.allow, headers=send) as response:
                    if response.is_redirect:
                        target = response.headers.get("location", "")
                        url = check_address(str(url.join(target)), policy)
                        continue
                    if response.headers.get("content-encoding", "identity") != "identity":
                        message = "the server sent a content-encoded body (identity asked)"
                        raise _refuse(ADDRESS, "fetch-failed", message)
                    if response.status_code != 200:
                        message = f"{_shown(url)} answered {response.status_code}"
                        raise _refuse(ADDRESS, "fetch-failed", message)
                    data = _read(response, policy, deadline)
            except OutboundRefused as exc:
                raise _refuse(ADDRESS, exc.code, str(exc)) from None
            except httpx.HTTPError as exc:
                message = f"{type(exc).__name__} while fetching {url.host}"
                raise _refuse(ADDRESS, "fetch-failed", message) from None
            if not data:
                raise _refuse(ADDRESS, "empty", "the address served no bytes")
            return data, sniffed_type("application/octet-stream", data)
    raise _refuse(ADDRESS, "too-many-redirects", f"more than {MAX_REDIRECTS} redirects")

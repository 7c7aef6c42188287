"""The smart functions' client of the MANO: the SOL005 API of ``locus serve``, nothing else.

Reads NS instances, their operation occurrences and descriptors, and issues scale and heal
requests (ETSI GS NFV-SOL005 v3.7.1 clauses 5 and 6). Answers that are not 2xx become the
matching :mod:`locus_iac.errors` exception, here, once; an expired token is renewed once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from locus_iac.errors import (
    AuthError,
    Conflict,
    LocusError,
    NotFound,
    PermanentError,
    RetryableError,
    ValidationError,
)

_ERRORS: dict[int, type[LocusError]] = {
    401: AuthError,
    403: AuthError,
    404: NotFound,
    409: Conflict,
    422: ValidationError,
    400: ValidationError,
    503: RetryableError,
}


@dataclass(frozen=True)
class Credentials:
    """A bearer token, or a user and password to get one (``POST /admin/v1/tokens``)."""

    username: str | None = None
    password: str | None = None
    token: str | None = None


def _error(response: httpx.Response) -> LocusError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail = body.get("detail") if isinstance(body, dict) else None
    message = f"{response.request.method} {response.request.url.path}: " + str(
        detail or response.reason_phrase or "error"
    )
    cls = _ERRORS.get(response.status_code, PermanentError)
    if cls is ValidationError:
        return ValidationError(f"{message} (HTTP {response.status_code})", [])
    return cls(f"{message} (HTTP {response.status_code})")


class Sol005Client:
    """HTTP access to one NBI; ``transport`` lets tests pass a double of the NBI."""

    def __init__(
        self,
        url: str,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._credentials = credentials
        self._token = credentials.token
        self._http = httpx.Client(base_url=url.rstrip("/"), transport=transport, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def _login(self) -> str:
        creds = self._credentials
        if not (creds.username and creds.password):
            raise AuthError("no NBI token and no user/password to get one")
        body = {"username": creds.username, "password": creds.password}
        token = str(self._send("POST", "/admin/v1/tokens", json=body, auth=False).json()["id"])
        self._token = token
        return token

    def _send(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> httpx.Response:
        for attempt in (1, 2):
            headers = dict(kwargs.pop("headers", {}) or {})
            if auth:
                headers["Authorization"] = f"Bearer {self._token or self._login()}"
            try:
                response = self._http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                raise RetryableError(
                    f"cannot reach the NBI at {self._http.base_url}: {exc}"
                ) from None
            if response.status_code == 401 and auth and attempt == 1 and self._credentials.password:
                self._token = None  # expired or revoked: log in again, once
                continue
            if response.is_error:
                raise _error(response)
            return response
        raise AuthError("the NBI refused the renewed token")

    # -- reads ---------------------------------------------------------------------------

    def ns_instance(self, ns_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self._send("GET", f"/nslcm/v1/ns_instances/{ns_id}").json()
        return data

    def _pages(self, path: str, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list, following ``Link: rel="next"`` (SOL013 clause 5.4.2.1)."""
        following: str | None = path
        while following:
            response = self._send("GET", following, params=params)
            yield from response.json()
            link = response.links.get("next", {}).get("url")
            following, params = (str(link), None) if link else (None, None)

    def op_occurrences(self, ns_id: str) -> Iterator[dict[str, Any]]:
        """Every operation occurrence of ``ns_id``."""
        return self._pages("/nslcm/v1/ns_lcm_op_occs", {"nsInstanceId": ns_id})

    def op_occurrence(self, op_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self._send("GET", f"/nslcm/v1/ns_lcm_op_occs/{op_id}").json()
        return data

    def nsd_yaml(self, nsd_info_id: str) -> str:
        path = f"/nsd/v1/ns_descriptors/{nsd_info_id}/nsd"
        return self._send("GET", path, headers={"Accept": "text/plain"}).text

    def vnfd_yaml(self, vnfd_id: str) -> str:
        """The VNFD ``vnfd_id`` (the descriptor id) of the onboarded VNF packages."""
        for package in self._pages("/vnfpkgm/v1/vnf_packages"):
            if package.get("vnfdId") == vnfd_id:
                path = f"/vnfpkgm/v1/vnf_packages/{package['id']}/vnfd"
                return self._send("GET", path, headers={"Accept": "text/plain"}).text
        raise NotFound(f"no onboarded VNF package holds VNFD {vnfd_id!r}")

    # -- operations ----------------------------------------------------------------------

    def scale(self, ns_id: str, body: dict[str, Any]) -> str:
        """``POST .../scale``; the new occurrence's id."""
        answer = self._send("POST", f"/nslcm/v1/ns_instances/{ns_id}/scale", json=body).json()
        return str(answer["nsLcmOpOccId"])

    def heal(self, ns_id: str, body: dict[str, Any]) -> str:
        """``POST .../heal``; the new occurrence's id."""
        answer = self._send("POST", f"/nslcm/v1/ns_instances/{ns_id}/heal", json=body).json()
        return str(answer["nsLcmOpOccId"])

    def update(self, ns_id: str, body: dict[str, Any]) -> str:
        """``POST .../update`` (SOL005 UpdateNsRequest); the new occurrence's id."""
        answer = self._send("POST", f"/nslcm/v1/ns_instances/{ns_id}/update", json=body).json()
        return str(answer["nsLcmOpOccId"])

    def fail(self, op_id: str) -> None:
        """``POST .../ns_lcm_op_occs/{id}/fail``: give up a FAILED_TEMP occurrence."""
        self._send("POST", f"/nslcm/v1/ns_lcm_op_occs/{op_id}/fail")

    def site_names(self, knf: bool) -> list[str]:
        """The registered Kubernetes clusters (``knf``) or OpenStack VIM accounts, oldest
        first (OSM NBI ``/admin/v1/k8sclusters`` and ``/admin/v1/vim_accounts``)."""
        collection = "k8sclusters" if knf else "vim_accounts"
        rows = self._send("GET", f"/admin/v1/{collection}").json()
        return [str(row["name"]) for row in rows]

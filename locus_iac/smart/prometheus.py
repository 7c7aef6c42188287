"""The smart functions' client of Prometheus' HTTP API (``GET /api/v1/query``)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from locus_iac.errors import PermanentError, RetryableError, ValidationError


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


class PrometheusClient:
    """Instant queries; ``transport`` lets tests pass a double of Prometheus."""

    def __init__(
        self, url: str, *, transport: httpx.BaseTransport | None = None, timeout: float = 30.0
    ) -> None:
        self._http = httpx.Client(base_url=url.rstrip("/"), transport=transport, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def query(self, expr: str) -> list[Sample]:
        """The instant vector ``expr`` evaluates to now."""
        try:
            response = self._http.get("/api/v1/query", params={"query": expr})
        except httpx.TransportError as exc:
            raise RetryableError(
                f"cannot reach Prometheus at {self._http.base_url}: {exc}"
            ) from None
        try:
            body = response.json()
        except ValueError:
            raise PermanentError(
                f"Prometheus answered HTTP {response.status_code}, not JSON"
            ) from None
        if body.get("status") != "success":
            message = f"Prometheus refused the query: {body.get('error', response.reason_phrase)}"
            if response.status_code == 400:
                raise ValidationError(message, [])
            raise PermanentError(message)
        data = body.get("data", {})
        if data.get("resultType") != "vector":
            raise PermanentError(f"expected a vector, Prometheus gave {data.get('resultType')}")
        return [
            Sample({str(k): str(v) for k, v in item["metric"].items()}, float(item["value"][1]))
            for item in data.get("result", [])
        ]

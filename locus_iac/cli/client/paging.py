"""Client side of paged lists (ETSI GS NFV-SOL013 v3.4.1 clause 5.4.2.1): every command that
lists resources follows the ``Link: rel="next"`` headers to the last page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from locus_iac.cli.client.api import ApiClient


def fetch_all(
    client: ApiClient, path: str, params: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every item of a paged list, page after page until no ``rel="next"`` link is left."""
    items: list[dict[str, Any]] = []
    response = client.request("GET", path, params=dict(params or {}))
    while True:
        items += response.json()
        nxt = response.links.get("next", {}).get("url")
        if not nxt:
            return items
        response = client.request("GET", nxt)

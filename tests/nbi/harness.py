"""Helpers shared by the NBI tests (fixtures are in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "packages"
CONFORMANCE = REPO.parent / "shared" / "conformance"
PASSWORD = "admin-pw"
GZ = {"Content-Type": "application/gzip"}


@dataclass
class Api:
    """A TestClient that sends a bearer token."""

    client: TestClient
    headers: dict[str, str]

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


def login(client: TestClient, username: str = "admin", password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/admin/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['id']}"}

"""The placement extension of site registration (``role``, ``capacity``, ``used``, ``cost``,
``latency_ms`` on ``/admin/v1/k8sclusters`` and ``/admin/v1/vim_accounts``): stored as public
data, returned by GET without the credentials, refused with JSON pointers when wrong, and used
by the placement at instantiation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from locus_iac.lcm.placing import place_instance
from locus_iac.lcm.requests import InstantiateNsRequest

from .harness import GZ, Api

KUBECONFIG = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: s3cr3t-t0k}}]\n"
CAPACITY = {"vcpu": 8, "memory_gb": 16, "storage_gb": 100, "pods": 20}


def _k8s(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "credentials": KUBECONFIG, "namespace": "locus", **extra}


def _vim(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "vim_url": "https://keystone.example:5000/v3",
        "vim_tenant_name": "locus",
        "vim_user": "mano",
        "vim_password": "s3cr3t-pw",
        **extra,
    }


def _problem(response: httpx.Response, status: int) -> list[dict[str, str]]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors: list[dict[str, str]] = response.json()["errors"]
    return errors


def test_a_cluster_registers_what_placement_needs(api: Api) -> None:
    body = _k8s(
        "uma-edge",
        capacity=CAPACITY,
        used={"vcpu": 2, "pods": 4},
        cost={"vcpu": 0.05, "memory_gb": 0.01, "pod": 0.001},
        latency_ms={"ote-core": 12.5},
    )
    created = api.post("/admin/v1/k8sclusters", json=body)
    assert created.status_code == 201, created.text
    for response in (
        created,
        api.get(f"/admin/v1/k8sclusters/{created.json()['id']}"),
        api.get("/admin/v1/k8sclusters"),
    ):
        assert "s3cr3t-t0k" not in response.text and "credentials" not in response.text
    site = api.get("/admin/v1/k8sclusters/uma-edge").json()
    assert site["role"] == "edge"
    assert site["capacity"] == {"vcpu": 8.0, "memory_gb": 16.0, "storage_gb": 100.0, "pods": 20}
    assert site["used"] == {"vcpu": 2.0, "memory_gb": 0.0, "storage_gb": 0.0, "pods": 4}
    assert site["cost"] == {"vcpu": 0.05, "memory_gb": 0.01, "storage_gb": 0.0, "pod": 0.001}
    assert site["latency_ms"] == {"ote-core": 12.5}
    assert site["namespace"] == "locus"


def test_a_vim_account_registers_them_too_and_roles_default_by_kind(api: Api) -> None:
    plain = api.post("/admin/v1/k8sclusters", json=_k8s("plain-edge"))
    assert plain.status_code == 201, plain.text
    assert plain.json()["role"] == "edge" and plain.json()["capacity"] is None
    assert plain.json()["latency_ms"] == {}
    body = _vim(
        "ote-core",
        capacity={"vcpu": 64, "memory_gb": 256, "storage_gb": 2000},
        cost={"vcpu": 0.02},
        latency_ms={"plain-edge": 12.5},
    )
    created = api.post("/admin/v1/vim_accounts", json=body)
    assert created.status_code == 201, created.text
    assert "s3cr3t-pw" not in created.text and "vim_password" not in created.text
    listed = api.get("/admin/v1/vim_accounts")
    assert "s3cr3t-pw" not in listed.text
    (site,) = listed.json()
    assert site["role"] == "core" and site["capacity"]["vcpu"] == 64.0
    assert site["latency_ms"] == {"plain-edge": 12.5}
    edge_core = api.post("/admin/v1/k8sclusters", json=_k8s("k8s-core", role="core"))
    assert edge_core.json()["role"] == "core"


@pytest.mark.parametrize(
    ("extra", "path", "words"),
    [
        ({"capacity": {"vcpu": -1}}, "/body/capacity/vcpu", "greater than or equal to 0"),
        ({"capacity": {"gpu": 1}}, "/body/capacity/gpu", "Extra inputs"),
        ({"capacity": {"pods": 1.5}}, "/body/capacity/pods", "integer"),
        ({"cost": {"vcpu": "cheap"}}, "/body/cost/vcpu", "number"),
        ({"cost": {"pods": 1}}, "/body/cost/pods", "Extra inputs"),
        ({"used": {"vcpu": 1}}, "/body/used", "declare the site's capacity"),
        (
            {"capacity": {"vcpu": 2, "pods": 5}, "used": {"vcpu": 3, "pods": 9}},
            "/body/used",
            "vcpu 3 > capacity 2, pods 9 > capacity 5",
        ),
        ({"role": "far"}, "/body/role", "'core' or 'edge'"),
        ({"latency_ms": {"edge-b": -2}}, "/body/latency_ms/edge-b", "greater than or equal"),
        ({"latency_ms": {"edge-b": "near"}}, "/body/latency_ms/edge-b", "number"),
        ({"latency_ms": {"edge-x": 3}}, "/body/latency_ms", "names the site itself"),
    ],
)
def test_bad_values_are_refused_with_json_pointers(
    api: Api, extra: dict[str, Any], path: str, words: str
) -> None:
    for url, body in (
        ("/admin/v1/k8sclusters", _k8s("edge-x", **extra)),
        ("/admin/v1/vim_accounts", _vim("edge-x", **extra)),
    ):
        errors = _problem(api.post(url, json=body), 422)
        assert [e["path"] for e in errors] == [path], errors
        assert words in errors[0]["message"]
        assert api.get(url).json() == []  # nothing registered


def test_a_latency_the_other_site_states_otherwise_is_a_422(api: Api) -> None:
    first = api.post("/admin/v1/vim_accounts", json=_vim("ote-core", latency_ms={"uma": 12}))
    assert first.status_code == 201, first.text
    clash = api.post("/admin/v1/k8sclusters", json=_k8s("uma", latency_ms={"ote-core": 20}))
    errors = _problem(clash, 422)
    assert errors == [
        {
            "path": "/latency_ms/ote-core",
            "code": "latency-mismatch",
            "message": "vim_account 'ote-core' declares 12 ms to 'uma', this site 20 ms: "
            "latencies hold both ways; give the same value or none",
        }
    ]
    assert api.get("/admin/v1/k8sclusters").json() == []
    agreeing = api.post("/admin/v1/k8sclusters", json=_k8s("uma", latency_ms={"ote-core": 12}))
    assert agreeing.status_code == 201, agreeing.text


def test_registered_capacity_and_cost_drive_the_placement(
    api: Api, app: FastAPI, example_packages: dict[str, bytes]
) -> None:
    """Sites registered through the API, the exemplary edge NS onboarded through the API:
    the choice made at instantiation picks the cheaper cluster that still has room."""
    for name in ("edge_knf", "edge_ns"):
        path = "/nsd/v1/ns_descriptors_content" if name == "edge_ns" else ""
        path = path or "/vnfpkgm/v1/vnf_packages_content"
        onboarded = api.post(path, content=example_packages[name], headers=GZ)
        assert onboarded.status_code == 201, onboarded.text
    nsd_info_id = onboarded.json()["id"]
    full = {"pods": 20, "vcpu": 8, "memory_gb": 16}
    sites = [
        _k8s("edge-cheapest-full", capacity=CAPACITY, used=full, cost={"vcpu": 0.001}),
        _k8s("edge-pricey", capacity=CAPACITY, cost={"vcpu": 1.0, "pod": 0.1}),
        _k8s("edge-cheap", capacity=CAPACITY, cost={"vcpu": 0.1, "pod": 0.01}),
    ]
    for body in sites:
        created = api.post("/admin/v1/k8sclusters", json=body)
        assert created.status_code == 201, created.text
    project = created.json()["project_id"]
    with app.state.services.db.session(readonly=True) as session:
        choice = place_instance(
            session,
            project_id=project,
            nsd_info_id=nsd_info_id,
            request=InstantiateNsRequest(),
        )
    assert choice is not None and dict(choice.chosen) == {"1": "edge-cheap"}
    assert choice.summary().startswith("placement: 1 -> edge-cheap")

"""Netslice lifecycle through the API (seed Annex B.5): nested NS instances created in NST
order and joined on the netslice links, shared subnets reused, terminate in reverse order,
actions on one nested NS, failures retried, bad requests refused with nothing left behind.

The NS operations run in real worker processes with the file-controlled test runner of
tests/lcm/runners.py (no Pulumi engine); the netslice coordinator, the queue and the
database are the real ones. The example NST ``edge_nst`` joins two instances of the edge NSD.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lcm.runners import FILE_RUNNER

from locus_iac.infra import ns_namespace
from locus_iac.packages import archive_bytes, read_package

from .harness import EXAMPLES, GZ, Api, login

BASE = "/nsilcm/v1"
NS = "/nslcm/v1"
DEADLINE = 60.0
KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"


def _onboard(api: Api, *folders: str) -> None:
    routes = {
        "edge_knf": "/vnfpkgm/v1/vnf_packages_content",
        "cloud_vnf": "/vnfpkgm/v1/vnf_packages_content",
        "edge_ns": "/nsd/v1/ns_descriptors_content",
        "cloud_ns": "/nsd/v1/ns_descriptors_content",
        "edge_nst": "/nst/v1/netslice_templates_content",
        "locus_nst": "/nst/v1/netslice_templates_content",
    }
    for folder in folders:
        data = archive_bytes(read_package(EXAMPLES / folder))
        response = api.post(routes[folder], content=data, headers=GZ)
        assert response.status_code == 201, response.text


@pytest.fixture
def slice_api(lcm_api: Api) -> Api:
    """The edge packages and the edge NST onboarded; one Kubernetes cluster registered."""
    _onboard(lcm_api, "edge_knf", "edge_ns", "edge_nst")
    site = {"name": "edge", "credentials": KUBECONFIG, "namespace": "default"}
    registered = lcm_api.post("/admin/v1/k8sclusters", json=site)
    assert registered.status_code == 201, registered.text
    return lcm_api


def _create(api: Api, name: str = "s1", **extra: Any) -> tuple[str, str]:
    body = {"nstId": "edge_nst", "nsiName": name, "vimAccountId": "edge", **extra}
    response = api.post(f"{BASE}/netslice_instances_content", json=body)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert response.headers["Location"].endswith(
        f"{BASE}/nsi_lcm_op_occs/{accepted['nsiLcmOpOccId']}"
    )
    return str(accepted["id"]), str(accepted["nsiLcmOpOccId"])


def _wait(api: Api, op: str, state: str) -> dict[str, Any]:
    end = time.monotonic() + DEADLINE
    while True:
        body: dict[str, Any] = api.get(f"{BASE}/nsi_lcm_op_occs/{op}").json()
        if body["operationState"] == state:
            return body
        assert time.monotonic() < end, f"{op} never reached {state}: {body}"
        time.sleep(0.05)


def _nsi(api: Api, nsi: str) -> dict[str, Any]:
    response = api.get(f"{BASE}/netslice_instances/{nsi}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ns(api: Api, ns: str) -> dict[str, Any]:
    body: dict[str, Any] = api.get(f"{NS}/ns_instances/{ns}").json()
    return body


def _nested(api: Api, nsi: str) -> dict[str, str]:
    return {n["netsliceSubnetId"]: n["nsInstanceId"] for n in _nsi(api, nsi)["nestedNsInstances"]}


def _links(api: Api, ns: str) -> dict[str, Any]:
    params = _ns(api, ns)["additionalParams"]
    links: dict[str, Any] = params["additional_params"]["netslice_links"]
    return links


def test_instantiate_creates_nested_ns_in_order_joined_on_the_netslice_links(
    slice_api: Api,
) -> None:
    nsi, op = _create(slice_api)
    done = _wait(slice_api, op, "COMPLETED")
    assert [n["netsliceSubnetId"] for n in done["progress"]["nested"]] == [
        "collector",
        "analytics",
    ]
    assert all(n["operationState"] == "COMPLETED" for n in done["progress"]["nested"])
    body = _nsi(slice_api, nsi)
    assert body["nsiState"] == "INSTANTIATED"
    assert body["currentLcmOpOccId"] is None
    nested = _nested(slice_api, nsi)
    assert all(_ns(slice_api, ns)["nsState"] == "INSTANTIATED" for ns in nested.values())

    # the collector (first in NST order) creates every netslice link; the analytics NS
    # attaches to the collector's NADs in the collector's namespace
    owner, other = _links(slice_api, nested["collector"]), _links(slice_api, nested["analytics"])
    assert set(owner) == set(other) == {"external_net", "user_net", "cache_net"}
    for vl in owner:
        assert owner[vl]["attach"] == {}
        assert other[vl]["name"] == owner[vl]["name"]
        assert other[vl]["attach"] == {
            "edge": f"{ns_namespace(nested['collector'])}/{owner[vl]['name']}"
        }
    blocks = [owner[vl]["cidrs"]["edge"] for vl in owner]
    assert len(set(blocks)) == 3  # jointly allocated: disjoint

    # the analytics NS was instantiated only once the collector's instantiate had completed
    ops = {
        sub: slice_api.get(f"{NS}/ns_lcm_op_occs", params={"nsInstanceId": ns}).json()[0]
        for sub, ns in nested.items()
    }
    assert ops["analytics"]["startTime"] >= ops["collector"]["stateEnteredTime"]


def test_shared_subnet_is_reused_and_terminated_last(slice_api: Api) -> None:
    first, op1 = _create(slice_api, "s1")
    _wait(slice_api, op1, "COMPLETED")
    second, op2 = _create(slice_api, "s2")
    _wait(slice_api, op2, "COMPLETED")
    one, two = _nested(slice_api, first), _nested(slice_api, second)
    assert two["collector"] == one["collector"]  # is-shared-nss: the same NS instance
    assert two["analytics"] != one["analytics"]
    reused = {
        n["netsliceSubnetId"]: n["reused"] for n in _nsi(slice_api, second)["nestedNsInstances"]
    }
    assert reused == {"collector": True, "analytics": False}
    collector = _links(slice_api, one["collector"])
    for vl, link in _links(slice_api, two["analytics"]).items():  # joined on s1's networks
        assert link["attach"]["edge"] == f"{ns_namespace(one['collector'])}/{collector[vl]['name']}"

    # s1 terminates its own analytics NS and keeps the collector, which s2 still uses
    response = slice_api.post(f"{BASE}/netslice_instances/{first}/terminate", json={})
    assert response.status_code == 202, response.text
    done = _wait(slice_api, response.json()["nsiLcmOpOccId"], "COMPLETED")
    assert [n["netsliceSubnetId"] for n in done["progress"]["nested"]] == ["analytics"]
    assert done["progress"]["kept"] == ["collector"]
    assert _ns(slice_api, one["analytics"])["nsState"] == "NOT_INSTANTIATED"
    assert _ns(slice_api, one["collector"])["nsState"] == "INSTANTIATED"
    assert slice_api.delete(f"{BASE}/netslice_instances/{first}").status_code == 204
    assert slice_api.get(f"{NS}/ns_instances/{one['analytics']}").status_code == 404
    assert _ns(slice_api, one["collector"])["nsState"] == "INSTANTIATED"  # handed to s2

    # s2 terminates in reverse NST order: analytics first, then the shared collector
    response = slice_api.post(f"{BASE}/netslice_instances/{second}/terminate", json={})
    done = _wait(slice_api, response.json()["nsiLcmOpOccId"], "COMPLETED")
    assert [n["netsliceSubnetId"] for n in done["progress"]["nested"]] == [
        "analytics",
        "collector",
    ]
    assert _nsi(slice_api, second)["nsiState"] == "NOT_INSTANTIATED"
    assert slice_api.delete(f"{BASE}/netslice_instances/{second}").status_code == 204
    assert slice_api.get(f"{NS}/ns_instances").json() == []


def _gone(api: Api, path: str) -> None:
    end = time.monotonic() + DEADLINE
    while api.get(path).status_code != 404:
        assert time.monotonic() < end, f"{path} is still there"
        time.sleep(0.05)


def test_osm_delete_terminates_and_removes_keeping_a_shared_ns(slice_api: Api) -> None:
    """OSM's ``DELETE .../netslice_instances_content/{id}`` (autoremove): the netslice and
    its own nested NS go once terminated; the shared one stays with the other netslice."""
    first, op1 = _create(slice_api, "s1")
    _wait(slice_api, op1, "COMPLETED")
    second, op2 = _create(slice_api, "s2")
    _wait(slice_api, op2, "COMPLETED")
    one = _nested(slice_api, first)
    response = slice_api.delete(f"{BASE}/netslice_instances_content/{first}")
    assert response.status_code == 202, response.text
    op = response.json()["_id"]
    _gone(slice_api, f"{BASE}/netslice_instances/{first}")
    assert slice_api.get(f"{BASE}/nsi_lcm_op_occs/{op}").status_code == 404  # went with it
    assert slice_api.get(f"{NS}/ns_instances/{one['analytics']}").status_code == 404
    assert _ns(slice_api, one["collector"])["nsState"] == "INSTANTIATED"  # s2 still uses it
    assert _nsi(slice_api, second)["nsiState"] == "INSTANTIATED"


def test_without_autoremove_the_terminated_netslice_stays(slice_api: Api) -> None:
    nsi, op = _create(slice_api)
    _wait(slice_api, op, "COMPLETED")
    response = slice_api.delete(
        f"{BASE}/netslice_instances_content/{nsi}", params={"autoremove": "false"}
    )
    assert response.status_code == 202, response.text
    _wait(slice_api, response.json()["_id"], "COMPLETED")
    assert _nsi(slice_api, nsi)["nsiState"] == "NOT_INSTANTIATED"
    assert slice_api.delete(f"{BASE}/netslice_instances_content/{nsi}").status_code == 204


def test_failed_nested_instantiate_is_failed_temp_then_retried(
    slice_api: Api, runner_dir: Path
) -> None:
    (runner_dir / "fail").touch()
    nsi, op = _create(slice_api)
    failed = _wait(slice_api, op, "FAILED_TEMP")
    assert failed["error"]["title"] == "NestedOperationFailed"
    assert "collector" in failed["error"]["detail"]
    assert failed["error"]["status"] == 500
    assert set(failed["_links"]) >= {"retry", "fail"}
    # the netslice holds its lock while FAILED_TEMP
    busy = slice_api.post(f"{BASE}/netslice_instances/{nsi}/terminate", json={})
    assert busy.status_code == 409, busy.text
    assert op in busy.json()["detail"]

    (runner_dir / "fail").unlink()
    retried = slice_api.post(f"{BASE}/nsi_lcm_op_occs/{op}/retry")
    assert retried.status_code == 202, retried.text
    assert retried.json()["operationState"] == "PROCESSING"
    _wait(slice_api, op, "COMPLETED")
    assert _nsi(slice_api, nsi)["nsiState"] == "INSTANTIATED"
    assert slice_api.post(f"{BASE}/nsi_lcm_op_occs/{op}/retry").status_code == 409


def test_busy_and_state_conflicts(slice_api: Api, runner_dir: Path) -> None:
    (runner_dir / "block").touch()
    nsi, op = _create(slice_api)
    again = slice_api.post(f"{BASE}/netslice_instances/{nsi}/instantiate", json={})
    assert again.status_code == 409, again.text
    assert op in again.json()["detail"]
    (runner_dir / "block").unlink()
    _wait(slice_api, op, "COMPLETED")
    assert slice_api.delete(f"{BASE}/netslice_instances/{nsi}").status_code == 409
    collector = _nested(slice_api, nsi)["collector"]
    direct = slice_api.post(f"{NS}/ns_instances/{collector}/terminate", json={})
    assert direct.status_code == 409, direct.text
    assert nsi in direct.json()["detail"]
    assert slice_api.delete(f"{NS}/ns_instances/{collector}").status_code == 409


def test_action_is_checked_against_the_nested_vnfd(slice_api: Api) -> None:
    nsi, op = _create(slice_api)
    _wait(slice_api, op, "COMPLETED")
    unknown_subnet = slice_api.post(
        f"{BASE}/netslice_instances/{nsi}/action",
        json={"netsliceSubnetId": "nope", "primitive": "restart", "primitive_params": {}},
    )
    assert unknown_subnet.status_code == 422, unknown_subnet.text
    assert unknown_subnet.json()["errors"][0]["path"] == "/netsliceSubnetId"
    unknown_primitive = slice_api.post(
        f"{BASE}/netslice_instances/{nsi}/action",
        json={"netsliceSubnetId": "analytics", "primitive": "no-such", "primitive_params": {}},
    )
    assert unknown_primitive.status_code == 422, unknown_primitive.text
    assert unknown_primitive.json()["errors"][0]["path"] == "/primitive"
    listed = slice_api.get(f"{BASE}/nsi_lcm_op_occs", params={"netsliceInstanceId": nsi}).json()
    assert [o["lcmOperationType"] for o in listed] == ["INSTANTIATE"]  # nothing accepted


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"nstId": "no_such_nst", "nsiName": "x"}, "/nstId"),
        (
            {"nstId": "edge_nst", "nsiName": "x", "netslice-subnet": [{"id": "nope"}]},
            "/netslice-subnet/0/id",
        ),
        ({"nstId": "edge_nst", "nsiName": "x", "vimAccountId": "nowhere"}, "/vimAccountId"),
    ],
)
def test_bad_requests_leave_nothing(slice_api: Api, body: dict[str, Any], path: str) -> None:
    response = slice_api.post(f"{BASE}/netslice_instances_content", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert path in [e["path"] for e in response.json()["errors"]]
    assert slice_api.get(f"{BASE}/netslice_instances").json() == []
    assert slice_api.get(f"{NS}/ns_instances").json() == []


def test_exemplary_netslice_spans_core_and_edge(slice_api: Api) -> None:
    """The seed's composite service: the cloud NS at the OpenStack core, the edge NS at the
    Kubernetes edge, joined by cache_net: each end is its own nested NS's, with the block of
    the other end as its peer (routed over the sites' VPN stack)."""
    _onboard(slice_api, "cloud_vnf", "cloud_ns", "locus_nst")
    cloud = {
        "name": "core",
        "vim_type": "openstack",
        "vim_url": "https://127.0.0.1:5000/v3",
        "vim_user": "locus",
        "vim_password": "secret",
        "vim_tenant_name": "locus",
    }
    assert slice_api.post("/admin/v1/vim_accounts", json=cloud).status_code == 201
    body = {
        "nstId": "locus_nst",
        "nsiName": "exemplary",
        "netslice-subnet": [
            {"id": "cloud_nss", "vimAccountId": "core"},
            {"id": "edge_nss", "vimAccountId": "edge"},
        ],
    }
    response = slice_api.post(f"{BASE}/netslice_instances_content", json=body)
    assert response.status_code == 202, response.text
    _wait(slice_api, response.json()["nsiLcmOpOccId"], "COMPLETED")
    nested = _nested(slice_api, response.json()["id"])
    cloud_links, edge_links = (
        _links(slice_api, nested["cloud_nss"]),
        _links(slice_api, nested["edge_nss"]),
    )
    assert cloud_links["cache_net"] == edge_links["cache_net"]
    assert set(cloud_links["cache_net"]["cidrs"]) == {"core", "edge"}
    assert cloud_links["cache_net"]["attach"] == {}
    assert "user_net" in edge_links and "user_net" not in cloud_links


def test_a_server_crash_mid_netslice_is_recovered_and_retried(
    settings: Any, runner_dir: Path, app: FastAPI
) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, login(client))
        _onboard(api, "edge_knf", "edge_ns", "edge_nst")
        site = {"name": "edge", "credentials": KUBECONFIG, "namespace": "default"}
        assert api.post("/admin/v1/k8sclusters", json=site).status_code == 201
        (runner_dir / "block").touch()
        nsi, op = _create(api)
        end = time.monotonic() + DEADLINE
        while not list(runner_dir.glob("*.pid")):  # the collector's worker is running
            assert time.monotonic() < end
            time.sleep(0.05)
    # the server stopped with the nested operation in flight: it is FAILED_TEMP now
    (runner_dir / "block").unlink()
    from locus_iac.nbi import create_app

    restarted = create_app(settings, runner=FILE_RUNNER)
    try:
        with TestClient(restarted, raise_server_exceptions=False) as client:
            api = Api(client, login(client))
            failed = _wait(api, op, "FAILED_TEMP")
            assert "collector" in failed["error"]["detail"]
            assert api.post(f"{BASE}/nsi_lcm_op_occs/{op}/retry").status_code == 202
            _wait(api, op, "COMPLETED")
            assert _nsi(api, nsi)["nsiState"] == "INSTANTIATED"
    finally:
        restarted.state.services.db.dispose()


def test_nested_ns_go_where_the_optimiser_puts_them(lcm_api: Api) -> None:
    """No site named: with capacity and cost declared, each nested NS goes to the cheapest
    cluster with room, and its netslice links are bound at that site."""
    _onboard(lcm_api, "edge_knf", "edge_ns", "edge_nst")
    capacity = {"vcpu": 16, "memory_gb": 32, "storage_gb": 100, "pods": 50}
    for name, price in (("edge-pricey", 1.0), ("edge-cheap", 0.01)):
        site = {
            "name": name,
            "credentials": KUBECONFIG,
            "capacity": capacity,
            "cost": {"vcpu": price, "pod": price},
        }
        assert lcm_api.post("/admin/v1/k8sclusters", json=site).status_code == 201
    response = lcm_api.post(
        f"{BASE}/netslice_instances_content", json={"nstId": "edge_nst", "nsiName": "placed"}
    )
    assert response.status_code == 202, response.text
    _wait(lcm_api, response.json()["nsiLcmOpOccId"], "COMPLETED")
    for ns in _nested(lcm_api, response.json()["id"]).values():
        params = _ns(lcm_api, ns)["additionalParams"]["additional_params"]
        assert params["placement"] == {"1": "edge-cheap"}
        assert all(
            set(link["cidrs"]) == {"edge-cheap"} for link in params["netslice_links"].values()
        )


def test_terminate_options_reach_every_nested_ns(slice_api: Api) -> None:
    nsi, op = _create(slice_api)
    _wait(slice_api, op, "COMPLETED")
    response = slice_api.post(
        f"{BASE}/netslice_instances/{nsi}/terminate", json={"skip_terminate_primitives": True}
    )
    assert response.status_code == 202, response.text
    done = _wait(slice_api, response.json()["nsiLcmOpOccId"], "COMPLETED")
    for nested in done["progress"]["nested"]:
        occ = slice_api.get(f"{NS}/ns_lcm_op_occs/{nested['nsLcmOpOccId']}").json()
        assert occ["lcmOperationType"] == "TERMINATE"
        assert occ["operationParams"]["skip_terminate_primitives"] is True

"""The console's own data routes over HTTP: an operation's server-sent events, an
instance's topology, a site's reachability; all confined to the caller's project."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any

import httpx

from locus_iac.packages import archive_bytes, read_package

from .conftest import REPO, bearer

EXAMPLES = REPO / "examples" / "packages"


def onboard(url: str, headers: dict[str, str]) -> None:
    for path, name in (
        ("/vnfpkgm/v1/vnf_packages_content", "edge_knf"),
        ("/nsd/v1/ns_descriptors_content", "edge_ns"),
    ):
        data = archive_bytes(read_package(EXAMPLES / name))
        sent = httpx.post(
            f"{url}{path}", content=data, headers={**headers, "Content-Type": "application/gzip"}
        )
        assert sent.status_code == 201, sent.text


def kubeconfig(server: str) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "clusters": [{"name": "c", "cluster": {"server": server}}],
            "users": [{"name": "u", "user": {"token": "secret-token-value"}}],
            "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "x",
        }
    )


def register(url: str, headers: dict[str, str], server: str, name: str = "edge") -> str:
    site = {"name": name, "credentials": kubeconfig(server), "role": "edge"}
    done = httpx.post(f"{url}/admin/v1/k8sclusters", json=site, headers=headers)
    assert done.status_code == 201, done.text
    return str(done.json()["id"])


def events(url: str, op: str, headers: dict[str, str]) -> list[tuple[str, Any]]:
    """Every event of the stream until the server ends it."""
    out: list[tuple[str, Any]] = []
    path = f"{url}/ui/ns_lcm_op_occs/{op}/events"
    with httpx.stream("GET", path, headers=headers, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = ""
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                out.append((name, json.loads(line[6:])))
    return out


def test_progress_streams_until_completed(live_url: str, runner_dir: Path) -> None:
    admin = bearer(live_url)
    onboard(live_url, admin)
    register(live_url, admin, "https://127.0.0.1:1")
    (runner_dir / "block").touch()
    body = {"nsName": "e", "nsdId": "edge_ns", "vimAccountId": "edge"}
    started = httpx.post(f"{live_url}/nslcm/v1/ns_instances_content", json=body, headers=admin)
    assert started.status_code == 202, started.text
    op = started.json()["nsLcmOpOccId"]
    seen: list[tuple[str, Any]] = []
    reader = threading.Thread(target=lambda: seen.extend(events(live_url, op, admin)))
    reader.start()
    occurrence = f"{live_url}/nslcm/v1/ns_lcm_op_occs/{op}"
    while httpx.get(occurrence, headers=admin).json()["progress"]["currentStep"] != "blocked":
        reader.join(0.05)
    reader.join(1.0)  # the stream polls twice a second: it has pushed the blocked step
    (runner_dir / "block").unlink()
    reader.join(60)
    assert not reader.is_alive()
    states = [data["operationState"] for name, data in seen if name == "occurrence"]
    assert states[0] == "PROCESSING"
    assert states[-1] == "COMPLETED"
    assert seen[-1] == ("end", {"operationState": "COMPLETED"})
    steps = [data["progress"]["currentStep"] for name, data in seen if name == "occurrence"]
    assert "blocked" in steps  # an intermediate state was pushed, not only the end


def test_stream_and_topology_are_confined_to_the_project(live_url: str, runner_dir: Path) -> None:
    admin = bearer(live_url)
    onboard(live_url, admin)
    register(live_url, admin, "https://127.0.0.1:1")
    body = {"nsName": "e", "nsdId": "edge_ns", "vimAccountId": "edge"}
    started = httpx.post(f"{live_url}/nslcm/v1/ns_instances_content", json=body, headers=admin)
    ns, op = started.json()["nsInstanceId"], started.json()["nsLcmOpOccId"]
    topo = httpx.get(f"{live_url}/ui/ns_instances/{ns}/topology", headers=admin).json()
    assert [(f["profile"], f["kind"], f["site"]) for f in topo["functions"]] == [
        ("1", "knf", "edge")
    ]
    assert {link["vld"] for link in topo["links"]} == {"external_net", "cache_net", "user_net"}
    assert [link["mgmt"] for link in topo["links"] if link["vld"] == "external_net"] == [True]
    assert topo["sites"] == [{"name": "edge", "kind": "k8scluster", "role": "edge"}]

    httpx.post(f"{live_url}/admin/v1/projects", json={"name": "other"}, headers=admin)
    user = {"username": "olga", "password": "olga-pw-12345", "projects": ["other"]}
    httpx.post(f"{live_url}/admin/v1/users", json=user, headers=admin)
    olga = bearer(live_url, "olga", "olga-pw-12345")
    stream = httpx.get(f"{live_url}/ui/ns_lcm_op_occs/{op}/events", headers=olga)
    assert stream.status_code == 404
    assert httpx.get(f"{live_url}/ui/ns_instances/{ns}/topology", headers=olga).status_code == 404


def test_reachability_probes_the_registered_endpoint(live_url: str) -> None:
    admin = bearer(live_url)
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        up = register(live_url, admin, f"https://127.0.0.1:{port}", "up")
        answer = httpx.get(f"{live_url}/ui/sites/k8scluster/{up}/reachability", headers=admin)
        assert answer.status_code == 200, answer.text
        assert answer.json()["reachable"] is True
        assert answer.json()["endpoint"] == f"127.0.0.1:{port}"
    down = httpx.get(f"{live_url}/ui/sites/k8scluster/{up}/reachability", headers=admin).json()
    assert down["reachable"] is False
    assert "secret-token-value" not in json.dumps(down)
    bad = httpx.get(f"{live_url}/ui/sites/nonsense/{up}/reachability", headers=admin)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "/kind"


def test_site_usage_counts_the_instantiated_instances(live_url: str, runner_dir: Path) -> None:
    admin = bearer(live_url)
    assert httpx.get(f"{live_url}/ui/sites/usage", headers=admin).json() == {}
    onboard(live_url, admin)
    register(live_url, admin, "https://127.0.0.1:1")
    assert httpx.get(f"{live_url}/ui/sites/usage", headers=admin).json() == {}
    body = {"nsName": "e", "nsdId": "edge_ns", "vimAccountId": "edge"}
    started = httpx.post(f"{live_url}/nslcm/v1/ns_instances_content", json=body, headers=admin)
    op = started.json()["nsLcmOpOccId"]
    for _name, data in events(live_url, op, admin):
        last = data
    assert last == {"operationState": "COMPLETED"}
    usage = httpx.get(f"{live_url}/ui/sites/usage", headers=admin).json()
    assert set(usage) == {"edge"}
    assert usage["edge"]["pods"] >= 1, usage


def test_package_summary_is_what_pkg_show_prints(live_url: str) -> None:
    admin = bearer(live_url)
    onboard(live_url, admin)
    packages = httpx.get(f"{live_url}/vnfpkgm/v1/vnf_packages", headers=admin).json()
    knf = packages[0]["id"]
    summary = httpx.get(f"{live_url}/ui/packages/vnfd/{knf}/summary", headers=admin).json()
    assert ["kind", "vnfd"] in summary["header"] and ["id", "edge_knf"] in summary["header"]
    kdus = next(t for t in summary["tables"] if t["title"] == "KDUs")
    assert kdus["rows"][0][0] == "edge-cache"
    assert any(t["title"] == "Day-1/2 primitives" for t in summary["tables"])
    wrong_kind = httpx.get(f"{live_url}/ui/packages/nsd/{knf}/summary", headers=admin)
    assert wrong_kind.status_code == 404
    empty = httpx.post(f"{live_url}/vnfpkgm/v1/vnf_packages", json={}, headers=admin).json()
    not_yet = httpx.get(f"{live_url}/ui/packages/vnfd/{empty['id']}/summary", headers=admin)
    assert not_yet.status_code == 409

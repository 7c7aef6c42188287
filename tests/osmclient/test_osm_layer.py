"""The OSM compatibility layer of the NBI in process (fast; ``test_osm_client`` runs the real
client): ``/osm`` prefix, YAML-labelled bodies, OSM members and meanings, ``/version``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from locus_iac.cli.main import app as cli
from locus_iac.nbi import Settings, create_app
from locus_iac.packages import archive_bytes, read_package

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "osm-layer-pw"
YAML = {"Content-Type": "application/yaml"}
GZ = {"Content-Type": "application/gzip"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", admin_password=PASSWORD, vim_check=False)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        login = test_client.post(
            "/osm/admin/v1/tokens",
            content=f'{{"username": "admin", "password": "{PASSWORD}"}}',
            headers=YAML,
        )
        assert login.status_code == 200, login.text
        test_client.headers["Authorization"] = f"Bearer {login.json()['id']}"
        yield test_client
    app.state.services.db.dispose()


def test_version_needs_no_token_at_both_roots(client: TestClient) -> None:
    for path in ("/version", "/osm/version"):
        answer = client.get(path, headers={"Authorization": ""})
        assert answer.status_code == 200
        assert set(answer.json()) == {"name", "version", "date"}


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        ("username: admin\npassword: [unclosed\n", "yaml-syntax", "line 3"),
        ("username: &u admin\npassword: *u\n", "yaml-alias", "alias *u"),
        ("username: a\nusername: b\npassword: c\n", "duplicate-key", "twice"),
    ],
)
def test_unreadable_yaml_bodies_are_422_with_the_place(
    client: TestClient, body: str, code: str, where: str
) -> None:
    answer = client.post("/admin/v1/projects", content=body, headers=YAML)
    assert answer.status_code == 422, answer.text
    (issue,) = answer.json()["errors"]
    assert issue["code"] == code
    assert where in issue["message"]


def test_yaml_bodies_are_validated_like_json(client: TestClient) -> None:
    made = client.post("/osm/admin/v1/projects", content="name: osm-yaml\n", headers=YAML)
    assert made.status_code == 201, made.text
    assert made.headers["Location"].endswith(f"/admin/v1/projects/{made.json()['id']}")
    wrong = client.post("/admin/v1/projects", content="name: [1, 2]\n", headers=YAML)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["path"] == "/body/name"


def test_package_id_and_name_take_osm_meaning_under_osm_only(client: TestClient) -> None:
    data = archive_bytes(read_package(REPO / "examples" / "packages" / "edge_knf"))
    made = client.post("/osm/vnfpkgm/v1/vnf_packages_content", content=data, headers=GZ)
    assert made.status_code == 201, made.text
    package = made.json()["id"]
    (osm,) = client.get("/osm/vnfpkgm/v1/vnf_packages").json()
    (sol,) = client.get("/vnfpkgm/v1/vnf_packages").json()
    assert (osm["id"], osm["_id"], osm["name"]) == ("edge_knf", package, "edge_knf")
    assert (sol["id"], sol["_id"], sol["vnfdId"]) == (package, package, "edge_knf")
    assert "name" not in sol  # SOL005: the package resource has no name of its own here
    for record in (osm, sol):
        assert record["product-name"] == "edge_knf"
        admin = record["_admin"]
        assert admin["type"] == "vnfd"
        assert admin["onboardingState"] == "ONBOARDED"
        assert admin["operationalState"] == "ENABLED"
        assert admin["created"] <= admin["modified"]
    assert osm["_links"]["self"]["href"].endswith(f"/osm/vnfpkgm/v1/vnf_packages/{package}")


KUBECONFIG = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": []}


def test_k8s_cluster_takes_a_kubeconfig_object_and_null_nets(client: TestClient) -> None:
    body = {"name": "edge", "credentials": KUBECONFIG, "nets": {"net1": None}, "cni": ["calico"]}
    made = client.post("/osm/admin/v1/k8sclusters", json=body)
    assert made.status_code == 201, made.text
    shown = client.get(f"/osm/admin/v1/k8sclusters/{made.json()['id']}").json()
    assert shown["nets"] == {"net1": None}
    assert shown["_admin"]["operationalState"] == "ENABLED"
    assert "credentials" not in shown
    bad = client.post("/admin/v1/k8sclusters", json={**body, "name": "e2", "credentials": [1]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "/body/credentials"


def test_ns_content_lists_and_deletes_a_not_instantiated_instance(client: TestClient) -> None:
    for name in ("edge_knf", "edge_ns"):
        data = archive_bytes(read_package(REPO / "examples" / "packages" / name))
        kind = "vnfpkgm/v1/vnf_packages" if name == "edge_knf" else "nsd/v1/ns_descriptors"
        assert client.post(f"/{kind}_content", content=data, headers=GZ).status_code == 201
    made = client.post("/nslcm/v1/ns_instances", json={"nsdId": "edge_ns", "nsName": "ns-a"})
    assert made.status_code == 201, made.text
    ns = made.json()["id"]
    (listed,) = client.get("/osm/nslcm/v1/ns_instances_content").json()
    assert (listed["_id"], listed["name"], listed["nsState"]) == (ns, "ns-a", "NOT_INSTANTIATED")
    assert listed["currentOperation"] == "IDLE"
    assert listed["_admin"]["nsState"] == "NOT_INSTANTIATED"
    assert isinstance(listed["create-time"], float)
    gone = client.delete(f"/osm/nslcm/v1/ns_instances_content/{ns}")
    assert gone.status_code == 204, gone.text
    assert client.get(f"/nslcm/v1/ns_instances_content/{ns}").status_code == 404


def test_serve_wants_both_tls_files(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("not used")
    result = CliRunner().invoke(cli, ["serve", "--tls-cert", str(cert)])
    assert result.exit_code == 2
    assert "--tls-cert and --tls-key together" in result.output


def test_operation_params_are_osm_s_under_osm_only(client: TestClient) -> None:
    """``osm ns-op-list --long`` reads OSM's instantiate facts inside ``operationParams``;
    at the root they stay the SOL005 request as it was accepted."""
    for name in ("edge_knf", "edge_ns"):
        data = archive_bytes(read_package(REPO / "examples" / "packages" / name))
        kind = "vnfpkgm/v1/vnf_packages" if name == "edge_knf" else "nsd/v1/ns_descriptors"
        assert client.post(f"/{kind}_content", content=data, headers=GZ).status_code == 201
    body = '{"nsdId": "edge_ns", "nsName": "ns-b", "nsDescription": "d", "vimAccountId": "x"}'
    made = client.post("/osm/nslcm/v1/ns_instances_content", content=body, headers=YAML)
    assert made.status_code == 202, made.text
    ns, op = made.json()["id"], made.json()["nslcmop_id"]
    osm = client.get(f"/osm/nslcm/v1/ns_lcm_op_occs/{op}").json()["operationParams"]
    (listed,) = client.get("/osm/nslcm/v1/ns_lcm_op_occs", params={"nsInstanceId": ns}).json()
    assert listed["operationParams"] == osm
    nsd = client.get("/nsd/v1/ns_descriptors").json()[0]["id"]
    assert (osm["lcmOperationType"], osm["nsInstanceId"], osm["nsr_id"]) == ("instantiate", ns, ns)
    assert (osm["nsName"], osm["nsDescription"], osm["nsdId"]) == ("ns-b", "d", nsd)
    root = client.get(f"/nslcm/v1/ns_lcm_op_occs/{op}").json()["operationParams"]
    assert root["vimAccountId"] == "x"
    assert not {"lcmOperationType", "nsInstanceId", "nsName", "nsr_id"} & set(root)

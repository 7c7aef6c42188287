"""The exemplary service's packages (seed section 5, Figures 33-39) are correct and work."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from support.helm import run_helm

from locus_iac.descriptors import Nsd, Nst, Vnfd
from locus_iac.packages import archive_bytes, read_package, validate_set

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "packages"
NAMES = ("cloud_vnf", "edge_knf", "cloud_ns", "edge_ns", "locus_nst")


@pytest.mark.parametrize("name", NAMES)
def test_each_example_package_is_valid_as_folder_and_archive(name: str) -> None:
    package = read_package(EXAMPLES / name)
    assert package.id == name
    assert read_package(archive_bytes(package)).descriptor.model == package.descriptor.model


def test_the_whole_service_validates_together() -> None:
    reports = validate_set([read_package(EXAMPLES / name) for name in NAMES])
    assert [(r.package.id, list(r.issues)) for r in reports] == [(n, []) for n in NAMES]


def test_nsd_without_its_vnfd_reports_the_unresolved_reference() -> None:
    (report,) = validate_set([read_package(EXAMPLES / "cloud_ns")])
    assert ("/nsd/nsd/0/vnfd-id/0", "unresolved-reference") in [
        (i.path, i.code) for i in report.issues
    ]


def test_cloud_vnf_matches_the_seed_sizing() -> None:
    vnfd = read_package(EXAMPLES / "cloud_vnf").descriptor.model
    assert isinstance(vnfd, Vnfd)
    (vdu,) = vnfd.vdu
    compute = vnfd.compute_desc(vdu.virtual_compute_desc or "")
    assert compute is not None and compute.virtual_cpu and compute.virtual_memory
    assert compute.virtual_cpu.num_virtual_cpu == 4
    assert compute.virtual_memory.size == 8
    storage = vnfd.storage_desc(vdu.virtual_storage_desc[0])
    assert storage is not None and storage.size_gb == 20
    assert [c.id for c in vnfd.ext_cpd] == ["cp_mgmt-ext", "cp_cache-ext", "cp_origin-ext"]


def test_the_netslice_joins_both_nested_services_on_the_cache_link() -> None:
    nst = read_package(EXAMPLES / "locus_nst").descriptor.model
    cloud = read_package(EXAMPLES / "cloud_ns").descriptor.model
    edge = read_package(EXAMPLES / "edge_ns").descriptor.model
    assert isinstance(nst, Nst) and isinstance(cloud, Nsd) and isinstance(edge, Nsd)
    cache = nst.vld_by_id("cache_net")
    assert cache is not None
    ends = {(r.nss_ref, r.nsd_connection_point_ref) for r in cache.nss_connection_point_ref}
    assert ends == {("cloud_nss", "cp_cache"), ("edge_nss", "cp_cache")}
    assert {s.id for s in cloud.sapd} >= {"cp_cache"} and {s.id for s in edge.sapd} >= {"cp_cache"}


# --- the service itself, run for real on 127.0.0.1 ------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(script: Path, port: int, env: dict[str, str]) -> Iterator[str]:
    full_env = {"LOCUS_BIND": "127.0.0.1", "LOCUS_PORT": str(port), "PATH": "/usr/bin:/bin", **env}
    proc = subprocess.Popen([sys.executable, str(script)], env=full_env)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{script.name} did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _get(url: str) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _forwarder_script(tmp_path: Path) -> Path:
    package = read_package(EXAMPLES / "cloud_vnf")
    config = yaml.safe_load(package.read("cloud_init/cloud_vdu.cfg"))
    (entry,) = [f for f in config["write_files"] if f["path"].endswith("locus-cloud-forwarder")]
    script = tmp_path / "forwarder.py"
    script.write_text(entry["content"])
    return script


def test_query_through_cloud_vnf_returns_the_edge_knf_data(tmp_path: Path) -> None:
    edge_script = tmp_path / "edge_service.py"
    package = read_package(EXAMPLES / "edge_knf")
    edge_script.write_bytes(package.read("helm-charts/edge-cache/files/edge_service.py"))
    url_file = tmp_path / "edge-url"
    url_file.write_text("")
    env = {"LOCUS_EDGE_URL_FILE": str(url_file)}
    with (
        _serve(edge_script, _free_port(), {}) as edge_url,
        _serve(_forwarder_script(tmp_path), _free_port(), env) as cloud_url,
    ):
        status, body = _get(cloud_url)
        assert status == 503  # Day 1 has not set the edge endpoint yet
        url_file.write_text(edge_url + "\n")  # what set-edge-endpoint.yml writes
        status, body = _get(cloud_url)
        assert status == 200
        assert isinstance(body, list) and len(body) == 5
        assert all(isinstance(n, int) and 0 <= n <= 100 for n in body)
        assert _get(cloud_url + "nothing")[0] == 404
    with _serve(_forwarder_script(tmp_path), _free_port(), env) as cloud_url:
        status, body = _get(cloud_url)  # the edge is gone
        assert status == 502 and isinstance(body, dict) and "error" in body


# --- Day 1/2 playbooks and the Helm chart ----------------------------------------------------


def test_playbooks_pass_ansible_syntax_check() -> None:
    runner = shutil.which("ansible-playbook", path=str(Path(sys.executable).parent))
    if runner is None:
        pytest.skip("ansible-playbook is not installed beside this Python")
    playbooks = sorted((EXAMPLES / "cloud_vnf" / "ansible").rglob("*.yml"))
    assert len(playbooks) == 2
    result = subprocess.run(
        [runner, "--syntax-check", "-i", "localhost,", *map(str, playbooks)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_chart_carries_the_multus_annotation_port_and_service() -> None:
    chart = EXAMPLES / "edge_knf" / "helm-charts" / "edge-cache"
    values = yaml.safe_load((chart / "values.yaml").read_text())
    assert values["port"] == 8080
    assert values["networks"] == {
        "namespace": "default",
        "user": "user",
        "cache": "cache",
        "cacheIps": [],
    }
    deployment = (chart / "templates" / "deployment.yaml").read_text()
    assert "k8s.v1.cni.cncf.io/networks:" in deployment
    assert "containerPort: {{ .Values.port }}" in deployment
    assert "replicas: {{ .Values.replicaCount }}" in deployment
    helpers = (chart / "templates" / "_helpers.tpl").read_text()
    assert ".Values.networks.user" in helpers and ".Values.networks.cache" in helpers
    assert "kind: Service" in (chart / "templates" / "service.yaml").read_text()


def test_chart_lints_with_helm(helm: Path) -> None:
    chart = EXAMPLES / "edge_knf" / "helm-charts" / "edge-cache"
    assert "1 chart(s) linted, 0 chart(s) failed" in run_helm(helm, "lint", str(chart))


def test_chart_renders_with_helm(helm: Path) -> None:
    chart = EXAMPLES / "edge_knf" / "helm-charts" / "edge-cache"
    rendered = run_helm(
        helm, "template", "demo", str(chart), "--set", "networks.cacheIps={10.0.0.5/24}"
    )
    docs = {d["kind"]: d for d in yaml.safe_load_all(rendered) if d}
    pod = docs["Deployment"]["spec"]["template"]
    networks = json.loads(pod["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"])
    assert networks == [
        {"name": "user", "namespace": "default"},
        {"name": "cache", "namespace": "default", "ips": ["10.0.0.5/24"]},
    ]
    assert pod["spec"]["containers"][0]["ports"][0]["containerPort"] == 8080
    assert docs["Service"]["spec"]["ports"][0]["port"] == 8080

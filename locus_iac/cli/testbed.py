"""``locus testbed tools|up|status|down``: the local testbed edge on this machine.

A thin front end: ``scripts/bootstrap-tools`` builds the tools, the project's Ansible
(``playbooks/local-testbed.yml`` with ``inventories/local``) starts etcd, the Kubernetes
control plane and KWOK, and records the site in ``$LOCUS_TESTBED_DIR/site.yaml``, which
``status`` reads to check every component. ``--with-openstack`` adds the OpenStack control plane
(``playbooks/local-openstack.yml``), recorded in ``$LOCUS_TESTBED_DIR/openstack.yaml``;
``--with-monitoring`` the monitoring platform (``playbooks/local-monitoring.yml``: Prometheus,
Alertmanager, Pushgateway, InfluxDB, Kafka), recorded in ``$LOCUS_TESTBED_DIR/monitoring.yaml``.
``--with-node`` joins a real worker node (containerd + kubelet + Multus, in the network namespace
``locus-node``: ``playbooks/local-node.yml``), whose state is ``$LOCUS_TESTBED_DIR/node``;
``down`` takes it down first (``playbooks/local-node-down.yml``).
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import typer
import yaml
from pydantic import BaseModel, ValidationError

from locus_iac.cli.output import emit, emit_json, fail
from locus_iac.errors import NotFound, PermanentError
from locus_iac.errors import ValidationError as SettingsError
from locus_iac.monitoring.settings import MonitoringSettings, load_settings

app = typer.Typer(help="Local testbed: Pulumi engine + Kubernetes control plane on 127.0.0.1.")

ROOT = Path(__file__).resolve().parents[2]
# The real worker node of inventories/local (locus_k8s_node_name, locus_k8s_node_netns).
NODE_NAME = "locus-node-0"
NODE_NETNS = "locus-node"


class Component(BaseModel):
    """A supervised process of the testbed: its pid file and its port on 127.0.0.1."""

    name: str
    pid_file: Path
    port: int


class TestbedRecord(BaseModel):
    """What the playbook records about the testbed beside the site (``site.yaml: testbed``)."""

    ca_cert: Path
    client_cert: Path
    client_key: Path
    components: list[Component]


class OpenStackRecord(BaseModel):
    """What ``playbooks/local-openstack.yml`` records (``openstack.yaml``); no secret in it."""

    auth_url: str
    region: str
    username: str
    project_name: str
    password_file: Path
    clouds_yaml: Path
    cloud: str
    components: list[Component]


class Site(BaseModel):
    """The site record written by ``playbooks/local-testbed.yml``."""

    name: str
    kind: str
    kubeconfig: Path
    api_server: str
    nodes: list[str]
    testbed: TestbedRecord


def testbed_dir() -> Path:
    default = Path.home() / ".cache" / "locus-iac" / "testbed"
    return Path(os.environ.get("LOCUS_TESTBED_DIR", default))


def _run(argv: list[str], env: dict[str, str] | None = None) -> None:
    if not Path(argv[0]).exists():
        raise fail(NotFound(f"{argv[0]} not found: run locus from a checkout of locus-iac"))
    code = subprocess.call(argv, cwd=ROOT, env={**os.environ, **(env or {})})
    if code != 0:
        raise fail(PermanentError(f"{Path(argv[0]).name} failed with exit code {code}"))


def _playbook(name: str, extra_vars: list[str] | None = None) -> None:
    binary = Path(sys.executable).parent / "ansible-playbook"
    found = str(binary) if binary.exists() else shutil.which("ansible-playbook")
    if found is None:
        raise fail(NotFound("ansible-playbook not found (install ansible-core)"))
    argv = [found, "-i", str(ROOT / "inventories" / "local"), str(ROOT / "playbooks" / name)]
    for extra in extra_vars or []:
        argv += ["-e", extra]
    _run(argv, {"ANSIBLE_ROLES_PATH": str(ROOT / "roles")})


def _bootstrap(force: bool = False, with_node: bool = False) -> None:
    argv = [str(ROOT / "scripts" / "bootstrap-tools")]
    argv += ["--force"] if force else []
    argv += ["--with-node"] if with_node else []
    _run(argv)


@app.command()
def tools(
    force: bool = typer.Option(False, help="Rebuild even when up to date."),
    with_node: bool = typer.Option(
        False, help="Also build the real node's kubelet, pause, CNI plugins, Multus, whereabouts."
    ),
) -> None:
    """Build pulumi, its Python host, the Kubernetes and OpenStack provider plugins, kube-*,
    kwok, etcd and helm (cached)."""
    _bootstrap(force, with_node)


@app.command()
def up(
    skip_tools: bool = typer.Option(False, help="Do not run scripts/bootstrap-tools first."),
    with_openstack: bool = typer.Option(
        False, help="Also run an OpenStack control plane (Debian packages; needs root)."
    ),
    with_monitoring: bool = typer.Option(
        False,
        help="Also run the monitoring platform: Prometheus, Alertmanager, Pushgateway, InfluxDB"
        " (Debian packages; needs root) and a Kafka broker (Maven Central jars).",
    ),
    with_node: bool = typer.Option(
        False,
        help="Also join a real worker node: containerd, kubelet, Multus (needs root).",
    ),
) -> None:
    """Start etcd, the control plane, KWOK nodes and the Multus CRD (idempotent)."""
    if not skip_tools:
        _bootstrap(with_node=with_node)
    _playbook("local-testbed.yml")
    emit(f"testbed up: KUBECONFIG={testbed_dir() / 'kubeconfig'}")
    if with_node:
        _playbook("local-node.yml")
        emit(f"node up: {NODE_NAME} (network namespace {NODE_NETNS})")
    if with_openstack:
        _playbook("local-openstack.yml")
        emit(f"openstack up: {testbed_dir() / 'openstack.yaml'}")
        clouds = testbed_dir() / "clouds.yaml"
        emit(f"  OS_CLIENT_CONFIG_FILE={clouds} openstack --os-cloud locus-testbed")
    if with_monitoring:
        _playbook("local-monitoring.yml")
        emit(f"monitoring up: {testbed_dir() / 'monitoring.yaml'}")


def _node_was_started() -> bool:
    return (testbed_dir() / "node").is_dir() or Path("/run/netns", NODE_NETNS).exists()


def _openstack_was_started() -> bool:
    return (testbed_dir() / "openstack").is_dir() or (testbed_dir() / "openstack.yaml").exists()


MONITORING_DIRS = ("monitoring", "prometheus", "alertmanager", "pushgateway", "influxdb", "kafka")


def _monitoring_was_started() -> bool:
    base = testbed_dir()
    return (base / "monitoring.yaml").exists() or any((base / d).is_dir() for d in MONITORING_DIRS)


@app.command()
def down(
    purge: bool = typer.Option(False, help="Also delete certificates, etcd and OpenStack data."),
) -> None:
    """Stop every testbed process (the real node, monitoring and OpenStack too) and wait for its
    port to close."""
    extra = ["locus_testbed_purge=true"] if purge else None
    if _node_was_started():
        _playbook("local-node-down.yml", extra)
    if _monitoring_was_started():
        _playbook("local-monitoring-down.yml", extra)
    if _openstack_was_started():
        _playbook("local-openstack-down.yml", extra)
    _playbook("local-testbed-down.yml", extra)
    emit("testbed down")


def load_openstack(path: Path) -> OpenStackRecord:
    try:
        return OpenStackRecord.model_validate(yaml.safe_load(path.read_text()))
    except FileNotFoundError as exc:
        raise NotFound(f"{path} does not exist: run 'locus testbed up --with-openstack'") from exc
    except ValidationError as exc:
        raise PermanentError(f"{path} is not an OpenStack testbed record: {exc}") from exc


def load_monitoring(path: Path) -> MonitoringSettings:
    """The monitoring platform's record, read by the monitoring settings loader."""
    if not path.exists():
        raise NotFound(f"{path} does not exist: run 'locus testbed up --with-monitoring'")
    return load_settings(path)


def load_site(path: Path) -> Site:
    try:
        return Site.model_validate(yaml.safe_load(path.read_text()))
    except FileNotFoundError as exc:
        raise NotFound(f"{path} does not exist: run 'locus testbed up'") from exc
    except ValidationError as exc:
        raise PermanentError(f"{path} is not a testbed site record: {exc}") from exc


def _alive(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def tls_context(record: TestbedRecord) -> ssl.SSLContext:
    """TLS settings of the admin client: the testbed CA and the admin client certificate."""
    context = ssl.create_default_context(cafile=str(record.ca_cert))
    context.load_cert_chain(str(record.client_cert), str(record.client_key))
    return context


def _component_states(components: list[Component]) -> list[dict[str, Any]]:
    """pid and port of each component; port 0 means the process listens on none."""
    return [
        {
            "name": c.name,
            "pid": _alive(c.pid_file),
            "port": c.port,
            "listening": _listening(c.port) if c.port else None,
        }
        for c in components
    ]


def _up(component: dict[str, Any]) -> bool:
    return bool(component["pid"]) and component["listening"] is not False


def _openstack_status(as_json: bool) -> dict[str, Any]:
    path = testbed_dir() / "openstack.yaml"
    try:
        record = load_openstack(path)
    except (NotFound, PermanentError) as exc:
        raise fail(exc, as_json=as_json) from exc
    components = _component_states(record.components)
    return {
        "auth_url": record.auth_url,
        "region": record.region,
        "clouds_yaml": str(record.clouds_yaml),
        "cloud": record.cloud,
        "healthy": all(_up(c) for c in components),
        "components": components,
    }


def _monitoring_status(as_json: bool) -> dict[str, Any]:
    path = testbed_dir() / "monitoring.yaml"
    try:
        record = load_monitoring(path)
    except (NotFound, SettingsError) as exc:
        raise fail(exc, as_json=as_json) from exc
    recorded = record.testbed.components if record.testbed else ()
    components = _component_states(
        [Component(name=c.name, pid_file=c.pid_file, port=c.port) for c in recorded]
    )
    return {
        "record": str(path),
        "prometheus_url": record.url("prometheus_url"),
        "alertmanager_url": record.url("alertmanager_url"),
        "kafka_bootstrap": record.kafka_bootstrap,
        "healthy": all(_up(c) for c in components),
        "components": components,
    }


def _emit_components(components: list[dict[str, Any]]) -> None:
    for c in components:
        state = "running" if c["pid"] else "stopped"
        pid = c["pid"] or "-"
        if c["listening"] is None:
            emit(f"  {c['name']:<26} {state:<8} pid {pid:<8} (no port)")
            continue
        port = "listening" if c["listening"] else "closed"
        emit(f"  {c['name']:<26} {state:<8} pid {pid:<8} 127.0.0.1:{c['port']} {port}")


def _emit_monitoring(monitoring: dict[str, Any]) -> None:
    verdict = "healthy" if monitoring["healthy"] else "NOT healthy"
    emit(f"monitoring {monitoring['prometheus_url']}: {verdict}")
    _emit_components(monitoring["components"])
    emit(f"  record {monitoring['record']} (Kafka {monitoring['kafka_bootstrap']})")


def _api(site: Site) -> dict[str, Any]:
    try:
        with httpx.Client(
            base_url=site.api_server, verify=tls_context(site.testbed), timeout=5.0
        ) as client:
            ready = client.get("/readyz")
            nodes = client.get("/api/v1/nodes").json().get("items", []) if ready.is_success else []
    except (httpx.HTTPError, OSError) as exc:
        return {"ready": False, "error": str(exc), "nodes": []}
    return {
        "ready": ready.is_success,
        "nodes": [
            {
                "name": node["metadata"]["name"],
                "ready": any(
                    c.get("type") == "Ready" and c.get("status") == "True"
                    for c in node.get("status", {}).get("conditions", [])
                ),
            }
            for node in nodes
        ],
    }


@app.command()
def status(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    with_openstack: bool = typer.Option(False, help="Also check the OpenStack control plane."),
    with_monitoring: bool = typer.Option(
        False, help="Also check the monitoring platform (checked anyway once it was started)."
    ),
) -> None:
    """Report every component (pid, port), API server readiness and node readiness."""
    path = testbed_dir() / "site.yaml"
    try:
        site = load_site(path)
    except (NotFound, PermanentError) as exc:
        raise fail(exc, as_json=as_json) from exc
    components = _component_states(site.testbed.components)
    openstack = _openstack_status(as_json) if with_openstack else None
    started = with_monitoring or (testbed_dir() / "monitoring.yaml").exists()
    monitoring = _monitoring_status(as_json) if started else None
    api = _api(site)
    site_healthy = healthy = (
        all(c["pid"] and c["listening"] for c in components)
        and api["ready"]
        and all(n["ready"] for n in api["nodes"])
    )
    report = {"site": site.name, "kubeconfig": str(site.kubeconfig), "healthy": healthy}
    report |= {"components": components, "api_server": site.api_server} | api
    if openstack is not None:
        report["openstack"] = openstack
        report["healthy"] = healthy = healthy and openstack["healthy"]
    if monitoring is not None:
        report["monitoring"] = monitoring
        report["healthy"] = healthy = healthy and monitoring["healthy"]
    if as_json:
        emit_json(report)
    else:
        # the site's own verdict; the exit status also counts OpenStack and monitoring
        emit(f"site {site.name}: {'healthy' if site_healthy else 'NOT healthy'}")
        _emit_components(components)
        emit(f"  api server {site.api_server}: {'ready' if api['ready'] else 'not ready'}")
        for n in api["nodes"]:
            emit(f"  node {n['name']}: {'Ready' if n['ready'] else 'NotReady'}")
        emit(f"  KUBECONFIG={site.kubeconfig}")
        if openstack is not None:
            verdict = "healthy" if openstack["healthy"] else "NOT healthy"
            emit(f"openstack {openstack['auth_url']}: {verdict}")
            _emit_components(openstack["components"])
            emit(f"  OS_CLIENT_CONFIG_FILE={openstack['clouds_yaml']} (cloud {openstack['cloud']})")
        if monitoring is not None:
            _emit_monitoring(monitoring)
    if not healthy:
        raise typer.Exit(1)

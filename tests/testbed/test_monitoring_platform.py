"""The monitoring platform of the local testbed (``locus testbed up --with-monitoring``).

Real Prometheus, Alertmanager, Pushgateway and InfluxDB from Debian's packages and a Kafka 4
broker in KRaft mode (Maven Central jars, Debian's JRE 17), found through the record
``<testbed dir>/monitoring.yaml`` (issue-17 monitoring contract). Skipped, with the reason,
when the platform is not up.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from locus_iac.cli.main import app
from locus_iac.monitoring.settings import load_settings
from testbed.helpers import REPO, TESTBED_DIR, wait_for

kafka = pytest.importorskip("confluent_kafka", reason="confluent-kafka is not installed")
kafka_admin = pytest.importorskip("confluent_kafka.admin")

UP = "run 'locus testbed up --with-monitoring'"
RECORD = TESTBED_DIR / "monitoring.yaml"

pytestmark = [pytest.mark.testbed, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def monitoring() -> dict[str, Any]:
    """The platform's record; skips when it is missing or Prometheus does not answer."""
    if not RECORD.exists():
        pytest.skip(f"the monitoring platform is not up ({RECORD} missing): {UP}")
    record = yaml.safe_load(RECORD.read_text())
    assert isinstance(record, dict), f"{RECORD} is not a mapping"
    try:
        httpx.get(record["prometheus_url"] + "/-/healthy", timeout=5.0)
    except httpx.HTTPError as exc:
        pytest.skip(f"the monitoring platform's Prometheus does not answer ({exc}): {UP}")
    return record


@pytest.fixture
def prometheus(monitoring: dict[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=monitoring["prometheus_url"], timeout=10.0) as client:
        yield client


def _query(prometheus: httpx.Client, promql: str) -> list[dict[str, Any]]:
    answer = prometheus.get("/api/v1/query", params={"query": promql})
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = answer.json()["data"]["result"]
    return result


def _reload(prometheus: httpx.Client) -> None:
    answer = prometheus.post("/-/reload")
    assert answer.status_code == 200, answer.text


def test_the_record_follows_the_contract(monitoring: dict[str, Any]) -> None:
    expected = {
        "prometheus_url",
        "alertmanager_url",
        "pushgateway_url",
        "influxdb_url",
        "kafka_bootstrap",
        "smart_webhook_url",
        "config_dir",
        "promtool",
        "amtool",
        "testbed",
    }
    assert set(monitoring) == expected
    names = [c["name"] for c in monitoring["testbed"]["components"]]
    assert names == ["influxdb", "pushgateway", "alertmanager", "prometheus", "kafka"]
    for tool in ("promtool", "amtool"):
        assert os.access(monitoring[tool], os.X_OK), f"{monitoring[tool]} is not executable"
    config_dir = Path(monitoring["config_dir"])
    for sub in ("prometheus/targets", "prometheus/mano", "prometheus/rules", "alertmanager/routes"):
        assert (config_dir / sub).is_dir(), f"{config_dir / sub} is missing"
    settings = load_settings(RECORD)  # the MANO's loader: unknown keys are refused
    assert settings.kafka_bootstrap == monitoring["kafka_bootstrap"]
    assert settings.testbed is not None and len(settings.testbed.components) == len(names)


def test_every_component_runs_and_answers_its_health_endpoint(
    monitoring: dict[str, Any],
) -> None:
    for component in monitoring["testbed"]["components"]:
        pid = int(Path(component["pid_file"]).read_text().strip())
        assert Path(f"/proc/{pid}").exists(), f"{component['name']} (pid {pid}) is not running"
    for url in (
        monitoring["prometheus_url"] + "/-/healthy",
        monitoring["alertmanager_url"] + "/-/healthy",
        monitoring["pushgateway_url"] + "/-/healthy",
    ):
        assert httpx.get(url, timeout=10.0).status_code == 200, url
    assert httpx.get(monitoring["influxdb_url"] + "/ping", timeout=10.0).status_code == 204
    admin = kafka_admin.AdminClient({"bootstrap.servers": monitoring["kafka_bootstrap"]})
    metadata = admin.list_topics(timeout=30)
    assert len(metadata.brokers) == 1


def test_alertmanager_runs_the_base_configuration(monitoring: dict[str, Any]) -> None:
    status = httpx.get(monitoring["alertmanager_url"] + "/api/v2/status", timeout=10.0).json()
    config = yaml.safe_load(status["config"]["original"])
    receivers = {r["name"]: r for r in config["receivers"]}
    assert config["route"]["receiver"] == "locus-null"
    webhook = receivers["locus-smart"]["webhook_configs"][0]
    assert webhook["url"] == monitoring["smart_webhook_url"]
    assert webhook["send_resolved"] is True
    assert status["cluster"]["status"] == "disabled"


def test_a_rule_file_is_loaded_on_reload(
    monitoring: dict[str, Any], prometheus: httpx.Client
) -> None:
    group = f"locus-test-{uuid.uuid4().hex[:8]}"
    path = Path(monitoring["config_dir"]) / "prometheus" / "rules" / f"{group}.yml"
    rules = {"groups": [{"name": group, "rules": [{"record": "locus_test:up", "expr": "up"}]}]}
    path.write_text(yaml.safe_dump(rules))
    try:
        _reload(prometheus)
        loaded = prometheus.get("/api/v1/rules").json()["data"]["groups"]
        assert group in {g["name"] for g in loaded}
    finally:
        path.unlink()
        _reload(prometheus)
    loaded = prometheus.get("/api/v1/rules").json()["data"]["groups"]
    assert group not in {g["name"] for g in loaded}


@pytest.fixture
def pushed(monitoring: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """A gauge pushed to the Pushgateway under a new instance label, deleted afterwards."""
    instance = uuid.uuid4().hex[:12]
    url = f"{monitoring['pushgateway_url']}/metrics/job/locus-test/instance/{instance}"
    body = f'locus_test_load{{ns_id="ns-{instance}"}} 42\n'
    answer = httpx.put(url, content=body, timeout=10.0)
    assert answer.status_code == 200, answer.text
    yield "locus_test_load", instance
    httpx.delete(url, timeout=10.0)


def test_a_pushed_metric_is_queryable_in_prometheus(
    prometheus: httpx.Client, pushed: tuple[str, str]
) -> None:
    metric, instance = pushed
    promql = f'{metric}{{job="locus-test", instance="{instance}"}}'
    result = wait_for(f"{promql} in Prometheus", lambda: _query(prometheus, promql), timeout=60)
    assert float(result[0]["value"][1]) == 42.0
    # honor_labels: the pushed job/instance win over the scrape's
    assert result[0]["metric"]["ns_id"] == f"ns-{instance}"


def test_a_sample_reaches_influxdb_through_remote_write(
    monitoring: dict[str, Any], pushed: tuple[str, str]
) -> None:
    metric, instance = pushed
    query = f'SELECT value FROM "{metric}" WHERE "instance" = \'{instance}\''

    def points() -> list[Any]:
        answer = httpx.get(
            monitoring["influxdb_url"] + "/query",
            params={"db": "locus", "q": query},
            timeout=10.0,
        )
        assert answer.status_code == 200, answer.text
        series = answer.json()["results"][0].get("series", [])
        return [row for s in series for row in s["values"]]

    rows = wait_for(f"{metric} of instance {instance} in InfluxDB", points, timeout=90)
    assert rows[-1][1] == 42.0


def test_a_kafka_topic_can_be_created_produced_to_and_consumed_from(
    monitoring: dict[str, Any],
) -> None:
    bootstrap = monitoring["kafka_bootstrap"]
    topic = f"locus.test.{uuid.uuid4().hex[:8]}"
    admin = kafka_admin.AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([kafka_admin.NewTopic(topic, 1, 1)]).values():
        future.result(timeout=60)
    try:
        producer = kafka.Producer({"bootstrap.servers": bootstrap})
        events = [json.dumps({"sequence": n}).encode() for n in range(3)]
        for event in events:
            producer.produce(topic, key=b"ns-1", value=event)
        assert producer.flush(30) == 0
        consumer = kafka.Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"locus-test-{uuid.uuid4().hex[:8]}",
                "auto.offset.reset": "earliest",
            }
        )
        consumer.subscribe([topic])
        received: list[bytes] = []

        def drain() -> bool:
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                received.append(message.value())
            return len(received) == len(events)

        try:
            wait_for(f"{len(events)} messages on {topic}", drain, timeout=60, interval=0)
        finally:
            consumer.close()
        assert received == events
    finally:
        for future in admin.delete_topics([topic]).values():
            future.result(timeout=60)


def test_kafka_does_not_create_topics_on_demand(monitoring: dict[str, Any]) -> None:
    bootstrap = monitoring["kafka_bootstrap"]
    topic = f"locus.absent.{uuid.uuid4().hex[:8]}"
    errors: list[Any] = []
    producer = kafka.Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 5000})
    producer.produce(topic, value=b"x", on_delivery=lambda err, _msg: errors.append(err))
    producer.flush(30)
    assert errors and errors[0] is not None, "a message to an absent topic was delivered"
    admin = kafka_admin.AdminClient({"bootstrap.servers": bootstrap})
    assert topic not in admin.list_topics(timeout=30).topics


def test_status_reports_the_monitoring_platform(
    site: dict[str, Any], monitoring: dict[str, Any]
) -> None:
    result = CliRunner().invoke(app, ["testbed", "status", "--json", "--with-monitoring"])
    report = json.loads(result.output)
    names = [c["name"] for c in report["monitoring"]["components"]]
    assert names == ["influxdb", "pushgateway", "alertmanager", "prometheus", "kafka"]
    assert report["monitoring"]["healthy"] is True, report["monitoring"]
    assert report["monitoring"]["kafka_bootstrap"] == monitoring["kafka_bootstrap"]


# Ports of a second, private platform (never the testbed's 19090-19095/18086/18088).
PRIVATE_PORTS = {
    "prometheus_port": 30090,
    "pushgateway_port": 30091,
    "kafka_port": 30092,
    "alertmanager_port": 30093,
    "kafka_controller_port": 30094,
    "smart_webhook_port": 30095,
    "influxdb_port": 30086,
    "influxdb_rpc_port": 30088,
}


def _playbook(name: str, testbed: Path, ports: Path) -> None:
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "inventories/local"]
    argv += [f"playbooks/{name}", "-e", f"@{ports}"]
    env = {**os.environ, "LOCUS_TESTBED_DIR": str(testbed), "ANSIBLE_ROLES_PATH": "roles"}
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def _pid_alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


@pytest.mark.timeout(1800)
def test_down_leaves_no_process(monitoring: dict[str, Any], tmp_path: Path) -> None:
    """A second platform in a private folder on private ports: up, then down."""
    ports = tmp_path / "ports.yml"
    ports.write_text(
        yaml.safe_dump({f"locus_testbed_monitoring_{k}": v for k, v in PRIVATE_PORTS.items()})
    )
    testbed = tmp_path / "testbed"
    _playbook("local-monitoring.yml", testbed, ports)
    record = yaml.safe_load((testbed / "monitoring.yaml").read_text())
    components = record["testbed"]["components"]
    pids = {c["name"]: int(Path(c["pid_file"]).read_text()) for c in components}
    assert all(_pid_alive(pid) for pid in pids.values()), pids
    assert {c["port"] for c in components} <= set(PRIVATE_PORTS.values())
    _playbook("local-monitoring-down.yml", testbed, ports)
    assert [name for name, pid in pids.items() if _pid_alive(pid)] == []
    for component in components:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", component["port"])) != 0, component
        assert not Path(component["pid_file"]).exists()

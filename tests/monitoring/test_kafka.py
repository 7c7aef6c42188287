"""Lifecycle events on a real Kafka broker (KRaft, one node) started by the test.

The broker is assembled by the monitoring role (``locus_kafka``) from Maven Central jars into
``$LOCUS_TOOLS_DIR`` (default ``~/.cache/locus-iac/tools``) ``/kafka-*/libs``; it runs on
Debian's JRE 17, on random ports, with ``auto.create.topics.enable=false`` as on the testbed.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.catalogue import onboard
from support.databases import database_url, db

from locus_iac.catalogue import Database, PackageKind, create_project
from locus_iac.errors import RetryableError
from locus_iac.lcm import queue
from locus_iac.lcm.states import LcmEvent
from locus_iac.lcm.states import LcmOperationType as OP
from locus_iac.monitoring.bus import KafkaBus
from locus_iac.monitoring.drain import OutboxDrainer

from .conftest import EXAMPLES, free_port

__all__ = ["database_url", "db"]

JAVA = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java"


def _cluster_id() -> str:
    """A KRaft cluster id as Kafka's ``random-uuid`` makes one: never starting with ``-``,
    which Kafka's argument parser would read as an option (1 id in 64 did, and failed CI)."""
    while True:
        cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster.startswith("-"):
            return cluster


def _libs() -> Path | None:
    tools = Path(os.environ.get("LOCUS_TOOLS_DIR") or Path.home() / ".cache/locus-iac/tools")
    found = sorted(tools.glob("kafka-*/libs.complete"))
    return found[-1].parent / "libs" if found else None


@pytest.fixture
def kafka(tmp_path: Path) -> Iterator[str]:
    libs = _libs()
    java = JAVA if Path(JAVA).exists() else shutil.which("java")
    if libs is None or java is None:
        pytest.skip("Kafka jars (role locus_kafka) or Java 17 not installed")
    port, controller = free_port(), free_port()
    props = tmp_path / "server.properties"
    props.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{controller}",
                f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                f"log.dirs={tmp_path / 'data'}",
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "auto.create.topics.enable=false",
                "group.initial.rebalance.delay.ms=0",
                "",
            ]
        )
    )
    base = [java, "-Xms128m", "-Xmx384m", "-Djava.awt.headless=true", "-cp", f"{libs}/*"]
    cluster = _cluster_id()
    formatted = subprocess.run(
        [
            *base,
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            cluster,
            "--config",
            str(props),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert formatted.returncode == 0, f"kafka-storage format failed: {formatted.stderr}"
    with (tmp_path / "kafka.log").open("wb") as out:
        proc = subprocess.Popen([*base, "kafka.Kafka", str(props)], stdout=out, stderr=out)
    bootstrap = f"127.0.0.1:{port}"
    try:
        _wait_broker(bootstrap, proc)
        yield bootstrap
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _wait_broker(bootstrap: str, proc: subprocess.Popen[bytes]) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the Kafka broker exited"
        try:
            admin.list_topics(timeout=2)
            return
        except Exception:
            time.sleep(0.5)
    raise AssertionError("Kafka did not start in 180 s")


def _consume(bootstrap: str, topic: str, count: int) -> list[dict[str, Any]]:
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    try:
        while len(got) < count and time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            got.append(json.loads(msg.value()))
    finally:
        consumer.close()
    return got


def test_events_reach_a_consumer_in_order_and_terminate_deletes_the_topic(
    db: Database, kafka: str
) -> None:
    with db.session() as session:
        project = create_project(session, "p1").id
    onboard(db, project, PackageKind.VNFD, EXAMPLES / "cloud_vnf")
    nsd = onboard(db, project, PackageKind.NSD, EXAMPLES / "cloud_ns")
    with db.session() as session:
        ns = queue.create_instance(
            session, project, name="n", nsd_id="cloud_ns", nsd_info_id=nsd
        ).id
    for op, end in ((OP.INSTANTIATE, LcmEvent.COMPLETE), (OP.SCALE, LcmEvent.COMPLETE)):
        with db.session() as session:
            occ = queue.start_operation(session, project, ns, op, {})
        with db.session() as session:
            queue.apply_event(session, occ.id, end, instance_params={})
    bus = KafkaBus(kafka)
    drainer = OutboxDrainer(db, None, bus)  # events only: config rows are dropped
    drainer.drain_once()
    assert drainer.stats.delivered["event"] == 4
    events = _consume(kafka, f"locus.ns.{ns}", 4)
    assert [(e["operation"], e["operationState"]) for e in events] == [
        ("INSTANTIATE", "PROCESSING"),
        ("INSTANTIATE", "COMPLETED"),
        ("SCALE", "PROCESSING"),
        ("SCALE", "COMPLETED"),
    ]
    assert _consume(kafka, "locus.project.p1.lcm", 4) == events
    with db.session() as session:
        occ = queue.start_operation(session, project, ns, OP.TERMINATE, {})
    with db.session() as session:
        queue.apply_event(session, occ.id, LcmEvent.COMPLETE, instance_params={})
    drainer.drain_once()
    assert drainer.stats.delivered["event"] == 6
    from confluent_kafka.admin import AdminClient

    deadline = time.monotonic() + 30
    topics: set[str] = set()
    while time.monotonic() < deadline:
        topics = set(AdminClient({"bootstrap.servers": kafka}).list_topics(timeout=5).topics)
        if f"locus.ns.{ns}" not in topics:
            break
        time.sleep(0.5)
    assert f"locus.ns.{ns}" not in topics
    assert "locus.project.p1.lcm" in topics


def test_a_broker_that_is_down_is_a_retryable_error() -> None:
    bus = KafkaBus(f"127.0.0.1:{free_port()}")
    event = {"nsInstanceId": "n", "operationState": "PROCESSING"}
    with pytest.raises(RetryableError, match="Kafka"):
        bus.publish(["locus.ns.n"], "n", event)
    with pytest.raises(RetryableError, match="Kafka"):
        bus.delete_topic("locus.ns.n")

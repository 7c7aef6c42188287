"""``GET /metrics``: requests by route template, op occurrences, queue and outbox depth."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from lcm.runners import FILE_RUNNER
from monitoring.conftest import make_settings
from prometheus_client.parser import text_string_to_metric_families

from locus_iac.errors import RetryableError
from locus_iac.nbi import Settings, create_app

from .harness import GZ, Api, login


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_count_requests_by_route_template_without_auth(api: Api) -> None:
    assert api.get("/nsd/v1/ns_descriptors").status_code == 200
    missing = "0b3c5e2a-0000-4000-8000-00000000abcd"
    assert api.get(f"/nslcm/v1/ns_instances/{missing}").status_code == 404
    response = api.client.get("/metrics")  # no bearer token
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    ok = (
        "locus_http_requests_total",
        (("method", "GET"), ("route", "/nsd/v1/ns_descriptors"), ("status", "200")),
    )
    assert samples[ok] == 1.0
    routes = {
        dict(labels).get("route") for name, labels in samples if name == "locus_http_requests_total"
    }
    assert "/nslcm/v1/ns_instances/{ns_instance_id}" in routes
    assert not any(r and missing in r for r in routes)  # ids never become labels
    assert samples[("locus_lcm_queue_depth", ())] == 0.0
    assert samples[("locus_monitoring_outbox_depth", (("kind", "event"),))] == 0.0
    assert samples[("locus_monitoring_outbox_depth", (("kind", "config"),))] == 0.0


# -- the op log says what waits for the monitoring platform -------------------------------


class _SwitchableBus:
    """A bus double that is down until ``up`` is set."""

    def __init__(self) -> None:
        self.up = False
        self.events: list[dict[str, Any]] = []

    def publish(self, topics: list[str], key: str, event: dict[str, Any]) -> None:
        if not self.up:
            raise RetryableError("broker down (test)", 1.0)
        self.events.append(event)

    def delete_topic(self, topic: str) -> None:
        if not self.up:
            raise RetryableError("broker down (test)", 1.0)


def _wait(check: Callable[[], bool], seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, "condition never held"
        time.sleep(0.05)


def test_monitoring_down_never_fails_an_operation_and_the_op_says_what_waits(
    settings: Settings,
    runner_dir: Path,
    example_packages: dict[str, bytes],
    tmp_path: Path,
) -> None:
    bus = _SwitchableBus()
    monitoring = make_settings(tmp_path / "monitoring")  # Prometheus/Alertmanager: unreachable
    app = create_app(settings, runner=FILE_RUNNER, monitoring=monitoring, event_bus=lambda _: bus)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            api = Api(client, login(client))
            for base, coll, content, name in (
                ("/vnfpkgm/v1", "vnf_packages", "package_content", "cloud_vnf"),
                ("/nsd/v1", "ns_descriptors", "nsd_content", "cloud_ns"),
            ):
                created = api.post(f"{base}/{coll}", json={}).json()["id"]
                url = f"{base}/{coll}/{created}/{content}"
                assert api.put(url, content=example_packages[name], headers=GZ).status_code == 201
            ns = api.post(
                "/nslcm/v1/ns_instances", json={"nsdId": "cloud_ns", "nsName": "m"}
            ).json()["id"]
            op = api.post(f"/nslcm/v1/ns_instances/{ns}/instantiate", json={}).json()[
                "nsLcmOpOccId"
            ]

            def occurrence() -> dict[str, Any]:
                body: dict[str, Any] = api.get(f"/nslcm/v1/ns_lcm_op_occs/{op}").json()
                return body

            _wait(lambda: occurrence()["operationState"] == "COMPLETED")

            def waiting() -> list[dict[str, Any]]:
                pending: list[dict[str, Any]] = occurrence()["progress"]["monitoring"]["pending"]
                return pending

            _wait(lambda: any(p["attempts"] >= 1 and "lastError" in p for p in waiting()))
            kinds = {p["kind"] for p in waiting()}
            assert kinds == {"event", "config"}
            assert occurrence()["progress"]["monitoring"]["enabled"] is True
            bus.up = True  # the broker is back: the events go out in order, config still waits
            _wait(lambda: {p["kind"] for p in waiting()} == {"config"})
            assert [e["operationState"] for e in bus.events] == ["PROCESSING", "COMPLETED"]
            metrics = client.get("/metrics").text
            assert 'locus_monitoring_outbox_depth{kind="config"} 1.0' in metrics
            assert 'locus_op_occurrences{operation="INSTANTIATE",state="COMPLETED"} 1.0' in metrics
    finally:
        app.state.services.db.dispose()

"""``GET /metrics``: requests by route template, op occurrences, queue and outbox depth."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from .harness import Api


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

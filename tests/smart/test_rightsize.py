"""Right-sizing: observed quantiles against virtual-compute-desc, as a VNFD diff."""

from __future__ import annotations

from locus_iac.smart import (
    Credentials,
    PrometheusClient,
    Sol005Client,
    Usage,
    load_service,
    rightsize,
)

from .doubles import FakeNbi, prometheus_transport

GIB = 1024**3


def _answer(query: str) -> list[dict[str, object]]:
    labels = {"vnf_member_index": "1", "vdu_id": "cloud_vdu"}
    assert 'ns_id="ns-1"' in query
    if "process_cpu_seconds_total" in query:
        assert "quantile_over_time(0.95" in query and "[2h:15s]" in query
        return [{"metric": labels, "value": [1.0, "0.5"]}]
    return [{"metric": labels, "value": [1.0, str(1.1 * GIB)]}]


def test_low_usage_proposes_fewer_vcpus_and_less_memory_as_a_diff() -> None:
    nbi = FakeNbi.cloud()
    client = Sol005Client("http://nbi", Credentials(token="token-1"), transport=nbi.transport())
    prometheus = PrometheusClient("http://prom", transport=prometheus_transport(_answer))
    proposal = rightsize(load_service(client, "ns-1"), prometheus, Usage(window="2h"))
    (finding,) = proposal.findings
    assert (finding.vcpu, finding.proposed_vcpu) == (4, 1)  # 0.5 cores at 70 % -> 1
    assert (finding.memory_gb, finding.proposed_memory_gb) == (8.0, 1.5)  # 1.1 GiB * 1.25
    diff = proposal.diffs["cloud_vnf"]
    assert diff.startswith("--- a/cloud_vnf.yaml\n+++ b/cloud_vnf.yaml\n")
    assert "-      num-virtual-cpu: 4\n+      num-virtual-cpu: 1\n" in diff
    assert "-      size: 8.0\n+      size: 1.5\n" in diff
    assert nbi.posted == []  # nothing is changed


def test_no_series_no_proposal() -> None:
    nbi = FakeNbi.cloud()
    client = Sol005Client("http://nbi", Credentials(token="token-1"), transport=nbi.transport())
    prometheus = PrometheusClient("http://prom", transport=prometheus_transport(lambda q: []))
    proposal = rightsize(load_service(client, "ns-1"), prometheus, Usage())
    assert proposal.findings == [] and proposal.diffs == {}


def test_a_knf_has_no_virtual_compute_desc_to_change() -> None:
    nbi = FakeNbi.knf()
    client = Sol005Client("http://nbi", Credentials(token="token-1"), transport=nbi.transport())

    def answer(query: str) -> list[dict[str, object]]:
        return [{"metric": {"vnf_member_index": "1", "vdu_id": "edge-cache"}, "value": [1, "0.2"]}]

    prometheus = PrometheusClient("http://prom", transport=prometheus_transport(answer))
    proposal = rightsize(load_service(client, "ns-2"), prometheus, Usage())
    assert proposal.diffs == {}
    assert "virtual-compute-desc" in proposal.findings[0].note

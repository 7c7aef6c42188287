"""Design: right-sizing advice from observed usage (seed Table 2, "Design" functions).

For each VDU of an NS instance, the CPU and memory use observed over a window (a quantile,
default the 95th percentile, of the per-instance series, the busiest instance counting) is
compared with the VNFD's ``virtual-compute-desc`` (SOL006: ``virtual-cpu/num-virtual-cpu``,
``virtual-memory/size`` in GB). The proposal keeps a headroom (CPU used at most
``cpu_target`` of the vCPUs; memory ``memory_headroom`` above the quantile, rounded up to
0.5 GB) and is printed as a unified diff of the VNFD YAML; nothing is changed.

Series: by default the standard process metrics every Prometheus client library exports
(``process_cpu_seconds_total``, ``process_resident_memory_bytes``) of the NS's scrape
targets, which carry ``ns_id``, ``vnf_member_index`` and ``vdu_id`` (monitoring contract);
other metrics with the same labels can be named instead.
"""

from __future__ import annotations

import copy
import difflib
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from locus_iac.descriptors import parse_descriptor
from locus_iac.smart.prometheus import PrometheusClient
from locus_iac.smart.service import Service

GB = 1024**3  # SOL006 virtual-memory size is in GB; locus reads it as GiB, as Nova does


@dataclass(frozen=True)
class Usage:
    cpu_metric: str = "process_cpu_seconds_total"
    memory_metric: str = "process_resident_memory_bytes"
    window: str = "1h"
    quantile: float = 0.95
    cpu_target: float = 0.7
    memory_headroom: float = 1.25


@dataclass
class Finding:
    member: str
    vdu: str
    cpu_cores: float | None = None
    memory_bytes: float | None = None
    vcpu: int | None = None
    memory_gb: float | None = None
    proposed_vcpu: int | None = None
    proposed_memory_gb: float | None = None
    note: str = ""


@dataclass
class Proposal:
    findings: list[Finding] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)  # VNFD id -> unified diff


def usage_queries(ns_id: str, usage: Usage) -> tuple[str, str]:
    selector = f'{{ns_id="{ns_id}"}}'
    by = "max by (vnf_member_index, vdu_id)"
    cpu = (
        f"{by} (quantile_over_time({usage.quantile}, "
        f"rate({usage.cpu_metric}{selector}[1m])[{usage.window}:15s]))"
    )
    series = f"{usage.memory_metric}{selector}[{usage.window}]"
    memory = f"{by} (quantile_over_time({usage.quantile}, {series}))"
    return cpu, memory


def observe(
    prometheus: PrometheusClient, ns_id: str, usage: Usage
) -> dict[tuple[str, str], Finding]:
    """Observed quantiles per (member, VDU)."""
    found: dict[tuple[str, str], Finding] = {}
    cpu_query, memory_query = usage_queries(ns_id, usage)
    for sample in prometheus.query(cpu_query):
        key = (sample.labels.get("vnf_member_index", ""), sample.labels.get("vdu_id", ""))
        found.setdefault(key, Finding(*key)).cpu_cores = sample.value
    for sample in prometheus.query(memory_query):
        key = (sample.labels.get("vnf_member_index", ""), sample.labels.get("vdu_id", ""))
        found.setdefault(key, Finding(*key)).memory_bytes = sample.value
    return found


def _at(document: Any, pointer: str) -> Any:
    node = document
    for part in pointer.lstrip("/").split("/") if pointer else ():
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _propose(finding: Finding, usage: Usage) -> None:
    if finding.cpu_cores is not None:
        finding.proposed_vcpu = max(1, math.ceil(finding.cpu_cores / usage.cpu_target))
    if finding.memory_bytes is not None:
        wanted = finding.memory_bytes * usage.memory_headroom / GB
        finding.proposed_memory_gb = max(0.5, math.ceil(wanted * 2) / 2)


def _apply(raw_vcd: dict[str, Any], finding: Finding) -> None:
    cpu = raw_vcd.setdefault("virtual-cpu", {})
    finding.vcpu = cpu.get("num-virtual-cpu")
    if finding.proposed_vcpu is not None and finding.proposed_vcpu != finding.vcpu:
        cpu["num-virtual-cpu"] = finding.proposed_vcpu
    memory = raw_vcd.setdefault("virtual-memory", {})
    size = memory.get("size")
    finding.memory_gb = float(Decimal(str(size))) if size is not None else None
    if finding.proposed_memory_gb is not None and finding.proposed_memory_gb != finding.memory_gb:
        proposed = finding.proposed_memory_gb
        memory["size"] = int(proposed) if proposed.is_integer() else proposed


def rightsize(service: Service, prometheus: PrometheusClient, usage: Usage) -> Proposal:
    """The proposal for every VDU of ``service`` that Prometheus has series for."""
    observed = observe(prometheus, service.id, usage)
    proposal = Proposal()
    changed: dict[str, tuple[Any, Any]] = {}
    for (member_id, vdu_id), finding in sorted(observed.items()):
        proposal.findings.append(finding)
        member = service.members.get(member_id)
        if member is None:
            finding.note = "no such VNF profile in the NSD"
            continue
        vdu = member.vnfd.vdu_by_id(vdu_id)
        if vdu is None or vdu.virtual_compute_desc is None:
            finding.note = "no VDU with a virtual-compute-desc (a KDU sizes itself in its chart)"
            continue
        _propose(finding, usage)
        parsed = parse_descriptor(service.vnfd_yaml[member.vnfd.id], member.vnfd.id)
        original, edited = changed.setdefault(
            member.vnfd.id, (parsed.document, copy.deepcopy(dict(parsed.document)))
        )
        descriptor = _at(edited, parsed.pointer)
        for raw in descriptor.get("virtual-compute-desc", ()):
            if raw.get("id") == vdu.virtual_compute_desc:
                _apply(raw, finding)
    for vnfd_id, (original, edited) in changed.items():
        before = yaml.safe_dump(_plain(original), sort_keys=False).splitlines(keepends=True)
        after = yaml.safe_dump(_plain(edited), sort_keys=False).splitlines(keepends=True)
        diff = "".join(
            difflib.unified_diff(before, after, f"a/{vnfd_id}.yaml", f"b/{vnfd_id}.yaml")
        )
        if diff:
            proposal.diffs[vnfd_id] = diff
    return proposal


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value

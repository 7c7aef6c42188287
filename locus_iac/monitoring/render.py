"""What the Config Manager writes for one NS instance: scrape targets, rules, the route.

Pure functions of a :class:`ServiceView` (the NS instance, its VNF members and their VNFDs);
nothing here touches a file or a service (see :mod:`locus_iac.monitoring.files`).

How the descriptor becomes rules (the contract of issue 17, "Metrics and alert labels"):

* A monitoring parameter (``df/monitoring-parameter`` or ``vdu/monitoring-parameter``) is
  the Prometheus metric named by its ``performance-metric`` (its ``id`` when absent; characters
  Prometheus does not allow become ``_``), selected by ``ns_id`` and ``vnf_member_index``.
* OSM's ``scaling-criteria`` has no statistic: a criterion compares the **average over the
  member's series** (``avg by (ns_id, vnf_member_index)``) with its threshold, as OSM's MON
  does for a scaling group. ``GE/LE/GT/LT/EQ/NE`` are ``>= <= > < == !=``. The criteria of a
  policy are joined by its ``scale-out-operation-type`` / ``scale-in-operation-type``
  (``AND`` -> ``and``, ``OR`` -> ``or``; default ``OR``, OSM's). A criterion without a
  threshold or relational operation for a direction takes no part in that direction.
* Only ``scaling-type: automatic`` policies not ``enabled: false`` become alerts
  ``LocusScaleOut`` / ``LocusScaleIn``; ``for:`` is ``threshold-time`` seconds.
* An OSM ``vdu/alarm`` becomes ``LocusVduAlarm`` with its own ``statistic`` (``AVERAGE`` avg,
  ``MINIMUM`` min, ``MAXIMUM`` max, ``COUNT`` count, ``SUM`` sum; default avg) over that VDU's
  series; labels ``locus_kind="alarm"``, ``alarm_id``, ``severity``.
* ``LocusTargetDown`` (``locus_kind="heal"``), one per member with a scrape target:
  ``up == 0`` for 15 s (``vdu_id`` comes from the target's labels); the member's OSM
  ``healing-aspect`` (first policy) adds annotations ``recovery_type``, ``healing_vdu``,
  ``cooldown_seconds`` and ``action_on_recovery``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from locus_iac.descriptors import Vnfd
from locus_iac.descriptors.vnfd_df import ScalingCriteria, ScalingPolicy, VnfDf

SERVICES_JOB = "locus-services"
RECEIVER = "locus-smart"
TARGET_DOWN_FOR = "15s"

_OPERATORS = {"GE": ">=", "LE": "<=", "GT": ">", "LT": "<", "EQ": "==", "NE": "!="}
_STATISTICS = {"AVERAGE": "avg", "MINIMUM": "min", "MAXIMUM": "max", "COUNT": "count", "SUM": "sum"}
_METRIC_CHARS = re.compile(r"[^a-zA-Z0-9_:]")
_TOPIC_CHARS = re.compile(r"[^a-zA-Z0-9._-]")


@dataclass(frozen=True)
class MemberView:
    """One VNF of the NS instance (``member_index`` = its VNF profile id)."""

    member_index: str
    vnfd: Vnfd
    flavour_id: str | None = None
    endpoint: str | None = None


@dataclass(frozen=True)
class ServiceView:
    """An NS instance as the Config Manager sees it."""

    ns_id: str
    project: str
    members: tuple[MemberView, ...] = field(default_factory=tuple)


def metric_name(name: str) -> str:
    """A Prometheus metric name for a descriptor's ``performance-metric``."""
    cleaned = _METRIC_CHARS.sub("_", name)
    return cleaned if not cleaned[:1].isdigit() else f"_{cleaned}"


def service_topic(ns_id: str) -> str:
    return f"locus.ns.{ns_id}"


def project_topic(project: str) -> str:
    return f"locus.project.{_TOPIC_CHARS.sub('_', project)}.lcm"


def _quote(value: str) -> str:
    return json.dumps(value)  # a PromQL string literal is a JSON string for these values


def _selector(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={_quote(v)}" for k, v in labels.items()) + "}"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _flavour(member: MemberView) -> VnfDf | None:
    if member.flavour_id is not None:
        return member.vnfd.df_by_id(member.flavour_id)
    return member.vnfd.df[0] if member.vnfd.df else None


def _metric_of(vnfd: Vnfd, df: VnfDf, param_id: str) -> str | None:
    params = [*df.monitoring_parameter, *(p for v in vnfd.vdu for p in v.monitoring_parameter)]
    found = next((p for p in params if p.id == param_id), None)
    if found is None:
        return None
    return metric_name(found.performance_metric or found.id)


# -- targets -----------------------------------------------------------------------------------


def _single_unit(vnfd: Vnfd) -> str:
    units = [v.id for v in vnfd.vdu] + [k.name for k in vnfd.kdu]
    return units[0] if len(units) == 1 else ""


def render_targets(view: ServiceView) -> list[dict[str, Any]]:
    """The file_sd entries of the service: one per member with a known endpoint."""
    return [
        {
            "targets": [m.endpoint],
            "labels": {
                "ns_id": view.ns_id,
                "vnf_member_index": m.member_index,
                "vdu_id": _single_unit(m.vnfd),
                "project": view.project,
            },
        }
        for m in view.members
        if m.endpoint
    ]


# -- rules -------------------------------------------------------------------------------------


def _criterion(
    criterion: ScalingCriteria, metric: str, selector: str, direction: str
) -> str | None:
    threshold = getattr(criterion, f"scale_{direction}_threshold")
    operation = getattr(criterion, f"scale_{direction}_relational_operation")
    if threshold is None or operation is None:
        return None
    aggregate = f"avg by (ns_id, vnf_member_index) ({metric}{selector})"
    return f"{aggregate} {_OPERATORS[operation]} {_number(threshold)}"


def _policy_rules(
    view: ServiceView, member: MemberView, df: VnfDf, aspect_id: str, policy: ScalingPolicy
) -> list[dict[str, Any]]:
    selector = _selector({"ns_id": view.ns_id, "vnf_member_index": member.member_index})
    rules = []
    for direction in ("out", "in"):
        parts: list[tuple[str, str, Decimal]] = []
        for criterion in policy.scaling_criteria:
            metric = _metric_of(member.vnfd, df, criterion.vnf_monitoring_param_ref or "")
            expr = metric and _criterion(criterion, metric, selector, direction)
            if metric and expr:
                parts.append((expr, metric, getattr(criterion, f"scale_{direction}_threshold")))
        if not parts:
            continue
        join = getattr(policy, f"scale_{direction}_operation_type") or "OR"
        expression = f" {join.lower()} ".join(f"({expr})" for expr, _, _ in parts)
        rule: dict[str, Any] = {
            "alert": "LocusScaleOut" if direction == "out" else "LocusScaleIn",
            "expr": expression,
            "labels": {
                "locus_kind": "scale",
                "ns_id": view.ns_id,
                "vnf_member_index": member.member_index,
                "scaling_aspect": aspect_id,
                "scaling_policy": policy.name,
                "scaling_direction": direction,
                "project": view.project,
            },
            "annotations": {
                "threshold": ",".join(_number(t) for _, _, t in parts),
                "cooldown_seconds": str(policy.cooldown_time or 0),
                "metric": ",".join(m for _, m, _ in parts),
                "value": "{{ $value }}",
            },
        }
        if policy.threshold_time:
            rule["for"] = f"{policy.threshold_time}s"
        rules.append(rule)
    return rules


def _scaling_rules(view: ServiceView, member: MemberView) -> list[dict[str, Any]]:
    df = _flavour(member)
    if df is None:
        return []
    rules = []
    for aspect in df.scaling_aspect:
        for policy in aspect.scaling_policy:
            if policy.scaling_type == "automatic" and policy.enabled is not False:
                rules.extend(_policy_rules(view, member, df, aspect.id, policy))
    return rules


def _alarm_rules(view: ServiceView, member: MemberView) -> list[dict[str, Any]]:
    df = _flavour(member)
    rules = []
    for vdu in member.vnfd.vdu:
        for alarm in vdu.alarm:
            ref = alarm.vnf_monitoring_param_ref
            metric = _metric_of(member.vnfd, df, ref) if df and ref else None
            if metric is None or alarm.value is None or alarm.operation is None:
                continue
            if alarm.enabled is False:
                continue
            labels = {"ns_id": view.ns_id, "vnf_member_index": member.member_index}
            statistic = _STATISTICS[alarm.statistic or "AVERAGE"]
            aggregate = f"{statistic} by (ns_id, vnf_member_index) ({metric}{_selector(labels)})"
            rules.append(
                {
                    "alert": "LocusVduAlarm",
                    "expr": f"{aggregate} {_OPERATORS[alarm.operation]} {_number(alarm.value)}",
                    "labels": {
                        "locus_kind": "alarm",
                        **labels,
                        "vdu_id": vdu.id,
                        "alarm_id": alarm.alarm_id,
                        "severity": (alarm.severity or "MODERATE").lower(),
                        "project": view.project,
                    },
                    "annotations": {"metric": metric, "value": "{{ $value }}"},
                }
            )
    return rules


def _healing(member: MemberView) -> dict[str, str]:
    """Annotations from the member's OSM ``healing-aspect`` (the first policy), if any."""
    df = _flavour(member)
    policies = [p for a in (df.healing_aspect if df else ()) for p in a.healing_policy]
    if not policies:
        return {}
    policy = policies[0]
    notes = {"recovery_type": policy.recovery_type or "automatic", "healing_vdu": policy.vdu_id}
    if policy.cooldown_time is not None:
        notes["cooldown_seconds"] = str(policy.cooldown_time)
    if policy.action_on_recovery:
        notes["action_on_recovery"] = policy.action_on_recovery
    return notes


def _target_down(view: ServiceView, member: MemberView) -> dict[str, Any]:
    labels = {"ns_id": view.ns_id, "vnf_member_index": member.member_index}
    return {
        "alert": "LocusTargetDown",
        "expr": f"up{_selector({'job': SERVICES_JOB, **labels})} == 0",
        "for": TARGET_DOWN_FOR,
        "labels": {"locus_kind": "heal", **labels, "project": view.project},
        "annotations": {
            "summary": "{{ $labels.instance }} of NS {{ $labels.ns_id }} is down",
            **_healing(member),
        },
    }


def render_rules(view: ServiceView) -> dict[str, Any]:
    """The Prometheus rule file of the service (one group named after the NS instance)."""
    rules: list[dict[str, Any]] = []
    for member in view.members:
        rules.extend(_scaling_rules(view, member))
        rules.extend(_alarm_rules(view, member))
    rules.extend(_target_down(view, member) for member in view.members if member.endpoint)
    return {"groups": [{"name": f"locus-ns-{view.ns_id}", "rules": rules}]}


# -- alertmanager ------------------------------------------------------------------------------


def render_route(ns_id: str) -> dict[str, Any]:
    """The Alertmanager route fragment that sends this service's alerts to the smart functions."""
    return {
        "matchers": [f"ns_id={_quote(ns_id)}"],
        "receiver": RECEIVER,
        "group_by": ["alertname", "ns_id", "vnf_member_index", "scaling_aspect"],
        "group_wait": "1s",
        "group_interval": "5s",
        "repeat_interval": "1m",
    }


def render_alertmanager(base: dict[str, Any], routes: list[dict[str, Any]]) -> dict[str, Any]:
    """``base.yml`` with the service routes first in its top-level route."""
    config = json.loads(json.dumps(base))  # a deep copy of plain YAML data
    top = config.setdefault("route", {})
    top["routes"] = [*routes, *(top.get("routes") or [])]
    return dict(config)

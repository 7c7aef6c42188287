"""``KubernetesKnf``: the KDUs of one KNF as Helm releases (seed §4.3.3, §5.1 Figure 36).

Each KDU (OSM ``kdu/helm-chart``) becomes a Helm release of the package's chart in the NS
instance's namespace. Its values carry the replica count, the Day0 parameters and the
Multus annotation ``k8s.v1.cni.cncf.io/networks`` naming the NetworkAttachmentDefinitions
of the KNF's ``k8s-cluster`` nets, so every pod gets one extra macvlan interface per net.

Values follow the layout ``helm create`` generates (``replicaCount``, ``podAnnotations``,
``fullnameOverride``), which the example chart uses; parameters given for the KDU are
merged on top.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from locus_iac.infra.topology import KduPlan, VnfPlan

MULTUS_ANNOTATION = "k8s.v1.cni.cncf.io/networks"
_NOT_DNS = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class KubernetesKnfArgs:
    """Inputs of :class:`KubernetesKnf`.

    ``attachments`` maps each VL id of the KNF's nets to the NAD's ``namespace/name``.
    """

    ns_instance_id: str
    vnf: VnfPlan
    namespace: pulumi.Input[str]
    attachments: Mapping[str, pulumi.Input[str]]


class KubernetesKnf(pulumi.ComponentResource):
    """The Helm releases of one KNF; ``service_endpoints`` maps KDU name to the in-cluster
    DNS name of its service."""

    releases: dict[str, k8s.helm.v3.Release]
    service_endpoints: pulumi.Output[dict[str, str]]

    def __init__(
        self, name: str, args: KubernetesKnfArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("locus:kubernetes:Knf", name, None, opts)
        self.releases = {}
        endpoints: dict[str, pulumi.Output[str]] = {}
        for kdu in args.vnf.kdus:
            missing = sorted(set(kdu.networks) - set(args.attachments))
            if missing:
                raise ValueError(f"{name}: KDU {kdu.name} uses nets with no NAD: {missing}")
            release_name = release_name_for(args.ns_instance_id, args.vnf.profile_id, kdu.name)
            values = pulumi.Output.all(*[args.attachments[n] for n in kdu.networks]).apply(
                _values_of(kdu, release_name, args.vnf.params)
            )
            release = k8s.helm.v3.Release(
                f"{name}-{kdu.name}",
                k8s.helm.v3.ReleaseArgs(
                    name=release_name,
                    chart=kdu.chart,
                    version=kdu.chart_version,
                    namespace=args.namespace,
                    values=values,
                    atomic=True,
                    cleanup_on_fail=True,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.releases[kdu.name] = release
            endpoints[kdu.name] = pulumi.Output.concat(
                release_name, ".", args.namespace, ".svc.cluster.local"
            )
        self.service_endpoints = pulumi.Output.all(**endpoints).apply(dict)
        self.register_outputs({"service_endpoints": self.service_endpoints})


def release_name_for(ns_instance_id: str, profile_id: str, kdu: str) -> str:
    """A Helm release name (DNS label, at most 53 characters) unique per NS, VNF and KDU."""
    raw = f"{kdu}-{profile_id}-{ns_instance_id[:8]}".lower()
    label = _NOT_DNS.sub("-", raw).strip("-")
    return label[:53].rstrip("-")


def _values_of(
    kdu: KduPlan, release_name: str, params: Mapping[str, str]
) -> Callable[[list[str]], dict[str, Any]]:
    def values(attachments: list[str]) -> dict[str, Any]:
        return helm_values(kdu, release_name, attachments, params)

    return values


def helm_values(
    kdu: KduPlan,
    release_name: str,
    attachments: list[str],
    params: Mapping[str, str],
) -> dict[str, Any]:
    """The values of one KDU's release: chart defaults overridden by the KDU's own values,
    then by LOCUS (replicas, name, Multus annotation, Day0 parameters under ``locus``)."""
    values: dict[str, Any] = _deep_merge({}, dict(kdu.values))
    annotations = dict(values.get("podAnnotations") or {})
    if attachments:
        annotations[MULTUS_ANNOTATION] = ", ".join(attachments)
    values.update(
        replicaCount=kdu.replicas,
        fullnameOverride=release_name,
        podAnnotations=annotations,
    )
    if params:
        values["locus"] = {"params": dict(params)}
    return values


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            base[key] = _deep_merge(dict(base[key]), value)
        else:
            base[key] = value
    return base

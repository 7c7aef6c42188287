"""``KubernetesKnf``: the KDUs of one KNF as Helm releases (seed §4.3.3, §5.1 Figure 36).

Each KDU (OSM ``kdu/helm-chart``) becomes a Helm release of the package's chart in the NS
instance's namespace (one per NS instance and site, declared by ``NetworkService`` so that
the KNFs and NADs of one NS share it). Its values carry the replica count, the Day0
parameters and the Multus annotation ``k8s.v1.cni.cncf.io/networks`` naming the
NetworkAttachmentDefinitions of the KNF's ``k8s-cluster`` nets, so every pod gets one extra
macvlan interface per net.

Values: ``replicaCount`` and ``podAnnotations`` (the layout ``helm create`` generates) and,
for charts that build the annotation themselves like the example ``edge-cache`` chart,
``networks``: ``namespace`` plus one key per net naming its NAD (the net id, and the net id
without a ``_net``/``-net`` suffix: ``cache_net`` -> ``cache``) and ``<key>Namespace``, the
namespace of that NAD (another nested NS's, when the net is a netslice link it attaches
to). Helm values given for the KDU at instantiation are merged first, the keys above win;
Day0 parameters of the VNF go under ``locus.params``. The service endpoint assumes the
usual ``<release>-<chart>`` name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from locus_iac.infra.components._checks import invalid
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
    DNS name of its service; ``kdus`` maps KDU name to ``release``, ``namespace`` and
    ``service`` (what Day1/Day2 playbooks need to find the KDU)."""

    releases: dict[str, k8s.helm.v3.Release]
    service_endpoints: pulumi.Output[dict[str, str]]
    kdus: pulumi.Output[dict[str, dict[str, str]]]

    def __init__(
        self, name: str, args: KubernetesKnfArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("locus:kubernetes:Knf", name, None, opts)
        self.releases = {}
        endpoints: dict[str, pulumi.Output[str]] = {}
        for kdu in args.vnf.kdus:
            missing = sorted(set(kdu.networks) - set(args.attachments))
            if missing:
                raise invalid(f"{name}: KDU {kdu.name} uses nets with no NAD: {missing}")
            release_name = release_name_for(args.ns_instance_id, args.vnf.profile_id, kdu.name)
            values = pulumi.Output.all(
                args.namespace, *[args.attachments[n] for n in kdu.networks]
            ).apply(_values_of(kdu, args.vnf.params))
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
            fullname = f"{release_name}-{Path(kdu.chart).name}"[:63].rstrip("-")
            endpoints[kdu.name] = pulumi.Output.concat(
                fullname, ".", args.namespace, ".svc.cluster.local"
            )
        self.service_endpoints = pulumi.Output.all(**endpoints).apply(dict)
        names = {
            k: release_name_for(args.ns_instance_id, args.vnf.profile_id, k) for k in endpoints
        }
        self.kdus = pulumi.Output.all(args.namespace, self.service_endpoints).apply(
            lambda v: {
                k: {"release": r, "namespace": v[0], "service": v[1][k]} for k, r in names.items()
            }
        )
        self.register_outputs({"service_endpoints": self.service_endpoints, "kdus": self.kdus})


def release_name_for(ns_instance_id: str, profile_id: str, kdu: str) -> str:
    """A Helm release name (DNS label, at most 53 characters) unique per NS, VNF and KDU."""
    raw = f"{kdu}-{profile_id}-{ns_instance_id[:8]}".lower()
    label = _NOT_DNS.sub("-", raw).strip("-")
    return label[:53].rstrip("-")


def _values_of(kdu: KduPlan, params: Mapping[str, str]) -> Callable[[list[str]], dict[str, Any]]:
    def values(resolved: list[str]) -> dict[str, Any]:
        namespace, *attachments = resolved
        return helm_values(
            kdu, namespace, dict(zip(kdu.networks, attachments, strict=True)), params
        )

    return values


def helm_values(
    kdu: KduPlan,
    namespace: str,
    attachments: Mapping[str, str],
    params: Mapping[str, str],
) -> dict[str, Any]:
    """The values of one KDU's release (see the module docstring for the layout).

    ``attachments`` maps each net (VL id) to its NAD as ``namespace/name``.
    """
    values: dict[str, Any] = _deep_merge({}, dict(kdu.values))
    annotations = dict(values.get("podAnnotations") or {})
    if attachments:
        annotations[MULTUS_ANNOTATION] = ", ".join(attachments.values())
    networks: dict[str, Any] = dict(values.get("networks") or {})
    networks["namespace"] = namespace
    for net, attachment in attachments.items():
        nad_namespace, _, nad = attachment.rpartition("/")
        for key in (net, _short(net)):
            networks[key] = nad
            networks[f"{key}Namespace"] = nad_namespace or namespace
    values.update(replicaCount=kdu.replicas, podAnnotations=annotations, networks=networks)
    if params:
        values["locus"] = {"params": dict(params)}
    return values


def _short(net: str) -> str:
    for suffix in ("_net", "-net"):
        if net.endswith(suffix) and len(net) > len(suffix):
            return net[: -len(suffix)]
    return net


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            base[key] = _deep_merge(dict(base[key]), value)
        else:
            base[key] = value
    return base

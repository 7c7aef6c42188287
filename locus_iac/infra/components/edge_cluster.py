"""``EdgeCluster``: what a Kubernetes edge site needs before NSs land on it (seed §3.2.3).

Namespaces for LOCUS workloads, the site's Multus NetworkAttachmentDefinitions (macvlan on
the master interface: the data/transit networks that are not per-NS), and a
ServiceAccount with a namespaced Role/RoleBinding per namespace so the MANO deploys with
least privilege (Helm releases, NADs, pods, services, config).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from locus_iac.infra.components._checks import invalid
from locus_iac.infra.components.virtual_link import NAD_API_VERSION, NAD_KIND, macvlan_config

MANO_RULES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("",), ("pods", "services", "configmaps", "secrets", "serviceaccounts", "events")),
    (("apps",), ("deployments", "statefulsets", "replicasets", "daemonsets")),
    (("k8s.cni.cncf.io",), ("network-attachment-definitions",)),
    (("networking.k8s.io",), ("networkpolicies", "ingresses")),
)


@dataclass(frozen=True)
class EdgeClusterArgs:
    """Inputs of :class:`EdgeCluster`: ``networks`` maps NAD name to its CIDR; ``segment``
    is the prefix of the master interface's segment (the site's CIDR pool), so that pods on
    these NADs (the VPN gateway) are on-link for the per-NS links' pods."""

    namespaces: Sequence[str]
    master_interface: str
    networks: Mapping[str, str] = field(default_factory=dict)
    ipam: str = "whereabouts"
    mano_account: str = "locus-mano"
    segment: str | None = None


class EdgeCluster(pulumi.ComponentResource):
    """Namespaces, site NADs and the MANO's service account and RBAC."""

    def __init__(
        self, name: str, args: EdgeClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("locus:edge:EdgeCluster", name, None, opts)
        if not args.namespaces:
            raise invalid(f"{name}: at least one namespace is needed")
        child = pulumi.ResourceOptions(parent=self)
        labels = {"app.kubernetes.io/managed-by": "locus"}
        namespaces = {
            ns: k8s.core.v1.Namespace(
                f"{name}-ns-{ns}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=ns, labels=labels),
                opts=child,
            )
            for ns in args.namespaces
        }
        home = args.namespaces[0]
        home_ns = namespaces[home].metadata.apply(lambda m: str(m.name))
        account = k8s.core.v1.ServiceAccount(
            f"{name}-mano",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.mano_account, namespace=home_ns),
            opts=child,
        )
        for ns, namespace in namespaces.items():
            self._rbac(name, ns, namespace.metadata.apply(lambda m: str(m.name)), args, home_ns)
        self.attachments: dict[str, pulumi.Output[str]] = {}
        for nad_name, cidr in args.networks.items():
            nad = k8s.apiextensions.CustomResource(
                f"{name}-nad-{nad_name}",
                api_version=NAD_API_VERSION,
                kind=NAD_KIND,
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=nad_name, namespace=home_ns, labels=labels
                ),
                spec={
                    "config": macvlan_config(
                        nad_name, args.master_interface, args.ipam, cidr, segment=args.segment
                    )
                },
                opts=child,
            )
            self.attachments[nad_name] = pulumi.Output.all(nad.id, home_ns).apply(
                _attachment(nad_name)
            )
        self.namespaces = list(args.namespaces)
        self.service_account = account.metadata.apply(lambda m: str(m.name))
        self.register_outputs({"service_account": self.service_account})

    def _rbac(
        self,
        name: str,
        ns: str,
        ns_name: pulumi.Output[str],
        args: EdgeClusterArgs,
        home_ns: pulumi.Output[str],
    ) -> None:
        """A Role with the MANO's rights in one namespace, bound to its ServiceAccount."""
        child = pulumi.ResourceOptions(parent=self)
        role = k8s.rbac.v1.Role(
            f"{name}-mano-role-{ns}",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.mano_account, namespace=ns_name),
            rules=[
                k8s.rbac.v1.PolicyRuleArgs(api_groups=list(g), resources=list(r), verbs=["*"])
                for g, r in MANO_RULES
            ],
            opts=child,
        )
        k8s.rbac.v1.RoleBinding(
            f"{name}-mano-binding-{ns}",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.mano_account, namespace=ns_name),
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="Role", name=role.metadata.name
            ),
            subjects=[
                k8s.rbac.v1.SubjectArgs(
                    kind="ServiceAccount", name=args.mano_account, namespace=home_ns
                )
            ],
            opts=child,
        )


def _attachment(nad: str) -> Callable[[list[str]], str]:
    def name(values: list[str]) -> str:
        return f"{values[1]}/{nad}"

    return name

"""locus-edge: prepare a Kubernetes edge for LOCUS KNFs (seed §3.2.3, §5.1)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
from config import EdgeConfig

from locus_iac.infra import EdgeCluster, EdgeClusterArgs
from locus_iac.infra.stack_config import expand_path, read_stack_config

cfg = read_stack_config(EdgeConfig)
kubeconfig = expand_path(cfg.kubeconfig, "locus-edge:kubeconfig") if cfg.kubeconfig else None
cluster = k8s.Provider("edge", kubeconfig=kubeconfig, context=cfg.context)
edge = EdgeCluster(
    pulumi.get_stack(),
    EdgeClusterArgs(
        namespaces=cfg.namespaces,
        master_interface=cfg.master_interface,
        networks={name: str(cidr) for name, cidr in cfg.networks.items()},
        ipam=cfg.ipam,
        mano_account=cfg.mano_account,
        segment=str(cfg.segment) if cfg.segment else None,
    ),
    pulumi.ResourceOptions(providers=[cluster]),
)
pulumi.export("namespaces", edge.namespaces)
pulumi.export("attachments", edge.attachments)
pulumi.export("service_account", edge.service_account)

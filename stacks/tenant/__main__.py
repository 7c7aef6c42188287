"""locus-tenant: an OpenStack tenant for LOCUS at one core site (seed §3.3, §5.1)."""

from __future__ import annotations

import pulumi
import pulumi_openstack as openstack
from config import TenantConfig

from locus_iac.infra import Tenant, TenantArgs
from locus_iac.infra.components.tenant import ProviderNetworkArgs
from locus_iac.infra.stack_config import read_stack_config

cfg = read_stack_config(TenantConfig)
password = pulumi.Config().require_secret("userPassword")
admin = openstack.Provider("admin", cloud=cfg.cloud)
tenant = Tenant(
    cfg.project,
    TenantArgs(
        project=cfg.project,
        user=cfg.user,
        password=password,
        role=cfg.role,
        external_network=cfg.external_network,
        management=ProviderNetworkArgs(
            name=cfg.management.name,
            cidr=str(cfg.management.cidr),
            physical_network=cfg.management.physical_network,
            network_type=cfg.management.network_type,
            segmentation_id=cfg.management.segmentation_id,
        ),
        data_networks={name: str(cidr) for name, cidr in cfg.data_networks.items()},
        quotas=cfg.quotas.quotas(),
        admin_cidrs=[str(c) for c in cfg.admin_cidrs],
        dns_nameservers=cfg.dns_nameservers,
    ),
    pulumi.ResourceOptions(providers=[admin]),
)
pulumi.export("project_id", tenant.project_id)
pulumi.export("router_id", tenant.router_id)
pulumi.export("management_network_id", tenant.management_network_id)
pulumi.export("data_network_ids", tenant.data_network_ids)
pulumi.export("security_group_id", tenant.security_group_id)

"""Sites: the VIMs (OpenStack core, Kubernetes edge) the MANO deploys to.

Capacity, current use, unit cost, role, network mappings, VPN endpoint, and the
inter-site latency matrix; loaded from YAML by :func:`load_sites` (see ``examples/sites``).
OpenStack VIM accounts: :class:`OpenStackAccount`, checked against Keystone at registration
(:func:`check_account`) and written as ``clouds.yaml`` at each operation
(:func:`write_clouds_yaml`, read back by the program with :func:`read_cloud`).
"""

from locus_iac.sites.clouds import (
    SECRET_PROVIDER_ARGS,
    CloudSettings,
    file_name,
    read_cloud,
    write_clouds_yaml,
    write_private,
)
from locus_iac.sites.keystone import KeystoneCheck, check_account
from locus_iac.sites.loader import load_sites
from locus_iac.sites.models import (
    RESOURCE_FIELDS,
    KubernetesNetworking,
    OpenStackNetworking,
    Resources,
    Site,
    SiteCatalog,
    SiteKind,
    SiteRole,
    UnitCost,
    VpnEndpoint,
    require_within,
)
from locus_iac.sites.openstack import OpenStackAccount, keystone_v3_url

__all__ = [
    "RESOURCE_FIELDS",
    "SECRET_PROVIDER_ARGS",
    "CloudSettings",
    "KeystoneCheck",
    "KubernetesNetworking",
    "OpenStackAccount",
    "OpenStackNetworking",
    "Resources",
    "Site",
    "SiteCatalog",
    "SiteKind",
    "SiteRole",
    "UnitCost",
    "VpnEndpoint",
    "check_account",
    "file_name",
    "keystone_v3_url",
    "load_sites",
    "read_cloud",
    "require_within",
    "write_clouds_yaml",
    "write_private",
]

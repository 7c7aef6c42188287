"""Sites: the VIMs (OpenStack core, Kubernetes edge) the MANO deploys to.

Capacity, current use, unit cost, role, network mappings, VPN endpoint, and the
inter-site latency matrix; loaded from YAML by :func:`load_sites` (see ``examples/sites``).
"""

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

__all__ = [
    "RESOURCE_FIELDS",
    "KubernetesNetworking",
    "OpenStackNetworking",
    "Resources",
    "Site",
    "SiteCatalog",
    "SiteKind",
    "SiteRole",
    "UnitCost",
    "VpnEndpoint",
    "load_sites",
    "require_within",
]

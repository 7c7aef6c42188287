"""Where ``scripts/bootstrap-tools`` installs the OpenStack provider plugin."""

from __future__ import annotations

import os
from pathlib import Path

PLUGIN_VERSION = "5.5.3"
TOOLS_DIR = Path(os.environ.get("LOCUS_TOOLS_DIR", Path.home() / ".cache/locus-iac/tools"))
PULUMI_HOME = Path(os.environ.get("PULUMI_HOME", TOOLS_DIR / "pulumi-home"))
PLUGIN = (
    PULUMI_HOME / "plugins" / f"resource-openstack-v{PLUGIN_VERSION}" / "pulumi-resource-openstack"
)

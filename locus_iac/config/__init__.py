"""Day-0/1/2 configuration: templates rendered for Day 0, Ansible playbooks for Day 1 and 2.

Public API: :class:`ConfigRunner` (Day-1 initial primitives, Day-2 actions, terminate
primitives), the inventories
built from stack outputs (VDUs over SSH, KDUs through their cluster's API), the primitive
parameter checks, the typed task results and the Day-0 template rendering.
"""

from locus_iac.config.day0 import Day0Context, render_cloud_init, render_helm_values
from locus_iac.config.day12 import ConfigRunner, VnfConfigTarget, raise_for_failure
from locus_iac.config.events import TaskCallback, task_result
from locus_iac.config.inventory import Inventory, SshTarget, inventory_from_outputs
from locus_iac.config.kube_inventory import (
    AnsibleInventory,
    KduTarget,
    KubernetesInventory,
    kubernetes_inventory_from_outputs,
)
from locus_iac.config.primitives import (
    ResolvedPlaybook,
    check_primitive_params,
    day12_entries,
    initial_params,
    ordered_initial,
    ordered_terminate,
    resolve_playbook,
    vnf_day12,
)
from locus_iac.config.results import PlaybookRun, TaskResult, TaskStatus
from locus_iac.config.runner import run_playbook
from locus_iac.infra.templates import render_template

__all__ = [
    "AnsibleInventory",
    "ConfigRunner",
    "Day0Context",
    "Inventory",
    "KduTarget",
    "KubernetesInventory",
    "PlaybookRun",
    "ResolvedPlaybook",
    "SshTarget",
    "TaskCallback",
    "TaskResult",
    "TaskStatus",
    "VnfConfigTarget",
    "check_primitive_params",
    "day12_entries",
    "initial_params",
    "inventory_from_outputs",
    "kubernetes_inventory_from_outputs",
    "ordered_initial",
    "ordered_terminate",
    "raise_for_failure",
    "render_cloud_init",
    "render_helm_values",
    "render_template",
    "resolve_playbook",
    "run_playbook",
    "task_result",
    "vnf_day12",
]

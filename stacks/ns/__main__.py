"""locus-ns: `pulumi up` for one NS / netslice instance from its plan file."""

from __future__ import annotations

import logging
from pathlib import Path

import pulumi
from config import NsConfig

from locus_iac.infra import NsiPlan, NsPlan, SiteAccess, build_ns, build_nsi
from locus_iac.infra.plan_file import read_plan
from locus_iac.infra.stack_config import expand_path, read_stack_config

log = logging.getLogger("locus-ns")


def with_access(plan: NsPlan, cfg: NsConfig) -> NsPlan:
    """The plan with this stack's per-site credentials locations applied."""
    access = dict(plan.access)
    for site in {*cfg.clouds, *cfg.kubeconfigs, *cfg.contexts}:
        current = access.get(site, SiteAccess())
        kubeconfig = cfg.kubeconfigs.get(site)
        access[site] = SiteAccess(
            cloud=cfg.clouds.get(site, current.cloud),
            kubeconfig=expand_path(kubeconfig, "locus-ns:kubeconfigs", site)
            if kubeconfig
            else current.kubeconfig,
            context=cfg.contexts.get(site, current.context),
        )
    return plan.model_copy(update={"access": access})


cfg = read_stack_config(NsConfig)
loaded = read_plan(cfg.plan_file if cfg.plan_file.is_absolute() else Path.cwd() / cfg.plan_file)
if isinstance(loaded, NsiPlan):
    if loaded.nsi_id != pulumi.get_stack():
        log.warning("stack %s deploys NSI %s", pulumi.get_stack(), loaded.nsi_id)
    build_nsi(loaded.model_copy(update={"plan": with_access(loaded.plan, cfg)}))
else:
    if loaded.ns_instance_id != pulumi.get_stack():
        log.warning("stack %s deploys NS %s", pulumi.get_stack(), loaded.ns_instance_id)
    build_ns(with_access(loaded, cfg))

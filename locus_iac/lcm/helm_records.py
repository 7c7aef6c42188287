"""Helm release records left pending by a worker that died in the middle of an upgrade.

Helm keeps each revision of a release in a Secret ``sh.helm.release.v1.<name>.v<N>``
labelled ``owner=helm``, ``name=<release>`` and ``status=<status>``. An upgrade writes the
new revision as ``pending-upgrade`` first and marks it ``deployed`` at the end; killed in
between (the server or its worker stopped, ``kill -9``), the record stays pending and
every later upgrade of that release fails with "another operation (install/upgrade/rollback)
is in progress", so the operation's retry could never complete.

Before the retry of an operation (attempt 2 and later) runs its engine, the worker removes
the pending ``pending-upgrade`` / ``pending-rollback`` records of the NS instance's own
releases: the last ``deployed`` revision then stands, and the retried upgrade proceeds from
it, as ``helm rollback`` would leave it. ``pending-install`` records are left alone (the
release never had a deployed revision; removing the record would orphan what it created)
and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from locus_iac.infra import NsSpec, resolve_ns
from locus_iac.infra.components.kubernetes_knf import release_name_for
from locus_iac.infra.program import ns_namespace
from locus_iac.sites import SiteKind

log = logging.getLogger(__name__)

#: statuses whose record is removed: the release's last deployed revision stands
RELEASABLE = ("pending-upgrade", "pending-rollback")


@dataclass(frozen=True)
class SiteReleases:
    """The Helm releases of one NS instance at one Kubernetes site."""

    site: str
    kubeconfig: Path | None
    context: str | None
    namespace: str
    releases: tuple[str, ...]


def releases_of(spec: NsSpec) -> Iterator[SiteReleases]:
    """The NS instance's Helm releases, per Kubernetes site (names as the program gives them)."""
    plan = resolve_ns(spec)
    by_site: dict[str, list[str]] = {}
    for vnf in plan.vnfs:
        if vnf.kind is SiteKind.KUBERNETES and vnf.kdus:
            names = by_site.setdefault(vnf.site, [])
            names.extend(
                release_name_for(plan.ns_instance_id, vnf.profile_id, k.name) for k in vnf.kdus
            )
    for site, names in by_site.items():
        access = spec.access.get(site)
        yield SiteReleases(
            site=site,
            kubeconfig=Path(access.kubeconfig) if access and access.kubeconfig else None,
            context=access.context if access else None,
            namespace=ns_namespace(plan.ns_instance_id),
            releases=tuple(names),
        )


def release_pending(api: Any, namespace: str, releases: Iterable[str]) -> list[str]:
    """Remove the pending upgrade/rollback records of ``releases``; return the removed names.
    ``api``: a ``kubernetes.client.CoreV1Api`` (its secret list and delete calls)."""
    removed: list[str] = []
    for release in releases:
        selector = f"owner=helm,name={release}"
        for secret in api.list_namespaced_secret(namespace, label_selector=selector).items:
            status = (secret.metadata.labels or {}).get("status", "")
            name = secret.metadata.name
            if status in RELEASABLE:
                api.delete_namespaced_secret(name, namespace)
                log.warning("Helm release %s: removed its %s record %s", release, status, name)
                removed.append(name)
            elif status == "pending-install":
                log.warning("Helm release %s: %s is pending-install; left alone", release, name)
    return removed


def release_pending_of(spec: NsSpec) -> list[str]:
    """:func:`release_pending` at every Kubernetes site of ``spec``."""
    from kubernetes import client, config

    removed: list[str] = []
    for site in releases_of(spec):
        api_client = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(site.kubeconfig) if site.kubeconfig else None, context=site.context
        )
        with api_client:
            api = client.CoreV1Api(api_client)
            removed += release_pending(api, site.namespace, site.releases)
    return removed

"""Ansible inventories for the KDUs of a Kubernetes KNF (no SSH: the playbook talks to the
cluster's API server from the locus-iac host).

The NS program (:func:`locus_iac.infra.program.build_ns`) exports ``kdus``: KNF profile id ->
KDU name -> ``release`` (Helm release name), ``namespace`` and ``service`` (in-cluster DNS name
of the KDU's service). Each KDU of the KNF becomes one host named after the KDU, run with
``ansible_connection: local`` by this very interpreter (which has the ``kubernetes`` client the
``kubernetes.core`` modules need). Its host vars tell the playbook where the KDU lives:

=======================  ======================================================================
``locus_kdu``            KDU name (OSM ``kdu/name``)
``locus_helm_release``   Helm release of the KDU
``locus_namespace``      namespace of the release (the NS instance's namespace on the site)
``locus_service``        in-cluster DNS name of the KDU's service
``locus_vnf_profile``    the KNF's VNF profile id in the NSD
``locus_kubeconfig``     path of the site's kubeconfig (the NS instance's 0600 copy), if any
``locus_kube_context``   kubeconfig context, if one is named
=======================  ======================================================================

Only the kubeconfig's path goes into the inventory, never its content. Playbooks pass the
last two to the ``kubernetes.core`` modules, e.g. with ``module_defaults`` for the action
group ``group/kubernetes.core.k8s`` and ``default(omit)`` (unset: the client's own defaults,
``KUBECONFIG`` and its current context).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from locus_iac.config.inventory import Inventory
from locus_iac.errors import Issue, ValidationError, json_pointer

KDU_GROUP = "kdus"


class KduTarget(BaseModel):
    """One KDU of a KNF: where its Helm release lives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="inventory host name: the KDU name")
    vnf_profile_id: str
    release: str = Field(min_length=1)
    namespace: str = Field(min_length=1)
    service: str | None = None


class KubernetesInventory(BaseModel):
    """The KDUs of one run and the cluster credentials' file (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    targets: tuple[KduTarget, ...]
    kubeconfig: Path | None = Field(default=None, description="a path; never the content")
    context: str | None = None
    python_interpreter: str = Field(default_factory=lambda: sys.executable)

    def for_kdu(self, kdu: str) -> KubernetesInventory:
        """Only KDU ``kdu`` (for a KDU-level day1-2 entry, whose ``id`` is the KDU name)."""
        targets = tuple(t for t in self.targets if t.name == kdu)
        if not targets:
            raise ValidationError(
                f"no Helm release for KDU {kdu!r}",
                [Issue(json_pointer("kdu", kdu), "no-kdu-release", "no release of this KDU")],
            )
        return self.model_copy(update={"targets": targets})

    def as_ansible(self, known_hosts: Path | None = None) -> dict[str, Any]:
        """The inventory document for ansible-runner (``known_hosts`` is unused: no SSH)."""
        hosts: dict[str, dict[str, Any]] = {}
        for t in self.targets:
            host: dict[str, Any] = {
                "locus_kdu": t.name,
                "locus_helm_release": t.release,
                "locus_namespace": t.namespace,
                "locus_vnf_profile": t.vnf_profile_id,
            }
            if t.service:
                host["locus_service"] = t.service
            hosts[t.name] = host
        common: dict[str, Any] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": self.python_interpreter,
            # a module's code goes to its interpreter on stdin, instead of five shell
            # commands per task (home dir, temp dir, chmod, run, remove) around a file copy
            "ansible_pipelining": True,
        }
        if self.kubeconfig is not None:
            common["locus_kubeconfig"] = str(self.kubeconfig)
        if self.context:
            common["locus_kube_context"] = self.context
        return {
            "all": {
                "hosts": {},
                "children": {KDU_GROUP: {"hosts": hosts}},
                "vars": common,
            }
        }


AnsibleInventory = Inventory | KubernetesInventory
"""What a playbook runs against: VDUs over SSH or KDUs through their cluster's API."""


def kubernetes_inventory_from_outputs(
    kdus: Mapping[str, Any] | None,
    vnf_profile_id: str,
    kdu_names: Sequence[str],
    *,
    kubeconfig: Path | None,
    context: str | None = None,
) -> KubernetesInventory:
    """Hosts of one KNF (one per KDU in ``kdu_names``) from the stack output ``kdus``.

    Raises :class:`ValidationError` (pointers ``/outputs/kdus/<profile>[/<kdu>]``) when the
    stack exports no release for the KNF or for one of its KDUs.
    """
    where = json_pointer("outputs", "kdus", vnf_profile_id)
    if not kdu_names:
        raise ValidationError(
            f"KNF {vnf_profile_id!r} has no KDU to configure",
            [Issue(where, "no-kdu", "the VNFD declares no kdu")],
        )
    per_knf = (kdus or {}).get(vnf_profile_id)
    if not isinstance(per_knf, Mapping) or not per_knf:
        raise ValidationError(
            f"the NS stack exports no Helm release for KNF {vnf_profile_id!r}",
            [Issue(where, "no-kdu-release", "Day1/Day2 of a KNF need its KDUs' releases")],
        )
    targets: list[KduTarget] = []
    issues: list[Issue] = []
    for kdu in kdu_names:
        entry = per_knf.get(kdu)
        release = entry.get("release") if isinstance(entry, Mapping) else None
        namespace = entry.get("namespace") if isinstance(entry, Mapping) else None
        if not (isinstance(release, str) and release and isinstance(namespace, str) and namespace):
            issues.append(
                Issue(
                    json_pointer("outputs", "kdus", vnf_profile_id, kdu),
                    "no-kdu-release",
                    "the stack exports no release and namespace for this KDU",
                )
            )
            continue
        service = entry.get("service") if isinstance(entry, Mapping) else None
        targets.append(
            KduTarget(
                name=kdu,
                vnf_profile_id=vnf_profile_id,
                release=release,
                namespace=namespace,
                service=service if isinstance(service, str) and service else None,
            )
        )
    if issues:
        raise ValidationError("KDU releases missing from the stack outputs", issues)
    return KubernetesInventory(targets=tuple(targets), kubeconfig=kubeconfig, context=context)

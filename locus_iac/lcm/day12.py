"""Day1 and Day2 of an NS instance: Ansible playbooks of the VNF packages (seed §4.4).

Day1 runs, right after ``up``, the ``initial-config-primitive`` entries of every VNF's and
KNF's day1-2 configuration; Day2 (``action``) runs one ``config-primitive`` of one VNF profile,
its parameters checked against the VNFD (:func:`locus_iac.config.check_primitive_params`,
inside :meth:`ConfigRunner.day2`); TERMINATE runs the ``terminate-config-primitive`` entries
before the stack is destroyed (:func:`run_terminate`). Task results are stored on the
occurrence as they arrive; values of ``hidden`` parameters are redacted.

One code path for both kinds; only the inventory differs, chosen by the kind of the site the
profile is placed on:

* OpenStack VNF: its VDU instances over SSH, from the stack output ``management``
  (:func:`locus_iac.config.inventory_from_outputs`), with the NS instance's SSH key. The key
  pair is created once in the instance's work folder (private key 0600); the public key is
  injected by Day0 (cloud-init).
* Kubernetes KNF: its KDUs, from the stack output ``kdus`` (Helm release, namespace,
  service; :func:`locus_iac.config.kubernetes_inventory_from_outputs`), run locally against
  the cluster's API with the NS instance's decrypted kubeconfig file (``spec.access``; its
  path only).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from locus_iac.config import (
    AnsibleInventory,
    ConfigRunner,
    Inventory,
    PlaybookRun,
    VnfConfigTarget,
    inventory_from_outputs,
    kubernetes_inventory_from_outputs,
    raise_for_failure,
    vnf_day12,
)
from locus_iac.descriptors import Vnfd
from locus_iac.descriptors.day12 import Day12
from locus_iac.errors import Issue, ValidationError
from locus_iac.infra import NsSpec
from locus_iac.lcm.requests import ActionRequest
from locus_iac.lcm.runner import Job, Reporter
from locus_iac.sites import SiteKind

log = logging.getLogger(__name__)

_KEY = "id_ed25519"


def instance_key(workdir: Path) -> tuple[Path, str]:
    """The NS instance's SSH key: (private key file, public key line); created on first use."""
    folder = workdir / "ssh"
    private = folder / _KEY
    public = folder / f"{_KEY}.pub"
    if not private.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        line = key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        public.write_text(line.decode() + " locus-ns\n")
    return private, public.read_text().strip()


def _files(folder: Path | None) -> dict[str, bytes]:
    if folder is None or not folder.is_dir():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _inventory(
    spec: NsSpec,
    profile_id: str,
    vnfd: Vnfd,
    day12: Day12,
    outputs: Mapping[str, Any],
    workdir: Path,
) -> AnsibleInventory:
    """The hosts of one VNF profile: its KDUs (Kubernetes site) or its VDUs (OpenStack)."""
    site = spec.sites.site(spec.vnf_sites.get(profile_id) or spec.placement[profile_id])
    if site.kind is SiteKind.KUBERNETES:
        access = spec.access.get(site.name)
        kdus = outputs.get("kdus")
        return kubernetes_inventory_from_outputs(
            kdus if isinstance(kdus, Mapping) else None,
            profile_id,
            [kdu.name for kdu in vnfd.kdu],
            kubeconfig=Path(access.kubeconfig) if access and access.kubeconfig else None,
            context=access.context if access else None,
        )
    key, _ = instance_key(workdir)
    ssh = day12.config_access.ssh_access if day12.config_access else None
    management = outputs.get("management")
    return inventory_from_outputs(
        management if isinstance(management, Mapping) else None,
        profile_id,
        user=(ssh.default_user if ssh else None) or "ubuntu",
        private_key_file=key,
    )


def _target(
    spec: NsSpec,
    profile_id: str,
    vnfd: Vnfd,
    day12: Day12,
    outputs: Mapping[str, Any],
    workdir: Path,
) -> VnfConfigTarget:
    return VnfConfigTarget(
        ns_instance_id=spec.ns_instance_id,
        vnf_profile_id=profile_id,
        day12=day12,
        files=_files(spec.package_dirs.get(vnfd.id)),
        inventory=_inventory(spec, profile_id, vnfd, day12, outputs, workdir),
    )


def _profiles(spec: NsSpec) -> list[tuple[str, Vnfd]]:
    df = spec.nsd.df_by_id(spec.df_id) if spec.df_id else (spec.nsd.df[0] if spec.nsd.df else None)
    if df is None:
        return []
    return [
        (p.id, spec.vnfds[p.vnfd_id])
        for p in df.vnf_profile
        if p.vnfd_id in spec.vnfds and p.id not in spec.removed_vnfs
    ]


def _exported(spec: NsSpec, profile_id: str, outputs: Mapping[str, Any]) -> bool:
    """Whether the stack exports the hosts of ``profile_id`` (its KDUs' releases or its VDUs'
    management addresses): not so for a profile an interrupted ``up`` never created."""
    site = spec.sites.site(spec.vnf_sites.get(profile_id) or spec.placement[profile_id])
    key = "kdus" if site.kind is SiteKind.KUBERNETES else "management"
    per_kind = outputs.get(key)
    hosts = per_kind.get(profile_id) if isinstance(per_kind, Mapping) else None
    return isinstance(hosts, Mapping) and bool(hosts)


def skipped_by_continue(job: Job, phase: str, profile_ids: list[str]) -> set[str]:
    """The profiles a SOL005 ``continue`` skips in ``phase`` (``day1``, ``terminate``): those
    up to and including the one whose step failed (``job.resume_after``); the rest run."""
    step = job.resume_after or ""
    if not step.startswith(f"{phase}:"):
        return set()
    failed = step.partition(":")[2].split()[0] if step.partition(":")[2].split() else ""
    if failed not in profile_ids:
        return set()
    return set(profile_ids[: profile_ids.index(failed) + 1])


def run_day1(
    data_dir: Path,
    job: Job,
    spec: NsSpec,
    outputs: Mapping[str, Any],
    report: Reporter,
    *,
    only: Mapping[str, Collection[str]] | None = None,
) -> None:
    """Day1 of every VNF profile that has initial-config-primitives (in profile order);
    with ``only`` (profile -> VDU instance names, e.g. what a scale-out added), Day1 of just
    those hosts."""
    runner = ConfigRunner(data_dir)
    workdir = data_dir / "instances" / job.ns_instance_id
    profiles = _profiles(spec)
    skipped = skipped_by_continue(job, "day1", [p for p, _ in profiles])
    for profile_id, vnfd in profiles:
        day12 = vnf_day12(vnfd)
        if day12 is None or not day12.initial_config_primitive:
            continue
        if only is not None and not only.get(profile_id):
            continue
        if profile_id in skipped:
            report.step(f"day1 of {profile_id} skipped (continue)")
            continue
        report.step(f"day1: {profile_id}")
        target = _target(spec, profile_id, vnfd, day12, outputs, workdir)
        if only is not None and isinstance(target.inventory, Inventory):
            hosts = only[profile_id]
            target = replace(target, inventory=target.inventory.only(hosts))
        _raise_first_failure(
            runner.day1(
                target,
                spec.parameters.get(profile_id, {}),
                op_occ_id=job.op_occ_id,
                on_task=lambda result: report.task_results([result]),
                should_cancel=report.cancel_requested,
            )
        )


def run_terminate(
    data_dir: Path, job: Job, spec: NsSpec, outputs: Mapping[str, Any], report: Reporter
) -> None:
    """The terminate-config-primitives of every VNF profile, before anything is destroyed.

    Profiles go in reverse profile order (the mirror of Day1), each one's primitives in
    ``seq`` order with the parameters of Day1 (``<name>`` = instantiation parameter). A
    profile whose hosts the stack does not export (never created) is skipped with a log
    line. Every target is built before the first playbook runs; the first failure raises
    (:func:`raise_for_failure`) and stops the rest, so the caller destroys nothing.
    """
    workdir = data_dir / "instances" / job.ns_instance_id
    targets: list[VnfConfigTarget] = []
    profiles = list(reversed(_profiles(spec)))
    skipped = skipped_by_continue(job, "terminate", [p for p, _ in profiles])
    for profile_id, vnfd in profiles:
        day12 = vnf_day12(vnfd)
        if day12 is None or not day12.terminate_config_primitive:
            continue
        if profile_id in skipped:
            report.step(f"terminate primitives of {profile_id} skipped (continue)")
            continue
        if not _exported(spec, profile_id, outputs):
            log.info(
                "NS %s: VNF profile %s has no hosts in the stack outputs: "
                "its terminate-config-primitives are skipped",
                job.ns_instance_id,
                profile_id,
            )
            report.step(f"terminate: {profile_id} skipped (not deployed)")
            continue
        targets.append(_target(spec, profile_id, vnfd, day12, outputs, workdir))
    runner = ConfigRunner(data_dir)
    for target in targets:
        report.step(f"terminate: {target.vnf_profile_id}")
        _raise_first_failure(
            runner.terminate(
                target,
                spec.parameters.get(target.vnf_profile_id, {}),
                op_occ_id=job.op_occ_id,
                on_task=lambda result: report.task_results([result]),
                should_cancel=report.cancel_requested,
            )
        )


def _raise_first_failure(runs: list[PlaybookRun]) -> None:
    for run in runs:
        raise_for_failure(run)


def run_day2(
    data_dir: Path,
    job: Job,
    spec: NsSpec,
    outputs: Mapping[str, Any],
    request: ActionRequest,
    report: Reporter,
) -> None:
    """One Day2 primitive of one VNF profile (none when a ``continue`` goes past it)."""
    if (job.resume_after or "").startswith("day2:"):
        report.step(f"{job.resume_after} skipped (continue)")
        return
    profiles = dict(_profiles(spec))
    profile_id = request.profile_among(profiles)
    vnfd = profiles[profile_id]
    day12 = vnf_day12(vnfd)
    if day12 is None:
        raise ValidationError(
            f"VNF {profile_id!r} has no day1-2 configuration",
            [Issue("/primitive", "unknown-primitive", f"VNFD {vnfd.id} declares no primitives")],
        )
    workdir = data_dir / "instances" / job.ns_instance_id
    report.step(f"day2: {profile_id} {request.primitive}")
    target = _target(spec, profile_id, vnfd, day12, outputs, workdir)
    if request.unit is not None:
        target = replace(target, inventory=_one_unit(target, request.unit))
    runner = ConfigRunner(data_dir, timeout=request.timeout) if request.timeout else None
    run = (runner or ConfigRunner(data_dir)).day2(
        target,
        request.primitive,
        request.primitive_params,
        op_occ_id=job.op_occ_id,
        on_task=lambda result: report.task_results([result]),
        should_cancel=report.cancel_requested,
    )
    raise_for_failure(run)


def _one_unit(target: VnfConfigTarget, unit: str) -> AnsibleInventory:
    """The hosts of one VDU (OpenStack) or one KDU (Kubernetes): ``vdu_id`` of an action."""
    inventory = target.inventory
    try:
        if isinstance(inventory, Inventory):
            return inventory.for_vdu(unit)
        return inventory.for_kdu(unit)
    except ValidationError as exc:
        raise ValidationError(
            f"no host of {unit!r} in VNF profile {target.vnf_profile_id!r}",
            [Issue("/vdu_id", "unknown-vdu", str(exc))],
        ) from None

"""How the runner carries out an NS update (:mod:`locus_iac.lcm.update` says what changes).

UPDATE      resolve the new parameters -> terminate-config-primitives of the VNF instances
            it removes -> preview -> up -> Day1 of the VNF instances and VDU instances it adds
rollback    of an UPDATE: deploy the parameters the NS instance had before (preview -> up);
            what the update added is deleted, what it removed is created again (with Day1)

The NS instance's parameters change only when the update completes
(:attr:`~locus_iac.lcm.runner.Outcome.instance_params`), so a failed update leaves the
previous ones in place for retry, rollback or a new request.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from locus_iac.infra import NsSpec, resolve_ns
from locus_iac.lcm.day12 import run_day1, run_terminate
from locus_iac.lcm.requests import InstantiateNsRequest
from locus_iac.lcm.runner import Job, Outcome, Reporter
from locus_iac.lcm.update import UpdateNsRequest, updated_params

SpecOf = Callable[[Job, InstantiateNsRequest], NsSpec]
Deploy = Callable[[Job, NsSpec, Reporter], dict[str, Any]]
Outputs = Callable[[str], dict[str, Any]]


def deployed(spec: NsSpec) -> dict[str, set[str]]:
    """VNF instance id -> its VDU instance host names (``<vdu>-<i>``; empty for a KNF)."""
    return {
        vnf.profile_id: {f"{vdu.id}-{i}" for vdu in vnf.vdus for i in range(vdu.count)}
        for vnf in resolve_ns(spec).vnfs
    }


def new_units(before: NsSpec, after: NsSpec) -> dict[str, set[str]]:
    """What needs its Day1 after the update: VNF instance -> new VDU host names; a new KNF
    instance maps to its own id (its KDUs are configured as one target)."""
    old, new = deployed(before), deployed(after)
    result: dict[str, set[str]] = {}
    for vnf, hosts in new.items():
        fresh = hosts - old.get(vnf, set())
        if vnf not in old:
            result[vnf] = hosts or {vnf}
        elif fresh:
            result[vnf] = fresh
    return result


def sites_of(spec: NsSpec) -> list[str]:
    return [site.name for site in spec.sites.sites]


def run_update(
    job: Job,
    report: Reporter,
    *,
    data_dir: Path,
    spec_of: SpecOf,
    deploy: Deploy,
    outputs_of: Outputs,
) -> Outcome:
    """Carry out the UPDATE ``job`` (see the module docstring)."""
    report.step("resolve")
    current = InstantiateNsRequest.model_validate(job.instance_params)
    request = UpdateNsRequest.model_validate(job.operation_params)
    before = spec_of(job, current)
    wanted = updated_params(before.nsd, current, request, sites_of(before))
    after = spec_of(job, wanted)
    gone = sorted(set(deployed(before)) - set(deployed(after)))
    added = new_units(before, after)
    report.step(
        f"update {request.update_type.value}: adds {', '.join(sorted(added)) or 'nothing'}; "
        f"removes {', '.join(gone) or 'nothing'}"
    )
    if gone:
        _terminate_primitives(job, report, data_dir, before, gone, outputs_of)
    outputs = deploy(job, after, report)
    if added:
        run_day1(data_dir, job, after, outputs, report, only=added)
    report.step("done")
    return Outcome(instance_params=wanted.model_dump(mode="json"))


def _terminate_primitives(
    job: Job,
    report: Reporter,
    data_dir: Path,
    before: NsSpec,
    gone: list[str],
    outputs_of: Outputs,
) -> None:
    """The terminate-config-primitives of the VNF instances the update removes (only they:
    every other instance is marked removed in the spec the primitives are run with)."""
    keep = set(deployed(before)) - set(gone)
    only_gone = before.model_copy(update={"removed_vnfs": before.removed_vnfs | keep})
    run_terminate(data_dir, job, only_gone, outputs_of(job.ns_instance_id), report)


def rollback_update(
    job: Job, report: Reporter, *, data_dir: Path, spec_of: SpecOf, deploy: Deploy
) -> None:
    """Put the NS instance back as it was before the update: deploy its previous parameters;
    the VNF and VDU instances the update had removed come back and get their Day1."""
    previous = InstantiateNsRequest.model_validate(job.instance_params)
    request = UpdateNsRequest.model_validate(job.operation_params)
    spec = spec_of(job, previous)
    target = spec_of(job, updated_params(spec.nsd, previous, request, sites_of(spec)))
    report.step("rollback: deploy the parameters the NS instance had before the update")
    outputs = deploy(job, spec, report)
    back = new_units(target, spec)
    if back:
        run_day1(data_dir, job, spec, outputs, report, only=back)
    report.step("rolled back")

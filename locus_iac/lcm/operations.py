"""The product's operation runner: NS LCM operations as steps on one Pulumi stack.

Each NS instance is one stack of project ``locus-ns`` named after the instance id, run by a
:class:`locus_iac.engine.StackEngine` (the product's: :class:`~locus_iac.engine.StackDriver`);
the program is :func:`locus_iac.infra.build_ns` of the spec built from the catalogue
(:mod:`locus_iac.lcm.inputs`).

=============  ==============================================================================
INSTANTIATE    resolve spec -> up -> Day1 (initial-config-primitives); a preview before the
               up only if the NS instance has a stack already (a retry, or an instantiate
               after one that failed without rollback): a new stack holds nothing to check,
               and the up's own summary says what it created (one engine run fewer)
SCALE          new instance / replica counts (ScaleVnfData) -> preview -> up -> Day1 of the
               VDU instances it added
HEAL           refresh (reads what really exists: drift, out-of-band deletions) -> up
               (-> Day1 again with ``run-day1``)
ACTION         Day2 primitive of one VNF profile, parameters checked against the VNFD
UPDATE         new parameters (locus_iac.lcm.update) -> terminate primitives of removed VNF
               instances -> preview -> up -> Day1 of added ones (locus_iac.lcm.updating)
TERMINATE      terminate-config-primitives (unless skip_terminate_primitives), destroy, remove
rollback       of an INSTANTIATE: destroy what was created, remove the stack; of an UPDATE:
               deploy the parameters from before it
recover        after a crash: release the dead engine's lock, drop pending operations
=============  ==============================================================================

The server and its worker processes build the runner with :func:`runner_from_env`.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from locus_iac.catalogue import Database, SecretBox
from locus_iac.engine import EngineSettings, StackDriver, StackEngine
from locus_iac.errors import Issue, LocusError, NotFound, ValidationError
from locus_iac.infra import NsSpec, build_ns, resolve_ns
from locus_iac.lcm.day12 import instance_key, run_day1, run_day2, run_terminate
from locus_iac.lcm.helm_records import release_pending_of
from locus_iac.lcm.inputs import build_spec
from locus_iac.lcm.placing import place_and_report
from locus_iac.lcm.requests import (
    ActionRequest,
    HealNsRequest,
    InstantiateNsRequest,
    ScaleDirection,
    ScaleNsRequest,
    TerminateNsRequest,
)
from locus_iac.lcm.runner import Job, Outcome, Reporter, RunnerContext
from locus_iac.lcm.states import LcmOperationType
from locus_iac.lcm.updating import rollback_update, run_update

log = logging.getLogger(__name__)


class StackRunner:
    """Runs NS LCM operations with the Pulumi engine and Ansible (see the module docstring)."""

    def __init__(self, db: Database, box: SecretBox, engine: StackEngine, data_dir: Path) -> None:
        self._db = db
        self._box = box
        self._engine = engine
        self._data_dir = data_dir

    # -- inputs ----------------------------------------------------------------------------

    def _workdir(self, job: Job) -> Path:
        return self._data_dir / "instances" / job.ns_instance_id

    def _spec(self, job: Job, request: InstantiateNsRequest) -> NsSpec:
        _, public_key = instance_key(self._workdir(job))
        with self._db.session(readonly=True) as session:
            spec = build_spec(
                session,
                self._box,
                project_id=job.project_id,
                ns_instance_id=job.ns_instance_id,
                nsd_info_id=job.nsd_info_id,
                request=request,
                workdir=self._workdir(job),
            )
        # first: the OpenStack key pair carries the first key, and Day1/Day2 log in with it
        return spec.model_copy(update={"ssh_public_keys": (public_key, *spec.ssh_public_keys)})

    def _deploy(
        self, job: Job, spec: NsSpec, report: Reporter, *, preview: bool = True
    ) -> dict[str, Any]:
        """preview (its summary kept on the occurrence; skipped with ``preview=False``) then
        up; returns the public outputs."""
        program: Callable[[], None] = lambda: _declare(spec)  # noqa: E731
        if job.attempt > 1:  # a retry: an upgrade its dead worker left pending blocks Helm
            _release_pending_helm_records(spec)
        if preview:
            report.engine_run("preview")
            planned = self._engine.preview(
                job.ns_instance_id, program, report.stack_record, job.op_occ_id
            )
            report.preview(planned.counts)
        report.engine_run("up")
        result = self._engine.up(job.ns_instance_id, program, report.stack_record, job.op_occ_id)
        outputs = result.outputs.public()
        report.outputs(outputs)
        return outputs

    # -- operations ------------------------------------------------------------------------

    def run(self, job: Job, report: Reporter) -> Outcome:
        handlers = {
            LcmOperationType.INSTANTIATE: self._instantiate,
            LcmOperationType.SCALE: self._scale,
            LcmOperationType.HEAL: self._heal,
            LcmOperationType.ACTION: self._action,
            LcmOperationType.TERMINATE: self._terminate,
            LcmOperationType.UPDATE: self._update,
        }
        handler = handlers.get(job.operation)
        if handler is None:
            raise ValidationError(
                f"{job.operation.value} is not supported",
                [
                    Issue(
                        "/lcmOperationType",
                        "unsupported",
                        "instantiate, scale, update, heal, action, terminate",
                    )
                ],
            )
        return handler(job, report)

    def _instantiate(self, job: Job, report: Reporter) -> Outcome:
        report.step("resolve")
        request = InstantiateNsRequest.model_validate(job.operation_params)
        # the optimiser's sites, kept for scale, heal and action
        request = place_and_report(self._db, job, request, report)
        spec = self._spec(job, request)
        resolve_ns(spec)  # every wiring problem before anything is created
        # a stack that exists may hold resources: preview before touching them
        outputs = self._deploy(job, spec, report, preview=self._engine.exists(job.ns_instance_id))
        run_day1(self._data_dir, job, spec, outputs, report)
        report.step("done")
        return Outcome(instance_params=request.model_dump(mode="json"))

    def _scale(self, job: Job, report: Reporter) -> Outcome:
        report.step("resolve")
        current = InstantiateNsRequest.model_validate(job.instance_params)
        spec = self._spec(job, current)
        request = ScaleNsRequest.model_validate(job.operation_params)
        scaled = scaled_counts(spec, request)
        params = current.additional_params.model_copy(update={"scale": scaled})
        wanted = current.model_copy(update={"additional_params": params})
        scaled_spec = spec.model_copy(update={"scale": scaled})
        outputs = self._deploy(job, scaled_spec, report)
        added = added_vdu_instances(spec, scaled_spec)
        if added:  # the new VMs get their Day1 (the existing ones keep theirs)
            run_day1(self._data_dir, job, scaled_spec, outputs, report, only=added)
        report.step("done")
        return Outcome(instance_params=wanted.model_dump(mode="json"))

    def _update(self, job: Job, report: Reporter) -> Outcome:
        return run_update(
            job,
            report,
            data_dir=self._data_dir,
            spec_of=self._spec,
            deploy=self._deploy,
            outputs_of=self._outputs,
        )

    def _outputs(self, ns_instance_id: str) -> dict[str, Any]:
        return self._engine.outputs(ns_instance_id).public()

    def _heal(self, job: Job, report: Reporter) -> Outcome:
        request = HealNsRequest.model_validate(job.operation_params)
        current = InstantiateNsRequest.model_validate(job.instance_params)
        spec = self._spec(job, current)
        report.engine_run("refresh")
        self._engine.refresh(job.ns_instance_id, report.stack_record, job.op_occ_id)
        outputs = self._deploy(job, spec, report)
        if request.run_day1:
            run_day1(self._data_dir, job, spec, outputs, report)
        report.step("done")
        return Outcome()

    def _action(self, job: Job, report: Reporter) -> Outcome:
        request = ActionRequest.model_validate(job.operation_params)
        current = InstantiateNsRequest.model_validate(job.instance_params)
        spec = self._spec(job, current)
        outputs = self._engine.outputs(job.ns_instance_id).public()
        run_day2(self._data_dir, job, spec, outputs, request, report)
        report.step("done")
        return Outcome()

    def _terminate(self, job: Job, report: Reporter) -> Outcome:
        """terminate-config-primitives (unless skipped), then destroy. A failed primitive
        fails the occurrence (FAILED_TEMP) before anything is destroyed: ``retry`` runs it
        again; ``fail`` then a new TERMINATE with ``skip_terminate_primitives`` gives up on it."""
        request = TerminateNsRequest.model_validate(job.operation_params)
        if request.skip_terminate_primitives:
            report.step("terminate primitives skipped (skip_terminate_primitives)")
        else:
            try:
                outputs = self._engine.outputs(job.ns_instance_id).public()
            except NotFound:
                outputs = {}
            if outputs:
                current = InstantiateNsRequest.model_validate(job.instance_params)
                run_terminate(self._data_dir, job, self._spec(job, current), outputs, report)
            else:
                log.info("NS %s: no stack outputs, no terminate primitives", job.ns_instance_id)
                report.step("terminate primitives skipped (the stack has no outputs)")
        report.engine_run("destroy")
        self._engine.destroy(job.ns_instance_id, report.stack_record, op_occ_id=job.op_occ_id)
        shutil.rmtree(self._workdir(job), ignore_errors=True)
        report.step("done")
        return Outcome(instance_params={})

    def rollback(self, job: Job, report: Reporter) -> None:
        """Undo a failed instantiate (destroy what the stack holds, remove the stack) or a
        failed update (deploy the NS instance's parameters from before it)."""
        if job.operation is LcmOperationType.UPDATE:
            rollback_update(
                job, report, data_dir=self._data_dir, spec_of=self._spec, deploy=self._deploy
            )
            return
        report.engine_run("rollback: destroy")
        try:
            self._engine.destroy(job.ns_instance_id, report.stack_record, op_occ_id=job.op_occ_id)
        except NotFound:
            log.info("NS instance %s has no stack: nothing to roll back", job.ns_instance_id)
        shutil.rmtree(self._workdir(job), ignore_errors=True)
        report.step("rolled back")

    def recover(self, ns_instance_id: str) -> None:
        """After the worker died: release the lock its engine left (``pulumi cancel``; on a
        file backend that deletes the stale lock file), then drop pending operations."""
        try:
            self._engine.cancel(ns_instance_id)
        except NotFound:
            return
        except LocusError as exc:
            log.info("NS instance %s: nothing to cancel (%s)", ns_instance_id, exc)
        try:
            dropped = self._engine.clear_pending_operations(ns_instance_id)
        except NotFound:
            return
        if dropped:
            log.warning("NS instance %s: %d pending operation(s) cleared", ns_instance_id, dropped)


def _release_pending_helm_records(spec: NsSpec) -> None:
    """Best effort (:mod:`locus_iac.lcm.helm_records`): when the cluster cannot be asked, the
    engine run that follows reports what is wrong."""
    try:
        release_pending_of(spec)
    except Exception as exc:
        log.warning("pending Helm records not checked: %s", type(exc).__name__)


def _declare(spec: NsSpec) -> None:
    build_ns(spec)


def added_vdu_instances(before: NsSpec, after: NsSpec) -> dict[str, set[str]]:
    """The VDU instances (inventory host names ``<vdu>-<index>``) ``after`` has and
    ``before`` has not, per VNF profile; KNF replicas are not hosts and never count."""

    def hosts(spec: NsSpec) -> dict[str, set[str]]:
        return {
            vnf.profile_id: {f"{vdu.id}-{i}" for vdu in vnf.vdus for i in range(vdu.count)}
            for vnf in resolve_ns(spec).vnfs
        }

    old = hosts(before)
    added = {p: names - old.get(p, set()) for p, names in hosts(after).items()}
    return {p: names for p, names in added.items() if names}


def scaled_counts(spec: NsSpec, request: ScaleNsRequest) -> dict[str, dict[str, int]]:
    """The instance/replica counts after ``request`` (SOL005 ScaleVnfData; 1 step = 1)."""
    plan = resolve_ns(spec)
    counts: dict[str, dict[str, int]] = {}
    for vnf in plan.vnfs:
        current = {v.id: v.count for v in vnf.vdus} | {k.name: k.replicas for k in vnf.kdus}
        counts[vnf.profile_id] = current
    result = {profile: dict(values) for profile, values in spec.scale.items()}
    issues: list[Issue] = []
    for i, data in enumerate(request.scale_vnf_data):
        where = f"/scaleVnfData/{i}"
        known = counts.get(data.member_vnf_index)
        if known is None:
            issues.append(
                Issue(
                    f"{where}/memberVnfIndex",
                    "unknown-profile",
                    f"no VNF profile {data.member_vnf_index!r}; known: {', '.join(sorted(counts))}",
                )
            )
            continue
        target = data.vdu_id or (next(iter(known)) if len(known) == 1 else None)
        if target is None or target not in known:
            issues.append(
                Issue(f"{where}/vduId", "unknown-vdu", f"name one of: {', '.join(sorted(known))}")
            )
            continue
        now = result.get(data.member_vnf_index, {}).get(target, known[target])
        if data.instances is not None:
            new = data.instances
        elif data.scale_vnf_type is ScaleDirection.SCALE_IN:
            new = now - data.number_of_steps
        elif data.scale_vnf_type is ScaleDirection.SCALE_OUT:
            new = now + data.number_of_steps
        else:
            issues.append(Issue(where, "no-target", "give scaleVnfType or instances"))
            continue
        if new < 0:
            issues.append(Issue(where, "below-zero", f"{target} has {now}; cannot go below 0"))
            continue
        result.setdefault(data.member_vnf_index, {})[target] = new
    if issues:
        raise ValidationError("invalid scale request", issues)
    return result


def runner_from_env(context: RunnerContext) -> StackRunner:
    """The runner of the server and its workers: engine settings from the environment
    (``PULUMI_BACKEND_URL``...), site credentials decrypted with the server's key."""
    box = SecretBox.from_data_dir(context.data_dir, os.environ.get("LOCUS_SECRET_KEY"))
    engine = StackDriver(EngineSettings.from_env(context.data_dir))
    return StackRunner(Database(context.database_url), box, engine, context.data_dir)

"""Day-1 and Day-2 configuration of a VNF or KNF with Ansible (locus-iac's replacement for Juju).

Day 1: right after ``up``, every ``initial-config-primitive`` of the VNF's day1-2 entry runs
in ``seq`` order, each as its playbook against the VNF's hosts; the first failure stops the
sequence. Day 2: an ``action`` runs one ``config-primitive`` with parameters checked against
the VNFD, passed to the playbook as extra vars. Terminate: before the stack is destroyed,
every ``terminate-config-primitive`` runs like the initial ones (same parameter syntax, same
``seq`` order, the first failure stops the sequence).

Results are :class:`~locus_iac.config.results.PlaybookRun` records (task by task) for the
operation occurrence; :func:`raise_for_failure` turns a failed run into the error tree
(an unreachable host is retryable, a failed task is not).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from locus_iac.config.events import TaskCallback
from locus_iac.config.kube_inventory import AnsibleInventory
from locus_iac.config.primitives import (
    check_primitive_params,
    initial_params,
    ordered_initial,
    ordered_terminate,
    resolve_playbook,
)
from locus_iac.config.results import PlaybookRun, TaskStatus
from locus_iac.config.runner import run_playbook
from locus_iac.descriptors.day12 import Day12, SequencedPrimitive
from locus_iac.errors import Issue, PermanentError, RetryableError, ValidationError

logger = logging.getLogger(__name__)

_IDENT_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_KINDS = {"day1": "initial-config-primitive", "terminate": "terminate-config-primitive"}


@dataclass(frozen=True)
class VnfConfigTarget:
    """What Day1/Day2 act on: one VNF of one NS instance, and its package files."""

    ns_instance_id: str
    vnf_profile_id: str
    day12: Day12
    files: Mapping[str, bytes] = field(repr=False)
    inventory: AnsibleInventory


class _OpLogger(logging.LoggerAdapter[logging.Logger]):
    """Adds ``ns_instance_id`` and ``op_occ_id`` to every record and message."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        extra = dict(self.extra or {})
        kwargs["extra"] = {**extra, **kwargs.get("extra", {})}
        return f"[ns={extra['ns_instance_id']} op={extra['op_occ_id'] or '-'}] {msg}", kwargs


class ConfigRunner:
    """Runs Day-1, Day-2 and terminate primitives.

    Artifacts go to ``<data-dir>/ansible/<ns>/<op>/``.
    """

    def __init__(self, data_dir: Path, timeout: int | None = 1800) -> None:
        self._data_dir = data_dir
        self._timeout = timeout

    def _artifacts(self, target: VnfConfigTarget, op_occ_id: str | None) -> Path:
        return self._data_dir / "ansible" / target.ns_instance_id / (op_occ_id or "adhoc")

    def day1(
        self,
        target: VnfConfigTarget,
        instance_params: Mapping[str, Any],
        *,
        op_occ_id: str | None = None,
        on_task: TaskCallback | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[PlaybookRun]:
        """Run the initial-config-primitives in ``seq`` order; stop at the first failure.

        All parameters are resolved before anything runs, so a missing instantiation
        parameter is a :class:`ValidationError` without side effects.
        """
        return self._sequence(
            target,
            "day1",
            ordered_initial(target.day12),
            instance_params,
            op_occ_id=op_occ_id,
            on_task=on_task,
            should_cancel=should_cancel,
        )

    def terminate(
        self,
        target: VnfConfigTarget,
        instance_params: Mapping[str, Any],
        *,
        op_occ_id: str | None = None,
        on_task: TaskCallback | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[PlaybookRun]:
        """Run the terminate-config-primitives (OSM IM day1-2) in ``seq`` order, exactly as
        Day 1 runs the initial ones: parameters resolved first (``<name>`` takes the
        instantiation parameter ``name``), the first failure stops the sequence."""
        return self._sequence(
            target,
            "terminate",
            ordered_terminate(target.day12),
            instance_params,
            op_occ_id=op_occ_id,
            on_task=on_task,
            should_cancel=should_cancel,
        )

    def _sequence(
        self,
        target: VnfConfigTarget,
        phase: str,
        primitives: Sequence[SequencedPrimitive],
        instance_params: Mapping[str, Any],
        *,
        op_occ_id: str | None,
        on_task: TaskCallback | None,
        should_cancel: Callable[[], bool] | None,
    ) -> list[PlaybookRun]:
        """Sequenced primitives of one phase (``day1``, ``terminate``), in the given order."""
        log = _OpLogger(logger, {"ns_instance_id": target.ns_instance_id, "op_occ_id": op_occ_id})
        where = f"/additionalParamsForVnf/{target.vnf_profile_id}"
        kind = _KINDS[phase]
        plan = [
            (
                p,
                resolve_playbook(target.day12, p, target.files),
                initial_params(p, instance_params, where, kind),
            )
            for p in primitives
        ]
        runs: list[PlaybookRun] = []
        for primitive, playbook, params in plan:
            log.info("%s: seq %s primitive %s", phase, primitive.seq, playbook.primitive)
            run = run_playbook(
                primitive=playbook.primitive,
                playbook=playbook.playbook,
                playbook_dir=playbook.files,
                inventory=target.inventory,
                extra_vars=params,
                artifacts_root=self._artifacts(target, op_occ_id),
                ident=_ident(f"{phase}-{primitive.seq}-{playbook.primitive}"),
                on_task=on_task,
                timeout=self._timeout,
                should_cancel=should_cancel,
                redact=_hidden_values(target.day12, playbook.primitive, params),
                log=log,
            )
            runs.append(run)
            if not run.ok:
                break
        return runs

    def day2(
        self,
        target: VnfConfigTarget,
        primitive_name: str,
        params: Mapping[str, Any],
        *,
        op_occ_id: str | None = None,
        on_task: TaskCallback | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> PlaybookRun:
        """Run the config-primitive ``primitive_name`` with checked ``params``."""
        log = _OpLogger(logger, {"ns_instance_id": target.ns_instance_id, "op_occ_id": op_occ_id})
        primitive = target.day12.primitive(primitive_name)
        if primitive is None or primitive_name in target.day12.blacklist_config_primitive:
            known = [p.name for p in target.day12.config_primitive]
            raise ValidationError(
                f"VNF {target.vnf_profile_id!r} has no primitive {primitive_name!r}",
                [
                    Issue(
                        "/primitive",
                        "unknown-primitive",
                        f"declared primitives: {', '.join(known) or 'none'}",
                    )
                ],
            )
        values = check_primitive_params(primitive, params)
        playbook = resolve_playbook(target.day12, primitive, target.files)
        log.info("day2: primitive %s", primitive_name)
        return run_playbook(
            primitive=primitive_name,
            playbook=playbook.playbook,
            playbook_dir=playbook.files,
            inventory=target.inventory,
            extra_vars=values,
            artifacts_root=self._artifacts(target, op_occ_id),
            ident=_ident(f"day2-{primitive_name}"),
            on_task=on_task,
            timeout=self._timeout,
            should_cancel=should_cancel,
            redact=_hidden_values(target.day12, primitive_name, values),
            log=log,
        )


def _hidden_values(day12: Day12, primitive: str, values: Mapping[str, Any]) -> list[str]:
    """Values of parameters the VNFD marks ``hidden`` (OSM: "hidden by the UI"): secrets.

    A Day-1 primitive's parameters take their declaration from the config-primitive of the
    same name, when there is one.
    """
    declared = day12.primitive(primitive)
    if declared is None:
        return []
    hidden = (p.name for p in declared.parameter if p.hidden)
    return [str(values[name]) for name in hidden if values.get(name) is not None]


def _ident(base: str) -> str:
    """A unique artifacts folder name for one run (ansible-runner ``ident``)."""
    return f"{_IDENT_UNSAFE.sub('_', base)}-{uuid.uuid4().hex[:8]}"


def raise_for_failure(run: PlaybookRun) -> None:
    """Raise if ``run`` failed: unreachable hosts are retryable, failed tasks permanent."""
    if run.ok:
        return
    failures = run.failures()
    summary = "; ".join(f"{t.host}: {t.task}: {t.message or t.status}" for t in failures[:5])
    text = f"primitive {run.primitive} failed ({run.status}, rc={run.rc})"
    if failures and all(t.status is TaskStatus.UNREACHABLE for t in failures):
        raise RetryableError(f"{text}: unreachable: {summary}", delay=30.0)
    raise PermanentError(f"{text}: {summary}" if summary else text)

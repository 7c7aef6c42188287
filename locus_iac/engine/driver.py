"""Pulumi Automation API driver: one stack per NS instance, in project ``locus-ns``.

Each NS instance gets its own stack (name = NS instance id) and its own local workspace
directory ``<data-dir>/workspaces/<ns-instance-id>``, so operations on different instances
never share files and can run in parallel processes. The program is any inline Pulumi
program (a zero-argument callable), e.g. ``locus_iac.infra.build_ns(spec)``'s.

Every call that reaches the engine goes through ``StackDriver._engine_errors``, the one
place where Pulumi's exceptions are translated into :mod:`locus_iac.errors`:

* another update running / the stack locked -> :class:`RetryableError`
* the stack does not exist -> :class:`NotFound`
* a locus error raised by the program itself -> that error, unchanged
* anything else (program error, provider error, missing CLI) -> :class:`PermanentError`

Messages keep the tail of Pulumi's stderr (secret values are masked by Pulumi) with the
passphrase scrubbed, and never the stdout of the run.

CLI runs are the engine's main CPU cost, so the driver saves the ones it can (each is a Go
process start, ~0.1-0.15 CPU s): the CLI's ``version`` is asked once per binary and data dir
(kept in a file, :mod:`locus_iac.engine.local_state`); with a local ``file://`` backend,
whether a stack exists is read from the backend's files, so ``exists()`` and selecting an
existing stack run no CLI; a stack ``exists()`` just found missing is created without
another ``stack select``; and
``up`` takes the stack outputs and resource counts from its own engine events instead of
the Automation API's ``stack output`` (twice) and ``stack history`` runs after the update
(those runs remain the fallback when an event is missing).
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from pulumi.automation import errors as pulumi_errors
from pulumi.automation import events as pe
from pulumi.automation._stack import StackInitMode

from locus_iac.engine.local_state import cli_command, stack_recorded
from locus_iac.engine.progress import (
    ProgressRecord,
    ResourceCounts,
    translate_event,
)
from locus_iac.engine.results import (
    OperationResult,
    PendingOperation,
    StackOutput,
    StackOutputs,
)
from locus_iac.engine.settings import EngineSettings
from locus_iac.errors import (
    Issue,
    LocusError,
    NotFound,
    PermanentError,
    RetryableError,
    ValidationError,
)

logger = logging.getLogger(__name__)

PROJECT = "locus-ns"
_STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_TAIL_LINES = 5
_CLI_VERSION_FILE = "pulumi-cli-version.json"
_MAX_MESSAGE = 2000

Program = Callable[[], None]
ProgressCallback = Callable[[ProgressRecord], None]


#: How the engine marks a secret value in events (Pulumi's property-value signature).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_ROOT_TYPE = "pulumi:pulumi:Stack"


class _EventStack(auto.Stack):
    """A stack whose ``up`` / ``refresh`` / ``destroy`` skip the CLI runs after the update.

    The Automation API's operations call ``outputs()`` and ``info()`` (``stack output``,
    ``stack history``) for their results, ``up`` before it stops the event stream; while
    ``deferred`` they answer without the CLI, and the driver reads the real values from the
    operation's events (:class:`_UpFacts`) once it has returned (the stream is drained then).
    """

    deferred = False

    @classmethod
    def known(cls, name: str, workspace: auto.Workspace) -> _EventStack:
        """The stack ``name``, known to exist: no ``stack select`` run."""
        stack = cls.__new__(cls)
        stack.name = name
        stack.workspace = workspace
        stack._mode = StackInitMode.SELECT
        return stack

    @contextmanager
    def deferring(self) -> Iterator[None]:
        self.deferred = True
        try:
            yield
        finally:
            self.deferred = False

    def outputs(self) -> auto.OutputMap:
        return {} if self.deferred else super().outputs()

    def info(self, show_secrets: bool = True) -> auto.UpdateSummary | None:
        if not self.deferred:
            return super().info(show_secrets)
        now = datetime.now(UTC)
        return auto.UpdateSummary(
            kind="update", start_time=now, message="", environment={}, config={}, result=""
        )


class _UpFacts:
    """What an operation's own engine events tell: the root stack's outputs (``up``) and the
    change counts (every operation's summary event)."""

    def __init__(self) -> None:
        self.outputs: StackOutputs | None = None
        self.changes: dict[str, int] | None = None

    def changes_or(self, stack: auto.Stack) -> dict[str, int]:
        """The counts of the summary event; without one (never seen), the stack's history."""
        if self.changes is not None:
            return self.changes
        summary = stack.info(show_secrets=False)
        return _changes(summary.resource_changes if summary else None)

    def see(self, event: pe.EngineEvent) -> None:
        if event.summary_event is not None:
            self.changes = _changes(event.summary_event.resource_changes)
        done = event.res_outputs_event
        if done is None or done.metadata.type != _ROOT_TYPE or done.metadata.new is None:
            return
        raw = done.metadata.new.outputs or {}
        self.outputs = StackOutputs(
            values={
                name: StackOutput(value=_masked(value), secret=_is_secret(value))
                for name, value in raw.items()
            }
        )


def _is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(_SIG_KEY) == _SECRET_SIG


def _masked(value: Any) -> Any:
    """An event's output value with every secret (already masked by the engine) as
    ``"[secret]"``, as ``pulumi stack output --json`` shows it."""
    if _is_secret(value):
        return "[secret]"
    if isinstance(value, Mapping):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


@functools.cache
def _pulumi_command(binary: Path, cache_file: Path) -> auto.PulumiCommand:
    """The CLI ``binary``; its version is asked at most once a process, and not at all while
    ``cache_file`` remembers it (:func:`~locus_iac.engine.local_state.cli_command`)."""
    return cli_command(binary, cache_file)


class _Guarded:
    """The program, run by the engine, remembering a locus error it raised."""

    def __init__(self, program: Program) -> None:
        self._program = program
        self.error: LocusError | None = None

    def __call__(self) -> None:
        try:
            self._program()
        except LocusError as exc:
            self.error = exc
            raise


def check_stack_name(ns_instance_id: str) -> str:
    """NS instance ids become stack names: letters, digits, ``_ . -`` (Pulumi's rule)."""
    if not _STACK_NAME.match(ns_instance_id):
        raise ValidationError(
            "invalid NS instance id for a stack name",
            [
                Issue(
                    "/nsInstanceId",
                    "invalid-stack-name",
                    "must start with a letter or digit and contain only letters, digits, "
                    "'_', '.' and '-' (at most 100 characters)",
                )
            ],
        )
    return ns_instance_id


class StackDriver:
    """Runs preview / up / refresh / destroy / cancel on the stack of one NS instance."""

    def __init__(self, settings: EngineSettings) -> None:
        self._settings = settings
        # stacks exists() just found missing: the next up creates them without a select
        self._absent: set[str] = set()

    @property
    def settings(self) -> EngineSettings:
        return self._settings

    # -- engine plumbing -------------------------------------------------------------------

    @contextmanager
    def _engine_errors(
        self, operation: str, ns_instance_id: str, program: _Guarded | None = None
    ) -> Iterator[None]:
        """Translate Pulumi's exceptions, once, into the locus error tree.

        A locus error raised by the program itself (e.g. a ValidationError of the NS plan)
        is re-raised as it was, issues and all, instead of the engine's text about it.
        """
        try:
            yield
        except LocusError:
            raise
        except pulumi_errors.CommandError as exc:
            if program is not None and program.error is not None:
                raise program.error from None
            raise self._translate(exc, operation, ns_instance_id) from None
        except FileNotFoundError as exc:
            raise PermanentError(
                f"{operation} of NS {ns_instance_id}: the pulumi CLI was not found "
                f"({exc.filename}); run scripts/bootstrap-tools"
            ) from None

    def _translate(
        self, exc: pulumi_errors.CommandError, operation: str, ns_instance_id: str
    ) -> LocusError:
        """A held lock is retryable, a missing stack NotFound, anything else permanent."""
        if isinstance(exc, pulumi_errors.ConcurrentUpdateError):
            return RetryableError(
                f"{operation} of NS {ns_instance_id}: another operation holds the stack "
                f"lock: {self._tail(exc)}",
                delay=5.0,
            )
        if isinstance(exc, pulumi_errors.StackNotFoundError):
            return NotFound(f"no stack for NS instance {ns_instance_id}")
        return PermanentError(f"{operation} of NS {ns_instance_id} failed: {self._tail(exc)}")

    def _scrub(self, text: str) -> str:
        return text.replace(self._settings.passphrase, "[secret]")

    def _tail(self, exc: pulumi_errors.CommandError) -> str:
        """The engine's ``error:`` lines (else the end of stderr), passphrase scrubbed.

        Pulumi's CommandError carries only the text ``code: .. stdout: .. stderr: ..``.
        """
        text = str(exc)
        errors: list[str] = []
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("error:") and stripped not in errors:
                errors.append(stripped)
        if not errors:
            _, _, stderr = text.partition(" stderr:")
            errors = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
        picked = errors[-_TAIL_LINES:] if errors else [type(exc).__name__]
        return self._scrub(" | ".join(picked))[:_MAX_MESSAGE]

    def _command(self) -> auto.PulumiCommand | None:
        binary = self._settings.pulumi_binary
        if binary is None:
            return None
        return _pulumi_command(binary, self._settings.data_dir / _CLI_VERSION_FILE)

    def _options(self, ns_instance_id: str, program: Program | None) -> auto.LocalWorkspaceOptions:
        work_dir = self._settings.workspaces_dir / ns_instance_id
        work_dir.mkdir(parents=True, exist_ok=True)
        project = auto.ProjectSettings(
            name=PROJECT,
            runtime="python",
            backend=auto.ProjectBackend(url=self._settings.backend_url),
        )
        return auto.LocalWorkspaceOptions(
            work_dir=str(work_dir),
            program=program,
            env_vars=self._settings.engine_env(),
            secrets_provider="passphrase",
            project_settings=project,
            pulumi_command=self._command(),
        )

    def _recorded(self, ns_instance_id: str) -> bool | None:
        """Whether the stack exists, from the local backend's files (``None``: ask the CLI)."""
        return stack_recorded(self._settings.backend_url, PROJECT, ns_instance_id)

    def _stack(self, ns_instance_id: str, program: Program | None = None) -> _EventStack:
        """The stack, selected (created first for an ``up`` of a new one).

        Selecting runs ``pulumi stack select`` unless the local backend's files show the stack:
        every command of the Automation API names its stack (``--stack``), so a select only
        checks existence, which a file read does as well.
        """
        check_stack_name(ns_instance_id)
        opts = self._options(ns_instance_id, program)
        opts.program = program or _no_program
        workspace = auto.LocalWorkspace(**vars(opts))
        if self._recorded(ns_instance_id):
            self._absent.discard(ns_instance_id)
            return _EventStack.known(ns_instance_id, workspace)
        if program is None:
            return _EventStack(ns_instance_id, workspace, StackInitMode.SELECT)
        if ns_instance_id in self._absent:
            self._absent.discard(ns_instance_id)
            try:
                return _EventStack(ns_instance_id, workspace, StackInitMode.CREATE)
            except pulumi_errors.StackAlreadyExistsError:
                pass  # created by someone else meanwhile: select it as usual
        return _EventStack(ns_instance_id, workspace, StackInitMode.CREATE_OR_SELECT)

    @staticmethod
    def _events(
        on_progress: ProgressCallback | None,
        into: list[ProgressRecord],
        facts: _UpFacts | None = None,
    ) -> Callable[[pe.EngineEvent], None]:
        def handle(event: pe.EngineEvent) -> None:
            if facts is not None:
                facts.see(event)
            record = translate_event(event)
            if record is None:
                return
            into.append(record)
            if on_progress is None:
                return
            try:
                on_progress(record)
            except Exception:  # a failing observer must not break the engine run
                logger.exception("progress callback failed on event %s", record.sequence)

        return handle

    # -- operations ------------------------------------------------------------------------

    def exists(self, ns_instance_id: str) -> bool:
        """Whether the NS instance has a stack (read from a local backend's files, else one
        CLI run). Without one, nothing of the NS
        exists in the engine's state: an ``up`` would only create. Asking leaves no work
        dir behind for a stack that does not exist."""
        recorded = self._recorded(ns_instance_id)
        if recorded is not None:
            check_stack_name(ns_instance_id)
            if recorded:
                self._absent.discard(ns_instance_id)
            else:
                self._absent.add(ns_instance_id)
            return recorded
        work_dir = self._settings.workspaces_dir / ns_instance_id
        had_work_dir = work_dir.exists()
        try:
            with self._engine_errors("select", ns_instance_id):
                self._stack(ns_instance_id)
        except NotFound:
            if not had_work_dir:
                shutil.rmtree(work_dir, ignore_errors=True)
            self._absent.add(ns_instance_id)
            return False
        self._absent.discard(ns_instance_id)
        return True

    def preview(
        self,
        ns_instance_id: str,
        program: Program,
        on_progress: ProgressCallback | None = None,
        op_occ_id: str | None = None,
    ) -> OperationResult:
        """What ``up`` would change, without changing anything."""
        records: list[ProgressRecord] = []
        log = _log(ns_instance_id, "preview", op_occ_id)
        guarded = _Guarded(program)
        with self._engine_errors("preview", ns_instance_id, guarded):
            stack = self._stack(ns_instance_id, guarded)
            result = stack.preview(on_event=self._events(on_progress, records))
        counts = ResourceCounts.from_summary(_changes(result.change_summary))
        log.info("preview done: %s", counts)
        return OperationResult(operation="preview", counts=counts, records=records)

    def up(
        self,
        ns_instance_id: str,
        program: Program,
        on_progress: ProgressCallback | None = None,
        op_occ_id: str | None = None,
    ) -> OperationResult:
        """Create or update the stack's resources; the result carries the stack outputs."""
        records: list[ProgressRecord] = []
        log = _log(ns_instance_id, "up", op_occ_id)
        guarded = _Guarded(program)
        facts = _UpFacts()
        with self._engine_errors("up", ns_instance_id, guarded):
            stack = self._stack(ns_instance_id, guarded)
            with stack.deferring():
                stack.up(on_event=self._events(on_progress, records, facts), show_secrets=False)
            outputs = facts.outputs
            if outputs is None:  # no event of the root stack's outputs: ask the CLI
                outputs = _outputs(stack.outputs())
            counts = ResourceCounts.from_summary(facts.changes_or(stack))
        log.info("up done: %s", counts)
        return OperationResult(operation="up", counts=counts, records=records, outputs=outputs)

    def refresh(
        self,
        ns_instance_id: str,
        on_progress: ProgressCallback | None = None,
        op_occ_id: str | None = None,
    ) -> OperationResult:
        """Read the real state of every resource into the stack (drift detection for heal)."""
        records: list[ProgressRecord] = []
        facts = _UpFacts()
        with self._engine_errors("refresh", ns_instance_id):
            stack = self._stack(ns_instance_id)
            with stack.deferring():
                stack.refresh(
                    on_event=self._events(on_progress, records, facts), show_secrets=False
                )
            counts = ResourceCounts.from_summary(facts.changes_or(stack))
        _log(ns_instance_id, "refresh", op_occ_id).info("refresh done: %s", counts)
        return OperationResult(operation="refresh", counts=counts, records=records)

    def destroy(
        self,
        ns_instance_id: str,
        on_progress: ProgressCallback | None = None,
        remove_stack: bool = True,
        op_occ_id: str | None = None,
    ) -> OperationResult:
        """Delete every resource of the stack, then (by default) the stack and its work dir."""
        records: list[ProgressRecord] = []
        facts = _UpFacts()
        with self._engine_errors("destroy", ns_instance_id):
            stack = self._stack(ns_instance_id)
            with stack.deferring():
                stack.destroy(
                    on_event=self._events(on_progress, records, facts), show_secrets=False
                )
            counts = ResourceCounts.from_summary(facts.changes_or(stack))
            if remove_stack:
                stack.workspace.remove_stack(ns_instance_id)
        if remove_stack:
            shutil.rmtree(self._settings.workspaces_dir / ns_instance_id, ignore_errors=True)
        _log(ns_instance_id, "destroy", op_occ_id).info("destroy done: %s", counts)
        return OperationResult(operation="destroy", counts=counts, records=records)

    def cancel(self, ns_instance_id: str) -> None:
        """Ask the engine to stop the update running on this stack (from another process)."""
        with self._engine_errors("cancel", ns_instance_id):
            self._stack(ns_instance_id).cancel()
        _log(ns_instance_id, "cancel").info("cancel requested")

    def outputs(self, ns_instance_id: str) -> StackOutputs:
        """The stack outputs of the last successful ``up``."""
        with self._engine_errors("outputs", ns_instance_id):
            return _outputs(self._stack(ns_instance_id).outputs())

    def pending_operations(self, ns_instance_id: str) -> list[PendingOperation]:
        """Operations the engine started but never finished (a crash mid-update leaves them)."""
        with self._engine_errors("export", ns_instance_id):
            state = self._stack(ns_instance_id).export_stack()
        deployment = state.deployment or {}
        return [_pending(op) for op in deployment.get("pending_operations") or []]

    def clear_pending_operations(self, ns_instance_id: str) -> int:
        """Crash recovery: drop the stack's pending operations; return how many were dropped.

        The engine refuses to update a stack whose last update was interrupted. Exporting the
        state, removing ``pending_operations`` and importing it back is what ``pulumi stack
        export | import`` does by hand. Resources that were being created may exist outside
        the state afterwards; the ``refresh`` before a retry finds changed ones.
        """
        log = _log(ns_instance_id, "recover")
        with self._engine_errors("clear pending operations", ns_instance_id):
            stack = self._stack(ns_instance_id)
            state = stack.export_stack()
            deployment = dict(state.deployment or {})
            pending = deployment.pop("pending_operations", None) or []
            if not pending:
                return 0
            stack.import_stack(auto.Deployment(version=state.version, deployment=deployment))
        for op in map(_pending, pending):
            log.warning("dropped pending %s of %s", op.type, op.urn)
        return len(pending)


def _pending(raw: Any) -> PendingOperation:
    """A pending operation of the exported checkpoint (``apitype.OperationV2``)."""
    op = raw if isinstance(raw, Mapping) else {}
    resource = op.get("resource")
    resource = resource if isinstance(resource, Mapping) else {}
    return PendingOperation(
        type=str(op.get("type", "")),
        urn=str(resource.get("urn", "")),
        resource_type=str(resource.get("type", "")),
    )


def _no_program() -> None:
    """Program of a stack selected only for refresh/destroy/outputs (never executed)."""


class _OpLogger(logging.LoggerAdapter[logging.Logger]):
    """Adds ``ns_instance_id`` and ``op_occ_id`` to every record and message."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        extra = dict(self.extra or {})
        kwargs["extra"] = {**extra, **kwargs.get("extra", {})}
        prefix = f"[ns={extra['ns_instance_id']} op={extra['op_occ_id'] or '-'}]"
        return f"{prefix} {extra['operation']}: {msg}", kwargs


def _log(ns_instance_id: str, operation: str, op_occ_id: str | None = None) -> _OpLogger:
    extra = {"ns_instance_id": ns_instance_id, "op_occ_id": op_occ_id, "operation": operation}
    return _OpLogger(logger, extra)


def _changes(summary: Mapping[Any, int] | None) -> dict[str, int]:
    if not summary:
        return {}
    return {(k.value if isinstance(k, pe.OpType) else str(k)): int(v) for k, v in summary.items()}


def _outputs(raw: Mapping[str, auto.OutputValue]) -> StackOutputs:
    return StackOutputs(
        values={
            name: StackOutput(value=out.value, secret=bool(out.secret)) for name, out in raw.items()
        }
    )

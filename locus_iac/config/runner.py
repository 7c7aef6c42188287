"""Running one playbook through ansible-runner and collecting its task results.

Each run gets a fresh ``private_data_dir`` in a temporary directory (inventory, extra vars,
the playbook folder) that is deleted afterwards; the job artifacts (event files, stdout)
are kept under ``artifacts_root`` in the data dir, named by ``ident``. ansible-runner runs
in a child interpreter (:mod:`locus_iac.config._ansible_child`, which says why) that
streams task results back line by line; its failures are translated here, once, into
:class:`~locus_iac.errors.PermanentError`.

Modules of KDU runs (local connection) start through :mod:`locus_iac.config._module_boot`
(:func:`_module_launcher`), which takes their ``module_utils`` from the installed,
byte-compiled copies when identical.

When a playbook server runs (:mod:`locus_iac.config.playbook_server`, named by
``LOCUS_PLAYBOOK_SERVER``; the LCM supervisor starts one), the child is forked by it (same
protocol), and ansible-runner starts a relay to it as ``ansible-playbook``: the playbook then
runs in a fork of a process that has Ansible imported, everything else unchanged.

Secrets: the private key and the kubeconfig stay file paths in the inventory; extra vars go
to the temporary directory only; log lines carry host, task and status, never variables.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from locus_iac.config.events import TaskCallback, task_result
from locus_iac.config.kube_inventory import AnsibleInventory, KubernetesInventory
from locus_iac.config.playbook_server import ForkedRunnerChild, fork_runner_child, relay_launcher
from locus_iac.config.results import PlaybookRun, TaskResult
from locus_iac.errors import PermanentError

logger = logging.getLogger(__name__)

_CHILD = Path(__file__).with_name("_ansible_child.py")
_MODULE_BOOT = Path(__file__).with_name("_module_boot.py")
_POLL_SECONDS = 0.5


def _prepare(
    root: Path, playbook_dir: Mapping[str, bytes], inventory: AnsibleInventory
) -> tuple[Path, Path]:
    project = root / "project"
    for rel, data in playbook_dir.items():
        target = (project / rel).resolve()
        if not target.is_relative_to(project.resolve()):
            raise PermanentError(f"playbook file {rel!r} would leave the project folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    known_hosts = root / "known_hosts"
    known_hosts.touch(mode=0o600)
    if (
        isinstance(inventory, KubernetesInventory)
        and inventory.python_interpreter == sys.executable
    ):
        launcher = _module_launcher(root)
        inventory = inventory.model_copy(update={"python_interpreter": str(launcher)})
    inv_dir = root / "inventory"
    inv_dir.mkdir()
    (inv_dir / "hosts.json").write_text(
        json.dumps(inventory.as_ansible(known_hosts)), encoding="utf-8"
    )
    return project, inv_dir


def _module_launcher(root: Path) -> Path:
    """The interpreter of a run's local (KDU) modules: this one, fronted by
    :mod:`locus_iac.config._module_boot` (a payload's ``module_utils`` from their installed,
    byte-compiled copies when identical: about a quarter less CPU per ``kubernetes.core``
    module). A script, since Ansible takes the interpreter as one word."""
    launcher = root / "module-python"
    command = " ".join(shlex.quote(part) for part in (sys.executable, "-P", str(_MODULE_BOOT)))
    launcher.write_text(f'#!/bin/sh\nexec {command} "$@"\n', encoding="utf-8")
    launcher.chmod(0o700)
    return launcher


def run_playbook(
    *,
    primitive: str,
    playbook: str,
    playbook_dir: Mapping[str, bytes],
    inventory: AnsibleInventory,
    extra_vars: Mapping[str, Any],
    artifacts_root: Path,
    ident: str,
    on_task: TaskCallback | None = None,
    timeout: int | None = None,
    should_cancel: Callable[[], bool] | None = None,
    redact: Collection[str] = (),
    log: logging.Logger | logging.LoggerAdapter[logging.Logger] = logger,
) -> PlaybookRun:
    """Run ``playbook`` (a path inside ``playbook_dir``) against ``inventory``.

    ``playbook_dir`` maps relative paths to file contents (the execution environment's
    folder, so playbooks can use their own templates and files). Returns the run with every
    task result; a failed playbook is a result, not an exception. ``should_cancel`` is
    polled while the playbook runs; when it returns true the run stops (status
    ``canceled``), which is how an operation occurrence's cancel reaches Ansible. Every value
    in ``redact`` (secrets, e.g. hidden parameters) is replaced by ``[secret]`` in the task
    messages and in the kept artifacts. Raises
    :class:`PermanentError` when ansible-runner itself cannot run.
    """
    tasks: list[TaskResult] = []
    secrets = _secrets(redact)

    def record(result: TaskResult) -> None:
        if secrets:
            result = result.model_copy(update={"message": _redact(result.message, secrets)})
        tasks.append(result)
        log.info("%s: %s on %s: %s", primitive, result.task, result.host, result.status)
        if on_task is not None:
            try:
                on_task(result)
            except Exception:  # a failing observer must not break the playbook run
                log.exception("task callback failed for %s on %s", result.task, result.host)

    artifacts_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="locus-ansible-") as tmp:
        root = Path(tmp)
        project, inv_dir = _prepare(root, playbook_dir, inventory)
        env = _ansible_env(root)
        relay = _playbook_relay(root, env["PATH"])
        if relay is not None:  # found first: ansible-runner starts "ansible-playbook"
            env["PATH"] = f"{relay.parent}{os.pathsep}{env['PATH']}"
        spec: dict[str, Any] = {
            "private_data_dir": str(root),
            "project_dir": str(project),
            "playbook": playbook,
            "inventory": str(inv_dir / "hosts.json"),
            "extravars": dict(extra_vars),
            "artifact_dir": str(artifacts_root),
            "ident": ident,
            "envvars": env,
            "timeout": timeout,
        }
        status, rc = _run_child(spec, root, record, should_cancel, f"{primitive}: {playbook}")
        _scrub_command_file(artifacts_root / ident)
        if secrets:
            _redact_artifacts(artifacts_root / ident, secrets)
    run = PlaybookRun(
        primitive=primitive,
        playbook=playbook,
        status=status,
        rc=rc,
        tasks=tasks,
        artifacts_dir=str(artifacts_root / ident),
    )
    log.info("%s: playbook %s %s (rc=%s)", primitive, playbook, run.status, run.rc)
    return run


def _playbook_relay(root: Path, path: str) -> Path | None:
    """The relay to the playbook server (:mod:`locus_iac.config.playbook_server`), named
    ``ansible-playbook``, when one is running; ``None``: the real one runs."""
    real = shutil.which("ansible-playbook", path=path)
    return None if real is None else relay_launcher(root / "bin", real)


def _lines(stream: IO[str]) -> Iterator[str | None]:
    """The child's protocol lines, read in a thread; ``None`` while nothing arrived."""
    inbox: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            inbox.put(line)
        inbox.put(None)

    threading.Thread(target=pump, name="ansible-child-reader", daemon=True).start()
    while True:
        try:
            line = inbox.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            yield None
            continue
        if line is None:
            return
        yield line


def _run_child(
    spec: Mapping[str, Any],
    root: Path,
    record: Callable[[TaskResult], None],
    should_cancel: Callable[[], bool] | None,
    what: str,
) -> tuple[str, int]:
    """Run the child, feed its task results to ``record``; return (status, rc)."""
    env = {**os.environ, "GRPC_ENABLE_FORK_SUPPORT": "false"}
    with (root / "child.stderr").open("w", encoding="utf-8") as errors:
        child: ForkedRunnerChild | subprocess.Popen[str] | None = fork_runner_child(errors, env)
        if child is None:
            child = subprocess.Popen(
                # -P: the script's folder (this package) must not shadow other modules
                [sys.executable, "-P", str(_CHILD)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                env=env,
            )
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(json.dumps(spec))
        child.stdin.close()
        final: dict[str, Any] = {}
        cancel_sent = False
        for line in _lines(child.stdout):
            if line is None:
                if should_cancel is not None and not cancel_sent and should_cancel():
                    child.send_signal(signal.SIGTERM)
                    cancel_sent = True
                continue
            message = json.loads(line)
            if message.get("kind") != "event":
                final = message
                continue
            result = task_result(message["event"])
            if result is not None:
                record(result)
        child.wait()
    if final.get("kind") != "done":
        cause = final.get("error") or f"the ansible-runner process exited with {child.returncode}"
        raise PermanentError(f"{what}: ansible-runner could not run: {cause}")
    rc = final.get("rc")
    return str(final.get("status")), int(rc) if isinstance(rc, int) else -1


def _ansible_env(root: Path) -> dict[str, str]:
    """Ansible settings of every run; ``ansible-playbook`` is the one beside this interpreter
    (the venv's) when there is one, else the one on ``PATH``.

    SSH connection sharing stays within the run (control sockets in its temp dir): a later
    run never reuses a master connection to an address that now belongs to another VM (a
    healed VDU keeps its address) or to a host that went away.

    Pipelining is off here (SSH runs: with ``become`` it fails on hosts whose sudoers require
    a tty); KDU runs turn it on in their inventory (``ansible_pipelining``, see
    :class:`~locus_iac.config.kube_inventory.KubernetesInventory`). So every run has the same
    settings but the per-run folders, which a playbook server's forks require
    (:mod:`locus_iac.config._playbook_server`: a run whose settings differ from its import
    starts a new ``ansible-playbook``).
    """
    path = os.environ.get("PATH", "/usr/bin:/bin")
    venv_bin = Path(sys.executable).parent
    if (venv_bin / "ansible-playbook").is_file():
        path = f"{venv_bin}{os.pathsep}{path}"
    return {
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_SSH_RETRIES": "2",
        "ANSIBLE_TIMEOUT": "20",
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(root / "cp"),
        "ANSIBLE_PIPELINING": "0",
        "PATH": path,
    }


_MIN_SECRET = 4


def _secrets(values: Collection[str]) -> list[str]:
    """The forms a secret takes in text, in JSON, and in JSON output kept inside JSON events
    (escaped once and twice); too-short values are skipped (redacting "1" everywhere would
    destroy the record and hide nothing)."""
    forms: set[str] = set()
    for value in values:
        if len(value) >= _MIN_SECRET:
            once = json.dumps(value)[1:-1]
            forms.update({value, once, json.dumps(once)[1:-1]})
    return sorted(forms, key=len, reverse=True)


def _redact(text: str, secrets: Collection[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[secret]")
    return text


def _redact_artifacts(job_dir: Path, secrets: Collection[str]) -> None:
    for path in job_dir.rglob("*"):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        cleaned = _redact(text, secrets)
        if cleaned != text:
            path.write_text(cleaned, encoding="utf-8")


def _scrub_command_file(job_dir: Path) -> None:
    """ansible-runner writes the command with the whole process environment to
    ``job_dir/command``; the environment may hold secrets of the server (passphrases,
    passwords), so only the command line and working directory are kept."""
    path = job_dir / "command"
    if not path.is_file():
        return
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        path.unlink(missing_ok=True)
        return
    recorded = recorded if isinstance(recorded, dict) else {}
    kept = {k: recorded[k] for k in ("command", "cwd") if k in recorded}
    path.write_text(json.dumps(kept), encoding="utf-8")

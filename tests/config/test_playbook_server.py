"""The playbook server: runs forked from a process with Ansible imported (their ansible-runner
process too) report what runs of a new ``ansible-playbook`` report; a setting the import did
not see still takes effect; each run keeps its own fact cache; cancel and a killed relay stop
the forked playbook; without a server runs start ``ansible-playbook``; the server holds no
gRPC or Pulumi.

Runs use the local connection (a KDU inventory), so they need no SSH host; the Day1/Day2
tests over SSH run on this path with ``LOCUS_TEST_PLAYBOOKS=server``
(``tests/support/playbook_server.py``)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from support.playbook_server import RunningServer

from locus_iac.config import runner
from locus_iac.config.kube_inventory import KduTarget, KubernetesInventory
from locus_iac.config.playbook_server import (
    SOCKET_ENV,
    PlaybookServer,
    fork_runner_child,
    relay_launcher,
)
from locus_iac.config.results import PlaybookRun, TaskStatus

INVENTORY = KubernetesInventory(
    targets=(KduTarget(name="cache", vnf_profile_id="1", release="r", namespace="ns"),)
)
IN_PROCESS = "playbook runs in-process"
EXECED = "exec ansible-playbook"

PLAY = b"""- hosts: all
  gather_facts: false
  tasks:
    - name: Tell which configuration file Ansible read.
      ansible.builtin.debug:
        msg: "config={{ ansible_config_file }}"
    - name: Remember a fact for later runs.
      ansible.builtin.set_fact:
        greeting: "{{ word }}"
        cacheable: true
    - name: Fail on purpose.
      ansible.builtin.fail:
        msg: "failed on purpose"
      ignore_errors: true
    - name: Write a file with a module.
      ansible.builtin.copy:
        dest: "{{ target }}"
        content: "{{ greeting }}\\n"
"""

SLOW = b"""- hosts: all
  gather_facts: false
  tasks:
    - name: Mark the start.
      ansible.builtin.file:
        path: "{{ started }}"
        state: touch
    - name: Sleep.
      ansible.builtin.command: sleep 120
"""


def _words(word: str, target: Path) -> dict[str, str]:
    """The play's extra vars: a file of the test's own as the copy's target (never a device:
    ``copy`` replaces its ``dest`` with a renamed temporary file, so ``/dev/null`` would become
    a regular file, for every process on the machine)."""
    return {"word": word, "target": str(target)}


def _run(
    tmp_path: Path,
    ident: str,
    files: Mapping[str, bytes],
    extra: Mapping[str, str],
    should_cancel: Callable[[], bool] | None = None,
) -> PlaybookRun:
    return runner.run_playbook(
        primitive="probe",
        playbook="play.yml",
        playbook_dir=files,
        inventory=INVENTORY,
        extra_vars=extra,
        artifacts_root=tmp_path / "artifacts",
        ident=ident,
        timeout=300,
        should_cancel=should_cancel,
    )


def _summary(run: PlaybookRun) -> list[tuple[str, TaskStatus, str]]:
    return [(t.task, t.status, t.message) for t in run.tasks]


def _events(run: PlaybookRun) -> list[str]:
    """The run's events but ``verbose`` ones (plain output lines: a new ``ansible-playbook``
    prints the Python warnings of its imports there, the server once, in its log)."""
    folder = Path(run.artifacts_dir) / "job_events"
    found = [json.loads(p.read_text()) for p in folder.glob("*.json")]
    ordered = sorted(found, key=lambda e: int(e["counter"]))
    return [e["event"] for e in ordered if e["event"] != "verbose"]


def test_a_forked_run_reports_what_a_new_ansible_playbook_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SOCKET_ENV, raising=False)
    plain = _run(tmp_path, "plain", {"play.yml": PLAY}, _words("hi", tmp_path / "plain.txt"))
    server = PlaybookServer(tmp_path / "pbs", tmp_path / "pbs" / "server.log")
    monkeypatch.setenv(SOCKET_ENV, str(server.start()))
    try:
        forked = _run(tmp_path, "forked", {"play.yml": PLAY}, _words("hi", tmp_path / "forked.txt"))
    finally:
        server.stop()
    log = (tmp_path / "pbs" / "server.log").read_text()
    assert log.count(IN_PROCESS) == 1 and EXECED not in log
    assert (forked.status, forked.rc) == (plain.status, plain.rc) == ("successful", 0)
    assert _summary(forked) == _summary(plain)
    assert [s for _, s, _ in _summary(forked)] == [
        TaskStatus.OK,
        TaskStatus.OK,
        TaskStatus.FAILED,
        TaskStatus.CHANGED,
    ]
    assert _events(forked) == _events(plain)
    for run in (plain, forked):
        job = Path(run.artifacts_dir)
        assert (job / "status").read_text() == "successful"
        assert (job / "rc").read_text() == "0"
        assert "PLAY RECAP" in (job / "stdout").read_text()
        command = json.loads((job / "command").read_text())["command"]
        assert command[0] == "ansible-playbook" and command[-1] == "play.yml"


def test_a_setting_the_import_did_not_see_still_takes_effect(
    playbook_server: RunningServer, tmp_path: Path
) -> None:
    """The server imported Ansible without an ``ansible.cfg``; a run whose playbook folder
    has one gets it (through a new ``ansible-playbook``), the next run without one is forked
    again."""
    first = _run(tmp_path, "first", {"play.yml": PLAY}, _words("hi", tmp_path / "first.txt"))
    cfg = {"play.yml": PLAY, "ansible.cfg": b"[defaults]\nforks = 3\n"}
    second = _run(tmp_path, "second", cfg, _words("hi", tmp_path / "second.txt"))
    third = _run(tmp_path, "third", {"play.yml": PLAY}, _words("hi", tmp_path / "third.txt"))
    assert [r.tasks[0].message for r in (first, third)] == ["config=", "config="]
    assert second.tasks[0].message.endswith("/project/ansible.cfg")
    assert playbook_server.log_lines(IN_PROCESS) == 2
    assert playbook_server.log_lines("CONFIG_FILE differ from the import") == 1


def test_each_forked_run_keeps_its_own_fact_cache_and_files(
    playbook_server: RunningServer, tmp_path: Path
) -> None:
    for word in ("one", "two"):
        target = tmp_path / f"{word}.txt"
        run = _run(tmp_path, word, {"play.yml": PLAY}, {"word": word, "target": str(target)})
        assert run.ok, run.tasks
        assert target.read_text() == f"{word}\n"
        (cache_file,) = (Path(run.artifacts_dir) / "fact_cache").glob("*cache")
        cached = json.loads(json.loads(cache_file.read_text())["__payload__"])
        assert cached["greeting"]["value"] == word
    assert playbook_server.log_lines(IN_PROCESS) == 2


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _wait_until(check: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_a_cancel_stops_the_forked_playbook(playbook_server: RunningServer, tmp_path: Path) -> None:
    started = tmp_path / "started"
    seen: list[set[str]] = []

    def cancel() -> bool:
        """True once the playbook runs; notes which programs this process started then."""
        if not started.exists():
            return False
        served = _descendants(playbook_server.pid) | {playbook_server.pid}
        seen.append({_cmdline(pid) for pid in _descendants(os.getpid()) - served})
        return True

    run = _run(tmp_path, "slow", {"play.yml": SLOW}, {"started": str(started)}, cancel)
    assert run.status == "canceled"
    # ansible-runner's process and ansible-playbook were forked by the server, not started here
    assert seen and not any("_ansible_child" in c or "ansible-playbook" in c for c in seen[0])
    assert [t.task for t in run.tasks] == ["Mark the start."]
    assert playbook_server.log_lines(IN_PROCESS) == 1
    assert _wait_until(lambda: not _descendants(playbook_server.pid))


@pytest.mark.parametrize("killed", ["relay", "its parent"])
def test_a_killed_relay_takes_its_playbook_with_it(
    playbook_server: RunningServer, tmp_path: Path, killed: str
) -> None:
    """The relay is what ansible-runner kills (SIGKILL after SIGINT), and it dies with
    ansible-runner's process: the forked playbook, which is neither's child, must not outlive
    it."""
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "play.yml").write_bytes(SLOW)
    (folder / "hosts.json").write_text(json.dumps(INVENTORY.as_ansible(folder / "kh")))
    started = tmp_path / "started"
    relay = relay_launcher(folder / "bin", str(Path(sys.executable).parent / "ansible-playbook"))
    assert relay is not None
    command = [str(relay), "-i", "hosts.json", "-e", f"started={started}", "play.yml"]
    if killed == "its parent":
        command = [sys.executable, "-c", PARENT, *command]
    process = subprocess.Popen(
        command,
        cwd=folder,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_until(started.exists, 60)
        assert _descendants(playbook_server.pid)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert _wait_until(lambda: not _descendants(playbook_server.pid))


PARENT = "import subprocess, sys; subprocess.run(sys.argv[1:])"


def test_without_a_server_runs_start_ansible_playbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A socket named but gone (the server died after the run began): the relay becomes
    the real ``ansible-playbook``; no socket named: no relay at all."""
    stale = tmp_path / "gone.sock"
    stale.touch()
    monkeypatch.setenv(SOCKET_ENV, str(stale))
    target = tmp_path / "out.txt"
    run = _run(tmp_path, "stale", {"play.yml": PLAY}, {"word": "w", "target": str(target)})
    assert run.ok and target.read_text() == "w\n"
    monkeypatch.delenv(SOCKET_ENV)
    assert relay_launcher(tmp_path / "bin", "ansible-playbook") is None


def test_a_server_that_does_not_answer_is_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hung server (it listens, never forks): the ansible-runner process starts here."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as hung:
        hung.bind(str(tmp_path / "hung.sock"))
        hung.listen(1)
        monkeypatch.setenv(SOCKET_ENV, str(tmp_path / "hung.sock"))
        with (tmp_path / "stderr").open("w") as stderr:
            assert fork_runner_child(stderr, dict(os.environ), wait=0.5) is None


def test_the_server_holds_neither_grpc_nor_pulumi(
    playbook_server: RunningServer, tmp_path: Path
) -> None:
    run = _run(tmp_path, "x", {"play.yml": PLAY}, _words("w", tmp_path / "x.txt"))
    assert run.ok
    maps = Path(f"/proc/{playbook_server.pid}/maps").read_text()
    assert "_yaml" in maps  # PyYAML's C loader, which Ansible imports: the maps show imports
    for name in ("grpc", "pulumi"):
        assert name not in maps
    assert oct(os.stat(playbook_server.server.socket_path or "").st_mode & 0o777) == "0o600"

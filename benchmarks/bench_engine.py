"""MANO overhead per operation, outside Pulumi and Ansible.

Measured side by side on this machine (numbers printed, never asserted):

1. ``StackDriver.up`` vs the bare Automation API ``Stack.up`` on the same tiny inline program
   and the same local file backend: the difference is what the driver adds (settings, stack
   selection, event translation, result conversion) per engine operation.
2. The in-process cost per engine event (translate + fold into the progress view) and per
   state transition of an operation occurrence, compared with the engine's own time per
   event.
3. With ``--ansible`` (root, sshd, ip): ``ConfigRunner.day2`` vs ``ansible-playbook`` run by
   hand with the same inventory and playbook, against an SSH test host in a network
   namespace (tests/support/netns_ssh.py): what locus adds around Ansible per primitive.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--runs N] [--ansible]`` (needs the pulumi
CLI on PATH or in ${LOCUS_TOOLS_DIR:-~/.cache/locus-iac/tools}/bin).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pulumi
from pulumi import automation as auto
from pulumi.automation import events as pe

from locus_iac.engine import (
    PROJECT,
    EngineSettings,
    StackDriver,
    StackProgress,
    find_pulumi,
    translate_event,
)
from locus_iac.lcm import LcmEvent, LcmOperationType, OperationOccurrence

FIXTURE = Path(__file__).resolve().parents[1] / "tests/engine/fixtures/up_events.jsonl"


class Box(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("locus:bench:Box", name, None, None)
        self.register_outputs({})


def program(boxes: int) -> Callable[[], None]:
    def run() -> None:
        for i in range(boxes):
            Box(f"vdu-{i}")
        pulumi.export("management", {"vnf": {f"vdu-{i}": f"169.254.9.{i}" for i in range(boxes)}})

    return run


def bare_up(settings: EngineSettings, stack_name: str, fn: Callable[[], None]) -> int:
    """The Automation API alone, configured like the driver, counting events."""
    count = 0

    def on_event(_: pe.EngineEvent) -> None:
        nonlocal count
        count += 1

    opts = auto.LocalWorkspaceOptions(
        work_dir=str(settings.workspaces_dir / stack_name),
        env_vars=settings.engine_env(),
        secrets_provider="passphrase",
        project_settings=auto.ProjectSettings(
            name=PROJECT, runtime="python", backend=auto.ProjectBackend(url=settings.backend_url)
        ),
        pulumi_command=auto.PulumiCommand(
            root=str(settings.pulumi_binary.parent.parent), skip_version_check=True
        )
        if settings.pulumi_binary
        else None,
    )
    (settings.workspaces_dir / stack_name).mkdir(parents=True, exist_ok=True)
    stack = auto.create_or_select_stack(stack_name, PROJECT, fn, opts=opts)
    stack.up(on_event=on_event)
    return count


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_up(runs: int, boxes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = EngineSettings.from_env(Path(tmp))
        driver = StackDriver(settings)
        ours, bare, counts = [], [], []
        for i in range(runs):  # interleaved so that drift hits both alike
            ours.append(timed(lambda i=i: driver.up(f"ours-{i}", program(boxes))))
            start = time.perf_counter()
            counts.append(bare_up(settings, f"bare-{i}", program(boxes)))
            bare.append(time.perf_counter() - start)
        mo, mb = statistics.median(ours), statistics.median(bare)
        print(f"up of {boxes} resources, {runs} runs each (median):")
        print(f"  StackDriver.up       {mo * 1000:8.1f} ms")
        print(f"  bare Automation API  {mb * 1000:8.1f} ms")
        print(f"  driver overhead      {(mo - mb) * 1000:8.1f} ms  (ratio {mo / mb:.3f})")
        events = statistics.median(counts)
        print(f"  engine time per event {mb / events * 1e6:8.0f} us ({events:.0f} events)")


def bench_in_process(repeat: int) -> None:
    lines = [json.loads(x) for x in FIXTURE.read_text().splitlines() if x.strip()]
    events = [pe.EngineEvent.from_json(x) for x in lines]
    start = time.perf_counter()
    for _ in range(repeat):
        progress = StackProgress()
        for event in events:
            record = translate_event(event)
            if record is not None:
                progress = progress.apply(record)
    per_event = (time.perf_counter() - start) / (repeat * len(events))
    occ = OperationOccurrence(id="op", ns_instance_id="ns", operation=LcmOperationType.INSTANTIATE)
    start = time.perf_counter()
    for _ in range(repeat):
        occ.apply(LcmEvent.ERROR).apply(LcmEvent.RETRY).apply(LcmEvent.COMPLETE)
    per_transition = (time.perf_counter() - start) / (repeat * 3)
    print(f"per engine event: translate + fold {per_event * 1e6:7.1f} us")
    print(f"per occurrence state transition    {per_transition * 1e6:7.1f} us")


PLAYBOOK = b"""
- name: Bench.
  hosts: all
  gather_facts: false
  tasks:
    - name: Write a value.
      ansible.builtin.copy:
        dest: "~/locus-bench-{{ inventory_hostname }}"
        content: "{{ value }}"
        mode: "0644"
"""


def bench_ansible(runs: int) -> None:
    import subprocess
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from support.netns_ssh import start_hosts, unavailable_reason

    from locus_iac.config import ConfigRunner, VnfConfigTarget, inventory_from_outputs
    from locus_iac.descriptors.day12 import Day12

    reason = unavailable_reason()
    if reason is not None:
        print(f"Ansible comparison skipped: {reason}")
        return
    day12 = Day12.model_validate(
        {
            "id": "b",
            "execution-environment-list": [{"id": "env"}],
            "config-primitive": [{"name": "bench", "parameter": [{"name": "value"}]}],
        }
    )
    with tempfile.TemporaryDirectory() as tmp, start_hosts(Path(tmp), count=1) as testbed:
        host = testbed.hosts[0]
        inventory = inventory_from_outputs(
            {"v": {host.name: host.address}},
            "v",
            user=testbed.user,
            private_key_file=testbed.private_key,
            port=host.port,
        )
        target = VnfConfigTarget(
            ns_instance_id="bench",
            vnf_profile_id="v",
            day12=day12,
            files={"ansible/env/bench.yml": PLAYBOOK},
            inventory=inventory,
        )
        runner = ConfigRunner(Path(tmp) / "data")
        (Path(tmp) / "bench.yml").write_bytes(PLAYBOOK)
        (Path(tmp) / "hosts.json").write_text(json.dumps(inventory.as_ansible(Path(tmp) / "kh")))
        playbook_bin = Path(sys.executable).parent / "ansible-playbook"
        cmd = [
            str(playbook_bin),
            "-i",
            str(Path(tmp) / "hosts.json"),
            "-e",
            "value=x",
            str(Path(tmp) / "bench.yml"),
        ]
        ours, bare = [], []
        for i in range(runs):
            ours.append(timed(lambda i=i: runner.day2(target, "bench", {"value": f"v{i}"})))
            bare.append(timed(lambda: subprocess.run(cmd, check=True, capture_output=True)))
        mo, mb = statistics.median(ours), statistics.median(bare)
        print(f"Day-2 primitive on 1 host, {runs} runs each (median):")
        print(f"  ConfigRunner.day2    {mo * 1000:8.1f} ms")
        print(f"  ansible-playbook     {mb * 1000:8.1f} ms")
        print(f"  locus overhead       {(mo - mb) * 1000:8.1f} ms  (ratio {mo / mb:.3f})")
        (testbed.home / f"locus-bench-{host.name}").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--boxes", type=int, default=5)
    parser.add_argument("--ansible", action="store_true", help="also compare Day-2 runs")
    args = parser.parse_args()
    bench_in_process(repeat=2000)
    if find_pulumi() is not None:
        bench_up(args.runs, args.boxes)
    else:
        print("pulumi CLI not found: engine comparison skipped")
    if args.ansible:
        bench_ansible(args.runs)


if __name__ == "__main__":
    main()

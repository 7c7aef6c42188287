#!/usr/bin/env python3
"""Undo what a stopped node left on the host.

    node_cleanup.py record NODE_DIR   (while containerd runs) note the pods' network namespaces
    node_cleanup.py clean NODE_DIR    (after the kubelet and containerd stopped) clean up:

1. Kill the containerd shims (and their containers) that served this node's containerd: the
   shims whose command line names the node's containerd socket, and every process they parent.
2. Unmount every mount under NODE_DIR (deepest first) and the pod network namespaces
   containerd created for this node (``/run/netns/cni-*`` held by no other process).
3. Restore the host sysctls recorded in NODE_DIR/host-before.json and remove the host folders
   that did not exist before the node.
Prints one JSON object naming what it changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def kill_shims(socket: str) -> list[int]:
    tree = _children()
    shims = [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit()
        and "containerd-shim" in " ".join(_cmdline(int(p.name))[:1])
        and socket in _cmdline(int(p.name))
    ]
    victims: list[int] = []
    todo = list(shims)
    while todo:
        pid = todo.pop()
        victims.append(pid)
        todo.extend(tree.get(pid, []))
    for pid in reversed(victims):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in victims):
        time.sleep(0.1)
    return victims


def _mounts() -> list[str]:
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].encode().decode("unicode_escape")
        points.append(point)
    return points


def _netns_in_use(path: str) -> bool:
    try:
        target = os.stat(path).st_ino
    except OSError:
        return False
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.stat(proc / "ns" / "net").st_ino == target:
                    return True
            except OSError:
                continue
    return False


def unmount(node_dir: str, recorded_netns: set[str]) -> list[str]:
    done = []
    for point in sorted(_mounts(), key=len, reverse=True):
        ours = point.startswith(node_dir + "/")
        pod_netns = point in recorded_netns and not _netns_in_use(point)
        if ours or pod_netns:
            if subprocess.run(["umount", "-l", point], check=False).returncode == 0:
                done.append(point)
            if pod_netns:
                Path(point).unlink(missing_ok=True)
    return done


def restore(node_dir: Path) -> dict[str, object]:
    record_path = node_dir / "host-before.json"
    if not record_path.is_file():
        return {}
    record = json.loads(record_path.read_text())
    restored = {}
    for name, value in record.get("sysctls", {}).items():
        path = Path("/proc/sys") / name.replace(".", "/")
        if path.read_text().strip() != value:
            path.write_text(value + "\n")
            restored[name] = value
    removed = []
    for folder in record.get("created_paths", []):
        if Path(folder).exists():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    record_path.unlink()
    return {"sysctls": restored, "removed": removed}


def record_netns(socket: str, netns_file: Path) -> list[str]:
    """The network namespace paths of the node's pod sandboxes, from containerd."""
    ctr = ["ctr", "--address", socket, "--namespace", "k8s.io"]
    listed = subprocess.run([*ctr, "containers", "ls", "-q"], capture_output=True, text=True)
    paths = set(netns_file.read_text().split()) if netns_file.is_file() else set()
    for container in listed.stdout.split() if listed.returncode == 0 else []:
        info = subprocess.run([*ctr, "containers", "info", container], capture_output=True)
        if info.returncode != 0:
            continue
        spec = json.loads(info.stdout).get("Spec") or {}
        for ns in (spec.get("linux") or {}).get("namespaces") or []:
            if ns.get("type") == "network" and ns.get("path", "").startswith("/"):
                paths.add(os.path.realpath(ns["path"]))
    netns_file.write_text("\n".join(sorted(paths)) + "\n")
    return sorted(paths)


def main(argv: list[str]) -> int:
    action, node_dir = argv[0], Path(argv[1]).resolve()
    socket = str(node_dir / "containerd" / "containerd.sock")
    netns_file = node_dir / "pod-netns.txt"
    if action == "record":
        report: dict[str, object] = {"changed": False, "netns": record_netns(socket, netns_file)}
        sys.stdout.write(json.dumps(report) + "\n")
        return 0
    recorded = set(netns_file.read_text().split()) if netns_file.is_file() else set()
    killed = kill_shims(socket)
    unmounted = unmount(str(node_dir), recorded)
    restored = restore(node_dir)
    netns_file.unlink(missing_ok=True)
    changed = bool(killed or unmounted or restored.get("sysctls") or restored.get("removed"))
    report = {"changed": changed, "killed": killed, "unmounted": unmounted} | restored
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

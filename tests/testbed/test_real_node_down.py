"""Taking the testbed's real worker node down leaves nothing of it on the host (issue 18).

The node (``playbooks/local-node.yml``) is brought up and taken down again
(``playbooks/local-node-down.yml``, what ``locus testbed down`` runs for it); the host's state
is read before and after: network namespaces, network interfaces, mounts, processes, the
iptables rules that name the node, its pods or its CNI plugins, the sysctls the kubelet sets
and the host folders it uses. Runs after ``test_real_node.py`` (whose module takes its node
down at the end); skips when the node is up already or cannot start here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from testbed.helpers import TESTBED_DIR, TOOLS_DIR
from testbed.test_real_node import (
    NETNS,
    NODE_ADDRESS,
    _api_server_listens,
    _node_is_up,
    _node_playbook,
)

pytestmark = pytest.mark.testbed

NODE_DIR = TESTBED_DIR / "node"
SYSCTLS = ("vm.overcommit_memory", "kernel.panic", "kernel.panic_on_oops")  # the role's list
HOST_PATHS = ("/var/lib/kubelet", "/var/log/pods", "/var/log/containers", "/var/lib/cni")
#: iptables lines that belong to a node: its address range, its veth, CNI and flannel chains
NODE_RULE = re.compile(rf"{re.escape(NODE_ADDRESS.rsplit('.', 1)[0])}\.|locus-node|CNI-|FLANNEL")


def _out(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def _processes() -> list[str]:
    """Command lines that name the node's folder or its containerd socket."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").replace("\0", " ")
        except OSError:
            continue
        if str(NODE_DIR) in argv and "pytest" not in argv:
            found.append(argv.strip())
    return sorted(found)


def _host_state() -> dict[str, object]:
    netns = Path("/run/netns")
    return {
        "netns": sorted(os.listdir(netns)) if netns.is_dir() else [],
        "links": sorted(link["ifname"] for link in json.loads(_out("ip", "-j", "link", "show"))),
        "mounts": sorted(
            line
            for line in Path("/proc/self/mounts").read_text().splitlines()
            if str(NODE_DIR) in line or "/run/netns/cni-" in line
        ),
        "processes": _processes(),
        "iptables": sorted(
            line for line in _out("iptables-save").splitlines() if NODE_RULE.search(line)
        ),
        "sysctls": {
            name: Path("/proc/sys", *name.split(".")).read_text().strip() for name in SYSCTLS
        },
        "host_paths": sorted(path for path in HOST_PATHS if Path(path).exists()),
    }


def test_down_leaves_no_process_mount_interface_rule_or_sysctl_change() -> None:
    if _node_is_up():
        pytest.skip("the real node is up already: its state before is not known")
    if os.geteuid() != 0 or not (TOOLS_DIR / "bin" / "kubelet").exists():
        pytest.skip("the real node needs root and its tools (scripts/bootstrap-tools --with-node)")
    if not _api_server_listens():
        pytest.skip("the testbed's API server is not up")
    before = _host_state()
    _node_playbook("local-node.yml")
    try:
        up = _host_state()
        assert NETNS in up["netns"] and up["processes"], "the node did not come up"  # type: ignore[operator]
    finally:
        _node_playbook("local-node-down.yml")
    after = _host_state()
    assert after == before

#!/usr/bin/env python3
"""Attach a test "pod" (a network namespace) through the CNI plugins the role installed.

    cni_check.py primary BIN CONF_DIR RUNTIME_NETNS POD_NETNS
        ADD through the primary network's conflist (bridge + host-local) run in RUNTIME_NETNS,
        then check the pod's eth0 has the address and resolves its gateway; DEL.
    cni_check.py macvlan BIN RUNTIME_NETNS POD_NETNS MASTER PROBE_ADDRESS DATA_DIR
        ADD a macvlan on MASTER (host-local on PROBE_ADDRESS's network) and check the pod
        resolves the probe interface; DEL.
    cni_check.py whereabouts add|del BIN POD_NETNS RANGE FLAT_FILE
        Allocate (release) an address of RANGE with whereabouts IPAM (its datastore: the
        Kubernetes API named by the flat file).

Prints one JSON object; exits non-zero with the plugin's error when a step fails.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import time
from pathlib import Path

CONTAINER_ID = "locus-molecule-cni-check"


def cni(command: str, plugin: str, config: dict, netns: str, runtime_netns: str = "") -> dict:
    bin_dir = str(Path(plugin).parent)
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "CNI_COMMAND": command,
        "CNI_CONTAINERID": CONTAINER_ID,
        "CNI_NETNS": f"/run/netns/{netns}",
        "CNI_IFNAME": "eth0",
        "CNI_PATH": bin_dir,
        # as the runtime passes them (whereabouts records the pod owning each address)
        "CNI_ARGS": f"IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME={CONTAINER_ID}",
    }
    prefix = ["ip", "netns", "exec", runtime_netns] if runtime_netns else []
    done = subprocess.run(
        [*prefix, plugin], input=json.dumps(config), capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        raise SystemExit(f"cni_check: {Path(plugin).name} {command}: {done.stdout}{done.stderr}")
    return json.loads(done.stdout) if done.stdout.strip() else {}


def ensure_netns(name: str) -> None:
    if not Path(f"/run/netns/{name}").exists():
        subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)


def pod_addresses(netns: str) -> list[str]:
    out = subprocess.run(
        ["ip", "netns", "exec", netns, "ip", "-j", "addr", "show", "dev", "eth0"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [f"{a['local']}/{a['prefixlen']}" for a in json.loads(out)[0]["addr_info"]]


def resolves(netns: str, address: str) -> bool:
    """Whether the pod gets an ARP answer from ADDRESS (no ping on this machine)."""
    poke = (
        "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
        f"s.sendto(b'x', ({address!r}, 9))"
    )
    for _ in range(30):
        subprocess.run(["ip", "netns", "exec", netns, sys.executable, "-c", poke], check=False)
        out = subprocess.run(
            ["ip", "netns", "exec", netns, "ip", "-j", "neigh", "show", "to", address],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        entries = json.loads(out or "[]")
        if any(e.get("lladdr") and "FAILED" not in e.get("state", []) for e in entries):
            return True
        time.sleep(0.2)
    return False


def primary(bin_dir: str, conf_dir: str, runtime_netns: str, pod: str) -> dict:
    conflist = next(Path(conf_dir).glob("10-*.conflist"))
    listed = json.loads(conflist.read_text())
    config = listed["plugins"][0] | {"name": listed["name"], "cniVersion": listed["cniVersion"]}
    ensure_netns(pod)
    result = cni("ADD", f"{bin_dir}/{config['type']}", config, pod, runtime_netns)
    ip = result["ips"][0]
    report = {
        "address": ip["address"],
        "network": str(ipaddress.ip_interface(ip["address"]).network),
        "gateway": ip.get("gateway", ""),
        "pod_addresses": pod_addresses(pod),
        "gateway_resolves": resolves(pod, ip["gateway"]) if ip.get("gateway") else False,
    }
    cni("DEL", f"{bin_dir}/{config['type']}", config, pod, runtime_netns)
    return report


def macvlan(bin_dir: str, runtime_netns: str, pod: str, master: str, probe: str, data: str) -> dict:
    network = ipaddress.ip_interface(probe).network
    config = {
        "cniVersion": "1.0.0",
        "name": "locus-molecule-vnf",
        "type": "macvlan",
        "master": master,
        "mode": "bridge",
        "ipam": {
            "type": "host-local",
            "ranges": [
                [
                    {
                        "subnet": str(network),
                        "rangeStart": str(network[10]),
                        "rangeEnd": str(network[20]),
                    }
                ]
            ],
            "dataDir": data,
        },
    }
    ensure_netns(pod)
    result = cni("ADD", f"{bin_dir}/macvlan", config, pod, runtime_netns)
    report = {
        "address": result["ips"][0]["address"],
        "pod_addresses": pod_addresses(pod),
        "probe_resolves": resolves(pod, str(ipaddress.ip_interface(probe).ip)),
    }
    cni("DEL", f"{bin_dir}/macvlan", config, pod, runtime_netns)
    return report


def whereabouts(action: str, bin_dir: str, pod: str, cidr: str, flat_file: str) -> dict:
    config = {
        "cniVersion": "1.0.0",
        "name": "locus-molecule-wb",
        "type": "whereabouts",
        "ipam": {"type": "whereabouts", "range": cidr, "configuration_path": flat_file},
    }
    ensure_netns(pod)
    result = cni("ADD" if action == "add" else "DEL", f"{bin_dir}/whereabouts", config, pod)
    return {"address": result["ips"][0]["address"]} if action == "add" else {}


def main(argv: list[str]) -> int:
    kind, args = argv[0], argv[1:]
    if kind == "primary":
        report = primary(*args)
    elif kind == "macvlan":
        report = macvlan(*args)
    elif kind == "whereabouts":
        report = whereabouts(*args)
    else:
        raise SystemExit(f"cni_check: unknown check {kind!r}")
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main(sys.argv[1:]))

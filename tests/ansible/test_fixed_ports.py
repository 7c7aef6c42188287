"""Every fixed port the project's own listeners use on this machine (molecule scenarios, the
local testbed's inventory, the roles' defaults, the tests' private platforms) lies outside the
range Linux takes outgoing connections' local ports from (``net.ipv4.ip_local_port_range``,
32768-60999 by default).

A listener cannot bind a port that any connection on the machine holds as its local port, and
the testbed keeps hundreds of long-lived connections (OpenStack's database and message-queue
pools, the API server's etcd clients). A CI run once failed that way: the MANO scenario's
PostgreSQL on 127.0.0.1:35432 stopped with "could not bind IPv4 address: Address already in use"
on both attempts. WireGuard's registered UDP port 51820 is the one exception: it is the port
sites expect, and only real gateways listen on it."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EPHEMERAL = range(32768, 61000)
# A port follows a *_port key, a loopback address, or a listener's command-line option.
FIXED_PORT = re.compile(
    r"""(?P<key>\w*_port)["']?\s*[:=]\s*(?P<port>\d{2,5})\b"""
    r"""|(?:127\.0\.0\.1|localhost):(?P<addr>\d{2,5})\b"""
    r"""|(?:TCP-LISTEN:|(?<![\w-])-p\s|--port[= ])(?P<option>\d{2,5})\b"""
)
REGISTERED_EXCEPTIONS = {"locus_vpn_gateway_listen_port": 51820}
SOURCES = (
    ".config/molecule/*.yml",
    "molecule/**/*.yml",
    "roles/*/defaults/*.yml",
    "roles/*/molecule/**/*.yml",
    "inventories/local/**/*.yml",
    "playbooks/**/*.yml",
    "tests/**/*.py",
)


def fixed_ports(text: str) -> list[tuple[str, int]]:
    found = []
    for match in FIXED_PORT.finditer(text):
        port = match["port"] or match["addr"] or match["option"]
        found.append((match["key"] or "", int(port)))
    return found


def in_ephemeral_range(key: str, port: int) -> bool:
    return port in EPHEMERAL and REGISTERED_EXCEPTIONS.get(key) != port


def test_the_pattern_finds_each_way_a_port_is_written() -> None:
    text = (
        "locus_mano_port: 39999\n"
        "url: https://127.0.0.1:36443/api\n"
        '"-p 35432 -k /tmp"\n'
        "TCP-LISTEN:38080,bind=127.0.0.1\n"
        '"influxdb_port": 37086,\n'
        "locus_vpn_gateway_listen_port: 51820\n"
        "locus_etcd_client_port: 12379\n"
    )
    flagged = [port for key, port in fixed_ports(text) if in_ephemeral_range(key, port)]
    assert flagged == [39999, 36443, 35432, 38080, 37086]


def test_no_fixed_listener_port_is_in_the_ephemeral_range() -> None:
    this_file = Path(__file__).resolve()
    offenders = []
    for pattern in SOURCES:
        for path in sorted(REPO.glob(pattern)):
            if path.resolve() == this_file:
                continue
            for key, port in fixed_ports(path.read_text()):
                if in_ephemeral_range(key, port):
                    offenders.append(f"{path.relative_to(REPO)}: {key or 'port'} {port}")
    assert offenders == [], "\n".join(offenders)

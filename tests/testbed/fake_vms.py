"""What the fake virt driver does not do: boot the guest, so that Day1 can reach it.

Nova's ``fake.FakeDriver`` reports a server ACTIVE with its Neutron ports bound, but no guest
runs: nothing answers at the management address. On a real cloud the image's cloud-init would
take the key pair from the metadata service and start sshd. :class:`FakeGuests` plays that
part for the tests, and only that: for a server Nova reports, it makes a network namespace that
owns the server's management address (the fixed IP Neutron gave its management port, reached
from this host over a veth pair and a /32 route), starts ``sshd`` there admitting the public
key of the server's Nova key pair (read back through the Compute API as the tenant user, as
cloud-init would), gives the SSH user passwordless sudo (as an Ubuntu image does for its
default user) and a private, empty ``/etc/locus-cloud`` (the folder the cloud VNF's Day0 and
Day1 write). Everything else - which address, which key, which user, what Day1 runs - is the
product's.

The guests admit one user, :data:`support.netns_ssh.TEST_USER`; the tests onboard the cloud VNF
with that ``ssh-access/default-user`` (as ``tests/lcm/test_vnf_day12_lifecycle.py`` does):
the example's ``ubuntu`` is a real image's account and is not created on the test machine.

Needs root, ``ip``, ``sshd``, ``nsenter``, ``mount``, ``sudo`` (see :func:`unavailable_reason`).
"""

from __future__ import annotations

import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.netns_ssh import SSHD, TEST_USER
from support.netns_ssh import unavailable_reason as ssh_unavailable

CLOUD_DIR = Path("/etc/locus-cloud")
_KEYS_ROOT = Path("/run/locus-fake-guests")


def unavailable_reason() -> str | None:
    """Why fake guests cannot be made here, or ``None``."""
    reason = ssh_unavailable()
    if reason is not None:
        return reason
    for tool in ("ip", "nsenter", "mount", "sudo"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (the cloud VNF's Day1 playbook uses become: sudo)"
    return None


def _run(*args: str) -> str:
    done = subprocess.run(args, check=True, capture_output=True, text=True, timeout=30)
    return done.stdout


@dataclass
class Guest:
    """One booted fake guest: the server it stands for and its sshd."""

    server_id: str
    address: str
    netns: str
    outer: str
    process: subprocess.Popen[bytes] = field(repr=False)

    def file(self, path: Path) -> Path:
        """``path`` as the guest sees it (its own mount namespace)."""
        return Path(f"/proc/{self.process.pid}/root") / path.relative_to("/")


@dataclass
class FakeGuests:
    """The guests booted so far (by server id) and the one user and sudoers entry."""

    workdir: Path
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:5])
    guests: dict[str, Guest] = field(default_factory=dict)
    _count: int = 0

    def boot(self, server_id: str, address: str, public_key: str) -> Guest:
        """A guest for ``server_id`` at ``address`` admitting ``public_key``."""
        if server_id in self.guests:
            return self.guests[server_id]
        index = self._count
        self._count += 1
        name = f"lfg{self.tag}{index}"
        keys = _KEYS_ROOT / name
        keys.mkdir(mode=0o755, parents=True, exist_ok=True)
        (keys / "authorized_keys").write_text(public_key.strip() + "\n")
        (keys / "authorized_keys").chmod(0o644)
        host_key = self.workdir / f"{name}_host_ed25519"
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key))
        outer = f"{name}a"
        _run("ip", "netns", "add", name)
        try:
            _wire(name, outer, address)
            process = _sshd(self.workdir, name, address, host_key, keys)
            guest = Guest(server_id, address, name, outer, process)
            self.guests[server_id] = guest
            _private_cloud_dir(guest)
        except BaseException:
            _remove(name, outer)
            raise
        return guest

    def halt(self, server_id: str) -> None:
        """Stop the guest of a server that is gone."""
        guest = self.guests.pop(server_id, None)
        if guest is not None:
            _stop(guest)


def _free_link_local() -> str:
    shown = _run("ip", "-4", "-o", "addr", "show")
    for octet in random.sample(range(192, 254), 62):
        address = f"169.254.{octet}.1"
        if f" {address}/" not in shown:
            return address
    raise RuntimeError("no free 169.254.X.1 for a fake guest")


def _wire(netns: str, outer: str, address: str) -> str:
    """veth ``outer`` (this host, a link-local /32) <-> ``netns`` (``address``/32)."""
    inner = f"{netns}b"
    local = _free_link_local()
    _run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
    _run("ip", "link", "set", inner, "netns", netns)
    _run("ip", "addr", "add", f"{local}/32", "dev", outer)
    _run("ip", "link", "set", outer, "up")
    _run("ip", "route", "add", f"{address}/32", "dev", outer, "src", local)
    _run("ip", "-n", netns, "link", "set", "lo", "up")
    _run("ip", "-n", netns, "addr", "add", f"{address}/32", "dev", inner)
    _run("ip", "-n", netns, "link", "set", inner, "up")
    _run("ip", "-n", netns, "route", "add", f"{local}/32", "dev", inner)
    return local


def _sshd(
    workdir: Path, name: str, address: str, host_key: Path, keys: Path
) -> subprocess.Popen[bytes]:
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    config = workdir / f"{name}_sshd.conf"
    config.write_text(
        "\n".join(
            [
                f"ListenAddress {address}",
                "Port 22",
                f"HostKey {host_key}",
                f"PidFile {workdir / f'{name}_sshd.pid'}",
                f"AuthorizedKeysFile {keys / 'authorized_keys'}",
                f"AllowUsers {TEST_USER}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "UsePAM no",
                "StrictModes no",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    process = subprocess.Popen(
        ["ip", "netns", "exec", name, str(SSHD), "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd of fake guest {name} exited with {process.returncode}")
        with socket.socket() as sock, suppress(OSError):
            sock.settimeout(0.5)
            sock.connect((address, 22))
            return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"sshd of fake guest {name} does not listen on {address}:22")


def _private_cloud_dir(guest: Guest) -> None:
    """An empty tmpfs at /etc/locus-cloud in the guest's mount namespace only."""
    _run(
        "nsenter",
        "-t",
        str(guest.process.pid),
        "-m",
        "mount",
        "-t",
        "tmpfs",
        "-o",
        "mode=0755",
        "locus-cloud",
        str(CLOUD_DIR),
    )


def _remove(netns: str, outer: str) -> None:
    with suppress(subprocess.CalledProcessError):
        _run("ip", "link", "del", outer)
    with suppress(subprocess.CalledProcessError):
        _run("ip", "netns", "del", netns)
    shutil.rmtree(_KEYS_ROOT / netns, ignore_errors=True)


def _stop(guest: Guest) -> None:
    guest.process.terminate()
    with suppress(subprocess.TimeoutExpired):
        guest.process.wait(timeout=5)
    if guest.process.poll() is None:
        guest.process.kill()
        guest.process.wait(timeout=5)
    found = subprocess.run(
        ["ip", "netns", "pids", guest.netns],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    for pid in found.stdout.split():  # Ansible's lingering SSH sessions
        with suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGTERM)
    _remove(guest.netns, guest.outer)


def _ensure_user() -> None:
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        _run("useradd", "--create-home", "--shell", "/bin/sh", "--password", "*", TEST_USER)


@contextmanager
def fake_guests(workdir: Path) -> Iterator[FakeGuests]:
    """Fake guests for the servers of a test; all halted, and the sudoers entry removed,
    on exit."""
    _ensure_user()
    created = not CLOUD_DIR.exists()
    CLOUD_DIR.mkdir(mode=0o755, exist_ok=True)  # the mount point (stays empty on this host)
    sudoers = Path("/etc/sudoers.d") / f"locus-fake-guests-{uuid.uuid4().hex[:8]}"
    sudoers.parent.mkdir(mode=0o755, exist_ok=True)
    sudoers.write_text(f"{TEST_USER} ALL=(ALL) NOPASSWD:ALL\n")
    sudoers.chmod(0o440)
    guests = FakeGuests(workdir)
    try:
        yield guests
    finally:
        for server_id in list(guests.guests):
            guests.halt(server_id)
        sudoers.unlink(missing_ok=True)
        if created:
            with suppress(OSError):
                CLOUD_DIR.rmdir()


def management_address(ports: list[Any], network_id: str) -> str:
    """The fixed IP of the server's port on its management network."""
    for port in ports:
        if port.network_id == network_id and port.fixed_ips:
            return str(port.fixed_ips[0]["ip_address"])
    raise AssertionError(f"no port on the management network {network_id}")

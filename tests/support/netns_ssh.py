"""Real SSH test hosts in network namespaces, for Day1/Day2 tests with real Ansible.

Each host is a network namespace made by the test, joined to the test's own namespace by a
veth pair with link-local addresses (a 169.254.X.0/24 no interface uses yet, /30 per host:
the traffic never leaves the pair), with an ``sshd`` of its own listening on the namespace
side. Ansible connects as a dedicated test user with a freshly generated ed25519 key.

Where network namespaces cannot be made (no root, no ``ip``), :func:`start_hosts` falls back
to ``sshd`` on 127.0.0.1 with a free port per host; ``SshHost.netns`` is then ``None``.
``LOCUS_TEST_SSH_LOOPBACK=1`` forces that fallback (to test it where namespaces work).

Needs: root, ``ip`` (iproute2), ``/usr/sbin/sshd`` (openssh-server) and ``ssh-keygen``.
:func:`unavailable_reason` says why the hosts cannot be made here, for ``pytest.skip``.
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

SSHD = Path("/usr/sbin/sshd")
TEST_USER = "locus-ssh-test"
_SUBNET_PREFIX = "169.254"


@dataclass
class SshHost:
    """One test host: where to connect and, for assertions, its home folder."""

    name: str
    address: str
    port: int
    netns: str | None
    process: subprocess.Popen[bytes] = field(repr=False)


@dataclass
class SshTestbed:
    """The hosts, the user they accept and the private key that opens them."""

    hosts: list[SshHost]
    user: str
    private_key: Path
    public_key: str
    workdir: Path = field(repr=False)

    @property
    def home(self) -> Path:
        return Path(pwd.getpwnam(self.user).pw_dir)


def unavailable_reason() -> str | None:
    """Why SSH test hosts cannot be made here, or ``None`` if they can."""
    if os.geteuid() != 0:
        return "SSH test hosts need root (network namespaces, sshd, a test user)"
    if not SSHD.is_file():
        return "sshd not installed (apt-get install openssh-server; .ci/run does it)"
    for tool in ("ssh", "ssh-keygen", "useradd", "usermod"):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    return None


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=30)


def netns_unavailable_reason() -> str | None:
    """Why a network namespace cannot be made here (``ip netns add`` tried), or ``None``."""
    if shutil.which("ip") is None:
        return "ip not found (apt-get install iproute2)"
    probe = f"lcsprobe{os.getpid()}"
    try:
        _run("ip", "netns", "add", probe)
    except subprocess.CalledProcessError as exc:
        return f"'ip netns add' failed: {exc.stderr.decode(errors='replace').strip()}"
    except OSError as exc:
        return f"'ip netns add' failed: {exc}"
    with suppress(subprocess.CalledProcessError):
        _run("ip", "netns", "del", probe)
    return None


def _netns_usable() -> bool:
    return netns_unavailable_reason() is None


def _ensure_user() -> None:
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        # password "*": no password login, but not a locked account ("!"), which sshd refuses
        _run("useradd", "--create-home", "--shell", "/bin/sh", "--password", "*", TEST_USER)


def _authorize(workdir: Path, keys_dir: Path) -> tuple[Path, str]:
    """A client key pair in ``workdir``; its public half in ``keys_dir/authorized_keys``.

    sshd reads the authorized keys as the test user, so they live in a folder that user can
    traverse (under /run), not in the test's private temp dir.
    """
    key = workdir / "id_ed25519"
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "locus-test", "-f", str(key))
    public = key.with_suffix(".pub").read_text(encoding="utf-8").strip()
    keys_dir.mkdir(mode=0o755, parents=True)
    (keys_dir / "authorized_keys").write_text(public + "\n", encoding="utf-8")
    (keys_dir / "authorized_keys").chmod(0o644)
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(workdir / "host_ed25519"))
    return key, public


def _sshd_config(workdir: Path, name: str, address: str, port: int, keys_dir: Path) -> Path:
    config = workdir / f"sshd_{name}.conf"
    config.write_text(
        "\n".join(
            [
                f"ListenAddress {address}",
                f"Port {port}",
                f"HostKey {workdir / 'host_ed25519'}",
                f"PidFile {workdir / f'sshd_{name}.pid'}",
                f"AuthorizedKeysFile {keys_dir / 'authorized_keys'}",
                f"AllowUsers {TEST_USER}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "UsePAM no",
                # the key file lives in the test's temp dir, under world-writable /tmp
                "StrictModes no",
                "LogLevel ERROR",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


def _wait_for_port(address: str, port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited with {process.returncode}")
        with socket.socket() as sock, suppress(OSError):
            sock.settimeout(0.5)
            sock.connect((address, port))
            return
        time.sleep(0.1)
    raise RuntimeError(f"sshd did not listen on {address}:{port}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_netns_host(workdir: Path, keys_dir: Path, index: int, tag: str, subnet: str) -> SshHost:
    netns = f"lcs{tag}{index}"
    _run("ip", "netns", "add", netns)
    try:
        return _wire_and_serve(workdir, keys_dir, index, netns, subnet)
    except BaseException:
        with suppress(subprocess.CalledProcessError):
            _run("ip", "netns", "del", netns)
        raise


def _free_subnet() -> str:
    """A 169.254.X prefix no interface has an address in (two test runs never collide)."""
    shown = subprocess.run(
        ["ip", "-4", "-o", "addr", "show"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    for octet in random.sample(range(64, 192), 128):
        prefix = f"{_SUBNET_PREFIX}.{octet}"
        if f" {prefix}." not in shown:
            return prefix
    raise RuntimeError("no free 169.254.X.0/24 for the SSH test hosts")


def _wire_and_serve(workdir: Path, keys_dir: Path, index: int, netns: str, subnet: str) -> SshHost:
    outer, inner = f"{netns}a", f"{netns}b"
    local, remote = f"{subnet}.{4 * index + 1}", f"{subnet}.{4 * index + 2}"
    _run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
    _run("ip", "link", "set", inner, "netns", netns)
    _run("ip", "addr", "add", f"{local}/30", "dev", outer)
    _run("ip", "link", "set", outer, "up")
    _run("ip", "-n", netns, "addr", "add", f"{remote}/30", "dev", inner)
    _run("ip", "-n", netns, "link", "set", inner, "up")
    _run("ip", "-n", netns, "link", "set", "lo", "up")
    config = _sshd_config(workdir, f"vdu-{index}", remote, 22, keys_dir)
    process = subprocess.Popen(
        ["ip", "netns", "exec", netns, str(SSHD), "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    host = SshHost(name=f"vdu-{index}", address=remote, port=22, netns=netns, process=process)
    try:
        _wait_for_port(remote, 22, process)
    except RuntimeError:
        process.kill()
        process.wait(timeout=5)
        raise
    return host


def _start_loopback_host(workdir: Path, keys_dir: Path, index: int) -> SshHost:
    port = _free_port()
    config = _sshd_config(workdir, f"vdu-{index}", "127.0.0.1", port, keys_dir)
    process = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    host = SshHost(name=f"vdu-{index}", address="127.0.0.1", port=port, netns=None, process=process)
    _wait_for_port("127.0.0.1", port, process)
    return host


def _stop(host: SshHost) -> None:
    host.process.terminate()
    with suppress(subprocess.TimeoutExpired):
        host.process.wait(timeout=5)
    if host.process.poll() is None:
        host.process.kill()
        host.process.wait(timeout=5)
    if host.netns is not None:
        _kill_namespace_processes(host.netns)
        with suppress(subprocess.CalledProcessError):
            _run("ip", "link", "del", f"{host.netns}a")
        with suppress(subprocess.CalledProcessError):
            _run("ip", "netns", "del", host.netns)


def _kill_namespace_processes(netns: str) -> None:
    """End the per-connection sshd children left in the namespace (Ansible keeps its SSH
    connections open for a while); they would keep the namespace and its veth alive."""
    found = subprocess.run(
        ["ip", "netns", "pids", netns], capture_output=True, text=True, timeout=30, check=False
    )
    for pid in found.stdout.split():
        with suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGTERM)


@contextmanager
def start_hosts(workdir: Path, count: int = 2) -> Iterator[SshTestbed]:
    """Start ``count`` SSH test hosts; stop them and delete their namespaces on exit."""
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    _ensure_user()
    tag = uuid.uuid4().hex[:6]
    keys_dir = Path("/run/locus-ssh-test") / tag
    key, public = _authorize(workdir, keys_dir)
    use_netns = os.environ.get("LOCUS_TEST_SSH_LOOPBACK") != "1" and _netns_usable()
    subnet = _free_subnet() if use_netns else ""
    hosts: list[SshHost] = []
    try:
        for index in range(count):
            hosts.append(
                _start_netns_host(workdir, keys_dir, index, tag, subnet)
                if use_netns
                else _start_loopback_host(workdir, keys_dir, index)
            )
        yield SshTestbed(
            hosts=hosts, user=TEST_USER, private_key=key, public_key=public, workdir=workdir
        )
    finally:
        for host in hosts:
            _stop(host)
        shutil.rmtree(keys_dir, ignore_errors=True)

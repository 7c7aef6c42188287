"""Crash benchmark: ``kill -9`` of the server at random moments during package uploads and NS
lifecycle operations, then a restart and a check of what it acknowledged (issue 14).

The server is the NBI of ``locus serve`` with the file-controlled test runner
(``python -m tests.support.lcm_server``: the same app, whose workers run
``tests/lcm/runners.py`` instead of Pulumi + Ansible), on SQLite and, when
``LOCUS_TEST_POSTGRES_URL`` names a database that may be wiped, on PostgreSQL. Per backend one
data dir / database lives through every run; a run is:

1. two clients work at once: one uploads VNF packages (alternately the one-shot
   ``POST /vnfpkgm/v1/vnf_packages_content`` and ``POST .../vnf_packages`` then
   ``PUT .../package_content``), one creates NS instances and instantiates / terminates them;
   every 2xx answer is an acknowledged write, remembered with what it promised;
2. after a random delay the server process gets SIGKILL (its workers, in their own process
   groups, are left running: the next start-up's recovery has to deal with them);
3. the server is started again on the same data: a *failed restart* is one that does not answer
   within 60 s;
4. checks: every acknowledged write of the run is there (*lost* otherwise: a package whose
   content upload was acknowledged must be ONBOARDED with exactly those bytes; an NS instance
   or operation occurrence must exist), and across the whole database no package is
   *half-onboarded* (UPLOADING / PROCESSING after a restart, ONBOARDED without content,
   content without ONBOARDED, content whose SHA-256 is not the recorded one), and no operation
   occurrence is still claimed by the killed server's supervisor.

Prints one table row per backend; nothing is asserted (exit code 1 if any count is not 0).

    .venv/bin/python benchmarks/crash_recovery.py [--runs 30] [--seed 1] [--backend both]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "packages"
VNFD = (EXAMPLES / "cloud_vnf" / "cloud_vnfd.yaml").read_text()
PASSWORD = "crash-bench"
YAML = {"Content-Type": "application/yaml"}
GZ = {"Content-Type": "application/gzip"}
START_TIMEOUT = 60.0
SERVER = (sys.executable, "-m", "tests.support.lcm_server")
#: How the test runner's workers behave in a run: ``free`` (operations take well under a second;
#: the killed server's workers finish on their own), ``blocked`` (every worker blocks: the next
#: start-up's recovery must kill and interrupt them), ``released`` (blocked until the kill, then
#: let go: they record their results while the next server starts and recovers: the race of
#: issue 14 defect 4).
MODES = ("free", "blocked", "released")


@dataclass
class Acks:
    """What the server acknowledged in one run."""

    packages: dict[str, str] = field(default_factory=dict)  # id -> SHA-256 of the content
    created: list[str] = field(default_factory=list)  # package ids (201 of the create)
    instances: list[str] = field(default_factory=list)
    occurrences: list[str] = field(default_factory=list)

    def count(self) -> int:
        return len(self.packages) + len(self.created) + len(self.instances) + len(self.occurrences)


@dataclass
class Totals:
    runs: int = 0
    kills: int = 0
    acked: int = 0
    lost: int = 0
    failed_restarts: int = 0
    half_onboarded: int = 0
    stuck_claims: int = 0
    interrupted: int = 0  # acknowledged occurrences that recovery moved to FAILED_TEMP
    kinds: dict[str, int] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    restart_seconds: list[float] = field(default_factory=list)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One ``tests.support.lcm_server`` process on a random port (its log in the data dir)."""

    def __init__(self, data_dir: Path, database_url: str | None, runner_dir: Path) -> None:
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "LOCUS_ADMIN_PASSWORD": PASSWORD,
            "LOCUS_TEST_RUNNER_DIR": str(runner_dir),
            "LOCUS_LCM_POLL": "0.1",
            "LOCUS_LCM_GRACE": "2",
            "LOCUS_VIM_CHECK": "false",
            "LOCUS_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
        self.env.pop("LOCUS_DATABASE_URL", None)
        if database_url:
            self.env["LOCUS_DATABASE_URL"] = database_url
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> bool:
        """Start and wait until it answers; False if it does not within START_TIMEOUT."""
        port = _port()
        log = (self.data_dir.parent / "server.log").open("ab")
        self.proc = subprocess.Popen(
            [*SERVER, "--port", str(port), "--data-dir", str(self.data_dir)],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if httpx.get(f"{self.url}/openapi.json", timeout=2).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.proc.kill()
        self.proc.wait()
        return False

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)

    def headers(self) -> dict[str, str]:
        answer = httpx.post(
            f"{self.url}/admin/v1/tokens", json={"username": "admin", "password": PASSWORD}
        )
        return {"Authorization": f"Bearer {answer.json()['id']}"}

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers(), timeout=30)


# -- the workload (runs until the server dies) --------------------------------------------------


def _uploads(
    url: str, headers: dict[str, str], tag: str, acks: Acks, stop: threading.Event
) -> None:
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        index = 0
        while not stop.is_set():
            index += 1
            body = re.sub(r"\bcloud_vnf\b", f"crash_{tag}_{index}", VNFD).encode()
            digest = hashlib.sha256(body).hexdigest()
            try:
                if index % 2:
                    done = client.post(
                        "/vnfpkgm/v1/vnf_packages_content", content=body, headers=YAML
                    )
                    if done.is_success:
                        acks.packages[done.json()["id"]] = digest
                    continue
                created = client.post("/vnfpkgm/v1/vnf_packages", json={})
                if not created.is_success:
                    continue
                package = created.json()["id"]
                acks.created.append(package)
                put = client.put(
                    f"/vnfpkgm/v1/vnf_packages/{package}/package_content",
                    content=body,
                    headers=YAML,
                )
                if put.is_success:
                    acks.packages[package] = digest
            except httpx.TransportError:
                return


def _lifecycle(
    url: str, headers: dict[str, str], tag: str, acks: Acks, stop: threading.Event
) -> None:
    """Create and instantiate NS instances without waiting; terminate those instantiated."""
    place = {"additionalParamsForNs": {"placement": {"1": "local"}}}
    waiting: dict[str, str] = {}  # NS instance -> its instantiate occurrence
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        index = 0
        while not stop.is_set():
            index += 1
            try:
                created = client.post(
                    "/nslcm/v1/ns_instances", json={"nsdId": "cloud_ns", "nsName": f"{tag}-{index}"}
                )
                if not created.is_success:
                    continue
                ns = created.json()["id"]
                acks.instances.append(ns)
                started = client.post(f"/nslcm/v1/ns_instances/{ns}/instantiate", json=place)
                if started.is_success:
                    acks.occurrences.append(started.json()["nsLcmOpOccId"])
                    waiting[ns] = started.json()["nsLcmOpOccId"]
                for ns, occ in list(waiting.items()):
                    answer = client.get(f"/nslcm/v1/ns_lcm_op_occs/{occ}").json()
                    if answer.get("operationState") != "COMPLETED":
                        continue
                    del waiting[ns]
                    ended = client.post(f"/nslcm/v1/ns_instances/{ns}/terminate", json={})
                    if ended.is_success:
                        acks.occurrences.append(ended.json()["nsLcmOpOccId"])
                time.sleep(0.1)
            except httpx.TransportError:
                return


# -- the checks after a restart -----------------------------------------------------------------


def _lost(client: httpx.Client, acks: Acks, totals: Totals) -> int:
    lost = 0
    for package, digest in acks.packages.items():
        info = client.get(f"/vnfpkgm/v1/vnf_packages/{package}")
        content = client.get(f"/vnfpkgm/v1/vnf_packages/{package}/package_content")
        ok = (
            info.status_code == 200
            and info.json().get("onboardingState") == "ONBOARDED"
            and content.status_code == 200
            and hashlib.sha256(content.content).hexdigest() == digest
        )
        lost += not ok
    for package in acks.created:
        lost += client.get(f"/vnfpkgm/v1/vnf_packages/{package}").status_code != 200
    for ns in acks.instances:
        lost += client.get(f"/nslcm/v1/ns_instances/{ns}").status_code != 200
    for occ in acks.occurrences:
        answer = client.get(f"/nslcm/v1/ns_lcm_op_occs/{occ}")
        lost += answer.status_code != 200
        error = answer.json().get("error") or {} if answer.status_code == 200 else {}
        totals.interrupted += error.get("title") == "Interrupted"
    return lost


HALF_ONBOARDED = """
SELECT count(*) FROM packages p LEFT JOIN package_blobs b ON b.package_id = p.id
WHERE p.onboarding_state IN ('UPLOADING', 'PROCESSING')
   OR (p.onboarding_state = 'ONBOARDED' AND b.package_id IS NULL)
   OR (p.onboarding_state <> 'ONBOARDED' AND b.package_id IS NOT NULL)
"""


def _half_onboarded(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            half = int(conn.execute(text(HALF_ONBOARDED)).scalar_one())
            rows = conn.execute(
                text(
                    "SELECT p.content_sha256, b.data FROM packages p "
                    "JOIN package_blobs b ON b.package_id = p.id"
                )
            ).all()
    finally:
        engine.dispose()
    return half + sum(1 for sha, data in rows if hashlib.sha256(data).hexdigest() != sha)


def _stuck_claims(database_url: str, dead_pid: int) -> int:
    """Occurrences still claimed by the killed server's supervisor (named after its pid)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM ns_lcm_op_occs WHERE claimed_by LIKE :name"),
                    {"name": f"supervisor-{dead_pid}-%"},
                ).scalar_one()
            )
    finally:
        engine.dispose()


# -- one backend --------------------------------------------------------------------------------


def _onboard_examples(server: Server) -> None:
    from locus_iac.packages.build import archive_bytes
    from locus_iac.packages.reader import read_package

    with server.client() as client:
        for base, coll, content, name in (
            ("/vnfpkgm/v1", "vnf_packages", "package_content", "cloud_vnf"),
            ("/nsd/v1", "ns_descriptors", "nsd_content", "cloud_ns"),
        ):
            created = client.post(f"{base}/{coll}", json={}).json()["id"]
            body = archive_bytes(read_package(EXAMPLES / name))
            client.put(f"{base}/{coll}/{created}/{content}", content=body, headers=GZ)
            state = client.get(f"{base}/{coll}/{created}").json().get("nsdOnboardingState")
            state = state or client.get(f"{base}/{coll}/{created}").json().get("onboardingState")
            if state != "ONBOARDED":
                raise SystemExit(f"{name} did not onboard: {state}")


def _kill_leftovers(runner_dir: Path) -> None:
    """The benchmark's own leftover workers (the test runner writes ``<op>.<attempt>.pid``)."""
    for pid_file in runner_dir.glob("*.pid"):
        pid = int(pid_file.read_text())
        try:  # only if that process is still one of this benchmark's workers
            if str(runner_dir).encode() not in Path(f"/proc/{pid}/environ").read_bytes():
                continue
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, FileNotFoundError):
            continue


def run_backend(label: str, database_url: str | None, runs: int, rng: random.Random) -> Totals:
    totals = Totals()
    with tempfile.TemporaryDirectory(prefix="crash-bench-") as tmp:
        data_dir, runner_dir = Path(tmp) / "data", Path(tmp) / "runner"
        runner_dir.mkdir()
        url = database_url or f"sqlite:///{data_dir / 'locus.db'}"
        server = Server(data_dir, database_url, runner_dir)
        try:
            if not server.start():
                raise SystemExit(f"{label}: the server did not start; see {tmp}/server.log")
            _onboard_examples(server)
            for run in range(runs):
                acks = Acks()
                mode = rng.choice(MODES)
                totals.modes[mode] = totals.modes.get(mode, 0) + 1
                block = runner_dir / "block"
                if mode != "free":
                    block.touch()
                stop = threading.Event()
                headers = server.headers()
                threads = [
                    threading.Thread(target=work, args=(server.url, headers, f"r{run}", acks, stop))
                    for work in (_uploads, _lifecycle)
                ]
                for thread in threads:
                    thread.start()
                time.sleep(rng.uniform(0.5, 5.0))
                assert server.proc is not None
                dead_pid = server.proc.pid
                server.kill()
                stop.set()
                for thread in threads:
                    thread.join(timeout=60)
                totals.runs += 1
                totals.kills += 1
                totals.acked += acks.count()
                if mode == "released":
                    block.unlink()  # the leftover workers finish while the server restarts
                began = time.perf_counter()
                if not server.start():
                    totals.failed_restarts += 1
                    print(f"{label} run {run}: restart failed; see {tmp}/server.log", flush=True)
                    if not server.start():  # go on with the next run if a second start works
                        raise SystemExit(f"{label}: the server does not start any more")
                totals.restart_seconds.append(time.perf_counter() - began)
                with server.client() as client:
                    totals.lost += _lost(client, acks, totals)
                for kind, ids in (
                    ("package contents", acks.packages),
                    ("package creates", acks.created),
                    ("NS instances", acks.instances),
                    ("operations", acks.occurrences),
                ):
                    totals.kinds[kind] = totals.kinds.get(kind, 0) + len(ids)
                totals.half_onboarded += _half_onboarded(url)
                totals.stuck_claims += _stuck_claims(url, dead_pid)
                block.unlink(missing_ok=True)
        finally:
            server.stop()
            _kill_leftovers(runner_dir)
    return totals


def _wipe(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results: dict[str, Totals] = {}
    if args.backend != "postgresql":
        results["sqlite"] = run_backend("sqlite", None, args.runs, rng)
    pg = os.environ.get("LOCUS_TEST_POSTGRES_URL")
    if args.backend == "sqlite":
        pass
    elif pg:
        _wipe(pg)
        results["postgresql"] = run_backend("postgresql", pg, args.runs, rng)
    else:
        print("postgresql skipped: set LOCUS_TEST_POSTGRES_URL")
    head = (
        f"{'backend':10s} {'runs':>5s} {'kills':>6s} {'acked':>7s} {'lost':>5s} "
        f"{'failed restarts':>16s} {'half-onboarded':>15s} {'stuck claims':>13s} "
        f"{'restart p50/max s':>18s}"
    )
    print(head)
    bad = 0
    for label, t in results.items():
        times = sorted(t.restart_seconds) or [0.0]
        print(
            f"{label:10s} {t.runs:5d} {t.kills:6d} {t.acked:7d} {t.lost:5d} "
            f"{t.failed_restarts:16d} {t.half_onboarded:15d} {t.stuck_claims:13d} "
            f"{times[len(times) // 2]:9.2f}/{times[-1]:.2f}"
        )
        kinds = ", ".join(f"{count} {kind}" for kind, count in t.kinds.items())
        modes = ", ".join(f"{count} {mode}" for mode, count in sorted(t.modes.items()))
        print(f"{'':10s} acknowledged: {kinds}; {t.interrupted} operations interrupted by a kill")
        print(f"{'':10s} runs by worker behaviour: {modes}")
        bad += t.lost + t.failed_restarts + t.half_onboarded + t.stuck_claims
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

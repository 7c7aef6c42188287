"""OSM's own client (``osm``, ETSI OSM osmclient) against a real ``locus serve`` over TLS.

* ``osm_venv`` (session): osmclient installed by ``../shared/conformance/osmclient/install.sh``
  into a cached virtualenv outside the repository (``LOCUS_OSMCLIENT_VENV``, default
  ``~/.cache/locus-iac/osmclient-venv``), built once (it needs the package registry and
  libmagic, as CI has them);
* ``tls_pair``: a self-signed certificate for 127.0.0.1 made here;
* ``osm_server``: ``locus serve --tls-cert --tls-key`` on a free port, SQLite in a temporary
  data dir, ``LOCUS_VIM_CHECK=false`` (the VIM accounts name no real Keystone);
* ``osm``: runs ``osm --user admin --password ... ARGS`` with ``OSM_HOSTNAME=127.0.0.1:PORT``
  and returns its output, failing on a non-zero exit or a traceback.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from support.servers import LOCUS, free_port
from support.tls import TlsPair, self_signed

REPO = Path(__file__).resolve().parents[2]
# ../shared/conformance beside the checkout (or beside the folder of a git worktree)
CONFORMANCE = (
    next(
        (
            p / "shared" / "conformance"
            for p in REPO.parents
            if (p / "shared" / "conformance").is_dir()
        ),
        REPO.parent / "shared" / "conformance",
    )
    / "osmclient"
)
PASSWORD = "osm-client-test-pw"
EXAMPLES = REPO / "examples" / "packages"


@pytest.fixture(scope="session")
def osm_venv() -> Path:
    """The virtualenv with OSM's ``osm`` command (built on first use, then reused)."""
    if not (CONFORMANCE / "install.sh").is_file():
        pytest.skip(f"OSM's client is not at {CONFORMANCE} (CI has ../shared/conformance)")
    default = Path.home() / ".cache" / "locus-iac" / "osmclient-venv"
    venv = Path(os.environ.get("LOCUS_OSMCLIENT_VENV", default))
    if not (venv / "bin" / "osm").exists():  # install.sh writes bin/osm last
        shutil.rmtree(venv, ignore_errors=True)  # an interrupted build
        venv.parent.mkdir(parents=True, exist_ok=True)
        # in place: the venv's scripts name their own folder
        subprocess.run(
            ["bash", str(CONFORMANCE / "install.sh"), str(venv)], check=True, timeout=900
        )
    _register_distribution(venv)
    return venv


def _register_distribution(venv: Path) -> None:
    """``osm version`` asks for the ``osmclient`` distribution, which install.sh puts on the
    path as sources only: declare it (metadata only; the client's code is untouched)."""
    purelib = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    info = Path(purelib) / "osmclient-14.0.0+conformance.dist-info"
    if not info.is_dir():
        info.mkdir()
        (info / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: osmclient\nVersion: 14.0.0+conformance\n"
        )


@pytest.fixture(scope="module")
def tls_pair(tmp_path_factory: pytest.TempPathFactory) -> TlsPair:
    """A self-signed certificate for 127.0.0.1 (OSM's client does not verify it)."""
    return self_signed(tmp_path_factory.mktemp("tls"))


@dataclass(frozen=True)
class Server:
    url: str
    hostname: str  # OSM_HOSTNAME
    log: Path


def start_tls_server(
    command: list[str], data_dir: Path, tls: TlsPair, env: dict[str, str]
) -> Iterator[Server]:
    """Run ``command --port P --data-dir D --tls-cert C --tls-key K`` until it answers."""
    port = free_port()
    full_env = {**os.environ, "LOCUS_ADMIN_PASSWORD": PASSWORD, "LOCUS_VIM_CHECK": "false", **env}
    full_env.pop("LOCUS_DATABASE_URL", None)
    log = data_dir.parent / f"server-{port}.log"
    args = ["--port", str(port), "--data-dir", str(data_dir)]
    args += ["--tls-cert", str(tls.cert), "--tls-key", str(tls.key)]
    with log.open("wb") as sink:
        proc = subprocess.Popen([*command, *args], env=full_env, stdout=sink, stderr=sink)
    url = f"https://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/version", verify=False, timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the server did not start: {log.read_text(errors='replace')}")
        time.sleep(0.2)
    try:
        yield Server(url, f"127.0.0.1:{port}", log)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def osm_server(tmp_path_factory: pytest.TempPathFactory, tls_pair: TlsPair) -> Iterator[Server]:
    """The product's ``locus serve`` over TLS."""
    data = tmp_path_factory.mktemp("osm-serve") / "data"
    yield from start_tls_server([LOCUS, "serve"], data, tls_pair, {})


Osm = Callable[..., str]


def run_osm(venv: Path, server: Server, *args: str, cwd: Path | None = None) -> str:
    """``osm ARGS`` against ``server``: its standard output; fails the test on a non-zero exit
    or a traceback of the client."""
    env = {**os.environ, "OSM_HOSTNAME": server.hostname}
    env.pop("OSM_PROJECT", None)
    done = subprocess.run(
        [str(venv / "bin" / "osm"), "--user", "admin", "--password", PASSWORD, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )
    shown = f"osm {' '.join(args)}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, shown
    # the client's own traceback (its output may quote the server's records: an engine
    # error can hold one)
    assert "Traceback (most recent call last)" not in done.stderr, shown
    return done.stdout


@pytest.fixture(scope="module")
def osm(osm_venv: Path, osm_server: Server) -> Osm:
    return lambda *args, **kw: run_osm(osm_venv, osm_server, *args, **kw)


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The exemplary packages as tar.gz archives built by ``locus pkg build``."""
    folder = tmp_path_factory.mktemp("packages")
    built = {}
    for name in ("edge_knf", "edge_ns", "edge_nst", "cloud_vnf", "cloud_ns"):
        target = folder / f"{name}.tar.gz"
        subprocess.run(
            [LOCUS, "pkg", "build", str(EXAMPLES / name), "-o", str(target)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        built[name] = target
    return built


@pytest.fixture
def lifecycle_osm(
    osm_venv: Path, tls_pair: TlsPair, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Osm]:
    """``osm`` against the NBI whose operations run with the file-controlled test runner
    (``file_runner_server``): they complete without a cloud. One server (and catalogue) per
    test."""
    folder = tmp_path_factory.mktemp("osm-lifecycle")
    runner = folder / "runner"
    runner.mkdir()
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {"LOCUS_TEST_RUNNER_DIR": str(runner), "LOCUS_LCM_POLL": "0.05", "PYTHONPATH": path}
    command = [sys.executable, "-m", "tests.osmclient.file_runner_server"]
    for server in start_tls_server(command, folder / "data", tls_pair, env):
        yield functools.partial(run_osm, osm_venv, server)

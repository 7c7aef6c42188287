"""OSM's own client deploys the exemplary edge NS on the local testbed, for real.

``locus serve`` (its TLS) runs the product's LCM: the real Pulumi engine and Kubernetes
provider, real Ansible for Day1/Day2, against the testbed's API server. The user's steps are
OSM's: onboard, ``vim-create``, ``k8scluster-add --vim`` (OSM puts the KDUs of an NS created
on a VIM account on the cluster registered with it), ``ns-create --vim_account``, the Day2
``ns-action`` on the KDU, the operation history, and ``ns-delete`` (terminate and remove in
one call). Every outcome is also checked through the Kubernetes API. Skipped, with the
reason, when the testbed or the built Pulumi tools are missing (``locus testbed up``).
"""

from __future__ import annotations

import functools
import os
import re
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from support.servers import LOCUS
from support.tls import TlsPair
from testbed.helpers import REPO, TESTBED_DIR, TOOLS_DIR

from .conftest import Osm, run_osm, start_tls_server

pytestmark = [pytest.mark.testbed, pytest.mark.timeout(1800)]

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UP = "run 'locus testbed up'"


def _testbed() -> dict[str, Any]:
    """The testbed's site record, once its API server answers (skips otherwise)."""
    path = TESTBED_DIR / "site.yaml"
    if not path.exists():
        pytest.skip(f"the local testbed is not up ({path} missing): {UP}")
    site: dict[str, Any] = yaml.safe_load(path.read_text())
    try:
        ready = httpx.get(f"{site['api_server']}/readyz", verify=_tls(site), timeout=5.0)
    except httpx.HTTPError as exc:
        pytest.skip(f"the local testbed's API server does not answer ({exc}): {UP}")
    if not ready.is_success:
        pytest.skip(f"the local testbed's API server is not ready ({ready.status_code})")
    home = Path(os.environ.get("PULUMI_HOME", TOOLS_DIR / "pulumi-home"))
    if not (TOOLS_DIR / "bin" / "pulumi").exists() or not any(
        (home / "plugins").glob("resource-kubernetes-v*")
    ):
        pytest.skip(f"the Pulumi tools are not built in {TOOLS_DIR}: run 'locus testbed tools'")
    return site


def _tls(site: dict[str, Any]) -> ssl.SSLContext:
    tb = site["testbed"]
    context = ssl.create_default_context(cafile=tb["ca_cert"])
    context.load_cert_chain(tb["client_cert"], tb["client_key"])
    return context


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    return _testbed()


@pytest.fixture(scope="module")
def kube(site: dict[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site["api_server"], verify=_tls(site), timeout=10.0) as client:
        yield client


@pytest.fixture(scope="module")
def testbed_osm(
    site: dict[str, Any],
    osm_venv: Path,
    tls_pair: TlsPair,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Osm]:
    """``osm`` against ``locus serve`` whose workers run the product's runner on the testbed."""
    folder = tmp_path_factory.mktemp("osm-testbed")
    backend = folder / "backend"
    backend.mkdir()
    env = {
        "PATH": f"{TOOLS_DIR / 'bin'}:{REPO / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
        "PULUMI_HOME": str(Path(os.environ.get("PULUMI_HOME", TOOLS_DIR / "pulumi-home"))),
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "locus-osm-client-testbed",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
        "KUBECONFIG": str(site["kubeconfig"]),
    }
    os.environ.pop("LOCUS_LCM_RUNNER", None)  # the product's runner
    for server in start_tls_server([LOCUS, "serve"], folder / "data", tls_pair, env):
        yield functools.partial(run_osm, osm_venv, server)


def _created_id(output: str) -> str:
    found = re.findall(UUID, output)
    assert found, output
    return found[-1]


def _row(table: str, value: str, column: int = 0) -> list[str] | None:
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > column and cells[column] == value:
            return cells
    return None


def _wait_op(osm: Osm, ns: str, op_id: str | None, operation: str) -> list[str]:
    """The ``ns-op-list`` row of the operation (by id, else the last of its type) once it
    has ended; the test fails with the operation's record when it did not complete."""
    deadline = time.monotonic() + 900
    while True:
        table = osm("ns-op-list", ns)
        rows = [
            [c.strip() for c in line.strip().strip("|").split("|")]
            for line in table.splitlines()
            if re.match(r"\|\s*" + UUID, line)
        ]
        mine = [r for r in rows if r[0] == op_id or (op_id is None and r[1] == operation)]
        if mine and mine[-1][3] not in ("PROCESSING", "ROLLING_BACK"):
            row = mine[-1]
            assert row[3] == "COMPLETED", osm("ns-op-show", row[0], "--literal")
            return row
        assert time.monotonic() < deadline, f"{operation} of {ns} never ended:\n{table}"
        time.sleep(3)


def _namespaces(kube: httpx.Client, ns: str) -> list[str]:
    found = kube.get("/api/v1/namespaces", params={"labelSelector": f"locus/ns-instance={ns}"})
    return [item["metadata"]["name"] for item in found.json()["items"]]


def _deployment(kube: httpx.Client, namespace: str) -> dict[str, Any]:
    items = kube.get(f"/apis/apps/v1/namespaces/{namespace}/deployments").json()["items"]
    assert len(items) == 1, [d["metadata"]["name"] for d in items]
    return dict(items[0])


def _until(what: str, probe: Callable[[], bool], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(2)


def test_osm_client_deploys_acts_on_and_deletes_the_edge_ns(
    testbed_osm: Osm, site: dict[str, Any], kube: httpx.Client, archives: dict[str, Path]
) -> None:
    osm = testbed_osm
    osm("vnfpkg-create", str(archives["edge_knf"]))
    osm("nspkg-create", str(archives["edge_ns"]))
    vim = _created_id(
        osm(
            *("vim-create", "--name", "tb-core", "--account_type", "openstack"),
            *("--auth_url", "http://127.0.0.1:9/v3", "--user", "u", "--password", "p"),
            *("--tenant", "t", "--description", "OSM-client testbed core"),
        )
    )
    osm(
        *("k8scluster-add", "--creds", str(site["kubeconfig"]), "--version", "1.29"),
        *("--vim", "tb-core", "--k8s-nets", "{net1: null}", "--namespace", "default"),
        *("--description", "the testbed edge", "tb-edge"),
    )
    assert f"vim_account: {vim}" in osm("k8scluster-show", "tb-edge", "--literal")
    ns = _created_id(
        osm("ns-create", "--ns_name", "osm-tb", "--nsd_name", "edge_ns", "--vim_account", "tb-core")
    )
    try:
        _wait_op(osm, "osm-tb", None, "instantiate")
        row = _row(osm("ns-list"), "osm-tb")
        assert row is not None and (row[1], row[3]) == (ns, "INSTANTIATED"), row
        assert "operational-status: running" in osm("ns-show", "osm-tb", "--literal")
        (namespace,) = _namespaces(kube, ns)
        deployment = _deployment(kube, namespace)
        assert deployment["metadata"]["labels"]["locus/configured"] == "true"  # Day1 ran

        action = _created_id(
            osm(
                *("ns-action", "osm-tb", "--vnf_name", "1", "--kdu_name", "edge-cache"),
                *("--action_name", "restart", "--params", "{reason: osm client}"),
            )
        )
        assert _wait_op(osm, "osm-tb", action, "action")[1:3] == ["action", "restart"]
        template = _deployment(kube, namespace)["spec"]["template"]["metadata"]
        assert template["annotations"]["locus/restart-reason"] == "osm client"
        long = osm("ns-op-list", "osm-tb", "--long")
        assert '"kdu_name": "edge-cache"' in long
        assert "action" in osm("ns-op-show", action, "--literal")

        assert "Deletion in progress" in osm("ns-delete", "osm-tb")
        _until("osm-tb to leave ns-list", lambda: _row(osm("ns-list"), "osm-tb") is None, 900)
        _until("the namespace to go", lambda: not _namespaces(kube, ns))
    finally:  # whatever failed, leave nothing on the testbed
        for name in _namespaces(kube, ns):
            kube.delete(f"/api/v1/namespaces/{name}")

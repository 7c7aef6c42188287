"""The exemplary netslice across the testbed's OpenStack core and Kubernetes edge, timed.

Side by side in one run, through the NBI (in-process, SQLite, the product's runner in worker
processes, the real Pulumi engine and providers): the edge-only NS (``edge_ns`` on the
Kubernetes edge) and the exemplary netslice ``locus_nst`` (``cloud_ns`` on the OpenStack core:
the cloud VNF's server, flavor, three ports, the cache link routed over the VPN stack's router;
``edge_ns`` on the edge), each instantiated and terminated ``--runs`` times, alternating. It
prints the wall time from ``POST`` to ``COMPLETED`` of every instantiate and terminate, their
medians and the ratios netslice / edge NS (numbers printed, never asserted).

Set up first, not timed: ``stacks/tenant`` and ``stacks/vpn`` with the CLI (as
``tests/testbed/test_exemplary_netslice.py`` does), the two sites and the five packages.
Nova's fake driver boots no guest; a thread plays the guests (``tests/testbed/fake_vms.py``)
as soon as Nova reports a server ACTIVE, so the cloud VNF's Day1 runs over real SSH inside
the timed instantiate. If Day1 still races ahead of a guest, the occurrence is retried once
and the line says so.

Needs: ``locus testbed up --with-openstack``, the OpenStack plugin, root (network
namespaces, sshd). Run: ``.venv/bin/python benchmarks/bench_openstack_netslice.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from testbed.exemplary import (  # noqa: E402
    EDGE_SITE,
    CoreStacks,
    admin_cloud,
    boot_guests,
    connect,
    ensure_gateway_flavor,
    ensure_image,
    instantiate_body,
    onboard_exemplary,
    openstack_unavailable_reason,
    register_core,
)
from testbed.fake_vms import fake_guests  # noqa: E402
from testbed.fake_vms import unavailable_reason as guests_unavailable  # noqa: E402
from testbed.helpers import TESTBED_DIR, TOOLS_DIR, Nbi  # noqa: E402

from locus_iac.nbi import Settings, create_app  # noqa: E402

NS, NSI = "/nslcm/v1", "/nsilcm/v1"


def _wait(client: TestClient, auth: dict[str, str], url: str) -> dict[str, Any]:
    while True:
        body = dict(client.get(url, headers=auth).json())
        if body["operationState"] not in ("PROCESSING", "STARTING", "ROLLING_BACK"):
            return body
        time.sleep(0.5)


def _timed(
    nbi: Nbi, post: str, body: dict[str, Any], occ: Callable[[dict[str, Any]], str], base: str
) -> tuple[float, dict[str, Any], bool]:
    """(seconds from POST to the end, accepted body, whether a retry was needed)."""
    start = time.perf_counter()
    response = nbi.client.post(post, json=body, headers=nbi.auth)
    if response.status_code != 202:
        raise SystemExit(f"{post}: {response.status_code} {response.text}")
    accepted = dict(response.json())
    url = f"{base}/{occ(accepted)}"
    ended = _wait(nbi.client, nbi.auth, url)
    retried = False
    if ended["operationState"] == "FAILED_TEMP":  # Day1 raced ahead of a fake guest
        retried = True
        nbi.client.post(f"{url}/retry", headers=nbi.auth)
        ended = _wait(nbi.client, nbi.auth, url)
    if ended["operationState"] != "COMPLETED":
        raise SystemExit(f"{url} ended {ended['operationState']}: {ended.get('error')}")
    return time.perf_counter() - start, accepted, retried


def _edge_ns(nbi: Nbi, run: int) -> tuple[float, float]:
    body = {"nsdId": "edge_ns", "nsName": f"bench-edge-{run}", "vimAccountId": EDGE_SITE}
    up, accepted, _ = _timed(
        nbi, f"{NS}/ns_instances_content", body, lambda a: a["nsLcmOpOccId"], f"{NS}/ns_lcm_op_occs"
    )
    ns = accepted["id"]
    down, _, _ = _timed(
        nbi, f"{NS}/ns_instances/{ns}/terminate", {}, lambda a: a["id"], f"{NS}/ns_lcm_op_occs"
    )
    nbi.client.delete(f"{NS}/ns_instances/{ns}", headers=nbi.auth)
    return up, down


def _netslice(nbi: Nbi, run: int) -> tuple[float, float, bool]:
    up, accepted, retried = _timed(
        nbi,
        f"{NSI}/netslice_instances_content",
        instantiate_body(f"bench-slice-{run}"),
        lambda a: a["nsiLcmOpOccId"],
        f"{NSI}/nsi_lcm_op_occs",
    )
    nsi = accepted["id"]
    down, _, _ = _timed(
        nbi,
        f"{NSI}/netslice_instances/{nsi}/terminate",
        {},
        lambda a: a["nsiLcmOpOccId"],
        f"{NSI}/nsi_lcm_op_occs",
    )
    nbi.client.delete(f"{NSI}/netslice_instances/{nsi}", headers=nbi.auth)
    return up, down, retried


class Booter(threading.Thread):
    """Boots a fake guest for every ACTIVE server of the NS instances it is told about."""

    def __init__(
        self,
        admin: Any,
        tenant: Any,
        guests: Any,
        nbi_ns: Callable[[], list[str]],
        mgmt: Callable[[], str | None],
    ) -> None:
        super().__init__(daemon=True)
        self.admin, self.tenant, self.guests = admin, tenant, guests
        self.nbi_ns, self.mgmt = nbi_ns, mgmt
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.3):
            network = self.mgmt()
            if network is None:
                continue
            for ns in self.nbi_ns():
                try:
                    boot_guests(self.admin, self.tenant, self.guests, ns, network)
                except Exception as exc:
                    print(f"  (guest not booted yet: {exc})", file=sys.stderr)


def _settings(tmp: Path, site: dict[str, Any]) -> Settings:
    """The NBI's settings; the engine's environment (tools, file backend) set for the workers."""
    backend = tmp / "backend"
    backend.mkdir()
    env = {
        "PATH": f"{TOOLS_DIR / 'bin'}:{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
        "PULUMI_HOME": os.environ.get("PULUMI_HOME", str(TOOLS_DIR / "pulumi-home")),
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "locus-bench",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
        "KUBECONFIG": str(site["kubeconfig"]),
    }
    os.environ.update(env)
    os.environ.pop("LOCUS_LCM_RUNNER", None)
    return Settings(
        data_dir=tmp / "data",
        database_url=f"sqlite:///{tmp / 'locus.db'}",
        admin_password="bench-admin",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    site_file = TESTBED_DIR / "site.yaml"
    reason = openstack_unavailable_reason() or guests_unavailable()
    if not site_file.exists() or reason:
        raise SystemExit(reason or f"the testbed is not up ({site_file} missing)")
    site = yaml.safe_load(site_file.read_text())
    admin = connect(admin_cloud())
    with tempfile.TemporaryDirectory(prefix="bench-os-nsi-") as raw:
        tmp = Path(raw)
        settings = _settings(tmp, site)
        stacks = CoreStacks(dict(os.environ), tmp / "stacks", str(site["kubeconfig"]))
        stacks.workdir.mkdir()
        image, image_created = ensure_image(admin)
        stacks.gateway_flavor = ensure_gateway_flavor(admin, stacks.tenant.suffix)
        rows: dict[str, list[tuple[float, float]]] = {"edge_ns": [], "locus_nst": []}
        try:
            started = time.perf_counter()
            stacks.tenant_up()
            stacks.vpn_up()
            print(f"set-up: tenant + vpn stacks up in {time.perf_counter() - started:.1f} s")
            tenant_conn = connect(stacks.tenant.cloud())
            app = create_app(settings)
            (tmp / "guests").mkdir()
            with (
                TestClient(app, raise_server_exceptions=False) as client,
                fake_guests(tmp / "guests") as guests,
            ):
                token = client.post(
                    "/admin/v1/tokens", json={"username": "admin", "password": "bench-admin"}
                ).json()["id"]
                nbi = Nbi(client, token)
                nbi.register_testbed(site, EDGE_SITE)
                register_core(nbi, stacks.tenant)
                onboard_exemplary(nbi, tmp)
                mgmt = admin.network.find_network(stacks.tenant.mgmt, ignore_missing=False).id

                def cloud_instances() -> list[str]:
                    listed = client.get(f"{NS}/ns_instances", headers=nbi.auth).json()
                    return [n["id"] for n in listed if n.get("nsdId") == "cloud_ns"]

                booter = Booter(admin, tenant_conn, guests, cloud_instances, lambda: mgmt)
                booter.start()
                for run in range(args.runs):
                    edge = _edge_ns(nbi, run)
                    rows["edge_ns"].append(edge)
                    print(
                        f"run {run}: edge_ns   instantiate {edge[0]:6.1f} s  "
                        f"terminate {edge[1]:6.1f} s"
                    )
                    up, down, retried = _netslice(nbi, run)
                    rows["locus_nst"].append((up, down))
                    note = "  (Day1 retried once: a guest was late)" if retried else ""
                    print(
                        f"run {run}: locus_nst instantiate {up:6.1f} s  "
                        f"terminate {down:6.1f} s{note}"
                    )
                booter.stop.set()
                booter.join(timeout=5)
            app.state.services.db.dispose()
        finally:
            stacks.destroy_all()
            admin.compute.delete_flavor(admin.compute.find_flavor(stacks.gateway_flavor))
            if image_created:
                admin.image.delete_image(image)
    _summary(rows)


def _summary(rows: dict[str, list[tuple[float, float]]]) -> None:
    median = {
        k: (statistics.median(u for u, _ in v), statistics.median(d for _, d in v))
        for k, v in rows.items()
        if v
    }
    if len(median) < 2:
        return
    (e_up, e_down), (s_up, s_down) = median["edge_ns"], median["locus_nst"]
    print(
        f"median instantiate: edge_ns {e_up:.1f} s, locus_nst {s_up:.1f} s "
        f"(ratio {s_up / e_up:.2f})"
    )
    print(
        f"median terminate:   edge_ns {e_down:.1f} s, locus_nst {s_down:.1f} s "
        f"(ratio {s_down / e_down:.2f})"
    )


if __name__ == "__main__":
    main()

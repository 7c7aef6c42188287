"""``locus smart rightsize`` against a real ``locus serve`` and a real Prometheus.

Prometheus scrapes itself as if it were the VDU ``cloud_vdu`` of the NS (the scrape target
carries the contract's labels ``ns_id``, ``vnf_member_index``, ``vdu_id``), so its own
``process_cpu_seconds_total`` and ``process_resident_memory_bytes`` are the observed usage:
far below cloud_vnf's 4 vCPU / 8 GB, so the proposal shrinks both.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.servers import LOCUS, free_port

from locus_iac.smart import Usage
from locus_iac.smart.rightsize import usage_queries

from .conftest import PASSWORD, RealNbi

PROMETHEUS = shutil.which("prometheus")


@pytest.fixture
def prometheus(nbi: RealNbi, tmp_path: Path) -> Iterator[str]:
    if PROMETHEUS is None:
        pytest.skip("Prometheus is not installed (apt: prometheus)")
    port = free_port()
    labels = {"ns_id": nbi.ns, "vnf_member_index": "1", "vdu_id": "cloud_vdu"}
    config = {
        "global": {"scrape_interval": "1s"},
        "scrape_configs": [
            {
                "job_name": "locus-services",
                "static_configs": [{"targets": [f"127.0.0.1:{port}"], "labels": labels}],
            }
        ],
    }
    (tmp_path / "prometheus.yml").write_text(json.dumps(config))
    log = tmp_path / "prometheus.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}",
             f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        cpu, _ = usage_queries(nbi.ns, Usage(window="1m"))
        while True:  # rate() in the 15 s subquery needs samples: wait until it has some
            try:
                query = {"query": cpu}
                found = httpx.get(f"{url}/api/v1/query", params=query).json()["data"]["result"]
                if found:
                    break
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _rightsize(nbi: RealNbi, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"LOCUS_NBI_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [LOCUS, "smart", "rightsize", nbi.ns, "--nbi-url", nbi.url, *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_rightsize_prints_a_vnfd_diff_from_observed_usage(nbi: RealNbi, prometheus: str) -> None:
    done = _rightsize(nbi, "--prometheus-url", prometheus, "--window", "1m")
    assert done.returncode == 0, done.stderr
    assert "# 1/cloud_vdu: cpu q0.95" in done.stdout
    assert "--- a/cloud_vnf.yaml\n+++ b/cloud_vnf.yaml\n" in done.stdout
    assert "-      num-virtual-cpu: 4\n+      num-virtual-cpu: 1\n" in done.stdout
    assert "-      size: 8.0\n+      size: 0.5\n" in done.stdout
    as_json = json.loads(_rightsize(nbi, "--prometheus-url", prometheus, "--window", "1m",
                                    "--json").stdout)  # fmt: skip
    (finding,) = as_json["findings"]
    assert (finding["vcpu"], finding["proposed_vcpu"]) == (4, 1)
    assert "cloud_vnf" in as_json["diffs"]


def test_rightsize_usage_errors(nbi: RealNbi) -> None:
    bad_window = _rightsize(nbi, "--prometheus-url", "http://127.0.0.1:1", "--window", "soon")
    assert bad_window.returncode == 2
    assert "--window" in bad_window.stderr
    no_prometheus = _rightsize(nbi)
    assert no_prometheus.returncode == 1
    assert "no Prometheus" in no_prometheus.stderr
    down = _rightsize(nbi, "--prometheus-url", f"http://127.0.0.1:{free_port()}")
    assert down.returncode == 1
    assert "cannot reach Prometheus" in down.stderr

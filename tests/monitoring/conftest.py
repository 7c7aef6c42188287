"""Shared helpers of the monitoring tests: descriptors, settings, real services on free ports."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from locus_iac.descriptors import Vnfd, parse_descriptor
from locus_iac.monitoring.settings import MonitoringSettings, parse_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "packages"
FIXTURES = ROOT / "tests" / "fixtures" / "monitoring"

PROMETHEUS = shutil.which("prometheus")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
PROMTOOL = shutil.which("promtool")
AMTOOL = shutil.which("amtool")


def vnfd(path: Path) -> Vnfd:
    model = parse_descriptor(path.read_bytes(), source=path.name).model
    assert isinstance(model, Vnfd)
    return model


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_settings(config_dir: Path, **overrides: Any) -> MonitoringSettings:
    document: dict[str, Any] = {
        "prometheus_url": "http://127.0.0.1:1",
        "alertmanager_url": "http://127.0.0.1:1",
        "kafka_bootstrap": "127.0.0.1:1",
        "config_dir": str(config_dir),
        "promtool": PROMTOOL or "/usr/bin/promtool",
        "amtool": AMTOOL or "/usr/bin/amtool",
        "drain_interval": 0.05,
        "max_backoff": 0.2,
        **overrides,
    }
    return parse_settings(document)


BASE_AM = {
    "global": {"resolve_timeout": "1m"},
    "route": {"receiver": "locus-null"},
    "receivers": [
        {"name": "locus-null"},
        {
            "name": "locus-smart",
            "webhook_configs": [{"url": "http://127.0.0.1:9/alerts", "send_resolved": True}],
        },
    ],
}


def layout_folder(config_dir: Path) -> None:
    """What the monitoring role creates: the folders, prometheus.yml, base.yml."""
    for sub in ("prometheus/targets", "prometheus/rules", "prometheus/mano", "alertmanager/routes"):
        (config_dir / sub).mkdir(parents=True, exist_ok=True)
    prom = {
        "global": {"scrape_interval": "5s", "evaluation_interval": "5s"},
        "rule_files": [str(config_dir / "prometheus" / "rules" / "*.yml")],
        "scrape_configs": [
            {
                "job_name": "locus-services",
                "file_sd_configs": [
                    {
                        "files": [str(config_dir / "prometheus/targets/*.json")],
                        "refresh_interval": "5s",
                    }
                ],
            }
        ],
    }
    (config_dir / "prometheus" / "prometheus.yml").write_text(yaml.safe_dump(prom))
    (config_dir / "alertmanager" / "base.yml").write_text(yaml.safe_dump(BASE_AM))
    (config_dir / "alertmanager" / "alertmanager.yml").write_text(yaml.safe_dump(BASE_AM))


def wait_ready(url: str, proc: subprocess.Popen[bytes], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{url}: process exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/-/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready after {seconds}s")


class Service:
    """A real Prometheus or Alertmanager process of one test (its own port and folder)."""

    def __init__(self, args: list[str], url: str, log: Path) -> None:
        self.args, self.url, self.log = args, url, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT)
        wait_ready(self.url, self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[MonitoringSettings, Service, Service]]:
    """Real Prometheus and Alertmanager on random ports, on a Config Manager folder."""
    if not (PROMETHEUS and ALERTMANAGER and PROMTOOL and AMTOOL):
        pytest.skip("prometheus/alertmanager/promtool/amtool not installed")
    config = tmp_path / "monitoring"
    layout_folder(config)
    pport, aport = free_port(), free_port()
    prom = Service(
        [
            PROMETHEUS,
            f"--config.file={config / 'prometheus' / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{pport}",
            "--web.enable-lifecycle",
        ],
        f"http://127.0.0.1:{pport}",
        tmp_path / "prometheus.log",
    )
    am = Service(
        [
            ALERTMANAGER,
            f"--config.file={config / 'alertmanager' / 'alertmanager.yml'}",
            f"--storage.path={tmp_path / 'am'}",
            f"--web.listen-address=127.0.0.1:{aport}",
            "--cluster.listen-address=",
        ],
        f"http://127.0.0.1:{aport}",
        tmp_path / "alertmanager.log",
    )
    prom.start()
    am.start()
    settings = make_settings(config, prometheus_url=prom.url, alertmanager_url=am.url)
    try:
        yield settings, prom, am
    finally:
        prom.stop()
        am.stop()


def loaded_rules(prometheus_url: str) -> list[str]:
    """The alert names of every rule group Prometheus runs now."""
    data = httpx.get(f"{prometheus_url}/api/v1/rules", timeout=5).json()["data"]["groups"]
    return [rule["name"] for group in data for rule in group["rules"]]


def am_receivers_of_routes(alertmanager_url: str) -> str:
    """The config Alertmanager runs now (its original YAML text)."""
    status = httpx.get(f"{alertmanager_url}/api/v2/status", timeout=5).json()
    return str(status["config"]["original"])

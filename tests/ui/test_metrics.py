"""An instance's metrics charts: which series the server asks Prometheus for (those its
monitoring rules watch), what a refusing or absent Prometheus gives, and the charts on the
instance page in headless Chromium against a Prometheus double (an HTTP server in this test
that answers ``query_range`` and records what it was asked), with the project check.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from selenium.webdriver.common.by import By
from support.servers import http_server, served_in_thread

from locus_iac.descriptors import Vnfd
from locus_iac.monitoring.render import MemberView, ServiceView
from locus_iac.monitoring.settings import MonitoringSettings, parse_settings
from locus_iac.nbi import Settings, create_app
from locus_iac.packages import archive_bytes, read_package

from .browser import screenshot, wait_for
from .conftest import PASSWORD, REPO, bearer
from .runners import PLACING_RUNNER
from .test_console_browser import go, log_in, text_of

from locus_iac.nbi.ui.metrics import instance_metrics, queries  # isort: skip

EXAMPLES = REPO / "examples" / "packages"
UP = 'up{job="locus-services", ns_id="ns-1", vnf_member_index="1"}'
CPU = 'avg by (vnf_member_index) (cpu_utilization{ns_id="ns-1", vnf_member_index="1"})'


def _cloud_view(endpoint: str | None = "127.0.0.1:9100") -> ServiceView:
    vnfd = read_package(EXAMPLES / "cloud_vnf").descriptor.model
    assert isinstance(vnfd, Vnfd)
    return ServiceView("ns-1", "admin", (MemberView("1", vnfd, None, endpoint),))


def _settings(tmp: Path, prometheus: str) -> MonitoringSettings:
    return parse_settings(
        {
            "prometheus_url": prometheus,
            "alertmanager_url": prometheus,
            "kafka_bootstrap": "127.0.0.1:1",
            "config_dir": str(tmp / "monitoring"),
            "drain_interval": 0.05,
            "max_backoff": 0.2,
        }
    )


# -- which series ------------------------------------------------------------------------------


def test_the_series_are_those_the_rules_watch() -> None:
    found = {q.expr: q for q in queries(_cloud_view())}
    assert set(found) == {UP, CPU}
    # the scaling policy's two thresholds (out > 80, in < 20) on the one chart
    assert sorted(found[CPU].thresholds) == [20.0, 80.0]
    assert "cpu_utilization" in found[CPU].title and "scaling" in found[CPU].title


def test_without_a_metrics_endpoint_there_is_no_up_series() -> None:
    assert [q.expr for q in queries(_cloud_view(endpoint=None))] == [CPU]


def _matrix(request: httpx.Request) -> httpx.Response:
    query = request.url.params["query"]
    if "cpu_utilization" in query:
        return httpx.Response(400, json={"status": "error", "error": "parse error (test)"})
    start = float(request.url.params["start"])
    values = [[start + 60 * i, str(i % 2)] for i in range(5)]
    result = [{"metric": {"vnf_member_index": "1", "instance": "a"}, "values": values}]
    return httpx.Response(200, json={"status": "success", "data": {"result": result}})


def test_each_chart_gets_its_series_or_its_error(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "http://prometheus.test:9090")
    got = instance_metrics(
        settings, _cloud_view(), minutes=30, transport=httpx.MockTransport(_matrix)
    )
    assert got.enabled and got.step == 15 and got.end - got.start == pytest.approx(1800)
    charts = {c.query: c for c in got.charts}
    assert [p[1] for p in charts[UP].series[0].points] == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert charts[UP].series[0].labels == {"vnf_member_index": "1", "instance": "a"}
    assert charts[CPU].series == [] and "parse error (test)" in (charts[CPU].error or "")


def test_an_unreachable_prometheus_is_said_per_chart(tmp_path: Path) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused (test)", request=request)

    settings = _settings(tmp_path, "http://127.0.0.1:1")
    got = instance_metrics(settings, _cloud_view(), minutes=30, transport=httpx.MockTransport(down))
    assert len(got.charts) == 2
    assert all("did not answer" in (c.error or "") for c in got.charts)


def test_without_monitoring_or_instantiation_nothing_is_asked(tmp_path: Path) -> None:
    off = instance_metrics(None, _cloud_view(), minutes=30)
    assert not off.enabled and off.charts == [] and "--monitoring" in off.detail
    idle = instance_metrics(_settings(tmp_path, "http://127.0.0.1:1"), None, minutes=30)
    assert idle.enabled and idle.charts == [] and "not instantiated" in idle.detail


# -- on the page, against a Prometheus double --------------------------------------------------


class _Prometheus(BaseHTTPRequestHandler):
    """Answers ``query_range`` with a sine per query; every POST (reloads) with 200."""

    asked: ClassVar[list[dict[str, str]]] = []

    def log_message(self, *_args: Any) -> None:
        return

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/api/v1/query_range":
            self._send(200, {"status": "success", "data": {}})
            return
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        type(self).asked.append(params)
        start, end, step = (float(params[k]) for k in ("start", "end", "step"))
        count = int((end - start) // step) + 1
        scale = 100.0 if "cpu_utilization" in params["query"] else 1.0
        values = [
            [start + i * step, f"{scale * (0.5 + 0.45 * math.sin(i / 8)):.3f}"]
            for i in range(count)
        ]
        result = [{"metric": {"vnf_member_index": "1"}, "values": values}]
        self._send(200, {"status": "success", "data": {"resultType": "matrix", "result": result}})

    def do_POST(self) -> None:
        self._send(200, {"status": "success"})


@pytest.fixture
def prometheus() -> Iterator[str]:
    _Prometheus.asked = []
    with http_server(_Prometheus) as url:
        yield url


class _Bus:
    def publish(self, topics: list[str], key: str, event: dict[str, Any]) -> None:
        return

    def delete_topic(self, topic: str) -> None:
        return


@pytest.fixture
def monitored_url(tmp_path: Path, runner_dir: Path, prometheus: str) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'catalogue.db'}",
        admin_password=PASSWORD,
        vim_check=False,
    )
    app: FastAPI = create_app(
        settings,
        runner=PLACING_RUNNER,
        monitoring=_settings(tmp_path, prometheus),
        event_bus=lambda _: _Bus(),
    )
    try:
        with served_in_thread(app) as url:
            yield url
    finally:
        app.state.services.db.dispose()


def _instantiated_cloud_ns(url: str) -> str:
    admin = bearer(url)
    gz = {**admin, "Content-Type": "application/gzip"}
    for path, name in (
        ("/vnfpkgm/v1/vnf_packages_content", "cloud_vnf"),
        ("/nsd/v1/ns_descriptors_content", "cloud_ns"),
    ):
        body = archive_bytes(read_package(EXAMPLES / name))
        assert httpx.post(f"{url}{path}", content=body, headers=gz).status_code == 201
    core = {
        "name": "core",
        "vim_url": "https://127.0.0.1:1/v3",
        "vim_user": "locus",
        "vim_password": "secret",
        "vim_tenant_name": "locus",
    }
    assert httpx.post(f"{url}/admin/v1/vim_accounts", json=core, headers=admin).is_success
    request = {
        "nsdId": "cloud_ns",
        "nsName": "watched",
        "vimAccountId": "core",
        "additionalParamsForVnf": [
            {"memberVnfIndex": "1", "additionalParams": {"metrics_endpoint": "127.0.0.1:9100"}}
        ],
    }
    made = httpx.post(f"{url}/nslcm/v1/ns_instances_content", json=request, headers=admin)
    assert made.status_code == 202, made.text
    ns, op = made.json()["nsInstanceId"], made.json()["nsLcmOpOccId"]
    wait_for(
        lambda: (
            httpx.get(f"{url}/nslcm/v1/ns_lcm_op_occs/{op}", headers=admin).json()["operationState"]
            == "COMPLETED"
        ),
        "the instantiation",
    )
    return str(ns)


def test_the_instance_page_charts_its_metrics(driver: Any, monitored_url: str) -> None:
    ns = _instantiated_cloud_ns(monitored_url)
    log_in(driver, monitored_url, "admin", PASSWORD)
    go(driver, f"#/ns/{ns}", "#topology")
    drawn = "#metrics svg.chart"
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, drawn)) == 2, "the charts")
    charts = text_of(driver, "#metrics")
    assert "cpu_utilization" in charts and "threshold 80" in charts and "threshold 20" in charts
    assert "scrape target up" in charts and "vnf_member_index=1" in charts
    lines = driver.find_elements(By.CSS_SELECTOR, "#metrics svg.chart path.line")
    assert len(lines) == 2 and all(len(str(p.get_attribute("d"))) > 100 for p in lines)
    asked = {a["query"] for a in _Prometheus.asked}
    assert f'up{{job="locus-services", ns_id="{ns}", vnf_member_index="1"}}' in asked
    # the topology draws the VM's address from the stack outputs
    assert "cloud_vdu-0: 10.20.0.10" in text_of(driver, "#topology")
    driver.execute_script("document.getElementById('metrics').scrollIntoView()")
    screenshot(driver, "07-metrics", docs="metrics")
    # the chart of another window is asked again, with that window
    before = len(_Prometheus.asked)
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, "metrics-window")).select_by_value("360")
    wait_for(lambda: len(_Prometheus.asked) >= before + 2, "the six-hour window")
    latest = _Prometheus.asked[-1]
    assert float(latest["end"]) - float(latest["start"]) == pytest.approx(6 * 3600, abs=5)


def test_another_project_gets_no_metrics(monitored_url: str) -> None:
    ns = _instantiated_cloud_ns(monitored_url)
    admin = bearer(monitored_url)
    httpx.post(f"{monitored_url}/admin/v1/projects", json={"name": "other"}, headers=admin)
    user = {"username": "olga", "password": "olga-pw-12345", "projects": ["other"]}
    made = httpx.post(f"{monitored_url}/admin/v1/users", json=user, headers=admin)
    assert made.status_code == 201
    olga = bearer(monitored_url, "olga", "olga-pw-12345")
    path = f"{monitored_url}/ui/ns_instances/{ns}/metrics"
    assert httpx.get(path, headers=olga).status_code == 404
    mine = httpx.get(path, headers=admin)
    assert mine.status_code == 200 and len(mine.json()["charts"]) == 2
    assert httpx.get(f"{path}?minutes=1", headers=admin).status_code == 422

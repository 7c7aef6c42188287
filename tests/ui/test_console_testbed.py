"""The console in headless Chromium against the local testbed, for real: the NBI served by
uvicorn with the product's runner (real Pulumi engine, Kubernetes provider, Ansible), the
testbed's API server registered as a site from the page, the exemplary edge NS onboarded by
upload, instantiated, scaled and terminated from the page while its progress streams in.

Skips, with the reason, when the testbed is not up (``tests/testbed/conftest.py``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from support.servers import free_port
from testbed.conftest import admin_tls, pulumi_env, site

from locus_iac.nbi import Settings, create_app
from locus_iac.packages import archive_bytes, read_package

from .browser import screenshot, wait_for
from .test_console_browser import EXAMPLES, confirm, css, go, log_in, op_state, text_of, upload

__all__ = ["admin_tls", "pulumi_env", "site"]

pytestmark = pytest.mark.testbed
PASSWORD = "tb-console-admin"
LIFECYCLE = 900.0  # a real up/destroy on a busy machine


@pytest.fixture
def testbed_url(
    site: dict[str, Any],
    pulumi_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """The NBI with the product's runner on a free port; its workers see the Pulumi tools."""
    for key, value in pulumi_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("LOCUS_LCM_RUNNER", raising=False)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'locus.db'}",
        admin_password=PASSWORD,
    )
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the NBI did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)
    app.state.services.db.dispose()


def _register_testbed(browser: Any, site: dict[str, Any]) -> None:
    go(browser, "#/sites", "#site-form")
    body = {
        "name": "local",
        "credentials": Path(site["kubeconfig"]).read_text(),
        "namespace": "default",
        "role": "edge",
        # declared: the optimiser places the NS here and says why
        "capacity": {"vcpu": 16, "memory_gb": 32, "storage_gb": 100, "pods": 50},
        "cost": {"vcpu": 0.05, "pod": 0.01},
    }
    # a kubeconfig is long: put it in the field at once rather than key by key
    browser.execute_script(
        "document.getElementById('site-body').value = arguments[0]", json.dumps(body)
    )
    css(browser, "#site-submit").click()
    wait_for(lambda: "local" in text_of(browser, ".site-name"), "the registered testbed")
    wait_for(lambda: "reachable (" in text_of(browser, ".reach"), "its reachability", 30)


def _finish(browser: Any, what: str) -> None:
    wait_for(lambda: op_state(browser) in ("COMPLETED", "FAILED_TEMP", "FAILED"), what, LIFECYCLE)
    assert op_state(browser) == "COMPLETED", text_of(browser, "main")


def test_edge_ns_from_the_console_on_the_testbed(
    driver: Any, testbed_url: str, site: dict[str, Any], tmp_path: Path
) -> None:
    browser = driver
    log_in(browser, testbed_url, "admin", PASSWORD)
    for kind, name in (("vnf", "edge_knf"), ("nsd", "edge_ns")):
        path = tmp_path / f"{name}.tar.gz"
        path.write_bytes(archive_bytes(read_package(EXAMPLES / name)))
        upload(browser, kind, path)
    _register_testbed(browser, site)
    screenshot(browser, "testbed-03-sites")

    go(browser, "#/services", "#instantiate-form")
    css(browser, "#ns-name").send_keys("edge-console")
    Select(css(browser, "#ns-nsd")).select_by_value("edge_ns")  # site: automatic placement
    css(browser, "#ns-submit").click()
    confirm(browser)
    wait_for(lambda: op_state(browser), "the operation page")
    browser.execute_script("window.__sameDocument = true")
    wait_for(lambda: text_of(browser, "#op-step") not in ("", "—"), "a reported step", 120)
    _finish(browser, "the instantiation")
    assert browser.execute_script("return window.__sameDocument === true")  # no reload
    created = int(css(browser, "#op-resources tbody td").text)
    assert created > 0  # the engine's counts streamed in
    assert "the optimiser" in text_of(browser, "#placement")  # the decision, with the op
    screenshot(browser, "testbed-05-operation", docs="operation")

    css(browser, "#op-ns").click()
    wait_for(lambda: browser.find_elements(By.ID, "topology"), "the topology")
    drawing = text_of(browser, "#topology")
    assert "local" in drawing
    # the KDU's Service as the stack outputs name it (the engine's, not the NSD's)
    assert "edge-cache: " in drawing and ".svc.cluster.local" in drawing, drawing
    placement = text_of(browser, "#placement")
    assert "local" in placement and "the optimiser" in placement, placement
    wait_for(lambda: css(browser, "#scale-submit").is_enabled(), "scale enabled")
    screenshot(browser, "testbed-04-instance")
    css(browser, "#scale-count").clear()
    css(browser, "#scale-count").send_keys("2")
    css(browser, "#scale-submit").click()
    confirm(browser)
    _finish(browser, "the scale")

    css(browser, "#op-ns").click()
    wait_for(lambda: css(browser, "#terminate").is_enabled(), "terminate enabled")
    css(browser, "#terminate").click()
    confirm(browser)
    _finish(browser, "the termination")
    css(browser, "#logout").click()
    wait_for(lambda: browser.find_elements(By.ID, "login-form"), "the log-in form")

"""The console in headless Chromium against a server started here with the file-controlled
runner (``tests/lcm/runners.py``, as ``tests/nbi`` uses): log in, onboard the exemplary
packages by upload (and a broken descriptor by drag and drop), register a site, instantiate
the edge NS and watch COMPLETED arrive without a reload, scale, topology, terminate, log out;
another project's user sees none of it; a failed operation offers its recovery buttons.

Screenshots (1280x800) go to ``$LOCUS_TEST_ARTIFACTS`` (see ``browser.py``).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from locus_iac.packages import archive_bytes, read_package

from .browser import screenshot, viewport, wait_for
from .conftest import PASSWORD, REPO, bearer

EXAMPLES = REPO / "examples" / "packages"
UPLOADS = (
    ("vnf", "cloud_vnf"),
    ("vnf", "edge_knf"),
    ("nsd", "cloud_ns"),
    ("nsd", "edge_ns"),
    ("nst", "locus_nst"),
)
#: A descriptor with the seed's defect (``vnf-id`` where SOL006 has ``vnfd-id``).
BROKEN_NSD = """nsd:
  nsd:
    - id: broken_ns
      name: broken_ns
      version: "1.0"
      vnfd-id:
        - edge_knf
      df:
        - id: default-df
          vnf-profile:
            - id: "1"
              vnf-id: edge_knf
"""


@pytest.fixture
def archives(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for _, name in UPLOADS:
        path = tmp_path / f"{name}.tar.gz"
        path.write_bytes(archive_bytes(read_package(EXAMPLES / name)))
        out[name] = path
    return out


def css(browser: Any, selector: str) -> Any:
    """The element, once the page has drawn it (pages draw after their data arrives)."""
    found = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, selector), selector, 20)
    return found[0]


def text_of(browser: Any, selector: str) -> str:
    found = browser.find_elements(By.CSS_SELECTOR, selector)
    return str(found[0].text) if found else ""


def log_in(browser: Any, url: str, username: str, password: str) -> None:
    browser.get(f"{url}/ui/")
    wait_for(lambda: browser.find_elements(By.ID, "login-form"), "the log-in form")
    css(browser, "#username").send_keys(username)
    css(browser, "#password").send_keys(password)
    css(browser, "#login-submit").click()
    wait_for(lambda: username in text_of(browser, "#who"), "the logged-in shell")


def confirm(browser: Any) -> None:
    wait_for(lambda: css(browser, "#confirm").get_attribute("open") is not None, "the dialog")
    css(browser, "#confirm-ok").click()


def go(browser: Any, hash_: str, ready: str) -> None:
    """Show page ``hash_`` (drawn anew even when it is the current one) and wait for it."""
    browser.execute_script(
        """const main = document.getElementById('main');
        delete main.dataset.page;
        if (window.location.hash !== arguments[0]) window.location.hash = arguments[0];
        else window.dispatchEvent(new HashChangeEvent('hashchange'));""",
        hash_,
    )
    page = hash_.split("/")[1]
    drawn = f"#main[data-page='{page}'] {ready}"
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, drawn), f"{hash_} ({ready})")


def op_state(browser: Any) -> str:
    return text_of(browser, "#op-state")


def unlabelled(browser: Any) -> list[str]:
    """The form fields of the page without a label, and buttons without a name."""
    return list(
        browser.execute_script(
            """return [...document.querySelectorAll('input, select, textarea')]
                .filter((e) => e.type !== 'hidden' && !e.labels.length)
                .map((e) => e.id || e.name)
              .concat([...document.querySelectorAll('button')]
                .filter((b) => !b.textContent.trim()).map((b) => b.id || 'button'));"""
        )
    )


def upload(browser: Any, kind: str, path: Path) -> None:
    Select(css(browser, "#upload-kind")).select_by_value(kind)
    css(browser, "#upload-file").send_keys(str(path))
    wait_for(
        lambda: path.name in text_of(browser, "#upload-result .upload-ok"), f"{path.name} onboarded"
    )


def drop_yaml(browser: Any, name: str, text: str) -> None:
    """Drop a file on the drop zone as a drag from the desktop does (a DataTransfer)."""
    browser.execute_script(
        """const dt = new DataTransfer();
        dt.items.add(new File([arguments[1]], arguments[0], {type: 'application/yaml'}));
        const zone = document.getElementById('drop-zone');
        zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true}));
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true}));""",
        name,
        text,
    )


def kubeconfig(port: int) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": f"https://127.0.0.1:{port}"}}],
            "users": [{"name": "u", "user": {"token": "t"}}],
            "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "x",
        }
    )


def register_site(browser: Any, closed_port: int) -> None:
    go(browser, "#/sites", "#site-form")
    body = {
        "name": "edge",
        "credentials": kubeconfig(closed_port),
        "role": "edge",
        "nets": {"user": None, "cache": None},
        "capacity": {"vcpu": 16, "memory_gb": 32, "storage_gb": 200, "pods": 20},
        "cost": {"vcpu": 0.1, "pod": 0.05},
    }
    css(browser, "#site-body").send_keys(json.dumps(body))
    css(browser, "#site-submit").click()
    wait_for(lambda: "edge" in text_of(browser, ".site-name"), "the registered site")
    wait_for(lambda: "unreachable" in text_of(browser, ".reach"), "its reachability")


def run_op(browser: Any, runner_dir: Path, submit: str) -> None:
    """Start an operation held by the runner, see it running, release it, see COMPLETED
    arrive on the same page (the marker set before survives: no reload)."""
    (runner_dir / "block").touch()
    css(browser, submit).click()
    confirm(browser)
    wait_for(lambda: op_state(browser) == "PROCESSING", "the running operation")
    wait_for(lambda: text_of(browser, "#op-step") == "blocked", "the runner's step")
    browser.execute_script("window.__sameDocument = true")
    assert browser.find_elements(By.ID, "op-cancel")  # a running operation may be cancelled
    (runner_dir / "block").unlink()
    wait_for(lambda: op_state(browser) == "COMPLETED", "COMPLETED")
    assert text_of(browser, "#op-step") == "done"  # not the engine's last step
    assert browser.execute_script("return window.__sameDocument === true")


def test_operator_journey(
    driver: Any, live_url: str, runner_dir: Path, archives: dict[str, Path]
) -> None:
    browser = driver
    browser.get(f"{live_url}/ui/login")
    screenshot(browser, "01-login")
    assert unlabelled(browser) == []
    # the form works from the keyboard alone: type, Tab to the password, Enter submits
    css(browser, "#username").send_keys("admin", Keys.TAB)
    browser.switch_to.active_element.send_keys(PASSWORD, Keys.ENTER)
    wait_for(lambda: "admin" in text_of(browser, "#who"), "the shell after a keyboard log-in")
    css(browser, "#logout").click()
    wait_for(lambda: browser.find_elements(By.ID, "login-form"), "the log-in form again")
    log_in(browser, live_url, "admin", PASSWORD)
    assert browser.get_cookie("locus_session")["httpOnly"] is True
    assert browser.execute_script("return document.cookie").find("locus_session") == -1

    for kind, name in UPLOADS:
        upload(browser, kind, archives[name])
    drop_yaml(browser, "broken_ns.yaml", BROKEN_NSD)
    wait_for(lambda: "broken_ns.yaml was rejected" in text_of(browser, "#upload-result"), "422")
    pointers = text_of(browser, "#upload-result .problems")
    assert "/nsd/nsd/0/df/0/vnf-profile/0" in pointers, pointers
    hit = text_of(browser, "#upload-result .descriptor .hit")
    # the problem shown on the line of the text its pointer names: the profile missing vnfd-id
    assert hit.startswith('            - id: "1"') and "vnfd-id" in hit, hit
    go(browser, "#/catalogue", "#packages .pkg-id")
    wait_for(lambda: "locus_nst" in text_of(browser, "#packages"), "the package lists")
    css(browser, "#packages button.secondary").click()  # the first package's summary
    wait_for(lambda: "VDUs" in text_of(browser, "#packages .summary"), "the pkg show summary")
    screenshot(browser, "02-catalogue")
    assert unlabelled(browser) == []

    css(browser, "[data-delete='edge_knf']").click()
    confirm(browser)
    wait_for(lambda: "409" in text_of(browser, "#notice"), "the explained 409")
    assert "in use" in text_of(browser, "#notice")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    register_site(browser, closed)
    # the cheapest site is full: the optimiser must say so when it picks "edge"
    full = {"name": "edge-full", "credentials": kubeconfig(closed), "role": "edge"}
    full |= {"capacity": {"vcpu": 16, "pods": 1}, "used": {"pods": 1}, "cost": {"vcpu": 0.01}}
    registered = httpx.post(f"{live_url}/admin/v1/k8sclusters", json=full, headers=bearer(live_url))
    assert registered.is_success, registered.text
    go(browser, "#/sites", "#site-form")
    wait_for(lambda: "edge-full" in text_of(browser, "main"), "the second site")
    screenshot(browser, "03-sites")
    assert unlabelled(browser) == []

    go(browser, "#/services", "#instantiate-form")
    css(browser, "#ns-name").send_keys("edge-1")
    Select(css(browser, "#ns-nsd")).select_by_value("edge_ns")  # site: automatic placement
    run_op(browser, runner_dir, "#ns-submit")
    wait_for(lambda: "the optimiser" in text_of(browser, "#placement"), "the decision, live")
    screenshot(browser, "05-operation")

    css(browser, "#op-ns").click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#topology"), "the topology")
    drawing = text_of(browser, "#topology")
    assert "edge" in drawing and "KNF" in drawing, drawing
    # the address the stack outputs give the KDU, and the link's network at the site
    assert "edge-cache: edge-cache.locus-" in drawing and ".svc.cluster.local" in drawing, drawing
    assert "cache_net · edge: locus-" in drawing, drawing
    assert "INSTANTIATED" in text_of(browser, "h1")
    placement = text_of(browser, "#placement")
    assert "min-total-cost" in placement and "the optimiser" in placement, placement
    assert "no room at edge-full" in placement, placement  # why the cheapest site lost
    browser.execute_script("document.getElementById('placement').scrollIntoView()")
    screenshot(browser, "04-instance", docs="placement")
    assert unlabelled(browser) == []

    css(browser, "#action-primitive").send_keys("restart")
    css(browser, "#action-params").send_keys('{"reason": 5}')  # the VNFD says STRING
    css(browser, "#action-submit").click()
    confirm(browser)
    wait_for(lambda: "/primitive_params/reason" in text_of(browser, ".problems"), "the 422")

    css(browser, "#scale-count").clear()
    css(browser, "#scale-count").send_keys("3")
    run_op(browser, runner_dir, "#scale-submit")

    css(browser, "#op-ns").click()
    wait_for(lambda: browser.find_elements(By.ID, "terminate"), "the instance page")
    wait_for(lambda: css(browser, "#terminate").is_enabled(), "terminate enabled")
    run_op(browser, runner_dir, "#terminate")
    css(browser, "#op-ns").click()
    wait_for(lambda: "NOT_INSTANTIATED" in text_of(browser, "h1"), "the terminated instance")
    occurrences = text_of(browser, "main")
    for op in ("INSTANTIATE", "SCALE", "TERMINATE"):
        assert op in occurrences
    # the decision outlives the instance's resources; the deployed addresses do not
    assert "no room at edge-full" in text_of(browser, "#placement")
    assert ".svc.cluster.local" not in text_of(browser, "#topology")

    viewport(browser, 420, 800)  # narrow: the page still fits without sideways scroll
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1"
    )
    css(browser, "#logout").click()
    wait_for(lambda: browser.find_elements(By.ID, "login-form"), "the log-in form after log-out")
    assert browser.get_cookie("locus_session") is None
    browser.get(f"{live_url}/ui/")
    assert browser.find_elements(By.ID, "login-form")  # the session is gone


def test_another_projects_user_sees_none_of_it(
    driver: Any, live_url: str, archives: dict[str, Path]
) -> None:
    admin = bearer(live_url)
    httpx.post(f"{live_url}/admin/v1/projects", json={"name": "other"}, headers=admin)
    user = {"username": "olga", "password": "olga-pw-12345", "projects": ["other"]}
    assert httpx.post(f"{live_url}/admin/v1/users", json=user, headers=admin).status_code == 201
    gz = {**admin, "Content-Type": "application/gzip"}
    for _, name in UPLOADS[:2]:
        onboarded = httpx.post(
            f"{live_url}/vnfpkgm/v1/vnf_packages_content",
            content=archives[name].read_bytes(),
            headers=gz,
        )
        assert onboarded.status_code == 201, onboarded.text
    log_in(driver, live_url, "olga", "olga-pw-12345")
    wait_for(lambda: driver.find_elements(By.ID, "packages"), "the catalogue")
    listed = text_of(driver, "#packages")
    assert "cloud_vnf" not in listed and "edge_knf" not in listed
    assert listed.count("None onboarded.") == 3
    go(driver, "#/services", "#instantiate-form")
    assert "No NS instance." in text_of(driver, "main")


def test_failed_operation_offers_retry_rollback_fail(
    driver: Any, live_url: str, runner_dir: Path, archives: dict[str, Path]
) -> None:
    admin = bearer(live_url)
    headers = {**admin, "Content-Type": "application/gzip"}
    for path, name in (
        ("/vnfpkgm/v1/vnf_packages_content", "edge_knf"),
        ("/nsd/v1/ns_descriptors_content", "edge_ns"),
    ):
        sent = httpx.post(f"{live_url}{path}", content=archives[name].read_bytes(), headers=headers)
        assert sent.status_code == 201, sent.text
    site = {"name": "edge", "credentials": kubeconfig(1), "nets": {"user": None, "cache": None}}
    assert httpx.post(f"{live_url}/admin/v1/k8sclusters", json=site, headers=admin).is_success
    (runner_dir / "fail").touch()
    log_in(driver, live_url, "admin", PASSWORD)
    go(driver, "#/services", "#instantiate-form")
    css(driver, "#ns-name").send_keys("doomed")
    Select(css(driver, "#ns-nsd")).select_by_value("edge_ns")
    css(driver, "#ns-submit").click()
    confirm(driver)
    wait_for(lambda: op_state(driver) == "FAILED_TEMP", "FAILED_TEMP")
    for button in ("op-retry", "op-rollback", "op-fail"):
        assert driver.find_elements(By.ID, button), button
    assert "failed on purpose" in text_of(driver, ".problem")
    css(driver, "#op-fail").click()
    confirm(driver)
    wait_for(lambda: op_state(driver) == "FAILED", "FAILED")
    assert not driver.find_elements(By.ID, "op-retry")


def test_exemplary_netslice_spans_core_and_edge(
    driver: Any, live_url: str, archives: dict[str, Path]
) -> None:
    """The seed's composite service from the page: its topology shows the cloud VNF on the
    OpenStack core, the edge KNF on the Kubernetes edge and cache_net between them (VPN)."""
    admin = bearer(live_url)
    headers = {**admin, "Content-Type": "application/gzip"}
    paths = {"vnf": "/vnfpkgm/v1/vnf_packages_content", "nsd": "/nsd/v1/ns_descriptors_content"}
    paths["nst"] = "/nst/v1/netslice_templates_content"
    for kind, name in UPLOADS:
        sent = httpx.post(
            f"{live_url}{paths[kind]}", content=archives[name].read_bytes(), headers=headers
        )
        assert sent.status_code == 201, sent.text
    core = {
        "name": "core",
        "vim_url": "https://127.0.0.1:1/v3",
        "vim_user": "locus",
        "vim_password": "secret",
        "vim_tenant_name": "locus",
    }
    edge = {"name": "edge", "credentials": kubeconfig(1), "nets": {"user": None, "cache": None}}
    assert httpx.post(f"{live_url}/admin/v1/vim_accounts", json=core, headers=admin).is_success
    assert httpx.post(f"{live_url}/admin/v1/k8sclusters", json=edge, headers=admin).is_success
    log_in(driver, live_url, "admin", PASSWORD)
    go(driver, "#/services", "#netslice-form")
    css(driver, "#nsi-name").send_keys("exemplary")
    Select(css(driver, "#nsi-nst")).select_by_value("locus_nst")
    subnets = [
        {"id": "cloud_nss", "vimAccountId": "core"},
        {"id": "edge_nss", "vimAccountId": "edge"},
    ]
    css(driver, "#nsi-subnets").send_keys(json.dumps(subnets))
    css(driver, "#nsi-submit").click()
    confirm(driver)
    wait_for(lambda: op_state(driver) == "COMPLETED", "the netslice COMPLETED")
    assert "INSTANTIATE" in text_of(driver, "main")
    css(driver, "#op-nsi").click()
    wait_for(lambda: driver.find_elements(By.ID, "topology"), "the netslice topology")
    drawing = text_of(driver, "#topology")
    assert "core" in drawing and "edge" in drawing, drawing
    assert "cache_net — VPN core ↔ edge" in drawing, drawing
    assert "cloud_nss/1 · VNF" in drawing and "edge_nss/1 · KNF" in drawing, drawing
    screenshot(driver, "06-netslice", docs="netslice")

"""The TST010 NS lifecycle cases that need an instantiated NS, run for real on the local testbed.

The NS lifecycle suite names one ``nsInstanceId`` and one ``nsLcmOpOccId`` for all its files;
the harness's main run gives it an NS instance that is ``NOT_INSTANTIATED`` (the negative
cases need that). When the local testbed is up (``locus testbed up``: its ``site.yaml``, an API
server that answers ``/readyz`` and the built Pulumi tools), the cases of ``TESTBED_CASES`` are
run once more, each in a robot run of its own whose variables name a subject in the state the
case's pre-condition asks for, and that result replaces the main run's:

* ``instantiated``: an instance of the exemplary edge NS (one KNF, a Helm chart) instantiated
  on the testbed's Kubernetes cluster, registered on the served ``locus serve`` as k8scluster;
* ``failed_temp``: an instantiation of a variant of that NS whose KNF's Day1 playbook fails
  (a real Ansible failure after a real deployment), so the occurrence is ``FAILED_TEMP``;
* ``processing``: an instantiation started just before the case (cancel needs it running).

Everything created here is rolled back, terminated and deleted at the end, whatever failed.
Without the testbed nothing of this runs; the cases stay listed in the expected failures with
``needs: testbed`` (:func:`applicable` drops those entries when the testbed is up).
"""

from __future__ import annotations

import os
import re
import ssl
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from . import tst010

SUITE = "NSLifecycleManagement-API"
TOOLS_DIR = Path(os.environ.get("LOCUS_TOOLS_DIR", Path.home() / ".cache/locus-iac/tools"))
TESTBED_DIR = Path(os.environ.get("LOCUS_TESTBED_DIR", Path.home() / ".cache/locus-iac/testbed"))
NEEDS = ("testbed",)  # the values of an expected entry's ``needs``
BASE = "/nslcm/v1"
OPERATION_TIMEOUT = 900.0  # seconds: an instantiation on a loaded 2-core machine
FINAL = ("COMPLETED", "PARTIALLY_COMPLETED", "FAILED", "ROLLED_BACK")

# (robot file, test case) -> the subject it needs; run in this order (those sharing a subject
# run one after the other, each waiting for the previous one's operation to end)
TESTBED_CASES: dict[tuple[str, str], str] = {
    ("HealNSTask", "POST Heal a NSInstance"): "instantiated",
    ("HealNSTaskWorkflow", "Heal Flow of NS lifecycle management operations"): "instantiated",
    ("UpdateNSTask", "POST Update a NSInstance"): "instantiated",
    ("UpdateNSTaskWorkflow", "Update Flow of NS lifecycle management operations"): "instantiated",
    ("ScaleNSTaskWorkflow", "Scale Flow of NS lifecycle management operations"): "instantiated",
    ("TerminateNSTask", "POST Terminate a NSInstance"): "instantiated-2",
    (
        "TerminateNSTaskWorkflow",
        "Terminate Flow of NS lifecycle management operations",
    ): "instantiated-3",
    ("RetryOperationTask", "Post Retry operation task"): "failed_temp",
    ("RollbackOperationTask", "POST Rollback operation task"): "failed_temp",
    ("ContinueOperationTask", "POST Continue operation task"): "failed_temp-2",
    ("CancelOperationTask", "POST Cancel operation task"): "processing",
}

# the Day1 playbook of the failing KNF variant (replaces mark-configured.yml in its copy)
FAILING_DAY1 = """\
# Written by tests/conformance/tst010_ns.py into a copy of the edge KNF: a Day1 primitive that
# fails, so that the instantiation ends FAILED_TEMP (the subject of retry/rollback/continue).
- name: Mark the edge cache KDU as configured (fails on purpose in this variant).
  hosts: kdus
  gather_facts: false
  tasks:
    - name: Fail.
      ansible.builtin.fail:
        msg: "TST010: this variant's Day1 fails on purpose"
"""


# -- the expected-failures list ---------------------------------------------------------------


def applicable(expected: tst010.Expected, testbed_up: bool) -> tst010.Expected:
    """The expected failures that apply to this run: entries with ``needs: testbed`` only
    when the testbed is not up (with it, those cases run for real and must pass)."""
    problems = [
        f"/{suite}/{file}/{name}/needs: {entry['needs']!r} is not one of {list(NEEDS)}"
        for suite, files in expected.items()
        for file, tests in files.items()
        for name, entry in tests.items()
        if "needs" in entry and entry["needs"] not in NEEDS
    ]
    if problems:
        raise SystemExit(f"{tst010.EXPECTED}: " + "; ".join(problems))
    if not testbed_up:
        return expected
    return {
        suite: {
            file: {name: e for name, e in tests.items() if e.get("needs") != "testbed"}
            for file, tests in files.items()
        }
        for suite, files in expected.items()
    }


# -- the testbed ------------------------------------------------------------------------------


def _tls(site: dict[str, Any]) -> ssl.SSLContext:
    tb = site["testbed"]
    context = ssl.create_default_context(cafile=tb["ca_cert"])
    context.load_cert_chain(tb["client_cert"], tb["client_key"])
    return context


def find_testbed(testbed_dir: Path = TESTBED_DIR, tools_dir: Path = TOOLS_DIR) -> dict[str, Any]:
    """The site record of the running local testbed; SystemExit-free: raises ``LookupError``
    with the reason when it is not up (or the Pulumi tools the LCM runs are not built)."""
    path = testbed_dir / "site.yaml"
    if not path.is_file():
        raise LookupError(f"{path} missing")
    site = yaml.safe_load(path.read_text())
    if not isinstance(site, dict) or "api_server" not in site or "testbed" not in site:
        raise LookupError(f"{path} is not a testbed site record")
    try:
        ready = httpx.get(f"{site['api_server']}/readyz", verify=_tls(site), timeout=5.0)
    except (httpx.HTTPError, OSError) as exc:
        raise LookupError(f"its API server does not answer ({exc})") from None
    if not ready.is_success:
        raise LookupError(f"its API server is not ready ({ready.status_code})")
    if not (tools_dir / "bin" / "pulumi").exists():
        raise LookupError(f"the Pulumi tools are not built in {tools_dir}")
    return site


def testbed_or_none(suites: list[str]) -> dict[str, Any] | None:
    """The testbed when the NS lifecycle suite runs and the testbed is up (says which)."""
    if SUITE not in suites:
        return None
    try:
        site = find_testbed()
    except LookupError as exc:
        print(f"TST010 {SUITE}: the local testbed is not up ({exc}): its cases stay listed")
        return None
    print(f"TST010 {SUITE}: the local testbed is up ({site['api_server']})")
    return site


def serve_env(site: dict[str, Any] | None, work: Path) -> dict[str, str]:
    """What ``locus serve`` needs to run the product's LCM on the testbed (nothing without)."""
    if site is None:
        return {}
    backend = work / "pulumi-backend"
    backend.mkdir(exist_ok=True)
    bin_dir = Path(sys.executable).parent
    return {
        "PATH": f"{TOOLS_DIR / 'bin'}:{bin_dir}:{os.environ.get('PATH', '')}",
        "PULUMI_HOME": os.environ.get("PULUMI_HOME", str(TOOLS_DIR / "pulumi-home")),
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "locus-tst010",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
        "KUBECONFIG": str(site["kubeconfig"]),
    }


# -- the subjects ----------------------------------------------------------------------------


def edge_variant(work: Path, suffix: str, failing: bool) -> tuple[Path, Path]:
    """Copies of the edge KNF (``edge_knf-<suffix>``; its Day1 fails when ``failing``) and of
    the edge NSD (``edge_ns-<suffix>``) naming it: descriptor ids of this run's own."""
    knf = tst010.variant("edge_knf", suffix, work)
    if failing:
        (knf / "ansible" / "edge-config" / "mark-configured.yml").write_text(FAILING_DAY1)
    nsd = tst010.variant("edge_ns", suffix, work)
    for path in nsd.glob("*.yaml"):
        text = re.sub(r"(?<![-\w])edge_knf(?![-\w])", f"edge_knf-{suffix}", path.read_text())
        path.write_text(text)
    return knf, nsd


@dataclass
class Subject:
    """An NS instance of this run and the occurrence the cases act on."""

    ns_id: str
    op_id: str = ""


@dataclass
class Targets:
    """The testbed registered on the served ``locus serve``, the NS instances the cases need."""

    client: httpx.Client
    site: dict[str, Any]
    work: Path
    subjects: dict[str, Subject] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)  # NS instance ids, for the cleanup
    cluster: str = ""

    def _ok(self, response: httpx.Response, *codes: int) -> dict[str, Any]:
        if response.status_code not in codes:
            raise RuntimeError(
                f"{response.request.method} {response.request.url}: "
                f"{response.status_code} {response.text[:500]}"
            )
        return response.json() if response.content else {}

    def register(self) -> None:
        body = {
            "name": "tst010-testbed",
            "credentials": Path(self.site["kubeconfig"]).read_text(),
            "namespace": "default",
        }
        self.cluster = str(
            self._ok(self.client.post("/admin/v1/k8sclusters", json=body), 201)["id"]
        )

    def onboard(self, folder: Path, api: str) -> None:
        path = {"vnf": "/vnfpkgm/v1/vnf_packages", "nsd": "/nsd/v1/ns_descriptors"}[api]
        content = {"vnf": "package_content", "nsd": "nsd_content"}[api]
        ident = str(self._ok(self.client.post(path, json={}), 201)["id"])
        self._ok(
            self.client.put(
                f"{path}/{ident}/{content}", content=tst010._archive(folder), headers=tst010.GZ
            ),
            201,
            204,
        )

    def new_ns(self, nsd: str, name: str) -> str:
        body = {"nsdId": nsd, "nsName": name, "nsDescription": "TST010 on the testbed"}
        ns = str(self._ok(self.client.post(f"{BASE}/ns_instances", json=body), 201)["id"])
        self.created.append(ns)
        return ns

    def instantiate(self, ns: str) -> str:
        body = {"nsFlavourId": "default-df"}
        started = self.client.post(f"{BASE}/ns_instances/{ns}/instantiate", json=body)
        return str(self._ok(started, 202)["nsLcmOpOccId"])

    def op_state(self, op: str) -> str:
        return str(self._ok(self.client.get(f"{BASE}/ns_lcm_op_occs/{op}"), 200)["operationState"])

    def wait_op(self, op: str, done: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + OPERATION_TIMEOUT
        while True:
            state = self.op_state(op)
            if done(state):
                return state
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: occurrence {op} still {state}")
            time.sleep(3)

    def wait_idle(self, ns: str) -> None:
        """Until the NS instance's current occurrence (if any) is no longer running."""
        found = self._ok(self.client.get(f"{BASE}/ns_instances/{ns}"), 200)
        current = found.get("currentLcmOpOccId")
        if current:
            self.wait_op(current, lambda s: s not in ("PROCESSING", "ROLLING_BACK"), ns)

    def prepare(self) -> None:
        """Register, onboard, and start every instantiation at once (the workers run them
        side by side); then wait for each to reach the state its cases need."""
        self.register()
        nsds = {"t": "edge_ns-t", "f": "edge_ns-f"}
        for suffix in nsds:
            knf_folder, nsd_folder = edge_variant(self.work, suffix, failing=suffix == "f")
            self.onboard(knf_folder, "vnf")
            self.onboard(nsd_folder, "nsd")
        for key in dict.fromkeys(TESTBED_CASES.values()):
            nsd = nsds["f" if key.startswith("failed_temp") else "t"]
            subject = Subject(self.new_ns(nsd, f"tst010-{key}"))
            if key != "processing":  # cancel's is instantiated just before its case
                subject.op_id = self.instantiate(subject.ns_id)
            self.subjects[key] = subject
        for key, subject in self.subjects.items():
            if not subject.op_id:
                continue
            wanted = {"FAILED_TEMP"} if key.startswith("failed_temp") else {"COMPLETED"}
            state = self.wait_op(subject.op_id, lambda s: s not in ("PROCESSING",), key)
            if state not in wanted:
                detail = self.client.get(f"{BASE}/ns_lcm_op_occs/{subject.op_id}").json()
                raise RuntimeError(
                    f"the {key} subject's instantiation ended {state}, not {sorted(wanted)}: "
                    f"{str(detail.get('error'))[:500]}"
                )

    def before(self, key: str) -> dict[str, str]:
        """The suite variables of the next case on subject ``key``, once it is ready."""
        subject = self.subjects[key]
        if key == "processing":
            subject.op_id = self.instantiate(subject.ns_id)
        elif key.startswith("failed_temp"):  # a retry before re-runs the failing Day1
            state = self.wait_op(subject.op_id, lambda s: s != "PROCESSING", key)
            if state != "FAILED_TEMP":
                raise RuntimeError(f"the {key} occurrence is {state}, not FAILED_TEMP")
        else:
            self.wait_idle(subject.ns_id)
        return {"nsInstanceId": subject.ns_id, "nsLcmOpOccId": subject.op_id}

    def _every_instance(self) -> list[str]:
        """Every NS instance the run's server holds (the suites create some too, and may
        instantiate them on the cluster once it is registered), following the pages."""
        found: list[str] = []
        page: httpx.URL | str | None = f"{BASE}/ns_instances"
        while page is not None:
            answer = self.client.get(page)
            self._ok(answer, 200)
            found += [str(item["id"]) for item in answer.json()]
            following = answer.links.get("next", {}).get("url")
            page = httpx.URL(following) if following else None
        return found

    def cleanup(self) -> list[str]:
        """Roll back, terminate and delete every NS instance of the run (those created here
        first), then the cluster registration; what could not be removed, for the report."""
        left: list[str] = []
        try:
            everything = self._every_instance()
        except (RuntimeError, httpx.HTTPError) as exc:
            everything = []
            left.append(f"the list of NS instances: {exc}")
        self.created += [ns for ns in everything if ns not in self.created]
        for ns in self.created:
            try:
                self._remove(ns)
            except (RuntimeError, httpx.HTTPError) as exc:
                left.append(f"NS instance {ns}: {exc}")
        if self.cluster:
            gone = self.client.delete(f"/admin/v1/k8sclusters/{self.cluster}")
            if gone.status_code != 204:
                left.append(f"k8scluster {self.cluster}: {gone.status_code} {gone.text[:200]}")
        return left + self._on_cluster()

    def _on_cluster(self) -> list[str]:
        """Namespaces of this run's NS instances (the LCM labels them) still active on the
        testbed's cluster: what the API removed must be gone there too."""
        if "api_server" not in self.site:
            return []
        left: list[str] = []
        with httpx.Client(
            base_url=self.site["api_server"], verify=_tls(self.site), timeout=10
        ) as kube:
            for ns in self.created:
                label = {"labelSelector": f"locus/ns-instance={ns}"}
                items = kube.get("/api/v1/namespaces", params=label).json().get("items", [])
                left += [
                    f"namespace {item['metadata']['name']} of NS instance {ns} on the cluster"
                    for item in items
                    if item.get("status", {}).get("phase") != "Terminating"
                ]
        return left

    def _remove(self, ns: str) -> None:
        found = self.client.get(f"{BASE}/ns_instances/{ns}")
        if found.status_code == 404:
            return
        current = self._ok(found, 200).get("currentLcmOpOccId")
        if current:
            state = self.wait_op(current, lambda s: s not in ("PROCESSING", "ROLLING_BACK"), ns)
            if state == "FAILED_TEMP":  # destroy what the failed operation created
                self._ok(self.client.post(f"{BASE}/ns_lcm_op_occs/{current}/rollback"), 202)
                state = self.wait_op(current, lambda s: s in FINAL or s == "FAILED_TEMP", ns)
                if state == "FAILED_TEMP":
                    self._ok(self.client.post(f"{BASE}/ns_lcm_op_occs/{current}/fail"), 200)
        info = self._ok(self.client.get(f"{BASE}/ns_instances/{ns}"), 200)
        if info["nsState"] == "INSTANTIATED":
            started = self.client.post(f"{BASE}/ns_instances/{ns}/terminate", json={})
            op = str(self._ok(started, 202)["nsLcmOpOccId"])
            state = self.wait_op(op, lambda s: s in FINAL or s == "FAILED_TEMP", ns)
            if state != "COMPLETED":
                raise RuntimeError(f"terminate {op} ended {state}")
        self._ok(self.client.delete(f"{BASE}/ns_instances/{ns}"), 204)


class Rerun:
    """Runs the ``TESTBED_CASES`` on their subjects and puts their results in place of the
    main run's (no-op without the testbed)."""

    def __init__(self, targets: Targets | None) -> None:
        self.targets = targets

    def __call__(
        self, cases: list[tst010.Case], suite: str, folder: Path, robot: Path, out: Path
    ) -> list[tst010.Case]:
        if self.targets is None or suite != SUITE:
            return cases
        again: dict[tuple[str, str], tst010.Case] = {}
        for number, ((file, name), key) in enumerate(TESTBED_CASES.items(), 1):
            variables = self.targets.before(key)
            extra = [f"--test={SUITE}.{file}.{name}"]
            extra += [f"--variable={k}:{v}" for k, v in variables.items()]
            output = tst010.run_suite(
                robot, folder, out / "testbed" / f"{number:02d}-{file}", extra
            )
            for case in tst010.read_results(output, suite):
                again[(case.file, case.name)] = case
        return [again.get((c.file, c.name), c) for c in cases]


@contextmanager
def on_testbed(site: dict[str, Any] | None, url: str, password: str, work: Path) -> Iterator[Rerun]:
    """The subjects on the testbed (when it is up) for the run of the suites; everything
    removed at the end, whatever happened."""
    if site is None:
        yield Rerun(None)
        return
    with httpx.Client(base_url=url, timeout=60) as client:
        login = client.post("/admin/v1/tokens", json={"username": "admin", "password": password})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['id']}"
        targets = Targets(client, site, work)
        try:
            targets.prepare()
            yield Rerun(targets)
        finally:
            problems = targets.cleanup()
            for problem in problems:
                print(f"TST010 testbed cleanup: NOT removed: {problem}")
            if not problems:
                print(f"TST010 testbed cleanup: {len(targets.created)} NS instances removed")

"""Run the ETSI TST010 SOL005 Robot Framework suites against a real ``locus serve``.

Used by ``scripts/tst010`` (which prepares Robot Framework and its libraries in a venv of
their own). Each suite folder is read from ``../shared/conformance`` and copied into a
temporary directory at run time (never into the repository); only its variables are
overridden (``conformance/tst010/<suite>/variables.yaml``, a Robot variable file) and the
addresses in its request bodies replaced (``conformance/tst010/<suite>/jsons.yaml``), where
``{{name}}`` stands for a value known only at run time (the port, the token, the ids of the
resources onboarded here, the MockServer's and the package server's addresses). Every
failing test case must be listed in
``conformance/tst010/expected-failures.yaml`` with a reason; listed cases that pass are
reported so that the list can be pruned.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import io
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from . import tst010_ns

REPO = Path(__file__).resolve().parents[2]
ADAPTED = REPO / "conformance" / "tst010"
EXPECTED = ADAPTED / "expected-failures.yaml"
EXAMPLES = REPO / "examples" / "packages"
SOL005 = REPO.parent / "shared" / "conformance" / "etsi-nfv-tst010-sol005" / "SOL005"
SUITES = ("NSDManagement-API", "VNFPackageManagement-API", "NSLifecycleManagement-API")
REASONS = {
    "suite-fault": "the 2020 suite or one of its libraries is wrong (the why says how)",
    "osm-deviation": "SOL005 and OSM disagree; locus keeps OSM's behaviour (README table)",
    "optional": "an optional feature of SOL005 that locus does not implement",
    "not-implemented-yet": "issue 16 work in flight",
    "environment": "needs what the run does not have (needs: testbed - the local testbed)",
    "TODO": "new entry written by --write-expected: give it a reason",
}
# Files run last, in this order: they delete the NS instance that the others read (the
# suite's own order is alphabetical; its "Check Instance Deleted" even sends a DELETE).
RUN_LAST = {
    "NSLifecycleManagement-API": ("IndividualNSInstance", "DeleteNSInstanceWorkflow"),
    "NSDManagement-API": ("IndividualPnfDescriptor",),  # deletes the PNFD PNFDContent reads
}
PLACEHOLDER = re.compile(r"\{\{([a-zA-Z_][a-zA-Z0-9_]*)\}\}")
GZ = {"Content-Type": "application/gzip"}
YAML = {"Content-Type": "application/yaml"}
#: the subscriptions the harness makes before the suites run: API -> callback path (the one
#: the suite's own variables name) and two filters. Three an API: the paged lists need more
#: than a page of two, and the one the suites read and delete (``subscriptionId``, filter
#: a, ``?copy=1`` in its callback) leaves two that the attribute-filter tests find by their
#: callback URI. They differ from the suites' own requests, which therefore create new ones
#: (the NSD suite's has no filter, the others' name ids). The 2020 VNF package schema wants
#: a string for ``notificationTypes``, so no filter there names types.
_NSD_TYPES = ["NsdOnBoardingNotification", "NsdChangeNotification", "NsdDeletionNotification"]
_PNFD_TYPES = ["PnfdOnBoardingNotification", "PnfdDeletionNotification"]
SUBSCRIBED: dict[str, tuple[str, tuple[dict[str, Any] | None, dict[str, Any] | None]]] = {
    "nsd": (
        "/nsd/subscriptions",
        ({"notificationTypes": _NSD_TYPES + _PNFD_TYPES}, {"notificationTypes": _PNFD_TYPES}),
    ),
    "vnfpkgm": ("/vnfpkgm/subscriptions", (None, {"vnfdId": ["cloud_vnf"]})),
    "nslcm": ("/endpoint", (None, {"nsInstanceSubscriptionFilter": {"nsdIds": ["cloud_ns"]}})),
}
PNFD_NAME = "TST010-PNF"


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One test case of a suite: ``<suite folder>`` / ``<robot file stem>`` / ``<test name>``."""

    suite: str
    file: str
    name: str
    status: str  # PASS, FAIL or SKIP
    message: str = ""


def read_results(output_xml: Path, suite: str) -> list[Case]:
    """The test cases of one robot ``output.xml`` (the top suite is the copied folder)."""
    root = ET.parse(output_xml).getroot()
    cases: list[Case] = []
    for file_suite in root.iter("suite"):
        source = file_suite.get("source", "")
        if not source.endswith(".robot"):
            continue
        for test in file_suite.findall("test"):
            status = test.find("status")
            assert status is not None
            cases.append(
                Case(
                    suite=suite,
                    file=Path(source).stem,
                    name=test.get("name", ""),
                    status=status.get("status", "FAIL"),
                    message=(status.text or "").strip().splitlines()[0][:200]
                    if (status.text or "").strip()
                    else "",
                )
            )
    return cases


Expected = dict[str, dict[str, dict[str, dict[str, str]]]]  # suite -> file -> test -> entry


def load_expected(path: Path = EXPECTED) -> Expected:
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    problems = [
        f"/{suite}/{file}/{name}: reason {entry.get('reason')!r} is not one of {sorted(REASONS)}"
        for suite, files in data.items()
        for file, tests in files.items()
        for name, entry in tests.items()
        if entry.get("reason") not in REASONS
    ]
    if problems:
        raise SystemExit(f"{path}: " + "; ".join(problems))
    return data  # type: ignore[no-any-return]


def is_listed(expected: Expected, case: Case) -> bool:
    return case.name in expected.get(case.suite, {}).get(case.file, {})


@dataclass
class Verdict:
    unexpected: list[Case] = field(default_factory=list)  # failed, not listed
    now_passing: list[Case] = field(default_factory=list)  # listed, passed
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def judge(cases: list[Case], expected: Expected) -> Verdict:
    verdict = Verdict()
    for case in cases:
        tally = verdict.counts.setdefault(
            case.suite, {"total": 0, "PASS": 0, "FAIL": 0, "SKIP": 0, "expected": 0}
        )
        tally["total"] += 1
        tally[case.status] = tally.get(case.status, 0) + 1
        listed = is_listed(expected, case)
        if case.status == "FAIL":
            if listed:
                tally["expected"] += 1
            else:
                verdict.unexpected.append(case)
        elif case.status == "PASS" and listed:
            verdict.now_passing.append(case)
    return verdict


def scrub(message: str) -> str:
    """A failure message without the run's token and temporary paths."""
    message = re.sub(r"Bearer [^\s\"']+", "Bearer ***", message)
    return re.sub(r"/tmp/tst010-[^/]+/", "", message)


def rewrite_expected(cases: list[Case], old: Expected) -> Expected:
    """Every failing case, keeping the reason of those already listed (else ``TODO``)."""
    new: Expected = {}
    for case in cases:
        if case.status != "FAIL":
            continue
        entry = old.get(case.suite, {}).get(case.file, {}).get(case.name)
        if entry is None:
            entry = {"reason": "TODO", "why": scrub(case.message)}
        new.setdefault(case.suite, {}).setdefault(case.file, {})[case.name] = entry
    return new


def write_expected(data: Expected, path: Path = EXPECTED) -> None:
    header = (
        "# Test cases of the ETSI TST010 SOL005 suites that are expected to fail against\n"
        "# `locus serve` (scripts/tst010): suite folder -> robot file -> test case -> reason,\n"
        "# why. Reasons:\n"
        + "".join(f"#   {key}: {text}\n" for key, text in REASONS.items())
        + "# `needs: testbed`: listed only for runs without the local testbed; with it up the\n"
        "# case runs on an NS instance in the state it needs (tests/conformance/tst010_ns.py)\n"
        "# and must pass.\n"
        "# `scripts/tst010 --write-expected` regenerates it, keeping the reasons given.\n"
    )
    path.write_text(header + yaml.safe_dump(data, sort_keys=True, allow_unicode=True, width=100))


# -- the server and what the suites need on it -----------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: what ``locus serve`` is told for the run: two items a page (the lists hold more, so the
#: paged-response tests see a next page); notifications and the callback test may go to the
#: MockServer, ``upload_from_uri`` may fetch from the harness's package server (both on
#: 127.0.0.1, the only address allowed); a failed delivery is retried after a second
SERVE_ENV = {
    "LOCUS_PAGE_SIZE": "2",
    "LOCUS_NOTIFY_ALLOW": "127.0.0.1/32",
    "LOCUS_NOTIFY_INTERVAL": "1",
    "LOCUS_NOTIFY_TIMEOUT": "30",  # MockServer (Java) can be slow to answer on a busy machine
    "LOCUS_NOTIFY_MAX_BACKOFF": "5",
    "LOCUS_FETCH_ALLOW": "127.0.0.1/32",
}


@contextmanager
def served(work: Path, password: str, extra_env: Mapping[str, str] | None = None) -> Iterator[str]:
    """A real ``locus serve`` on a random 127.0.0.1 port with a fresh data dir."""
    port = free_port()
    env = {**os.environ, **(extra_env or {}), "LOCUS_ADMIN_PASSWORD": password, **SERVE_ENV}
    log = (work / "serve.log").open("wb")
    locus = Path(sys.executable).parent / "locus"
    command = [str(locus), "serve", "--port", str(port), "--data-dir", str(work / "data")]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"locus serve did not come up; see {work / 'serve.log'}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def variant(name: str, suffix: str, work: Path) -> Path:
    """A copy of example package ``name``: its descriptor id is ``<name>-<suffix>`` when a
    suffix is given (so that the same example can be onboarded more than once: descriptor
    ids are unique), and its software images are described in full (:func:`full_images`)."""
    target = work / "packages" / (f"{name}-{suffix}" if suffix else name)
    if not target.is_dir():
        shutil.copytree(EXAMPLES / name, target)
        for path in target.glob("*.yaml"):
            text = path.read_text()
            if suffix:
                pattern = rf"((?<![-\w])id: ){re.escape(name)}\b"  # not vnfd-id: ...
                text = re.sub(pattern, rf"\g<1>{name}-{suffix}", text)
            path.write_text(full_images(target, text))
    return target


def full_images(folder: Path, text: str) -> str:
    """A descriptor whose ``sw-image-desc`` entries are images of the package (a small file
    written into ``folder``), with a version and a minimal disk: the members SOL005 needs in
    ``softwareImages`` (the 2020 suite's schema also wants ``imagePath``). The examples are
    OSM packages naming a VIM image only; the server leaves such images out of
    ``softwareImages`` rather than make values up, and the selector tests need one."""
    document = yaml.safe_load(text)
    vnfd = document.get("vnfd") if isinstance(document, dict) else None
    if not isinstance(vnfd, dict) or not vnfd.get("sw-image-desc"):
        return text
    for image in vnfd["sw-image-desc"]:
        path = f"Images/{image['id']}.qcow2"
        (folder / "Images").mkdir(exist_ok=True)
        (folder / path).write_bytes(b"QFI\xfb" + image["id"].encode() * 64)
        image.update({"image": path, "version": image.get("version", "1.0")})
        image.setdefault("min-disk", 10)
    return yaml.safe_dump(document, sort_keys=False)


def pnfd_yaml(suffix: str) -> bytes:
    """A PNF descriptor (SOL006 ``pnfd``) whose id ends in ``suffix`` (ids are unique)."""
    return (
        f"pnfd:\n  id: tst010-pnf-{suffix}\n  name: {PNFD_NAME}\n  provider: TST010\n"
        "  version: '1.0'\n  ext-cpd:\n    - id: wan\n      layer-protocol: [ethernet]\n"
    ).encode()


def _archive(folder: Path) -> bytes:
    from locus_iac.packages import archive_bytes, read_package

    return archive_bytes(read_package(folder))


class Onboarder:
    """Creates, through the API, the resources whose ids the variable files name."""

    def __init__(self, url: str, password: str, work: Path) -> None:
        self.work = work
        self.client = httpx.Client(base_url=url, timeout=60)
        login = self.client.post(
            "/admin/v1/tokens", json={"username": "admin", "password": password}
        )
        login.raise_for_status()
        self.token = str(login.json()["id"])
        self.client.headers["Authorization"] = f"Bearer {self.token}"

    def _ok(self, response: httpx.Response, *codes: int) -> dict[str, Any]:
        if response.status_code not in codes:
            raise SystemExit(
                f"{response.request.method} {response.request.url}: "
                f"{response.status_code} {response.text[:500]}"
            )
        return response.json() if response.content else {}

    def package(
        self,
        api: str,
        name: str | None,
        suffix: str = "",
        disable: bool = False,
        zipped: bool = False,
    ) -> str:
        """A VNF package or NSD: created, with example ``name``'s content uploaded when given
        (as a variant with another descriptor id when ``suffix`` is given; as a zip rather
        than a tar.gz when ``zipped``)."""
        base, collection, content = {
            "vnf": ("/vnfpkgm/v1", "vnf_packages", "package_content"),
            "nsd": ("/nsd/v1", "ns_descriptors", "nsd_content"),
        }[api]
        created = self._ok(self.client.post(f"{base}/{collection}", json={}), 201)
        ident = str(created["id"])
        if name is not None:
            url = f"{base}/{collection}/{ident}/{content}"
            folder = variant(name, suffix, self.work)
            if zipped:
                body, headers = _zip(folder), {"Content-Type": "application/zip"}
            else:
                body, headers = _archive(folder), GZ
            self._ok(self.client.put(url, content=body, headers=headers), 201, 204)
        if disable:
            key = "operationalState" if api == "vnf" else "nsdOperationalState"
            patch = {key: "DISABLED"}
            self._ok(self.client.patch(f"{base}/{collection}/{ident}", json=patch), 200)
        return ident

    def pnfd(self, suffix: str | None) -> str:
        """A PNFD: created, with ``pnfd_yaml(suffix)`` onboarded when ``suffix`` is given."""
        created = self._ok(self.client.post("/nsd/v1/pnf_descriptors", json={}), 201)
        ident = str(created["id"])
        if suffix is not None:
            url = f"/nsd/v1/pnf_descriptors/{ident}/pnfd_content"
            self._ok(self.client.put(url, content=pnfd_yaml(suffix), headers=YAML), 201, 204)
        return ident

    def subscription(self, api: str, callback: str, flt: dict[str, Any] | None) -> str:
        """A subscription of ``api`` whose callback is the MockServer (the server's callback
        test is answered by the expectation :func:`answer_callbacks` sets)."""
        body: dict[str, Any] = {"callbackUri": callback}
        if flt is not None:
            body["filter"] = flt
        created = self.client.post(f"/{api}/v1/subscriptions", json=body)
        return str(self._ok(created, 201)["id"])

    def subscriptions(self, callback_port: int) -> dict[str, str]:
        """Three subscriptions an API (:data:`SUBSCRIBED`); the sacrificial one's id by API."""
        ids: dict[str, str] = {}
        for api, (path, (first, second)) in SUBSCRIBED.items():
            callback = f"http://127.0.0.1:{callback_port}{path}"
            ids[f"{api}_subscription"] = self.subscription(api, f"{callback}?copy=1", first)
            self.subscription(api, callback, first)
            self.subscription(api, callback, second)
        return ids

    def ns_instance(self, nsd_id: str, name: str) -> str:
        body = {"nsdId": nsd_id, "nsName": name, "nsDescription": "TST010"}
        return str(self._ok(self.client.post("/nslcm/v1/ns_instances", json=body), 201)["id"])

    def operation(self, ns_id: str) -> str:
        """An NS lifecycle operation occurrence (an instantiation; it may well fail: no VIM)."""
        started = self.client.post(f"/nslcm/v1/ns_instances/{ns_id}/instantiate", json={})
        return str(self._ok(started, 202)["nsLcmOpOccId"])

    def values(self, url: str, callback_port: int) -> dict[str, str]:
        """Everything the adapted variable files refer to as ``{{name}}``."""
        port = url.rsplit(":", 1)[1]
        subscriptions = self.subscriptions(callback_port)  # first: they see what follows
        # the suites delete the ENABLED one (OSM allows it): the others are variants
        vnf = self.package("vnf", "cloud_vnf", zipped=True)  # a CSAR-like zip, as SOL005
        other_vnf = self.package("vnf", "cloud_vnf", suffix="b")
        self.package("vnf", "edge_knf")
        poi_vnf = self.package("vnf", "poi_knf", disable=True)
        nsd = self.package("nsd", "cloud_ns")
        other_nsd = self.package("nsd", "cloud_ns", suffix="b")
        disabled_nsd = self.package("nsd", "edge_ns", disable=True)
        nsd_info = self._ok(self.client.get(f"/nsd/v1/ns_descriptors/{nsd}"), 200)
        nsd_descriptor_id = str(nsd_info["nsdId"])
        vnf_info = self._ok(self.client.get(f"/vnfpkgm/v1/vnf_packages/{vnf}"), 200)
        artifacts = vnf_info.get("additionalArtifacts") or [{"artifactPath": "none"}]
        ns = self.ns_instance(nsd_descriptor_id, "tst010")
        other_ns = self.ns_instance(nsd_descriptor_id, "tst010-op")
        for name in ("tst010-page-1", "tst010-page-2"):  # the paged lists: more than two
            self.operation(self.ns_instance(nsd_descriptor_id, name))
        pnfds = {
            "pnfd_onboarded": self.pnfd("a"),  # the suite deletes it
            "pnfd_onboarded_2": self.pnfd("b"),
            "pnfd_created": self.pnfd(None),
        }
        self.pnfd("c")  # a third: the paged list has two a page
        return {
            **subscriptions,
            **pnfds,
            "pnfd_name": PNFD_NAME,
            "vnf_pkg_via_uri": self.package("vnf", None),
            "vnf_pkg_zip": self.package("vnf", "cloud_vnf", suffix="z", zipped=True),
            "host": "127.0.0.1",
            "port": port,
            "token": self.token,
            "vnf_pkg_onboarded": vnf,
            "vnf_pkg_onboarded_2": other_vnf,
            "vnf_pkg_disabled": poi_vnf,
            "vnf_pkg_created": self.package("vnf", None),
            "vnf_pkg_created_2": self.package("vnf", None),
            "nsd_onboarded": nsd,
            "nsd_onboarded_2": other_nsd,
            "nsd_disabled": disabled_nsd,
            "nsd_created": self.package("nsd", None),
            "nsd_created_2": self.package("nsd", None),
            "nsd_descriptor_id": nsd_descriptor_id,
            "nsd_name": str(nsd_info.get("nsdName", "")),
            "vnfd_id": str(vnf_info.get("vnfdId", "")),
            "vnf_provider": str(vnf_info.get("vnfProvider", "")),
            "vnf_artifact_path": str(artifacts[0]["artifactPath"]),
            "ns_instance": ns,
            "ns_instance_busy": other_ns,
            "ns_lcm_op_occ": self.operation(other_ns),
        }


# -- running the suites ----------------------------------------------------------------------


def render(text: str, values: Mapping[str, str], source: Path) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise SystemExit(f"{source}: {{{{{name}}}}} is not a value the harness knows")
        return values[name]

    return PLACEHOLDER.sub(value, text)


def _zip(folder: Path) -> bytes:
    """An example package as a zip (what the suites upload as ``application/zip``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder.parent).as_posix())
    return buffer.getvalue()


def write_inputs(work: Path) -> dict[str, str]:
    """Files the suites upload: variants of the examples not onboarded yet (the package that
    ``upload_from_uri`` fetches lies in the folder :func:`package_server` serves)."""
    inputs = work / "inputs"
    inputs.mkdir(exist_ok=True)
    (inputs / "vnf-uri.zip").write_bytes(_zip(variant("edge_knf", "u", work)))
    (inputs / "pnfd.yaml").write_bytes(pnfd_yaml("d"))
    (inputs / "nsd.zip").write_bytes(_zip(variant("cloud_ns", "c", work)))
    shutil.copy(variant("cloud_ns", "d", work) / "cloud_nsd.yaml", inputs / "nsd.yaml")
    (inputs / "vnf.zip").write_bytes(_zip(variant("poi_knf", "c", work)))
    return {
        "nsd_content_zip": str(inputs / "nsd.zip"),
        "nsd_content_plain": str(inputs / "nsd.yaml"),
        "vnf_content_zip": str(inputs / "vnf.zip"),
        "pnfd_content_plain": str(inputs / "pnfd.yaml"),
    }


@contextmanager
def package_server(work: Path) -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 serving ``work/inputs``: the source of the suite's
    ``upload_from_uri`` (the server is told to allow 127.0.0.1, :data:`SERVE_ENV`)."""
    folder = work / "inputs"
    folder.mkdir(exist_ok=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def pointer_set(document: Any, pointer: str, value: str, source: str) -> None:
    """Replace the value at JSON pointer ``pointer`` (it must exist) of ``document``."""
    *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    node = document
    try:
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key: Any = int(last) if isinstance(node, list) else last
        node[key]  # only a value that is there is replaced
    except (KeyError, IndexError, ValueError, TypeError):
        raise SystemExit(f"{source}: {pointer} is not in the suite's file") from None
    node[key] = value


def adapt_jsons(suite: str, target: Path, values: Mapping[str, str]) -> None:
    """The suite's request bodies (``jsons/``) with the values that name this run's
    addresses (``conformance/tst010/<suite>/jsons.yaml``: file -> JSON pointer -> value)."""
    adapted = ADAPTED / suite / "jsons.yaml"
    if not adapted.is_file():
        return
    for name, pointers in (yaml.safe_load(adapted.read_text()) or {}).items():
        path = target / name
        document = json.loads(path.read_text(encoding="utf-8"))
        for pointer, template in pointers.items():
            value = render(str(template), values, adapted)
            pointer_set(document, pointer, value, f"{adapted} /{name}")
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def prepare_suite(suite: str, work: Path, values: Mapping[str, str], source: Path) -> Path:
    """The suite copied into ``work`` (never into the repository), its adapted variable file
    rendered beside it, and the package its keywords read from ``files/`` (a path they fix)."""
    target = work / suite
    shutil.copytree(source / suite, target)
    adapted = ADAPTED / suite / "variables.yaml"
    (work / f"{suite}.yaml").write_text(render(adapted.read_text(), values, adapted))
    files = target / "files"
    files.mkdir(exist_ok=True)
    shutil.copy(values["vnf_content_zip"], files / "vnfPackage.zip")
    adapt_jsons(suite, target, values)
    return target


def ordered_files(folder: Path) -> list[str]:
    """The suite's robot files that hold test cases, those of ``RUN_LAST`` at the end."""
    last = RUN_LAST.get(folder.name, ())
    files = [
        path.stem
        for path in sorted(folder.glob("*.robot"))
        if "*** Test Cases ***" in path.read_text(encoding="utf-8", errors="replace")
    ]
    ordered = [stem for stem in files if stem not in last] + [s for s in last if s in files]
    return [f"{stem}.robot" for stem in ordered]


@contextmanager
def mockserver(jar: Path, port: int, work: Path) -> Iterator[None]:
    """MockServer on ``port``: the callback endpoint that the suites program and verify (the
    NS lifecycle suite expects it running; the NSD suite's own start then finds it there)."""
    log = (work / "mockserver.log").open("wb")
    process = subprocess.Popen(
        ["java", "-jar", str(jar), "-serverPort", str(port)],
        stdout=log,
        stderr=log,
        cwd=work,  # it writes its CA certificate into the working directory
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.put(f"http://127.0.0.1:{port}/mockserver/status", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    message = f"MockServer did not come up; see {work}/mockserver.log"
                    raise SystemExit(message) from None
                time.sleep(0.5)
        answer_callbacks(port)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def answer_callbacks(port: int) -> None:
    """MockServer answers what the suites do not program: ``204`` to the server's callback
    test (``GET callbackUri`` when a subscription is created; the suites program it only
    after their POST) and to every notification (``POST``), below the suites' own
    expectations (priority -10), so that deliveries are not retried for ever."""
    for method in ("GET", "POST"):
        expectation = {
            "httpRequest": {"method": method},
            "httpResponse": {"statusCode": 204},
            "priority": -10,
            "times": {"unlimited": True},
        }
        url = f"http://127.0.0.1:{port}/mockserver/expectation"
        answer = httpx.put(url, json=expectation, timeout=60)  # its first answers are slow
        if answer.status_code >= 300:
            raise SystemExit(f"MockServer refused an expectation: {answer.text[:300]}")


def received_notifications(port: int) -> dict[str, int]:
    """How many notifications of each type MockServer still holds (the suites clear some)."""
    answer = httpx.put(
        f"http://127.0.0.1:{port}/mockserver/retrieve?type=REQUESTS&format=JSON",
        json={"method": "POST"},
        timeout=60,
    )
    counts: dict[str, int] = {}
    for request in answer.json() if answer.status_code == 200 else []:
        body = request.get("body")
        if isinstance(body, dict):
            body = body.get("json", body.get("string"))
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except ValueError:
                body = None
        kind = body.get("notificationType", "?") if isinstance(body, dict) else "?"
        counts[str(kind)] = counts.get(str(kind), 0) + 1
    return counts


def run_suite(robot: Path, folder: Path, out: Path, extra: list[str]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    command = [
        str(robot),
        "--outputdir",
        str(out),
        "--variablefile",
        str(folder.parent / f"{folder.name}.yaml"),
        "--console",
        "dotted",
        "--name",
        folder.name,
        *extra,
        *ordered_files(folder),
    ]
    with (out / "console.txt").open("wb") as console:  # RESTinstance prints every body
        subprocess.run(command, cwd=folder, stdout=console, stderr=subprocess.STDOUT, check=False)
    return out / "output.xml"


def report(verdict: Verdict, strict: bool) -> int:
    for suite, tally in verdict.counts.items():
        print(
            f"TST010 {suite}: {tally['PASS']}/{tally['total']} pass, "
            f"{tally['FAIL']} fail ({tally['expected']} listed), {tally['SKIP']} skip"
        )
    for case in verdict.now_passing:
        print(f"PASSES NOW, prune from the list: {case.suite} / {case.file} / {case.name}")
    for case in verdict.unexpected:
        print(f"UNEXPECTED FAILURE: {case.suite} / {case.file} / {case.name}: {case.message}")
    if verdict.unexpected:
        return 1
    return 1 if strict and verdict.now_passing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--robot", type=Path, required=True, help="robot of the TST010 venv")
    parser.add_argument("--suite", action="append", choices=SUITES, help="default: all three")
    parser.add_argument("--outdir", type=Path, help="keep robot's logs here")
    parser.add_argument("--write-expected", action="store_true", help="regenerate the list")
    parser.add_argument("--strict", action="store_true", help="listed cases that pass fail")
    parser.add_argument("--sol005", type=Path, default=SOL005, help="the TST010 SOL005 folder")
    parser.add_argument("--mockserver-jar", type=Path, required=True, help="for the callbacks")
    parser.add_argument("robot_args", nargs="*", help="passed to robot (after --)")
    args = parser.parse_args(argv)
    if not args.sol005.is_dir():
        raise SystemExit(f"conformance material absent: {args.sol005}")
    suites = args.suite or list(SUITES)
    site = tst010_ns.testbed_or_none(suites)  # the NS cases that need an instantiated NS
    password = secrets.token_urlsafe(16)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tst010-") as temp:
        work = Path(temp)
        outdir = args.outdir or work / "out"
        cases: list[Case] = []
        callback_port = free_port()
        with (
            served(work, password, tst010_ns.serve_env(site, work)) as url,
            mockserver(args.mockserver_jar, callback_port, work),
            package_server(work) as files_url,
        ):
            values = {  # first: the suites read the first items of the lists
                **Onboarder(url, password, work).values(url, callback_port),
                **write_inputs(work),
                "mockserver_jar": str(args.mockserver_jar),
                "callback_port": str(callback_port),
                "package_uri": f"{files_url}/vnf-uri.zip",
            }
            with tst010_ns.on_testbed(site, url, password, work) as rerun:
                for suite in suites:
                    folder = prepare_suite(suite, work, values, args.sol005)
                    output = run_suite(args.robot, folder, outdir / suite, args.robot_args)
                    cases += rerun(
                        read_results(output, suite), suite, folder, args.robot, outdir / suite
                    )
            print(f"TST010 notifications MockServer holds: {received_notifications(callback_port)}")
        if args.outdir:
            for log in ("serve.log", "mockserver.log"):
                shutil.copy(work / log, outdir / log)
    old = load_expected()
    if args.write_expected:
        kept = {s: v for s, v in old.items() if s not in suites}
        write_expected({**kept, **rewrite_expected(cases, old)})
        print(f"wrote {EXPECTED}")
    verdict = judge(cases, tst010_ns.applicable(load_expected(), site is not None))
    print(f"TST010 wall time: {time.monotonic() - started:.0f} s")
    return report(verdict, args.strict)


if __name__ == "__main__":
    sys.exit(main())

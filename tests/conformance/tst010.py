"""Run the ETSI TST010 SOL005 Robot Framework suites against a real ``locus serve``.

Used by ``scripts/tst010`` (which prepares Robot Framework and its libraries in a venv of
their own). Each suite folder is read from ``../shared/conformance`` and copied into a
temporary directory at run time (never into the repository); only its ``environment/*.txt``
variable files are replaced by the adapted ones of ``conformance/tst010/<suite>/environment``,
where ``{{name}}`` stands for a value known only at run time (the port, the token, the ids of
the resources onboarded here). Every failing test case must be listed in
``conformance/tst010/expected-failures.yaml`` with a reason; listed cases that pass are
reported so that the list can be pruned.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
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
RUN_LAST = {"NSLifecycleManagement-API": ("IndividualNSInstance", "DeleteNSInstanceWorkflow")}
PLACEHOLDER = re.compile(r"\{\{([a-zA-Z_][a-zA-Z0-9_]*)\}\}")
GZ = {"Content-Type": "application/gzip"}


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


@contextmanager
def served(work: Path, password: str, extra_env: Mapping[str, str] | None = None) -> Iterator[str]:
    """A real ``locus serve`` on a random 127.0.0.1 port with a fresh data dir."""
    port = free_port()
    # two items a page: the lists hold more, so the paged-response tests see a next page
    env = {**os.environ, **(extra_env or {}), "LOCUS_ADMIN_PASSWORD": password}
    env["LOCUS_PAGE_SIZE"] = "2"
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
    """A copy of example package ``name`` whose descriptor id is ``<name>-<suffix>``, so that
    the same example can be onboarded more than once (descriptor ids are unique)."""
    target = work / "packages" / f"{name}-{suffix}"
    if not target.is_dir():
        shutil.copytree(EXAMPLES / name, target)
        for path in target.glob("*.yaml"):
            text = path.read_text()
            pattern = rf"((?<![-\w])id: ){re.escape(name)}\b"  # not vnfd-id: ...
            renamed = re.sub(pattern, rf"\g<1>{name}-{suffix}", text)
            path.write_text(renamed)
    return target


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

    def package(self, api: str, name: str | None, suffix: str = "", disable: bool = False) -> str:
        """A VNF package or NSD: created, with example ``name``'s content uploaded when given
        (as a variant with another descriptor id when ``suffix`` is given)."""
        base, collection, content = {
            "vnf": ("/vnfpkgm/v1", "vnf_packages", "package_content"),
            "nsd": ("/nsd/v1", "ns_descriptors", "nsd_content"),
        }[api]
        created = self._ok(self.client.post(f"{base}/{collection}", json={}), 201)
        ident = str(created["id"])
        if name is not None:
            url = f"{base}/{collection}/{ident}/{content}"
            folder = variant(name, suffix, self.work) if suffix else EXAMPLES / name
            self._ok(self.client.put(url, content=_archive(folder), headers=GZ), 201, 204)
        if disable:
            key = "operationalState" if api == "vnf" else "nsdOperationalState"
            patch = {key: "DISABLED"}
            self._ok(self.client.patch(f"{base}/{collection}/{ident}", json=patch), 200)
        return ident

    def ns_instance(self, nsd_id: str, name: str) -> str:
        body = {"nsdId": nsd_id, "nsName": name, "nsDescription": "TST010"}
        return str(self._ok(self.client.post("/nslcm/v1/ns_instances", json=body), 201)["id"])

    def operation(self, ns_id: str) -> str:
        """An NS lifecycle operation occurrence (an instantiation; it may well fail: no VIM)."""
        started = self.client.post(f"/nslcm/v1/ns_instances/{ns_id}/instantiate", json={})
        return str(self._ok(started, 202)["nsLcmOpOccId"])

    def values(self, url: str) -> dict[str, str]:
        """Everything the adapted variable files refer to as ``{{name}}``."""
        port = url.rsplit(":", 1)[1]
        # the suites delete the ENABLED one (OSM allows it): the others are variants
        vnf = self.package("vnf", "cloud_vnf")
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
        return {
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
    """Files the suites upload: variants of the examples not onboarded yet."""
    inputs = work / "inputs"
    inputs.mkdir()
    (inputs / "nsd.zip").write_bytes(_zip(variant("cloud_ns", "c", work)))
    shutil.copy(variant("cloud_ns", "d", work) / "cloud_nsd.yaml", inputs / "nsd.yaml")
    (inputs / "vnf.zip").write_bytes(_zip(variant("poi_knf", "c", work)))
    return {
        "nsd_content_zip": str(inputs / "nsd.zip"),
        "nsd_content_plain": str(inputs / "nsd.yaml"),
        "vnf_content_zip": str(inputs / "vnf.zip"),
    }


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
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


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
            tst010_ns.on_testbed(site, url, password, work) as rerun,
        ):
            values = {
                **Onboarder(url, password, work).values(url),
                **write_inputs(work),
                "mockserver_jar": str(args.mockserver_jar),
                "callback_port": str(callback_port),
            }
            for suite in suites:
                folder = prepare_suite(suite, work, values, args.sol005)
                output = run_suite(args.robot, folder, outdir / suite, args.robot_args)
                cases += rerun(
                    read_results(output, suite), suite, folder, args.robot, outdir / suite
                )
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

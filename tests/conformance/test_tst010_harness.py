"""The TST010 harness's own logic: results, the expected-failures list, the variable files.

The run itself (Robot Framework against ``locus serve``) is ``scripts/tst010``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
import yaml

from .tst010 import (
    ADAPTED,
    EXPECTED,
    REASONS,
    SOL005,
    SUITES,
    Case,
    Verdict,
    adapt_jsons,
    judge,
    load_expected,
    ordered_files,
    package_server,
    pointer_set,
    read_results,
    render,
    report,
    rewrite_expected,
    scrub,
    variant,
    write_expected,
)

OUTPUT = """<?xml version="1.0" encoding="UTF-8"?>
<robot generator="Robot 7.5">
<suite id="s1" name="NSDManagement-API" source="/tmp/x/NSDManagement-API">
<suite id="s1-s1" name="NSDescriptors" source="/tmp/x/NSDManagement-API/NSDescriptors.robot">
<test id="s1-s1-t1" name="Listed and failing"><status status="FAIL">404 != 200
more</status></test>
<test id="s1-s1-t2" name="Listed and passing"><status status="PASS"></status></test>
<test id="s1-s1-t3" name="New failure"><status status="FAIL">Bearer abc.def failed</status></test>
<test id="s1-s1-t4" name="Skipped"><status status="SKIP">not run</status></test>
</suite>
</suite>
</robot>
"""


@pytest.fixture
def cases(tmp_path: Path) -> list[Case]:
    path = tmp_path / "output.xml"
    path.write_text(OUTPUT)
    return read_results(path, "NSDManagement-API")


LISTED = {
    "NSDManagement-API": {
        "NSDescriptors": {
            "Listed and failing": {"reason": "suite-fault", "why": "a"},
            "Listed and passing": {"reason": "osm-deviation", "why": "b"},
        }
    }
}


def test_results_are_read_per_robot_file(cases: list[Case]) -> None:
    assert [(c.file, c.name, c.status) for c in cases] == [
        ("NSDescriptors", "Listed and failing", "FAIL"),
        ("NSDescriptors", "Listed and passing", "PASS"),
        ("NSDescriptors", "New failure", "FAIL"),
        ("NSDescriptors", "Skipped", "SKIP"),
    ]
    assert cases[0].message == "404 != 200"


def test_unlisted_failures_fail_and_listed_passes_are_reported(
    cases: list[Case], capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = judge(cases, LISTED)
    assert [c.name for c in verdict.unexpected] == ["New failure"]
    assert [c.name for c in verdict.now_passing] == ["Listed and passing"]
    assert verdict.counts["NSDManagement-API"] == {
        "total": 4,
        "PASS": 1,
        "FAIL": 2,
        "SKIP": 1,
        "expected": 1,
    }
    assert report(verdict, strict=False) == 1
    out = capsys.readouterr().out
    assert "UNEXPECTED FAILURE: NSDManagement-API / NSDescriptors / New failure" in out
    assert "PASSES NOW, prune from the list" in out
    assert "TST010 NSDManagement-API: 1/4 pass" in out


def test_listed_passes_fail_only_with_strict() -> None:
    verdict = Verdict(now_passing=[Case("s", "f", "n", "PASS")])
    assert report(verdict, strict=False) == 0
    assert report(verdict, strict=True) == 1


def test_rewrite_keeps_reasons_marks_new_todo_and_drops_passes(
    cases: list[Case], tmp_path: Path
) -> None:
    new = rewrite_expected(cases, LISTED)
    tests = new["NSDManagement-API"]["NSDescriptors"]
    assert tests["Listed and failing"] == {"reason": "suite-fault", "why": "a"}
    assert tests["New failure"] == {"reason": "TODO", "why": "Bearer *** failed"}
    assert "Listed and passing" not in tests
    path = tmp_path / "expected.yaml"
    write_expected(new, path)
    assert load_expected(path) == new


def test_a_reason_outside_the_categories_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "expected.yaml"
    path.write_text(yaml.safe_dump({"S": {"F": {"T": {"reason": "because", "why": ""}}}}))
    with pytest.raises(SystemExit, match="/S/F/T: reason 'because'"):
        load_expected(path)


def test_scrub_hides_tokens_and_temporary_paths() -> None:
    message = "No such file '/tmp/tst010-ab12/NSD/files/x.zip' with Bearer eyJ.a-b_c"
    assert scrub(message) == "No such file 'NSD/files/x.zip' with Bearer ***"


def test_render_fills_placeholders_and_refuses_unknown_ones(tmp_path: Path) -> None:
    assert render('A: "{{port}}"', {"port": "8"}, tmp_path) == 'A: "8"'
    with pytest.raises(SystemExit, match="nope"):
        render("{{nope}}", {}, tmp_path)


def test_destructive_files_run_last(tmp_path: Path) -> None:
    folder = tmp_path / "NSLifecycleManagement-API"
    folder.mkdir()
    for stem in ("DeleteNSInstanceWorkflow", "IndividualNSInstance", "Zeta", "Alpha"):
        (folder / f"{stem}.robot").write_text("*** Test Cases ***\nT\n    No Operation\n")
    (folder / "Keywords.robot").write_text("*** Keywords ***\nK\n    No Operation\n")
    assert ordered_files(folder) == [
        "Alpha.robot",
        "Zeta.robot",
        "IndividualNSInstance.robot",
        "DeleteNSInstanceWorkflow.robot",
    ]


def test_variant_renames_the_descriptor_id_not_references(tmp_path: Path) -> None:
    folder = variant("cloud_ns", "b", tmp_path)
    text = (folder / "cloud_nsd.yaml").read_text()
    assert "id: cloud_ns-b" in text
    assert "id: cloud_ns\n" not in text
    assert "vnfd-id:" in text and "cloud_vnf" in text  # its VNFD reference is kept


def test_the_repository_files_are_consistent() -> None:
    """Every adapted variable file names only values the harness provides, and every entry
    of the list has a known reason (the run would refuse both)."""
    known = {
        "host", "port", "token", "mockserver_jar", "callback_port", "vnf_pkg_onboarded",
        "vnf_pkg_onboarded_2", "vnf_pkg_disabled", "vnf_pkg_created", "vnf_pkg_created_2",
        "nsd_onboarded", "nsd_onboarded_2", "nsd_disabled", "nsd_created", "nsd_created_2",
        "nsd_descriptor_id", "nsd_name", "vnfd_id", "vnf_provider", "vnf_artifact_path",
        "ns_instance", "ns_instance_busy", "ns_lcm_op_occ", "nsd_content_zip",
        "nsd_content_plain", "vnf_content_zip", "nsd_subscription", "vnfpkgm_subscription",
        "nslcm_subscription", "pnfd_onboarded", "pnfd_onboarded_2", "pnfd_created", "pnfd_name",
        "vnf_pkg_via_uri", "vnf_pkg_zip", "pnfd_content_plain", "package_uri",
    }  # fmt: skip
    for suite in SUITES:
        for name in ("variables.yaml", "jsons.yaml"):
            path = ADAPTED / suite / name
            rendered = render(path.read_text(), dict.fromkeys(known, "x"), path)
            assert isinstance(yaml.safe_load(rendered), dict)
    listed = load_expected(EXPECTED)
    assert set(listed) <= set(SUITES)
    reasons = {e["reason"] for files in listed.values() for t in files.values() for e in t.values()}
    assert reasons <= set(REASONS) - {"TODO"}


def test_pointer_set_replaces_only_what_is_there() -> None:
    document = {"callbackUri": "http://172.22.1.7:9091/x", "filter": {"ids": ["a", "b"]}}
    pointer_set(document, "/filter/ids/1", "c", "f")
    pointer_set(document, "/callbackUri", "http://127.0.0.1:1/x", "f")
    assert document == {"callbackUri": "http://127.0.0.1:1/x", "filter": {"ids": ["a", "c"]}}
    with pytest.raises(SystemExit, match="/callbackURI is not in"):
        pointer_set(document, "/callbackURI", "y", "f")


@pytest.mark.skipif(not SOL005.is_dir(), reason="the TST010 conformance material is absent")
def test_the_suites_request_bodies_are_adapted(tmp_path: Path) -> None:
    """Every pointer of the jsons.yaml files names a value of the suite's own file."""
    values = {"callback_port": "4321", "package_uri": "http://127.0.0.1:99/p.zip"}
    for suite in SUITES:
        target = tmp_path / suite
        shutil.copytree(SOL005 / suite / "jsons", target / "jsons")
        adapt_jsons(suite, target, values)
    nsd = json.loads((tmp_path / SUITES[0] / "jsons" / "subscriptions.json").read_text())
    assert nsd["callbackUri"] == "http://127.0.0.1:4321/nsd/subscriptions"
    uri = tmp_path / "VNFPackageManagement-API" / "jsons" / "UploadVnfPkgFromUriRequest.json"
    assert json.loads(uri.read_text())["addressInformation"] == values["package_uri"]


def test_variant_describes_the_software_images_in_full(tmp_path: Path) -> None:
    folder = variant("cloud_vnf", "", tmp_path)
    vnfd = yaml.safe_load((folder / "cloud_vnfd.yaml").read_text())["vnfd"]
    assert vnfd["id"] == "cloud_vnf"  # no suffix: the id the example NSDs reference
    for image in vnfd["sw-image-desc"]:
        assert (folder / image["image"]).is_file()
        assert image["version"] and image["min-disk"] > 0


def test_the_package_server_serves_the_inputs(tmp_path: Path) -> None:
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "p.zip").write_bytes(b"PK")
    with package_server(tmp_path) as url:
        assert httpx.get(f"{url}/p.zip").content == b"PK"
        assert httpx.get(f"{url}/absent.zip").status_code == 404

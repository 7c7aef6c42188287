"""The TST010 harness's NS lifecycle part on the local testbed (tests/conformance/tst010_ns.py):
what applies without the testbed, the subjects' packages, the cleanup's order of steps.

The run on the testbed itself is ``scripts/tst010 --suite NSLifecycleManagement-API``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from locus_iac.packages import read_package

from .tst010 import EXPECTED, Case, judge, load_expected
from .tst010_ns import (
    FAILING_DAY1,
    SUITE,
    TESTBED_CASES,
    Rerun,
    Targets,
    applicable,
    edge_variant,
    find_testbed,
    serve_env,
)

LISTED: dict[str, Any] = {
    SUITE: {
        "HealNSTask": {
            "POST Heal a NSInstance": {"reason": "environment", "why": "a", "needs": "testbed"},
            "POST Heal a NSInstance Conflict": {"reason": "suite-fault", "why": "b"},
        }
    }
}


def test_needs_testbed_entries_apply_only_without_the_testbed() -> None:
    failed = [
        Case(SUITE, "HealNSTask", "POST Heal a NSInstance", "FAIL"),
        Case(SUITE, "HealNSTask", "POST Heal a NSInstance Conflict", "FAIL"),
    ]
    without = judge(failed, applicable(LISTED, testbed_up=False))
    assert without.unexpected == []
    with_testbed = judge(failed, applicable(LISTED, testbed_up=True))
    assert [c.name for c in with_testbed.unexpected] == ["POST Heal a NSInstance"]
    passed = [Case(SUITE, "HealNSTask", "POST Heal a NSInstance", "PASS")]
    assert judge(passed, applicable(LISTED, testbed_up=True)).now_passing == []
    assert len(judge(passed, applicable(LISTED, testbed_up=False)).now_passing) == 1


def test_an_unknown_needs_is_refused() -> None:
    bad = {SUITE: {"F": {"T": {"reason": "environment", "why": "", "needs": "openstack"}}}}
    with pytest.raises(SystemExit, match="/NSLifecycleManagement-API/F/T/needs: 'openstack'"):
        applicable(bad, testbed_up=False)


def test_the_testbed_cases_are_listed_and_exist_in_the_list_format() -> None:
    """Every case run on the testbed is in the expected list (it fails without the testbed),
    and the repository's list passes the ``needs`` check."""
    listed = applicable(load_expected(EXPECTED), testbed_up=False)
    for file, name in TESTBED_CASES:
        assert name in listed[SUITE][file], (file, name)


def test_edge_variants_have_ids_of_their_own_and_the_failing_one_fails_day1(
    tmp_path: Path,
) -> None:
    knf, nsd = edge_variant(tmp_path, "f", failing=True)
    vnfd = read_package(knf).descriptor
    ns = read_package(nsd).descriptor
    assert vnfd.id == "edge_knf-f"
    assert ns.id == "edge_ns-f"
    text = (nsd / "edge_nsd.yaml").read_text()
    assert "vnfd-id: edge_knf-f" in text and "- edge_knf-f" in text
    playbook = (knf / "ansible" / "edge-config" / "mark-configured.yml").read_text()
    assert playbook == FAILING_DAY1
    assert yaml.safe_load(playbook)[0]["tasks"][0]["ansible.builtin.fail"]
    good, _ = edge_variant(tmp_path, "t", failing=False)
    assert (
        "ansible.builtin.fail" not in (good / "ansible/edge-config/mark-configured.yml").read_text()
    )


def test_no_testbed_is_a_lookup_error_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match=r"site\.yaml missing"):
        find_testbed(tmp_path, tmp_path)
    (tmp_path / "site.yaml").write_text("name: local\n")
    with pytest.raises(LookupError, match="not a testbed site record"):
        find_testbed(tmp_path, tmp_path)


def test_without_the_testbed_nothing_changes(tmp_path: Path) -> None:
    assert serve_env(None, tmp_path) == {}
    cases = [Case(SUITE, "HealNSTask", "POST Heal a NSInstance", "FAIL")]
    assert Rerun(None)(cases, SUITE, tmp_path, tmp_path / "robot", tmp_path) == cases


class FakeNbi:
    """An NBI double: NS instance ``n`` created by the harness and ``s`` by a suite (two
    pages of one), each in ``ns_state`` with operation ``o`` in ``op_state``; records calls."""

    def __init__(self, ns_state: str, op_state: str) -> None:
        self.ns_state = ns_state
        self.op_state = op_state
        self.calls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        call = f"{request.method} {request.url.path}"
        self.calls.append(call)
        if call == "GET /nslcm/v1/ns_instances":
            if request.url.params.get("nextpage_opaque_marker") == "2":
                return httpx.Response(200, json=[{"id": "s"}])
            link = '<http://nbi/nslcm/v1/ns_instances?nextpage_opaque_marker=2>; rel="next"'
            return httpx.Response(200, json=[{"id": "n"}], headers={"Link": link})
        name = request.url.path.split("/")[4] if call.count("/") >= 4 else ""
        ns: dict[str, str | None] = {"id": name, "nsState": self.ns_state}
        ns["currentLcmOpOccId"] = "o"
        if call in ("GET /nslcm/v1/ns_instances/n", "GET /nslcm/v1/ns_instances/s"):
            if self.op_state in ("COMPLETED", "ROLLED_BACK", "FAILED"):
                ns["currentLcmOpOccId"] = None
            return httpx.Response(200, json=ns)
        if call in ("GET /nslcm/v1/ns_lcm_op_occs/o", "GET /nslcm/v1/ns_lcm_op_occs/t"):
            return httpx.Response(200, json={"operationState": self.op_state})
        if call == "POST /nslcm/v1/ns_lcm_op_occs/o/rollback":
            self.op_state = "ROLLED_BACK"
            return httpx.Response(202, json={})
        if call == "POST /nslcm/v1/ns_instances/n/terminate":
            self.op_state, self.ns_state = "COMPLETED", "NOT_INSTANTIATED"
            return httpx.Response(202, json={"nsLcmOpOccId": "t"})
        if call in ("DELETE /nslcm/v1/ns_instances/n", "DELETE /admin/v1/k8sclusters/c"):
            return httpx.Response(204)
        if call == "DELETE /nslcm/v1/ns_instances/s":
            return httpx.Response(204)
        return httpx.Response(404, content=json.dumps({"detail": call}))


@pytest.mark.parametrize(
    ("ns_state", "op_state", "steps"),
    [
        ("NOT_INSTANTIATED", "FAILED_TEMP", ["POST /nslcm/v1/ns_lcm_op_occs/o/rollback"]),
        ("INSTANTIATED", "COMPLETED", ["POST /nslcm/v1/ns_instances/n/terminate"]),
    ],
)
def test_cleanup_rolls_back_or_terminates_then_deletes(
    tmp_path: Path, ns_state: str, op_state: str, steps: list[str]
) -> None:
    nbi = FakeNbi(ns_state, op_state)
    client = httpx.Client(base_url="http://nbi", transport=httpx.MockTransport(nbi))
    targets = Targets(client, {}, tmp_path, created=["n"], cluster="c")
    assert targets.cleanup() == []
    changes = [c for c in nbi.calls if not c.startswith("GET")]
    assert changes[: len(steps) + 1] == [*steps, "DELETE /nslcm/v1/ns_instances/n"]
    assert "DELETE /nslcm/v1/ns_instances/s" in changes  # a suite's instance goes too
    assert changes[-1] == "DELETE /admin/v1/k8sclusters/c"


def test_cleanup_reports_what_it_could_not_remove(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="down")

    client = httpx.Client(base_url="http://nbi", transport=httpx.MockTransport(refuse))
    targets = Targets(client, {}, tmp_path, created=["n"], cluster="c")
    left = targets.cleanup()
    assert left[0].startswith("the list of NS instances: GET http://nbi/nslcm/v1/ns_instances: 500")
    assert left[1].startswith("NS instance n: GET http://nbi/nslcm/v1/ns_instances/n: 500")
    assert left[2] == "k8scluster c: 500 down"

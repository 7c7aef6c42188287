"""Placement requests from the example packages, and ``locus place`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from locus_iac.cli.main import app
from locus_iac.descriptors import Nsd, Nst, Vnfd, parse_descriptor
from locus_iac.errors import ValidationError
from locus_iac.placement import FunctionKind, Objective
from locus_iac.placement.demand import DEFAULT_POD, vnf_demand
from locus_iac.placement.from_descriptors import request_from_descriptors, request_from_netslice
from locus_iac.sites import Resources

ROOT = Path(__file__).resolve().parents[2]
PKGS = ROOT / "examples" / "packages"
SITES = ROOT / "examples" / "sites" / "locus-poc.yaml"
NST_ARGS = [
    "place",
    str(PKGS / "locus_nst"),
    "--with", str(PKGS / "cloud_ns"),
    "--with", str(PKGS / "edge_ns"),
    "--with", str(PKGS / "cloud_vnf"),
    "--with", str(PKGS / "edge_knf"),
    "--sites", str(SITES),
]  # fmt: skip


def _model(path: Path) -> Vnfd | Nsd | Nst:
    return parse_descriptor(path.read_text(), str(path)).model


def _examples() -> tuple[Nst, dict[str, Nsd], dict[str, Vnfd]]:
    nst = _model(PKGS / "locus_nst" / "locus_nst.yaml")
    nsds = {
        "cloud_ns": _model(PKGS / "cloud_ns" / "cloud_nsd.yaml"),
        "edge_ns": _model(PKGS / "edge_ns" / "edge_nsd.yaml"),
    }
    vnfds = {
        "cloud_vnf": _model(PKGS / "cloud_vnf" / "cloud_vnfd.yaml"),
        "edge_knf": _model(PKGS / "edge_knf" / "edge_knfd.yaml"),
    }
    assert isinstance(nst, Nst)
    return nst, nsds, vnfds  # type: ignore[return-value]


def test_netslice_request_of_the_exemplary_service() -> None:
    nst, nsds, vnfds = _examples()
    request = request_from_netslice(nst, nsds, vnfds, Objective.MIN_EDGE_COST)
    functions = {f.id: f for f in request.functions}
    assert set(functions) == {"cloud_nss/1", "edge_nss/1"}
    vnf, knf = functions["cloud_nss/1"], functions["edge_nss/1"]
    assert vnf.kind is FunctionKind.VM and vnf.vnfd_id == "cloud_vnf"
    assert vnf.total == Resources(vcpu=4, memory_gb=8, storage_gb=20)
    assert knf.kind is FunctionKind.CONTAINER and knf.total == DEFAULT_POD
    (cache,) = request.links
    assert cache.id == "cache_net" and set(cache.ends) == {"cloud_nss/1", "edge_nss/1"}
    assert request.objective is Objective.MIN_EDGE_COST


def test_nsd_with_qos_latency_and_instantiation_level() -> None:
    _, _, vnfds = _examples()
    document = (PKGS / "cloud_ns" / "cloud_nsd.yaml").read_text()
    document = (
        document.replace(
            "        - id: cache_net\n",
            "        - id: cache_net\n          df:\n            - id: low-latency\n"
            "              qos: {latency: 7, packet-delay-variation: 2}\n",
        )
        .replace(
            '            - id: "1"\n              vnfd-id: cloud_vnf\n',
            '            - id: "1"\n              vnfd-id: cloud_vnf\n'
            "              min-number-of-instances: 2\n",
        )
        .replace(
            "      sapd:\n",
            "      sapd:\n        - id: cp_cache2\n          virtual-link-desc: cache_net\n",
        )
    )
    nsd = parse_descriptor(document).model
    assert isinstance(nsd, Nsd)
    request = request_from_descriptors(nsd, vnfds)
    (vnf,) = request.functions
    assert vnf.instances == 2
    bounded = [link for link in request.links if link.max_latency_ms is not None]
    assert {link.max_latency_ms for link in bounded} == {7.0}
    assert all(link.to_sap for link in bounded)


def test_missing_vnfd_and_unknown_flavour_are_reported() -> None:
    _, nsds, _ = _examples()
    with pytest.raises(ValidationError) as info:
        request_from_descriptors(nsds["cloud_ns"], {}, df_id="nope")
    assert [(i.path, i.code) for i in info.value.issues] == [("/df", "broken-reference")]
    with pytest.raises(ValidationError) as info:
        request_from_descriptors(nsds["cloud_ns"], {})
    assert [(i.path, i.code) for i in info.value.issues] == [
        ("/df/0/vnf-profile/0/vnfd-id", "unresolved-reference")
    ]


def test_cli_places_the_exemplary_netslice() -> None:
    result = CliRunner().invoke(app, [*NST_ARGS, "--max-latency", "cache_net=40", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["placed"] is True
    # the cheapest core runs the VNF, the cheapest edge within 40 ms the KNF
    assert document["assignment"] == {
        "cloud_nss/1": "ote-core",
        "edge_nss/1": "nextworks-lab-edge",
    }
    assert document["status"] == "optimal"
    vnf = next(f for f in document["functions"] if f["function"] == "cloud_nss/1")
    assert vnf["vnfd"] == "cloud_vnf" and vnf["kind"] == "vm"
    assert {r["code"] for r in vnf["reasons"]} >= {"kind", "latency", "objective"}


def test_cli_with_a_folder_of_packages() -> None:
    args = ["place", str(PKGS / "locus_nst"), "--with", str(PKGS), "--sites", str(SITES)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)["assignment"]) == {"cloud_nss/1", "edge_nss/1"}


def test_cli_objective_and_latency_change_the_decision() -> None:
    tight = CliRunner().invoke(app, [*NST_ARGS, "--max-latency", "cache_net=16", "--json"])
    assert json.loads(tight.output)["assignment"]["cloud_nss/1"] == "nextworks-lab-core"
    table = CliRunner().invoke(app, [*NST_ARGS, "--objective", "max-core-use"])
    assert table.exit_code == 0
    assert table.output.splitlines()[0].split() == ["FUNCTION", "VNFD", "KIND", "SITE", "WHY"]
    assert "objective max-core-use" in table.output


def test_cli_reports_an_infeasible_request_with_its_conflict() -> None:
    args = [*NST_ARGS, "--max-latency", "cache_net=5", "--pin", "edge_nss/1=uma-edge"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["placed"] is False and document["minimal"] is True
    constraints = {(c["constraint"], tuple(c["key"])) for c in document["conflicts"]}
    assert constraints == {
        ("kind", ("cloud_nss/1",)),
        ("pin", ("edge_nss/1",)),
        ("latency", ("cache_net",)),
    }
    text = CliRunner().invoke(app, args)
    assert text.exit_code == 1
    assert "nextworks-lab-core<->uma-edge at 15 ms" in text.output


def test_cli_bad_options_are_usage_errors_with_pointers() -> None:
    result = CliRunner().invoke(app, [*NST_ARGS, "--max-latency", "nowhere=3", "--json"])
    assert result.exit_code == 1
    issues = json.loads(result.output)["errors"]
    assert issues[0]["path"] == "/max-latency/nowhere" and issues[0]["code"] == "unknown-link"
    result = CliRunner().invoke(app, [*NST_ARGS, "--pin", "edge_nss/1=mars", "--json"])
    assert json.loads(result.output)["errors"][0]["code"] == "unknown-site"
    vnf_only = ["place", str(PKGS / "cloud_vnf"), "--sites", str(SITES), "--json"]
    assert json.loads(CliRunner().invoke(app, vnf_only).output)["errors"][0]["code"] == "wrong-kind"


def test_knf_replicas_come_from_its_kdu_resource_profiles() -> None:
    document = (PKGS / "edge_knf" / "edge_knfd.yaml").read_text()
    document = document.replace(
        "    - id: default-df\n",
        "    - id: default-df\n      kdu-resource-profile:\n        - id: cache-pods\n"
        "          kdu-name: edge-cache\n          resource-name: edge-cache\n"
        "          min-number-of-instances: 3\n",
    )
    knf = parse_descriptor(document).model
    assert isinstance(knf, Vnfd)
    kind, demand, issues = vnf_demand(knf, None, None, "/df/0/vnf-profile/0")
    assert kind is FunctionKind.CONTAINER and issues == []
    assert demand == DEFAULT_POD.scaled(3)


def test_vnfd_mixing_vdus_and_kdus_is_refused() -> None:
    _, _, vnfds = _examples()
    mixed = vnfds["edge_knf"].model_copy(update={"vdu": vnfds["cloud_vnf"].vdu})
    _, _, issues = vnf_demand(mixed, None, None, "/df/0/vnf-profile/0")
    assert [i.code for i in issues] == ["mixed-vnf"]


def test_vdu_instances_follow_the_instantiation_level() -> None:
    _, _, vnfds = _examples()
    cloud = vnfds["cloud_vnf"]
    document = (
        (PKGS / "cloud_vnf" / "cloud_vnfd.yaml")
        .read_text()
        .replace(
            "              number-of-instances: 1\n", "              number-of-instances: 3\n", 1
        )
    )
    three = parse_descriptor(document).model
    assert isinstance(three, Vnfd)
    _, one_vm, _ = vnf_demand(cloud, None, None, "")
    _, three_vms, _ = vnf_demand(three, None, None, "")
    assert three_vms == one_vm.scaled(3)
    _, _, issues = vnf_demand(cloud, "no-such-df", None, "/df/0/vnf-profile/0")
    assert [(i.path, i.code) for i in issues] == [
        ("/df/0/vnf-profile/0/flavour-id", "broken-reference")
    ]

"""``locus plan`` and ``locus ns export`` on the exemplary packages."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from locus_iac.cli.main import app
from locus_iac.infra import NsiPlan, NsPlan
from locus_iac.infra.plan_file import read_plan

REPO = Path(__file__).resolve().parents[2]
P = REPO / "examples" / "packages"
SITES = REPO / "examples" / "sites" / "locus-poc.yaml"
WITH = [
    arg
    for name in ("cloud_ns", "edge_ns", "cloud_vnf", "edge_knf")
    for arg in ("--with", str(P / name))
]
runner = CliRunner()


def test_plan_json_of_the_exemplary_netslice() -> None:
    args = ["plan", str(P / "locus_nst"), *WITH, "--sites", str(SITES), "--no-optimise", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["kind"] == "nsi"
    assert doc["counts"]["openstack:compute/instance:Instance"] == 1
    assert doc["counts"]["locus:net:SiteLink"] == 1
    (release,) = [r for r in doc["resources"] if r["type"] == "kubernetes:helm.sh/v3:Release"]
    assert release["parent"].endswith("edge_nss-1")
    assert release["provider"].endswith("uma-edge-provider")
    assert any(d.endswith("cache_net-uma-edge-nad") for d in release["dependencies"])
    assert "k8s.v1.cni.cncf.io/networks" in release["inputs"]["values"]["podAnnotations"]
    (flavor,) = [r for r in doc["resources"] if r["type"] == "openstack:compute/flavor:Flavor"]
    assert flavor["inputs"]["vcpus"] == 4 and flavor["inputs"]["ram"] == 8192


def test_plan_text_places_and_scales() -> None:
    args = [
        "plan", str(P / "locus_nst"), *WITH, "--sites", str(SITES),
        "--place", "cloud_vnf=nextworks-lab-core", "--place", "edge_knf=nextworks-lab-edge",
        "--scale", "cloud_nss/1:cloud_vdu=2", "--param", "cloud_nss/1:edge_url=http://x:8080/",
        "--floating-ips",
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "nextworks-lab-core-provider" in result.output
    assert "  cloud_nss-1: cloud_vnf -> nextworks-lab-core (openstack)" in result.output
    assert "  mgmt_net: nextworks-lab-core existing network 'VM_MGMT' (one site)" in result.output
    assert "  cache_net: nextworks-lab-core 10.110.0.0/24 <-> nextworks-lab-edge" in result.output
    assert "ote-core" not in result.output
    assert "   2  openstack:compute/instance:Instance" in result.output
    assert "   6  openstack:networking/port:Port" in result.output
    assert "   2  openstack:networking/floatingIp:FloatingIp" in result.output
    assert 'pool: "floating"' in result.output


def test_plan_reports_a_wrong_placement_without_traceback() -> None:
    args = ["plan", str(P / "locus_nst"), *WITH, "--sites", str(SITES), "--no-optimise"]
    result = runner.invoke(app, [*args, "--place", "edge_knf=ote-core", "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["error"] == "ValidationError"
    assert {"path": "/placement/1", "code": "wrong-site-kind"}.items() <= doc["errors"][0].items()
    result = runner.invoke(app, [*args, "--place", "edge_knf=atlantis"])
    assert result.exit_code == 1
    assert "unknown site 'atlantis'" in result.output
    assert "Traceback" not in result.output


def test_plan_uses_the_placement_optimiser_for_unplaced_functions() -> None:
    args = ["plan", str(P / "locus_nst"), *WITH, "--sites", str(SITES), "--json"]
    result = runner.invoke(app, [*args, "--place", "cloud_nss/1=nextworks-lab-core"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    providers = {r["type"].split(":")[0]: r["provider"] for r in doc["resources"] if r["provider"]}
    assert providers["openstack"].endswith("-nextworks-lab-core-provider")
    edge = providers["kubernetes"].split("-plan-pre-")[1].removesuffix("-provider")
    assert edge in {"uma-edge", "nextworks-lab-edge"}


def test_ns_export_writes_a_plan_file_that_reads_back(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    local = REPO / "examples" / "sites" / "local.yaml"
    result = runner.invoke(
        app,
        ["ns", "export", str(P / "edge_ns"), "--with", str(P / "edge_knf"),
         "--sites", str(local), "--id", "ns-1", "--place", "edge_knf=local-edge",
         "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["kind"] == "ns"
    plan = read_plan(out)
    assert isinstance(plan, NsPlan) and not isinstance(plan, NsiPlan)
    assert plan.ns_instance_id == "ns-1"
    (kdu,) = plan.vnfs[0].kdus
    assert Path(kdu.chart).is_absolute() and (Path(kdu.chart) / "Chart.yaml").exists()
    assert not json.loads(out.read_text())["plan"]["vnfs"][0]["kdus"][0]["chart"].startswith("/")


def test_ns_export_carries_day0_parameters(tmp_path: Path) -> None:
    out = tmp_path / "cloud.yaml"
    args = [
        "ns", "export", str(P / "cloud_ns"), "--with", str(P / "cloud_vnf"), "--sites", str(SITES),
        "--no-optimise", "--param", "1:edge_url=http://192.168.128.10:8080/",
        "--reserve", "ote-core=10.100.0.0/23", "-o", str(out),
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    plan = read_plan(out)
    assert isinstance(plan, NsPlan)
    assert plan.vnfs[0].params == {"edge_url": "http://192.168.128.10:8080/"}
    assert plan.vnfs[0].site == "ote-core"
    blocks = [str(b) for link in plan.links for b in link.cidrs.values()]
    assert blocks == ["10.100.2.0/24", "10.100.3.0/24"]  # cache, origin: after the reserved /23
    result = runner.invoke(app, [*args[:-6], "--param", "edge_url", "-o", str(out)])
    assert result.exit_code == 1
    assert "param takes KEY=VALUE" in result.output
    assert "/param/0" in result.output

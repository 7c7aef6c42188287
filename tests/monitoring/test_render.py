"""Rules, targets and routes rendered from the exemplary descriptors and a scaling fixture."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from locus_iac.monitoring.render import (
    MemberView,
    ServiceView,
    metric_name,
    project_topic,
    render_alertmanager,
    render_route,
    render_rules,
    render_targets,
    service_topic,
)

from .conftest import AMTOOL, BASE_AM, EXAMPLES, FIXTURES, PROMTOOL, vnfd

NS = "3f1c0d2e-0000-4000-8000-000000000001"
MULTIVDU = FIXTURES.parent / "descriptors" / "hackfest_multivdu_vnfd.yaml"


def _rules(view: ServiceView) -> list[dict[str, Any]]:
    groups = render_rules(view)["groups"]
    assert [g["name"] for g in groups] == [f"locus-ns-{NS}"]
    return list(groups[0]["rules"])


def test_cloud_vnf_policy_becomes_scale_out_and_in() -> None:
    model = vnfd(EXAMPLES / "cloud_vnf" / "cloud_vnfd.yaml")
    view = ServiceView(NS, "admin", (MemberView("cloud", model, "default-df", "10.0.0.5:9100"),))
    rules = _rules(view)
    out, inn = rules[0], rules[1]
    assert out["alert"] == "LocusScaleOut"
    selector = f'cpu_utilization{{ns_id="{NS}", vnf_member_index="cloud"}}'
    assert out["expr"] == f"(avg by (ns_id, vnf_member_index) ({selector}) > 80)"
    assert out["for"] == "60s"
    assert out["labels"] == {
        "locus_kind": "scale",
        "ns_id": NS,
        "vnf_member_index": "cloud",
        "scaling_aspect": "cloud_vdu_autoscale",
        "scaling_policy": "cpu_util_above_80",
        "scaling_direction": "out",
        "project": "admin",
    }
    assert out["annotations"]["cooldown_seconds"] == "120"
    assert out["annotations"]["threshold"] == "80"
    assert inn["alert"] == "LocusScaleIn"
    assert inn["expr"].endswith(") < 20)")
    assert rules[2]["alert"] == "LocusTargetDown"
    selector = f'job="locus-services", ns_id="{NS}", vnf_member_index="cloud"'
    assert rules[2]["expr"] == f"up{{{selector}}} == 0"
    assert rules[2]["labels"]["locus_kind"] == "heal"
    assert "recovery_type" not in rules[2]["annotations"]  # cloud_vnf has no healing-aspect
    assert render_targets(view) == [
        {
            "targets": ["10.0.0.5:9100"],
            "labels": {
                "ns_id": NS,
                "vnf_member_index": "cloud",
                "vdu_id": "cloud_vdu",
                "project": "admin",
            },
        }
    ]


def test_poi_knf_has_no_policy_and_no_endpoint_means_no_rule_and_no_target() -> None:
    model = vnfd(EXAMPLES / "poi_knf" / "poi_knf_vnfd.yaml")
    view = ServiceView(NS, "p1", (MemberView("poi", model),))
    assert _rules(view) == []
    assert render_targets(view) == []
    with_endpoint = ServiceView(NS, "p1", (MemberView("poi", model, None, "poi.svc:8000"),))
    assert [r["alert"] for r in _rules(with_endpoint)] == ["LocusTargetDown"]


def test_scaling_fixture_joins_criteria_skips_manual_and_disabled() -> None:
    model = vnfd(FIXTURES / "scaling_vnfd.yaml")
    rules = _rules(ServiceView(NS, "admin", (MemberView("1", model),)))
    assert [r["alert"] for r in rules] == ["LocusScaleOut", "LocusScaleIn", "LocusVduAlarm"]
    out, inn, alarm = rules
    assert " and " in out["expr"] and "http_requests_rate{" in out["expr"]
    assert "http_latency_seconds{" in out["expr"] and ">= 100" in out["expr"]
    assert out["annotations"]["metric"] == "http_requests_rate,http_latency_seconds"
    assert inn["expr"].endswith("<= 10.5)") and " or " not in inn["expr"]
    assert {r["labels"].get("scaling_policy") for r in rules[:2]} == {"busy"}
    assert alarm["expr"].startswith("max by (ns_id, vnf_member_index) (http_latency_seconds{")
    assert alarm["expr"].endswith(">= 0.75")
    assert alarm["labels"]["alarm_id"] == "web_slow" and alarm["labels"]["severity"] == "critical"


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed")
@pytest.mark.parametrize(
    "path",
    [EXAMPLES / "cloud_vnf" / "cloud_vnfd.yaml", FIXTURES / "scaling_vnfd.yaml", MULTIVDU],
)
def test_promtool_accepts_every_rendered_rule_file(path: Path, tmp_path: Path) -> None:
    view = ServiceView(NS, "admin", (MemberView("1", vnfd(path), None, "127.0.0.1:9"),))
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump(render_rules(view)))
    assert PROMTOOL is not None
    done = subprocess.run([PROMTOOL, "check", "rules", str(rules)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(AMTOOL is None, reason="amtool not installed")
def test_amtool_accepts_base_with_routes(tmp_path: Path) -> None:
    config = render_alertmanager(BASE_AM, [render_route(NS), render_route("other")])
    assert config["route"]["routes"][0]["matchers"] == [f'ns_id="{NS}"']
    assert "routes" not in BASE_AM["route"]  # the base is not changed
    path = tmp_path / "am.yml"
    path.write_text(yaml.safe_dump(config))
    assert AMTOOL is not None
    done = subprocess.run([AMTOOL, "check-config", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_names_for_prometheus_and_kafka() -> None:
    assert metric_name("http-requests.rate") == "http_requests_rate"
    assert metric_name("5xx") == "_5xx"
    assert service_topic(NS) == f"locus.ns.{NS}"
    assert project_topic("my project/é") == "locus.project.my_project__.lcm"


def test_healing_aspect_annotates_the_target_down_rule() -> None:
    model = vnfd(MULTIVDU)
    rules = _rules(ServiceView(NS, "admin", (MemberView("1", model, None, "10.0.0.9:9100"),)))
    down = [r for r in rules if r["alert"] == "LocusTargetDown"]
    assert len(down) == 1
    policy = model.df[0].healing_aspect[0].healing_policy[0]
    assert down[0]["annotations"]["healing_vdu"] == policy.vdu_id
    assert down[0]["annotations"]["recovery_type"] == (policy.recovery_type or "automatic")

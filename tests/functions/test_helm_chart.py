"""The generated Helm chart lints and renders with the real ``helm`` (tests/support/helm.py)."""

from __future__ import annotations

from pathlib import Path

import yaml
from support.helm import run_helm

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "examples" / "packages" / "poi_knf" / "helm-charts" / "poi-identification"


def test_chart_lints(helm: Path) -> None:
    assert "0 chart(s) failed" in run_helm(helm, "lint", str(CHART))


def test_chart_renders_deployment_and_service(helm: Path) -> None:
    docs = [d for d in yaml.safe_load_all(run_helm(helm, "template", "poi", str(CHART))) if d]
    kinds = {d["kind"]: d for d in docs}
    assert set(kinds) == {"Deployment", "Service"}
    deployment, service = kinds["Deployment"], kinds["Service"]
    assert deployment["metadata"]["name"] == "poi-poi-identification"
    pod = deployment["spec"]["template"]
    assert pod["metadata"]["annotations"] == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "8080",
        "prometheus.io/path": "/metrics",
    }
    container = pod["spec"]["containers"][0]
    assert container["image"] == "locus/poi-identification:1.0"
    assert container["command"][:4] == ["locus", "function", "poi", "serve"]
    assert container["ports"] == [{"name": "api", "containerPort": 8080, "protocol": "TCP"}]
    assert container["env"] == [{"name": "LOCUS_FN_DEFAULT_METHOD", "value": "dbscan"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": 8080}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": 8080}
    assert container["resources"]["limits"] == {"cpu": "2000m", "memory": "1024Mi"}
    assert service["spec"]["ports"] == [
        {"name": "api", "port": 8080, "targetPort": "api", "protocol": "TCP"}
    ]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]

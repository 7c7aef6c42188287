"""The generated Helm chart renders with the real ``helm`` (skipped where there is none)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "examples" / "packages" / "poi_knf" / "helm-charts" / "poi-identification"


def _helm() -> str | None:
    tools = Path(os.environ.get("LOCUS_TOOLS_DIR", Path.home() / ".cache" / "locus-iac" / "tools"))
    candidate = tools / "bin" / "helm"
    return shutil.which("helm") or (str(candidate) if candidate.exists() else None)


HELM = _helm()
pytestmark = pytest.mark.skipif(
    HELM is None, reason="no helm binary on PATH or in $LOCUS_TOOLS_DIR/bin")


def _helm_run(*args: str) -> str:
    assert HELM is not None
    done = subprocess.run([HELM, *args], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_chart_lints() -> None:
    assert "0 chart(s) failed" in _helm_run("lint", str(CHART))


def test_chart_renders_deployment_and_service() -> None:
    docs = [d for d in yaml.safe_load_all(_helm_run("template", "poi", str(CHART))) if d]
    kinds = {d["kind"]: d for d in docs}
    assert set(kinds) == {"Deployment", "Service"}
    deployment, service = kinds["Deployment"], kinds["Service"]
    assert deployment["metadata"]["name"] == "poi-poi-identification"
    pod = deployment["spec"]["template"]
    assert pod["metadata"]["annotations"] == {
        "prometheus.io/scrape": "true", "prometheus.io/port": "8080",
        "prometheus.io/path": "/metrics"}
    container = pod["spec"]["containers"][0]
    assert container["image"] == "locus/poi-identification:1.0"
    assert container["command"][:4] == ["locus", "function", "poi", "serve"]
    assert container["ports"] == [{"name": "api", "containerPort": 8080, "protocol": "TCP"}]
    assert container["env"] == [{"name": "LOCUS_FN_DEFAULT_METHOD", "value": "dbscan"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": 8080}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": 8080}
    assert container["resources"]["limits"] == {"cpu": "2000m", "memory": "1024Mi"}
    assert service["spec"]["ports"] == [
        {"name": "api", "port": 8080, "targetPort": "api", "protocol": "TCP"}]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]

"""``locus testbed`` reads the monitoring platform's record (``monitoring.yaml``) for status."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from locus_iac.cli.main import app
from locus_iac.cli.testbed import load_monitoring
from locus_iac.errors import NotFound, ValidationError


def _record(tmp_path: Path, port: object = 19090) -> Path:
    pid_file = tmp_path / "prometheus.pid"
    pid_file.write_text(f"{os.getpid()}\n")
    path = tmp_path / "monitoring.yaml"
    record = {
        "prometheus_url": "http://127.0.0.1:19090",
        "alertmanager_url": "http://127.0.0.1:19093",
        "pushgateway_url": "http://127.0.0.1:19091",
        "kafka_bootstrap": "127.0.0.1:19092",
        "config_dir": str(tmp_path / "monitoring"),
        "testbed": {
            "components": [{"name": "prometheus", "pid_file": str(pid_file), "port": port}]
        },
    }
    path.write_text(yaml.safe_dump(record))
    return path


def test_a_record_is_read_with_its_components(tmp_path: Path) -> None:
    record = load_monitoring(_record(tmp_path))
    assert record.kafka_bootstrap == "127.0.0.1:19092"
    assert [c.name for c in record.testbed.components] == ["prometheus"]
    assert record.testbed.components[0].port == 19090


def test_a_missing_record_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="--with-monitoring"):
        load_monitoring(tmp_path / "monitoring.yaml")


def test_a_broken_record_is_refused_with_a_json_pointer(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        load_monitoring(_record(tmp_path, port="not-a-port"))
    assert [i.path for i in caught.value.issues] == ["/testbed/components/0/port"]


def test_status_without_a_testbed_fails_with_the_site_record_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCUS_TESTBED_DIR", str(tmp_path))
    _record(tmp_path)
    result = CliRunner().invoke(app, ["testbed", "status", "--json", "--with-monitoring"])
    assert result.exit_code != 0
    assert "site.yaml" in json.dumps(result.output)


def test_status_gives_the_site_its_own_verdict_and_stopped_monitoring_fails_the_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A healthy Kubernetes site with its recorded monitoring platform stopped: the site line
    says healthy, the monitoring line does not, and the exit status counts both."""
    from types import SimpleNamespace

    from locus_iac.cli import testbed

    monkeypatch.setenv("LOCUS_TESTBED_DIR", str(tmp_path))
    _record(tmp_path, port=1)  # the record's Prometheus listens on no port: not healthy
    site = SimpleNamespace(
        name="local",
        kubeconfig=tmp_path / "kubeconfig",
        api_server="https://127.0.0.1:1",
        testbed=SimpleNamespace(components=[]),
    )
    monkeypatch.setattr(testbed, "load_site", lambda _path: site)
    monkeypatch.setattr(
        testbed, "_api", lambda _site: {"ready": True, "nodes": [{"name": "n0", "ready": True}]}
    )
    result = CliRunner().invoke(app, ["testbed", "status"])
    assert result.exit_code == 1
    assert "site local: healthy" in result.output
    assert "monitoring http://127.0.0.1:19090: NOT healthy" in result.output

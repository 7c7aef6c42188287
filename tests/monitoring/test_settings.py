"""monitoring.yaml: the model, unknown keys refused with a JSON pointer, env and flag."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from locus_iac.errors import ValidationError
from locus_iac.monitoring.settings import load_settings, settings_from

GOOD = {
    "prometheus_url": "http://127.0.0.1:19090",
    "alertmanager_url": "http://127.0.0.1:19093",
    "pushgateway_url": "http://127.0.0.1:19091",
    "influxdb_url": "http://127.0.0.1:18086",
    "kafka_bootstrap": "127.0.0.1:19092",
    "smart_webhook_url": "http://127.0.0.1:19095/alerts",
    "config_dir": "/tmp/x/monitoring",
    "promtool": "/usr/bin/promtool",
    "amtool": "/usr/bin/amtool",
    "testbed": {"components": [{"name": "prometheus", "pid_file": "/tmp/p.pid", "port": 19090}]},
}


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "monitoring.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_the_contract_example_loads(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, GOOD))
    assert settings.url("prometheus_url") == "http://127.0.0.1:19090"
    assert settings.config_dir == Path("/tmp/x/monitoring")
    assert settings.testbed is not None
    assert settings.testbed.components[0].port == 19090


def test_unknown_keys_are_refused_with_pointers(tmp_path: Path) -> None:
    bad = {
        **GOOD,
        "prometheus": "x",
        "testbed": {"components": [{"name": "a", "pid_file": "p", "port": 1, "pid": 3}]},
    }
    with pytest.raises(ValidationError) as caught:
        load_settings(_write(tmp_path, bad))
    found = {(i.path, i.code) for i in caught.value.issues}
    assert ("/prometheus", "unknown-field") in found
    assert ("/testbed/components/0/pid", "unknown-field") in found


def test_bad_values_and_missing_keys(tmp_path: Path) -> None:
    bad = {k: v for k, v in GOOD.items() if k != "config_dir"}
    bad["prometheus_url"] = "not a url"
    bad["kafka_bootstrap"] = "a b"
    with pytest.raises(ValidationError) as caught:
        load_settings(_write(tmp_path, bad))
    paths = {i.path for i in caught.value.issues}
    assert {"/config_dir", "/prometheus_url", "/kafka_bootstrap"} <= paths


def test_not_a_mapping_and_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="invalid monitoring settings"):
        load_settings(_write(tmp_path, ["a"]))
    path = tmp_path / "broken.yaml"
    path.write_text("a: [")
    with pytest.raises(ValidationError, match="not YAML"):
        load_settings(path)
    with pytest.raises(ValidationError, match="cannot read"):
        load_settings(tmp_path / "absent.yaml")


def test_flag_wins_over_env_and_nothing_means_off(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    assert settings_from(None, env={}) is None
    from_env = settings_from(None, env={"LOCUS_MONITORING": str(path)})
    assert from_env is not None and from_env.kafka_bootstrap == "127.0.0.1:19092"
    other = _write(tmp_path / "..", {**GOOD, "kafka_bootstrap": "h:1"})
    from_flag = settings_from(other, env={"LOCUS_MONITORING": str(path)})
    assert from_flag is not None and from_flag.kafka_bootstrap == "h:1"

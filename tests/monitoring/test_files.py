"""The Config Manager's folder against real Prometheus and Alertmanager processes."""

from __future__ import annotations

import json

import pytest
import yaml

from locus_iac.errors import PermanentError, RetryableError
from locus_iac.monitoring.files import ConfigFiles
from locus_iac.monitoring.render import MemberView, ServiceView, render_rules, render_targets

from .conftest import FIXTURES, am_receivers_of_routes, loaded_rules, make_settings, vnfd

NS = "9a0e7f6c-0000-4000-8000-000000000002"


def _view() -> ServiceView:
    model = vnfd(FIXTURES / "scaling_vnfd.yaml")
    return ServiceView(NS, "admin", (MemberView("1", model, None, "127.0.0.1:9"),))


def test_apply_then_remove_leaves_nothing(platform) -> None:  # type: ignore[no-untyped-def]
    settings, prom, am = platform
    files = ConfigFiles(settings)
    view = _view()
    files.apply(NS, render_targets(view), render_rules(view))
    assert set(loaded_rules(prom.url)) == {
        "LocusScaleOut",
        "LocusScaleIn",
        "LocusVduAlarm",
        "LocusTargetDown",
    }
    assert json.loads(files.layout.targets(NS).read_text())[0]["labels"]["ns_id"] == NS
    assert f'ns_id="{NS}"' in am_receivers_of_routes(am.url)
    files.remove(NS)
    assert loaded_rules(prom.url) == []
    assert NS not in am_receivers_of_routes(am.url)
    assert [p for p in files.layout.owned(NS) if p.exists()] == []
    leftovers = [p.name for p in settings.config_dir.rglob(".*")]
    assert leftovers == []  # no temporary or check file is left behind


def test_a_bad_rule_leaves_the_running_config_unchanged(platform) -> None:  # type: ignore[no-untyped-def]
    settings, prom, _ = platform
    files = ConfigFiles(settings)
    view = _view()
    files.apply(NS, render_targets(view), render_rules(view))
    before = files.layout.rules(NS).read_text()
    bad = {"groups": [{"name": "x", "rules": [{"alert": "Broken", "expr": "sum(( by"}]}]}
    with pytest.raises(PermanentError, match="refused by promtool"):
        files.apply(NS, render_targets(view), bad)
    assert files.layout.rules(NS).read_text() == before
    assert "Broken" not in loaded_rules(prom.url)
    assert "LocusScaleOut" in loaded_rules(prom.url)


def test_a_refused_reload_puts_the_previous_file_back(platform) -> None:  # type: ignore[no-untyped-def]
    """promtool and Prometheus disagree on nothing we render, so the refusal is provoked on
    Alertmanager: a route to a receiver base.yml does not define passes YAML but not amtool;
    the same route written past amtool (directly) must be refused by the reload."""
    settings, _, am = platform
    files = ConfigFiles(settings)
    running = am_receivers_of_routes(am.url)
    bad = yaml.safe_load(files.layout.am_base.read_text())
    bad["route"]["routes"] = [{"receiver": "nobody", "matchers": ['ns_id="x"']}]
    from locus_iac.monitoring.files import _Checked

    checked = _Checked(files.layout.am_config, ["true"], files.reload_alertmanager, "config")
    with pytest.raises(PermanentError, match="refused the reload"):
        checked.replace(yaml.safe_dump(bad))
    assert am_receivers_of_routes(am.url) == running
    assert "nobody" not in files.layout.am_config.read_text()


def test_prometheus_down_is_retryable_and_the_file_waits_in_place(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import PROMTOOL, layout_folder

    if PROMTOOL is None:
        pytest.skip("promtool not installed")
    layout_folder(tmp_path / "m")
    files = ConfigFiles(make_settings(tmp_path / "m"))
    view = _view()
    with pytest.raises(RetryableError, match="Prometheus unreachable"):
        files.apply(NS, render_targets(view), render_rules(view))
    assert "LocusScaleOut" in files.layout.rules(NS).read_text()

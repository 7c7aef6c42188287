"""Plan files (what ``locus ns export`` writes) and stack configuration validation."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from locus_iac.errors import NotFound, ValidationError
from locus_iac.infra import NsiPlan, resolve_nsi, run_program
from locus_iac.infra.from_packages import default_site
from locus_iac.infra.plan_file import read_plan, write_plan
from locus_iac.infra.stack_config import read_stack_config
from locus_iac.packages import Package
from locus_iac.sites import SiteCatalog, load_sites

from .conftest import exemplary_nsi


def test_nsi_plan_file_round_trip(
    packages: dict[str, Package], catalog: SiteCatalog, tmp_path: Path
) -> None:
    plan = resolve_nsi(exemplary_nsi(packages, catalog, shared={"cloud_nss": "org/p/s"}))
    path = write_plan(plan, tmp_path / "nsi.yaml")
    text = path.read_text()
    assert text.startswith("kind: nsi\n")
    assert text.split("chart:")[1].splitlines()[0].strip().startswith("..")  # stored relative
    again = read_plan(path)
    assert isinstance(again, NsiPlan)
    assert again == plan
    assert again.shared == {"cloud_nss": "org/p/s"}


def test_plan_file_errors_point_into_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "ns", "plan": {"ns_instance_id": "x"}}')
    with pytest.raises(ValidationError) as err:
        read_plan(bad)
    paths = {i.path for i in err.value.issues}
    assert {"/ns/plan/name", "/ns/plan/vnfs"} <= paths
    with pytest.raises(NotFound):
        read_plan(tmp_path / "missing.json")


class _Example(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    site_name: str
    listen_port: int = Field(default=51820, ge=1, le=65535)
    namespaces: tuple[str, ...] = ()


def test_stack_config_is_read_and_validated_up_front() -> None:
    seen: list[_Example] = []
    config = {"siteName": "1234", "listenPort": "4500", "namespaces": '["a", "b"]'}
    run_program(
        lambda: seen.append(read_stack_config(_Example, pulumi.Config())),
        project="p",
        config=config,
    )
    # a numeric-looking name stays text; numbers and lists are converted
    assert seen == [_Example(site_name="1234", listen_port=4500, namespaces=("a", "b"))]


def test_stack_config_errors_name_every_key() -> None:
    def program() -> None:
        read_stack_config(_Example)

    with pytest.raises(ValidationError) as err:
        run_program(program, project="p", config={"listenPort": "0"})
    found = {(i.path, i.code) for i in err.value.issues}
    assert found == {("/p:siteName", "missing-config"), ("/p:listenPort", "invalid-config")}
    assert "pulumi config set siteName" in str(err.value)


def test_default_site_prefers_role_then_falls_back_to_kind(
    packages: dict[str, Package], catalog: SiteCatalog
) -> None:
    knf, vnf = packages["edge_knf"].descriptor.model, packages["cloud_vnf"].descriptor.model
    assert default_site(knf, catalog).name == "edge"  # type: ignore[arg-type]
    assert default_site(vnf, catalog).name == "core"  # type: ignore[arg-type]
    only_k8s = load_sites(
        "sites:\n  - {name: k, kind: kubernetes, role: core, capacity: {vcpu: 1}, "
        "kubernetes: {namespace: l}}\n"
    )
    assert default_site(knf, only_k8s).name == "k"  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as err:
        default_site(vnf, only_k8s)  # type: ignore[arg-type]
    assert err.value.issues[0].code == "no-site"

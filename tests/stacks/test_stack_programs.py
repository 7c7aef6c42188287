"""Every ``stacks/*`` program, run under Pulumi's mocks with each example config.

The program is the project's real ``__main__.py`` run with :mod:`runpy`, in the project
folder (as ``pulumi`` runs it), with the example ``Pulumi.<stack>.yaml`` as its config
and generated secrets; the mocks are in place before it runs.
"""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Iterator
from ipaddress import IPv4Interface
from pathlib import Path
from typing import Any

import pytest
import yaml

from locus_iac.errors import NotFound, ValidationError
from locus_iac.infra import PreviewMocks, ProgramPlan, generate_keypair, run_program
from locus_iac.sites import load_sites

STACKS = Path(__file__).resolve().parents[2] / "stacks"
EXAMPLES = sorted(STACKS.glob("*/Pulumi.*.yaml"))
UPSTREAM = {
    "locus/locus-tenant/ote": {"router_id": "r-ote", "data_network_ids": {"locus-data": "n1"}},
    "locus/locus-tenant/nextworks-lab": {"router_id": "r-nxw", "data_network_ids": {"data": "n2"}},
    "locus/locus-vpn/ote": {
        "next_hops": {"ote-core": "10.100.255.10", "uma-edge": "192.168.255.1"},
        "router_ids": {"ote-core": "r-ote"},
    },
    "locus/locus-vpn/nextworks-lab": {
        "next_hops": {"nextworks-lab-core": "10.110.255.10", "nextworks-lab-edge": "172.20.255.1"},
        "router_ids": {"nextworks-lab-core": "r-nxw"},
    },
}
SECRETS = {
    "locus-tenant": {"userPassword": "s3cret-password"},
    "locus-vpn": {
        "corePrivateKey": generate_keypair().private_key,
        "edgePrivateKey": generate_keypair().private_key,
    },
}


@pytest.fixture
def in_project(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    sys.modules.pop("config", None)


def example_config(path: Path) -> tuple[str, dict[str, str]]:
    project = yaml.safe_load((path.parent / "Pulumi.yaml").read_text())["name"]
    raw = yaml.safe_load(path.read_text())["config"]
    config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    return project, config


def run_stack(
    path: Path, monkeypatch: pytest.MonkeyPatch, overrides: dict[str, Any] | None = None
) -> ProgramPlan:
    project, config = example_config(path)
    secrets = {f"{project}:{k}": v for k, v in SECRETS.get(project, {}).items()}
    config.update(secrets)
    config.update(overrides or {})
    monkeypatch.setenv("LOCUS_TESTBED_KUBECONFIG", "/tmp/locus-testbed/kubeconfig")
    monkeypatch.chdir(path.parent)
    monkeypatch.syspath_prepend(str(path.parent))
    sys.modules.pop("config", None)
    stack = path.name.split(".")[1]
    return run_program(
        lambda: runpy.run_path(str(path.parent / "__main__.py"), run_name="__main__"),
        project=project,
        stack=stack,
        config=config,
        secret_keys=list(secrets),
        mocks=PreviewMocks(UPSTREAM),
    )


def test_every_project_has_its_example_stacks() -> None:
    names = {(p.parent.name, p.name) for p in EXAMPLES}
    assert {("tenant", "Pulumi.ote.yaml"), ("tenant", "Pulumi.nextworks-lab.yaml")} <= names
    assert {("edge", f"Pulumi.{s}.yaml") for s in ("uma", "nextworks-lab", "local")} <= names
    assert {("vpn", "Pulumi.ote.yaml"), ("vpn", "Pulumi.nextworks-lab.yaml")} <= names
    assert {("ns", f"Pulumi.{s}.yaml") for s in ("ote", "uma", "nextworks-lab", "local")} <= names
    for project in ("tenant", "edge", "vpn", "ns"):
        assert (STACKS / project / "Pulumi.yaml").exists()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}-{p.name}")
def test_example_stack_runs_under_mocks(
    path: Path, monkeypatch: pytest.MonkeyPatch, in_project: None
) -> None:
    plan = run_stack(path, monkeypatch)
    counts = plan.count()
    project = path.parent.name
    assert plan.resources, "the program registered nothing"
    if project == "tenant":
        assert counts["openstack:identity/project:Project"] == 1
        assert counts["openstack:identity/roleAssignment:RoleAssignment"] == 1
        assert counts["openstack:networking/router:Router"] == 1
        assert counts["openstack:compute/quotaSetV2:QuotaSetV2"] == 1
        (user,) = plan.of_type("openstack:identity/user:User")
        assert user.inputs["password"] == "[secret]"
        assert set(plan.outputs) >= {"project_id", "router_id", "data_network_ids"}
    elif project == "edge":
        assert counts["kubernetes:core/v1:ServiceAccount"] == 1
        assert (
            counts["kubernetes:rbac.authorization.k8s.io/v1:Role"]
            == counts["kubernetes:core/v1:Namespace"]
        )
    elif project == "vpn":
        (server,) = plan.of_type("openstack:compute/instance:Instance")
        assert server.inputs["userData"] == "[secret]"
        (deployment,) = plan.of_type("kubernetes:apps/v1:Deployment")
        assert "NET_ADMIN" in json.dumps(deployment.inputs)
        (secret,) = plan.of_type("kubernetes:core/v1:Secret")
        assert "PrivateKey" not in json.dumps(secret.inputs)
        assert len(plan.outputs["core_public_key"]) == 44
        expected = {"Pulumi.ote.yaml": {"ote-core": "r-ote"}}.get(
            path.name, {"nextworks-lab-core": "r-nxw"}
        )
        assert plan.outputs["router_ids"] == expected
        (route,) = plan.of_type("openstack:networking/routerRoute:RouterRoute")
        assert route.inputs["destinationCidr"] in ("192.168.128.0/17", "172.20.0.0/16")
    else:
        assert counts["kubernetes:helm.sh/v3:Release"] == 1
        expected_servers = 0 if path.name in ("Pulumi.local.yaml", "Pulumi.uma.yaml") else 1
        assert counts.get("openstack:compute/instance:Instance", 0) == expected_servers
        assert counts.get("locus:net:SiteLink", 0) == expected_servers


def test_ns_stack_applies_site_access_from_config(
    monkeypatch: pytest.MonkeyPatch, in_project: None
) -> None:
    plan = run_stack(STACKS / "ns" / "Pulumi.ote.yaml", monkeypatch)
    (openstack_provider,) = plan.of_type("pulumi:providers:openstack")
    assert openstack_provider.inputs["cloud"] == "ote-locus"
    (release,) = plan.of_type("kubernetes:helm.sh/v3:Release")
    assert Path(release.inputs["chart"]).is_absolute()
    assert Path(release.inputs["chart"], "Chart.yaml").exists()


def test_bad_config_names_the_key(monkeypatch: pytest.MonkeyPatch, in_project: None) -> None:
    with pytest.raises(ValidationError) as err:
        run_stack(
            STACKS / "vpn" / "Pulumi.ote.yaml",
            monkeypatch,
            {"locus-vpn:edgeRoutedBlock": "10.100.0.0/17"},
        )
    assert "overlap" in str(err.value)
    with pytest.raises(ValidationError) as err:
        run_stack(STACKS / "edge" / "Pulumi.uma.yaml", monkeypatch, {"locus-edge:namespaces": "[]"})
    assert [i.path for i in err.value.issues] == ["/locus-edge:namespaces"]


def test_vpn_stack_names_a_missing_tenant_network(
    monkeypatch: pytest.MonkeyPatch, in_project: None
) -> None:
    with pytest.raises(NotFound, match="no data network 'locus-data'"):
        run_stack(STACKS / "vpn" / "Pulumi.ote.yaml", monkeypatch, {"locus-vpn:tenantStack": "x"})


def test_example_stacks_agree_with_the_poc_sites_file() -> None:
    sites = load_sites(STACKS.parent / "examples" / "sites" / "locus-poc.yaml")
    for name in ("ote", "nextworks-lab"):
        cfg = yaml.safe_load((STACKS / "vpn" / f"Pulumi.{name}.yaml").read_text())["config"]
        core, edge = sites.site(cfg["locus-vpn:coreSite"]), sites.site(cfg["locus-vpn:edgeSite"])
        assert core.vpn is not None and edge.vpn is not None
        assert cfg["locus-vpn:coreRoutedBlock"] == str(core.vpn.subnet)
        assert cfg["locus-vpn:edgeRoutedBlock"] == str(edge.vpn.subnet)
        assert cfg["locus-vpn:edgePublicAddress"] == edge.vpn.public_address
        gateway = IPv4Interface(cfg["locus-vpn:edgeGatewayAddress"]).ip
        assert gateway in edge.vpn.subnet  # on the edge's macvlan segment
    for name, site in (("uma", "uma-edge"), ("nextworks-lab", "nextworks-lab-edge")):
        cfg = yaml.safe_load((STACKS / "edge" / f"Pulumi.{name}.yaml").read_text())["config"]
        k8s = sites.site(site).kubernetes
        assert k8s is not None
        assert cfg["locus-edge:masterInterface"] == k8s.multus_master_interface
        assert cfg["locus-edge:segment"] == str(k8s.cidr_pool)


def test_unset_kubeconfig_variable_names_the_config_key(
    monkeypatch: pytest.MonkeyPatch, in_project: None
) -> None:
    monkeypatch.delenv("LOCUS_TESTBED_KUBECONFIG", raising=False)
    ns_local = STACKS / "ns" / "Pulumi.local.yaml"
    project, config = example_config(ns_local)
    monkeypatch.chdir(ns_local.parent)
    monkeypatch.syspath_prepend(str(ns_local.parent))
    sys.modules.pop("config", None)
    with pytest.raises(ValidationError) as err:
        run_program(
            lambda: runpy.run_path(str(ns_local.parent / "__main__.py"), run_name="__main__"),
            project=project,
            config=config,
        )
    assert [i.path for i in err.value.issues] == ["/locus-ns:kubeconfigs/local-edge"]

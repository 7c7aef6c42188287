"""The registered VIM account is the source of truth for OpenStack (issue 12, part 3).

At each operation :func:`locus_iac.lcm.inputs.write_access` decrypts the accounts into a
``clouds.yaml`` (0600) in the instance's work folder; the NS program reads it and gives the
Pulumi OpenStack provider the account's settings, the secrets as secret Outputs. These tests
register accounts in a real SQLite catalogue, write the access files, read them back with
openstacksdk's own loader, and run the real program under Pulumi's mocks.
"""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from support.tls import self_signed

from locus_iac.catalogue import (
    Database,
    K8sClusterIn,
    SecretBox,
    VimAccountIn,
    create_project,
    register_site,
)
from locus_iac.catalogue.models import SiteRow
from locus_iac.engine.settings import EngineSettings
from locus_iac.errors import PermanentError
from locus_iac.infra import NsPlan, SiteAccess, build_ns, run_program
from locus_iac.lcm.inputs import load_sites, write_access
from locus_iac.sites import read_cloud

PASSWORD = "pw-that-must-not-leak"
APP_SECRET = "app-secret-that-must-not-leak"
KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n"
CORE = {
    "name": "core",
    "vim_url": "https://keystone.core.test:5000",
    "vim_tenant_name": "locus",
    "vim_user": "mano",
    "vim_password": PASSWORD,
    "config": {
        "region_name": "RegionOne",
        "user_domain_name": "Users",
        "project_domain_name": "Projects",
        "use_internal_endpoint": True,
        "APIversion": "v3.3",
    },
}
LAB = {
    "name": "lab",
    "vim_url": "http://127.0.0.1:5000/v3/",
    "vim_tenant_name": "lab",
    "vim_user": "ignored-with-an-application-credential",
    "vim_password": APP_SECRET,
    "config": {"application_credential_id": "ac-1", "insecure": True, "region_name": "lab"},
}


@pytest.fixture
def ca_pem(tmp_path: Path) -> str:
    """A real self-signed CA in PEM (the CA text is validated at registration)."""
    return self_signed(tmp_path, "locus-test-ca").pem


@pytest.fixture
def catalogue(tmp_path: Path, ca_pem: str) -> Iterator[tuple[Database, SecretBox, str]]:
    db = Database(f"sqlite:///{tmp_path / 'catalogue.db'}")
    db.migrate()
    box = SecretBox.from_data_dir(tmp_path / "data")
    core = {**CORE, "config": {**CORE["config"], "ca_cert_content": ca_pem}}  # type: ignore[dict-item]
    with db.session() as session:
        project = create_project(session, "p1").id
        register_site(session, box, project, VimAccountIn.model_validate(core))
        register_site(session, box, project, VimAccountIn.model_validate(LAB))
        edge = {"name": "edge", "credentials": KUBECONFIG}
        register_site(session, box, project, K8sClusterIn.model_validate(edge))
    yield db, box, project
    db.dispose()


def _access(
    catalogue: tuple[Database, SecretBox, str], folder: Path
) -> tuple[NsPlan, dict[str, SiteAccess]]:
    db, box, project = catalogue
    with db.session(readonly=True) as session:
        sites, rows = load_sites(session, project)
        access = write_access(box, rows, folder)
    plan = NsPlan(
        ns_instance_id="5e1f0000-0000-4000-8000-00000000000a",
        name="ns",
        sites=sites.sites,
        vnfs=(),
        links=(),
        access=access,
    )
    return plan, access


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_clouds_yaml_is_written_0600_from_the_accounts(
    catalogue: tuple[Database, SecretBox, str], tmp_path: Path, ca_pem: str
) -> None:
    folder = tmp_path / "instance" / "access"
    _, access = _access(catalogue, folder)
    clouds_path = Path(access["core"].clouds_yaml or "")
    assert clouds_path.parent == folder.resolve()
    assert access["lab"].clouds_yaml == str(clouds_path)
    assert (access["core"].cloud, access["lab"].cloud) == ("core", "lab")
    assert _mode(clouds_path) == 0o600 and _mode(folder) == 0o700
    clouds = yaml.safe_load(clouds_path.read_text())["clouds"]
    core = clouds["core"]
    cacert = Path(core.pop("cacert"))
    assert cacert.parent == folder.resolve() and _mode(cacert) == 0o600
    assert cacert.read_text() == ca_pem
    assert core == {
        "auth_type": "password",
        "auth": {
            "auth_url": "https://keystone.core.test:5000/v3",
            "username": "mano",
            "password": PASSWORD,
            "project_name": "locus",
            "user_domain_name": "Users",
            "project_domain_name": "Projects",
        },
        "identity_api_version": 3,
        "interface": "internal",
        "region_name": "RegionOne",
    }
    assert clouds["lab"] == {
        "auth_type": "v3applicationcredential",
        "auth": {
            "auth_url": "http://127.0.0.1:5000/v3",
            "application_credential_id": "ac-1",
            "application_credential_secret": APP_SECRET,
        },
        "identity_api_version": 3,
        "interface": "public",
        "region_name": "lab",
        "verify": False,
        "insecure": True,
    }
    kubeconfig = Path(access["edge"].kubeconfig or "")
    assert kubeconfig.parent == folder and _mode(kubeconfig) == 0o600
    assert kubeconfig.read_text() == KUBECONFIG
    assert sorted(p.name for p in folder.iterdir()) == [
        "cacert-core.pem",
        "clouds.yaml",
        "kubeconfig-edge",
    ]


def test_files_stay_in_the_folder_whatever_the_site_is_called(tmp_path: Path) -> None:
    """Registration takes any site name; a name is never a path."""
    db = Database(f"sqlite:///{tmp_path / 'catalogue.db'}")
    db.migrate()
    box = SecretBox.from_data_dir(tmp_path / "data")
    folder = tmp_path / "instance" / "access"
    with db.session() as session:
        project = create_project(session, "p1").id
        for name in ("../../escape", "a/b"):
            body = K8sClusterIn.model_validate({"name": name, "credentials": KUBECONFIG})
            register_site(session, box, project, body)
        vim = VimAccountIn.model_validate({**LAB, "name": "../vim"})
        register_site(session, box, project, vim)
        rows = list(session.scalars(select(SiteRow).where(SiteRow.project_id == project)))
        access = write_access(box, rows, folder)
    db.dispose()
    written = sorted(folder.iterdir())
    assert len(written) == 3 and all(p.parent == folder for p in written)
    paths = {Path(a.kubeconfig or a.clouds_yaml or "").resolve() for a in access.values()}
    assert len(paths) == 3 and {p.parent for p in paths} == {folder.resolve()}
    clouds = yaml.safe_load((folder / "clouds.yaml").read_text())["clouds"]
    assert list(clouds) == ["../vim"]


def test_rewriting_keeps_0600(catalogue: tuple[Database, SecretBox, str], tmp_path: Path) -> None:
    folder = tmp_path / "access"
    folder.mkdir(mode=0o755)
    (folder / "clouds.yaml").write_text("stale")
    (folder / "clouds.yaml").chmod(0o644)
    _, access = _access(catalogue, folder)
    assert _mode(Path(access["core"].clouds_yaml or "")) == 0o600
    assert _mode(folder) == 0o700


def test_openstacksdk_reads_the_file_as_the_account(
    catalogue: tuple[Database, SecretBox, str], tmp_path: Path
) -> None:
    """The file is openstacksdk's format: its own loader finds every setting."""
    loader = pytest.importorskip("openstack.config.loader", reason="openstacksdk not installed")
    _, access = _access(catalogue, tmp_path / "access")
    path = access["core"].clouds_yaml or ""
    config = loader.OpenStackConfig(config_files=[path], vendor_files=[], load_envvars=False)
    core = config.get_one(cloud="core")
    assert core.config["auth"]["auth_url"] == "https://keystone.core.test:5000/v3"
    assert core.config["auth"]["username"] == "mano"
    assert core.config["auth"]["password"] == PASSWORD
    assert core.config["auth"]["project_name"] == "locus"
    assert core.get_interface() == "internal"
    assert core.region_name == "RegionOne"
    assert Path(str(core.cacert)).is_file()
    lab = config.get_one(cloud="lab")
    assert lab.config["auth_type"] == "v3applicationcredential"
    assert lab.config["auth"]["application_credential_secret"] == APP_SECRET
    assert lab.verify is False


def _providers(plan: NsPlan) -> dict[str, dict[str, Any]]:
    result = run_program(lambda: build_ns(plan))
    providers = {
        r.name.removeprefix("ns-5e1f0000-"): r.inputs
        for r in result.of_type("pulumi:providers:openstack")
    }
    assert len(providers) == 2, providers
    assert len(result.of_type("pulumi:providers:kubernetes")) == 1
    dumped = json.dumps([r.inputs for r in result.resources])
    assert PASSWORD not in dumped and APP_SECRET not in dumped
    return providers


def test_the_provider_gets_the_account_settings_with_secrets_marked_secret(
    catalogue: tuple[Database, SecretBox, str],
    tmp_path: Path,
    ca_pem: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Also with OS_* set on the MANO host: the SDK would read them for unset arguments."""
    for key, value in {"OS_CLOUD": "host", "OS_REGION_NAME": "Host", "OS_INSECURE": "true"}.items():
        monkeypatch.setenv(key, value)
    caplog.set_level(logging.DEBUG)
    plan, _ = _access(catalogue, tmp_path / "access")
    providers = _providers(plan)
    core = providers["core-provider"]
    assert core == {
        "authUrl": "https://keystone.core.test:5000/v3",
        "userName": "mano",
        "password": "[secret]",
        "tenantName": "locus",
        "userDomainName": "Users",
        "projectDomainName": "Projects",
        "region": "RegionOne",
        "endpointType": "internal",
        "cacertFile": ca_pem,
        "cloud": "",  # no clouds.yaml search on the host
        "insecure": "false",
        "swauth": "false",
    }
    lab = providers["lab-provider"]
    assert lab == {
        "authUrl": "http://127.0.0.1:5000/v3",
        "applicationCredentialId": "ac-1",
        "applicationCredentialSecret": "[secret]",
        "region": "lab",
        "endpointType": "public",
        "insecure": "true",
        "cloud": "",
        "swauth": "false",
    }
    assert PASSWORD not in caplog.text and APP_SECRET not in caplog.text


def test_without_access_the_provider_names_the_cloud(
    catalogue: tuple[Database, SecretBox, str], tmp_path: Path
) -> None:
    """``pulumi up`` by hand (no MANO-written file): the named cloud, as before."""
    plan, _ = _access(catalogue, tmp_path / "access")
    providers = _providers(plan.model_copy(update={"access": {}}))
    assert providers["core-provider"] == {"cloud": "core"}


def test_a_missing_cloud_is_a_permanent_error(tmp_path: Path) -> None:
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"other": {"auth": {"auth_url": "http://x/v3"}}}}))
    with pytest.raises(PermanentError, match="'core'"):
        read_cloud(path, "core")


def test_the_engine_runs_without_the_hosts_openstack_settings(tmp_path: Path) -> None:
    """The provider plugin reads OS_* of its process for what the program leaves unset: the
    engine gets them blanked (found by hand: OS_CLOUD on the host made the plugin look for
    a clouds.yaml there)."""
    host = {"OS_CLOUD": "host", "OS_TOKEN": "t", "OS_AUTH_URL": "http://h/v3", "HOME": "/root"}
    env = EngineSettings.from_env(tmp_path / "data", env=host).engine_env()
    assert {k: v for k, v in env.items() if k.startswith("OS_")} == {
        "OS_CLOUD": "",
        "OS_TOKEN": "",
        "OS_AUTH_URL": "",
    }

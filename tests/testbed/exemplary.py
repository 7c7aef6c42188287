"""The seed's exemplary service across the testbed's OpenStack core and Kubernetes edge.

Shared by ``test_exemplary_netslice.py`` and ``benchmarks/bench_openstack_netslice.py``:

* :func:`openstack_unavailable_reason` - why the OpenStack part cannot run here (no clouds.yaml
  from ``locus testbed up --with-openstack``, Keystone not answering, no OpenStack plugin);
* :class:`CoreStacks` - ``stacks/tenant`` and ``stacks/vpn`` run with the ``pulumi`` CLI the
  way ``stacks/README.md`` tells a person to (copies of the projects in a temp folder, one
  unique suffix per run so that runs sharing the testbed never collide), into the backend the
  NBI's workers use, so that the NS stacks' ``StackReference`` finds the VPN stack;
* :func:`register_core` and :func:`onboard_exemplary` - the OpenStack VIM account (the tenant
  user made by the tenant stack) and the five example packages through the NBI;
* :func:`instantiate_body` - the ``InstantiateNsiRequest`` of ``locus_nst`` with each nested NS
  on its site and the cloud VNF's Day1 parameter.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from support.netns_ssh import TEST_USER

from locus_iac.infra import generate_keypair
from locus_iac.packages import archive_bytes, read_package
from testbed.fake_vms import FakeGuests, management_address
from testbed.helpers import EXAMPLES, REPO, TESTBED_DIR, TOOLS_DIR, Nbi

CLOUD = "locus-testbed"  # the admin entry the testbed writes into <testbed dir>/clouds.yaml
TENANT_CLOUD = "locus-tenant-user"  # the entry these tests add for the tenant's user
CORE_SITE = "core"  # the VIM account name; the edge is the conftest's k8scluster "local"
EDGE_SITE = "local"
IMAGE = "ubuntu-22.04"  # cloud_vnf's sw-image-desc
EDGE_URL = "http://edge-cache.locus.test:8080/"  # the cloud VNF's Day1 parameter edge_url
CORE_POOL = "10.100.0.0/16"  # the default cidr_pool of a registered VIM account
EDGE_POOL = "192.168.128.0/17"  # the default cidr_pool of a registered k8scluster
MGMT_CIDR = "10.10.0.0/24"
DATA_CIDR = "10.100.255.0/24"


def plugin_path() -> Path:
    home = Path(os.environ.get("PULUMI_HOME", TOOLS_DIR / "pulumi-home"))
    return home / "plugins" / "resource-openstack-v5.5.3" / "pulumi-resource-openstack"


def clouds_file() -> Path:
    return TESTBED_DIR / "clouds.yaml"


def openstack_unavailable_reason() -> str | None:
    """Why the testbed's OpenStack cannot be used here, or ``None``."""
    if not plugin_path().exists():
        return (
            f"the Pulumi OpenStack provider is not built ({plugin_path()} missing): "
            "run scripts/bootstrap-tools"
        )
    if not clouds_file().exists():
        return (
            f"the testbed has no OpenStack ({clouds_file()} missing): "
            "run 'locus testbed up --with-openstack'"
        )
    cloud = admin_cloud()
    try:
        answer = httpx.get(cloud["auth"]["auth_url"], timeout=5.0)
    except httpx.HTTPError as exc:
        return (
            f"the testbed's Keystone does not answer ({exc}): "
            "run 'locus testbed up --with-openstack'"
        )
    if answer.status_code >= 400:
        return f"the testbed's Keystone answers {answer.status_code}"
    return None


def admin_cloud() -> dict[str, Any]:
    """The testbed's admin entry of clouds.yaml."""
    loaded = yaml.safe_load(clouds_file().read_text())
    return dict(loaded["clouds"][CLOUD])


def connect(cloud: dict[str, Any]) -> Any:
    """An openstacksdk connection from a clouds.yaml entry."""
    import openstack  # the dev extra's openstacksdk

    auth = cloud["auth"]
    return openstack.connect(
        auth_url=auth["auth_url"],
        username=auth["username"],
        password=auth["password"],
        project_name=auth["project_name"],
        user_domain_name=auth.get("user_domain_name", "Default"),
        project_domain_name=auth.get("project_domain_name", "Default"),
        region_name=cloud.get("region_name"),
        interface=cloud.get("interface", "public"),
        identity_api_version="3",
    )


@dataclass
class Tenant:
    """Names of one run's tenant (unique suffix) and its user's password."""

    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    @property
    def project(self) -> str:
        return f"locus-{self.suffix}"

    @property
    def user(self) -> str:
        return f"locus-mano-{self.suffix}"

    @property
    def mgmt(self) -> str:
        return f"locus-mgmt-{self.suffix}"

    @property
    def data(self) -> str:
        return f"locus-data-{self.suffix}"

    @property
    def security_group(self) -> str:
        return f"{self.project}-default"  # Tenant's group: SSH and ICMP from adminCidrs

    @property
    def router(self) -> str:
        return f"{self.project}-router"

    def cloud(self) -> dict[str, Any]:
        """The clouds.yaml entry of the tenant's user, scoped to the tenant project."""
        admin = admin_cloud()
        auth = {
            **admin["auth"],
            "username": self.user,
            "password": self.password,
            "project_name": self.project,
        }
        return {**admin, "auth": auth}


def _pulumi(env: dict[str, str], cwd: Path, *args: str, timeout: int = 900) -> str:
    done = subprocess.run(
        [str(TOOLS_DIR / "bin" / "pulumi"), *args, "--non-interactive"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"pulumi {' '.join(args)}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _project_copy(name: str, workdir: Path) -> Path:
    target = workdir / name
    shutil.copytree(
        REPO / "stacks" / name,
        target,
        ignore=shutil.ignore_patterns("__pycache__", "venv", "Pulumi.*.yaml"),
    )
    settings = yaml.safe_load((target / "Pulumi.yaml").read_text())
    settings["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
    (target / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    return target


@dataclass
class CoreStacks:
    """``stacks/tenant`` (stack ``local``, from its ``Pulumi.local.yaml``) and ``stacks/vpn``
    (stack ``<edge>--<core>``: the name an NS stack of the MANO reads) run with the CLI."""

    env: dict[str, str]
    workdir: Path
    kubeconfig: str
    tenant: Tenant = field(default_factory=Tenant)
    gateway_flavor: str = ""
    up: list[str] = field(default_factory=list)

    @property
    def vpn_stack(self) -> str:
        return f"{EDGE_SITE}--{CORE_SITE}"

    def write_clouds(self) -> Path:
        """clouds.yaml with the testbed's admin entry and the tenant user's entry (0600)."""
        path = self.workdir / "clouds.yaml"
        clouds = {"clouds": {CLOUD: admin_cloud(), TENANT_CLOUD: self.tenant.cloud()}}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            yaml.safe_dump(clouds, out)
        self.env["OS_CLIENT_CONFIG_FILE"] = str(path)
        return path

    def tenant_up(self) -> str:
        project = _project_copy("tenant", self.workdir)
        local = yaml.safe_load((REPO / "stacks" / "tenant" / "Pulumi.local.yaml").read_text())
        config = local["config"]
        t = self.tenant
        config["locus-tenant:project"] = t.project
        config["locus-tenant:user"] = t.user
        config["locus-tenant:management"]["name"] = t.mgmt
        config["locus-tenant:dataNetworks"] = {t.data: DATA_CIDR}
        (project / "Pulumi.local.yaml").write_text(yaml.safe_dump(local))
        self.write_clouds()
        _pulumi(self.env, project, "stack", "init", "local")
        _pulumi(self.env, project, "config", "set", "--secret", "userPassword", t.password)
        out = _pulumi(self.env, project, "up", "--yes", "--skip-preview")
        self.up.append("tenant")
        return out

    def vpn_up(self) -> str:
        project = _project_copy("vpn", self.workdir)
        t = self.tenant
        config = {
            "locus-vpn:tenantStack": "organization/locus-tenant/local",
            "locus-vpn:coreSite": CORE_SITE,
            "locus-vpn:edgeSite": EDGE_SITE,
            "locus-vpn:coreCloud": TENANT_CLOUD,
            "locus-vpn:edgeKubeconfig": self.kubeconfig,
            "locus-vpn:dataNetwork": t.data,
            "locus-vpn:externalNetwork": "public",
            "locus-vpn:image": IMAGE,
            "locus-vpn:flavor": self.gateway_flavor,
            "locus-vpn:coreRoutedBlock": CORE_POOL,
            "locus-vpn:edgeRoutedBlock": EDGE_POOL,
            "locus-vpn:edgePublicAddress": "172.24.4.1",
            "locus-vpn:edgeNamespace": "default",
            "locus-vpn:edgeGatewayAddress": "192.168.255.1/17",
        }
        stack_file = project / f"Pulumi.{self.vpn_stack}.yaml"
        stack_file.write_text(yaml.safe_dump({"config": config}))
        _pulumi(self.env, project, "stack", "init", self.vpn_stack)
        for key in ("corePrivateKey", "edgePrivateKey"):
            private = generate_keypair().private_key
            _pulumi(self.env, project, "config", "set", "--secret", key, private)
        out = _pulumi(self.env, project, "up", "--yes", "--skip-preview")
        self.up.append("vpn")
        return out

    def outputs(self, name: str) -> dict[str, Any]:
        stack = "local" if name == "tenant" else self.vpn_stack
        out = _pulumi(
            self.env,
            self.workdir / name,
            "stack",
            "output",
            "--json",
            "--show-secrets",
            "--stack",
            stack,
        )
        loaded = json.loads(out)
        return dict(loaded)

    def destroy(self, name: str) -> str:
        stack = "local" if name == "tenant" else self.vpn_stack
        out = _pulumi(
            self.env, self.workdir / name, "destroy", "--yes", "--skip-preview", "--stack", stack
        )
        _pulumi(self.env, self.workdir / name, "stack", "rm", "--yes", "--stack", stack)
        self.up.remove(name)
        return out

    def destroy_all(self) -> None:
        for name in reversed(list(self.up)):
            self.destroy(name)


def register_core(nbi: Nbi, tenant: Tenant) -> dict[str, Any]:
    """The testbed's OpenStack as VIM account ``core``: the tenant's user and project; the
    NSD's ``VM_MGMT`` is the tenant's management network; the tenant's default group (SSH
    and ICMP for Day1) is added to every port."""
    auth = admin_cloud()["auth"]
    body = {
        "name": CORE_SITE,
        "vim_url": auth["auth_url"],
        "vim_tenant_name": tenant.project,
        "vim_user": tenant.user,
        "vim_password": tenant.password,
        "config": {
            "management_network_name": tenant.mgmt,
            "network_mappings": {"VM_MGMT": tenant.mgmt},
            "security_groups": tenant.security_group,
        },
    }
    region = admin_cloud().get("region_name")
    if region:
        body["config"]["region_name"] = region
    response = nbi.client.post("/admin/v1/vim_accounts", json=body, headers=nbi.auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


def onboard_exemplary(nbi: Nbi, workdir: Path) -> None:
    """The exemplary packages; the cloud VNF with the fake guests' SSH user (see
    :mod:`testbed.fake_vms`), nothing else changed."""
    cloud_vnf = workdir / "cloud_vnf"
    shutil.copytree(EXAMPLES / "cloud_vnf", cloud_vnf)
    vnfd = cloud_vnf / "cloud_vnfd.yaml"
    text = vnfd.read_text()
    assert "default-user: ubuntu" in text
    vnfd.write_text(text.replace("default-user: ubuntu", f"default-user: {TEST_USER}"))
    response = nbi.client.post(
        "/vnfpkgm/v1/vnf_packages_content",
        content=archive_bytes(read_package(cloud_vnf)),
        headers={**nbi.auth, "Content-Type": "application/gzip"},
    )
    assert response.status_code == 201, response.text
    nbi.onboard("edge_knf", "cloud_ns", "edge_ns", "locus_nst")


def instantiate_body(name: str) -> dict[str, Any]:
    """``locus_nst`` with the cloud NS on the OpenStack core and the edge NS on the edge."""
    return {
        "nstId": "locus_nst",
        "nsiName": name,
        "vimAccountId": EDGE_SITE,
        "netslice-subnet": [
            {
                "id": "cloud_nss",
                "vimAccountId": CORE_SITE,
                "additionalParamsForNs": {"parameters": {"1": {"edge_url": EDGE_URL}}},
            },
            {"id": "edge_nss", "vimAccountId": EDGE_SITE},
        ],
    }


def ensure_image(conn: Any) -> tuple[str, bool]:
    """The image ``ubuntu-22.04`` (a 1 MiB raw image uploaded when the testbed has none: the
    fake driver boots nothing); (id, whether it was created here)."""
    found = conn.image.find_image(IMAGE)
    if found is not None:
        return str(found.id), False
    image = conn.image.create_image(
        name=IMAGE,
        disk_format="raw",
        container_format="bare",
        visibility="public",
        data=b"\0" * (1 << 20),
    )
    return str(image.id), True


def ensure_gateway_flavor(conn: Any, suffix: str) -> str:
    """A small public flavor for the VPN gateway VM (1 vCPU, 512 MB, 1 GB)."""
    name = f"locus-vpn-gw-{suffix}"
    conn.compute.create_flavor(name=name, vcpus=1, ram=512, disk=1, is_public=True)
    return name


def servers(conn: Any, ns_id: str) -> list[Any]:
    """The servers of NS instance ``ns_id`` (metadata set by OpenStackVnf), by name."""
    found = [
        s
        for s in conn.compute.servers(all_projects=True)
        if s.metadata.get("locus_ns_instance") == ns_id
    ]
    return sorted(found, key=lambda s: s.name)


def server_detail(conn: Any, server_id: str) -> dict[str, Any]:
    """The server as compute microversion 2.79 shows it to an admin (embedded flavor,
    user data)."""
    answer = conn.compute.get(f"/servers/{server_id}", microversion="2.79")
    answer.raise_for_status()
    return dict(answer.json()["server"])


def boot_guests(
    conn: Any, tenant_conn: Any, guests: FakeGuests, ns_id: str, mgmt_network: str
) -> list[str]:
    """Boot a fake guest for every ACTIVE server of ``ns_id`` that has none yet (its address
    on ``mgmt_network``, its key pair read as the tenant user); the server ids booted."""
    booted = []
    for server in servers(conn, ns_id):
        if server.id in guests.guests or server.status != "ACTIVE":
            continue
        ports = list(conn.network.ports(device_id=server.id))
        key = tenant_conn.compute.get_keypair(server.key_name)
        guests.boot(server.id, management_address(ports, mgmt_network), key.public_key)
        booted.append(server.id)
    return booted

"""``locus site add|list|show|delete``: OpenStack VIM accounts and Kubernetes clusters.

``site add`` also takes locus's placement extension of the registration bodies (README
"Placement at instantiation"): ``--role edge|core``, ``--capacity``/``--used`` (resources:
``vcpu``, ``memory_gb``, ``storage_gb``, ``pods``), ``--cost`` (per unit and hour: ``vcpu``,
``memory_gb``, ``storage_gb``, ``pod``) and ``--latency SITE=MS``, each ``KEY=VALUE`` item
repeatable or comma-separated. A malformed item is reported at ``/<option>/<n>`` (``n``-th
item, counted across repetitions); the server checks the rest (unknown resources, ``used``
above ``capacity``, a latency to the site itself) and answers with ``/body/...`` pointers.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from locus_iac.cli.client.api import ApiClient
from locus_iac.cli.client.lifecycle import checked, parse_items
from locus_iac.cli.client.packages import run
from locus_iac.cli.client.tables import show_fields, show_table
from locus_iac.cli.options import text_pairs
from locus_iac.cli.output import emit, emit_json
from locus_iac.errors import Issue, NotFound, ValidationError

app = typer.Typer(
    help="Register sites: OpenStack VIM accounts, Kubernetes clusters.", no_args_is_help=True
)
add_app = typer.Typer(help="Register a site.", no_args_is_help=True)
app.add_typer(add_app, name="add")


class Kind(StrEnum):
    openstack = "openstack"
    kubernetes = "kubernetes"


PATHS = {Kind.openstack: "/admin/v1/vim_accounts", Kind.kubernetes: "/admin/v1/k8sclusters"}


class Role(StrEnum):
    edge = "edge"
    core = "core"


ROLE_OPT = typer.Option(
    None, "--role", help="edge or core (default: Kubernetes edge, OpenStack core)."
)
CAPACITY_OPT = typer.Option(
    [],
    "--capacity",
    help="Resources for the MANO, e.g. vcpu=16,memory_gb=32,storage_gb=200,pods=110.",
)
USED_OPT = typer.Option([], "--used", help="Part of --capacity others take, e.g. vcpu=2.")
COST_OPT = typer.Option(
    [], "--cost", help="Cost per unit and hour, e.g. vcpu=0.05,memory_gb=0.01,pod=0.001."
)
LATENCY_OPT = typer.Option(
    [], "--latency", help="SITE=MS one-way latency to another registered site, repeatable."
)


def numbers(values: list[str], option: str) -> dict[str, float | int]:
    """``KEY=NUMBER`` items of ``--option`` (repeated or comma-separated) as a mapping, parsed
    by the shared ``KEY=VALUE`` parser; every bad item is reported at ``/option/n``."""
    items = [item for value in values for item in value.split(",") if item.strip()]
    parsed = parse_items(items, option)
    issues = [
        Issue(f"/{option}/{i}", "not-a-number", f"{key}={value!r}: VALUE must be a number")
        for i, (key, value) in enumerate(parsed)
        if isinstance(value, bool) or not isinstance(value, int | float)
    ]
    if issues:
        raise ValidationError(f"invalid --{option}", issues)
    return {key.strip(): value for key, value in parsed}


def placement(
    role: Role | None, capacity: list[str], used: list[str], cost: list[str], latency: list[str]
) -> dict[str, Any]:
    """The placement extension of a registration body; only what the options name."""
    body: dict[str, Any] = {"role": role.value} if role is not None else {}
    given = {"capacity": capacity, "used": used, "cost": cost}
    body |= {field: numbers(values, field) for field, values in given.items() if values}
    if latency:
        body["latency_ms"] = numbers(latency, "latency")
    return body


def _created(site: dict[str, Any], as_json: bool) -> None:
    emit_json(site) if as_json else emit(f"{site['name']} {site['id']}")


class Interface(StrEnum):
    public = "public"
    internal = "internal"
    admin = "admin"


def vim_config(
    region: str | None,
    networks: dict[str, str],
    *,
    user_domain: str | None,
    project_domain: str | None,
    ca_cert: Path | None,
    insecure: bool,
    interface: Interface | None,
    application_credential_id: str | None,
) -> dict[str, Any]:
    """The OSM ``config`` of a VIM account: only what the options give (the CA file is
    read here, like osmclient's ``ca_cert``: the server never reads files of this host)."""
    given: dict[str, Any] = {
        "region_name": region,
        "network_mappings": networks,
        "user_domain_name": user_domain,
        "project_domain_name": project_domain,
        "ca_cert_content": ca_cert.read_text() if ca_cert is not None else None,
        "insecure": insecure or None,
        "interface": interface.value if interface is not None else None,
        "application_credential_id": application_credential_id,
    }
    return {key: value for key, value in given.items() if value is not None}


@add_app.command("openstack")
def add_openstack(
    name: str,
    auth_url: str = typer.Option(..., "--auth-url", help="Keystone v3 URL (vim_url)."),
    project: str = typer.Option(..., "--project", help="OpenStack project (vim_tenant_name)."),
    user: str = typer.Option(..., "--user"),
    password: str | None = typer.Option(
        None,
        "--password",
        help="Password, or the application credential's secret with "
        "--application-credential-id. Default: $OS_PASSWORD / "
        "$OS_APPLICATION_CREDENTIAL_SECRET, else prompted.",
    ),
    region: str | None = typer.Option(None, "--region"),
    user_domain: str | None = typer.Option(
        None, "--user-domain", help="User domain name (default: the default domain)."
    ),
    project_domain: str | None = typer.Option(
        None, "--project-domain", help="Project domain name (default: the default domain)."
    ),
    ca_cert: Path | None = typer.Option(
        None, "--ca-cert", exists=True, dir_okay=False, help="PEM CA of the OpenStack APIs."
    ),
    insecure: bool = typer.Option(False, "--insecure", help="Do not verify TLS certificates."),
    interface: Interface | None = typer.Option(
        None, "--interface", help="Catalog endpoints to use (default: public)."
    ),
    application_credential_id: str | None = typer.Option(
        None, "--application-credential-id", help="Authenticate with this credential."
    ),
    no_check: bool = typer.Option(
        False, "--no-check", help="Register without checking the credentials against Keystone."
    ),
    network: list[str] = typer.Option([], "--network", help="VL=NETWORK mapping, repeatable."),
    role: Role | None = ROLE_OPT,
    capacity: list[str] = CAPACITY_OPT,
    used: list[str] = USED_OPT,
    cost: list[str] = COST_OPT,
    latency: list[str] = LATENCY_OPT,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register an OpenStack project as a VIM account. The server checks the credentials,
    project, roles and catalog against Keystone first (unless --no-check)."""
    networks = checked(as_json, lambda: text_pairs(network, "network"))
    extension = checked(as_json, lambda: placement(role, capacity, used, cost, latency))
    env = "OS_APPLICATION_CREDENTIAL_SECRET" if application_credential_id else "OS_PASSWORD"
    secret = password or os.environ.get(env) or typer.prompt("Password", hide_input=True)
    config = vim_config(
        region,
        networks,
        user_domain=user_domain,
        project_domain=project_domain,
        ca_cert=ca_cert,
        insecure=insecure,
        interface=interface,
        application_credential_id=application_credential_id,
    )

    def action(client: ApiClient) -> Any:
        body = {
            "name": name,
            "vim_url": auth_url,
            "vim_tenant_name": project,
            "vim_user": user,
            "vim_password": secret,
            "config": config,
            **extension,
        }
        params = {"check": "false"} if no_check else None
        return client.json("POST", PATHS[Kind.openstack], json=body, params=params)

    _created(run(as_json, action), as_json)


@add_app.command("kubernetes")
def add_kubernetes(
    name: str,
    kubeconfig: Path = typer.Option(..., "--kubeconfig", exists=True, dir_okay=False),
    namespace: str = typer.Option("default", "--namespace"),
    multus_interface: str = typer.Option("eth0", "--multus-interface"),
    net: list[str] = typer.Option([], "--net", help="NET=MULTUS_NETWORK, repeatable."),
    vim_account: str | None = typer.Option(None, "--vim-account"),
    role: Role | None = ROLE_OPT,
    capacity: list[str] = CAPACITY_OPT,
    used: list[str] = USED_OPT,
    cost: list[str] = COST_OPT,
    latency: list[str] = LATENCY_OPT,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a Kubernetes cluster (with Multus) as a site."""
    nets = checked(as_json, lambda: text_pairs(net, "net"))
    extension = checked(as_json, lambda: placement(role, capacity, used, cost, latency))

    def action(client: ApiClient) -> Any:
        body = {
            "name": name,
            "credentials": kubeconfig.read_text(),
            "namespace": namespace,
            "multus_master_interface": multus_interface,
            "nets": nets,
            "vim_account": vim_account,
            **extension,
        }
        return client.json("POST", PATHS[Kind.kubernetes], json=body)

    _created(run(as_json, action), as_json)


@app.command("list")
def list_sites(as_json: bool = typer.Option(False, "--json")) -> None:
    """List both kinds of sites of the project."""

    def action(client: ApiClient) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for kind, path in PATHS.items():
            rows += [{**s, "kind": kind.value} for s in client.json("GET", path)]
        return rows

    rows = run(as_json, action)
    if as_json:
        emit_json(rows)
        return
    show_table(
        [
            ("NAME", "name"),
            ("KIND", "kind"),
            ("ID", "id"),
            ("URL", "vim_url"),
            ("NAMESPACE", "namespace"),
            ("ROLE", "role"),
            ("CAPACITY", "capacity"),
            ("USED", "used"),
            ("COST", "cost"),
            ("LATENCY_MS", "latency_ms"),
        ],
        rows,
    )


def _find(client: ApiClient, ref: str) -> tuple[str, dict[str, Any]]:
    for path in PATHS.values():
        for site in client.json("GET", path):
            if ref in (site["id"], site["name"]):
                return path, site
    raise NotFound(f"no site named {ref!r}")


@app.command()
def show(ref: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one site (by name or id), its placement extension included; credentials are
    never shown."""
    _, site = run(as_json, lambda c: _find(c, ref))
    emit_json(site) if as_json else show_fields(site)


@app.command()
def delete(ref: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Delete a site (by name or id)."""

    def action(client: ApiClient) -> str:
        path, site = _find(client, ref)
        client.request("DELETE", f"{path}/{site['id']}")
        return str(site["id"])

    gone = run(as_json, action)
    emit_json({"deleted": gone}) if as_json else emit(f"deleted {ref}")

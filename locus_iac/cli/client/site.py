"""``locus site add|list|show|delete``: OpenStack VIM accounts and Kubernetes clusters."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from locus_iac.cli.client.api import ApiClient
from locus_iac.cli.client.packages import run
from locus_iac.cli.client.tables import show_fields, show_table
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


def pairs(values: list[str], option: str) -> dict[str, str]:
    """``a=b`` option values as a mapping; a ValidationError names the bad one."""
    found: dict[str, str] = {}
    for index, value in enumerate(values):
        key, sep, target = value.partition("=")
        if not sep or not key or not target:
            raise ValidationError(
                f"{option} takes NAME=VALUE, got {value!r}",
                [Issue(f"/{option.lstrip('-')}/{index}", "invalid-value", "expected NAME=VALUE")],
            )
        found[key] = target
    return found


def _created(site: dict[str, Any], as_json: bool) -> None:
    emit_json(site) if as_json else emit(f"{site['name']} {site['id']}")


@add_app.command("openstack")
def add_openstack(
    name: str,
    auth_url: str = typer.Option(..., "--auth-url", help="Keystone URL (vim_url)."),
    project: str = typer.Option(..., "--project", help="OpenStack project (vim_tenant_name)."),
    user: str = typer.Option(..., "--user"),
    password: str | None = typer.Option(None, "--password", help="Default: $OS_PASSWORD."),
    region: str | None = typer.Option(None, "--region"),
    network: list[str] = typer.Option([], "--network", help="VL=NETWORK mapping, repeatable."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register an OpenStack project as a VIM account."""
    secret = password or os.environ.get("OS_PASSWORD") or typer.prompt("Password", hide_input=True)

    def action(client: ApiClient) -> Any:
        body = {
            "name": name,
            "vim_url": auth_url,
            "vim_tenant_name": project,
            "vim_user": user,
            "vim_password": secret,
            "config": {"region_name": region, "network_mappings": pairs(network, "--network")},
        }
        return client.json("POST", PATHS[Kind.openstack], json=body)

    _created(run(as_json, action), as_json)


@add_app.command("kubernetes")
def add_kubernetes(
    name: str,
    kubeconfig: Path = typer.Option(..., "--kubeconfig", exists=True, dir_okay=False),
    namespace: str = typer.Option("default", "--namespace"),
    multus_interface: str = typer.Option("eth0", "--multus-interface"),
    net: list[str] = typer.Option([], "--net", help="NET=MULTUS_NETWORK, repeatable."),
    vim_account: str | None = typer.Option(None, "--vim-account"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a Kubernetes cluster (with Multus) as a site."""

    def action(client: ApiClient) -> Any:
        body = {
            "name": name,
            "credentials": kubeconfig.read_text(),
            "namespace": namespace,
            "multus_master_interface": multus_interface,
            "nets": pairs(net, "--net"),
            "vim_account": vim_account,
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
    """Show one site (by name or id); credentials are never shown."""
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

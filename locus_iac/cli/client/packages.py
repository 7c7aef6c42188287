"""``locus vnfpkg|nsd|nst create|upload|list|show|delete``: package management over HTTP.

``upload PATH`` takes a package folder (archived on the fly as the OSM tar.gz), a ``.tar.gz``
/ ``.zip`` package or a descriptor YAML; with ``--id`` it fills a resource made by
``create`` (SOL005 two-step), without it onboards in one step (OSM ``..._content``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import typer

from locus_iac.cli.client.api import ApiClient
from locus_iac.cli.client.paging import fetch_all
from locus_iac.cli.client.tables import show_fields, show_table
from locus_iac.cli.output import emit, emit_json, fail
from locus_iac.errors import LocusError

T = TypeVar("T")


@dataclass(frozen=True)
class Area:
    noun: str
    base: str
    one_shot: str
    content: str
    descriptor: str
    id_key: str
    state_key: str
    usage_key: str
    name_key: str


AREAS = {
    "vnfpkg": Area(
        "VNF package",
        "/vnfpkgm/v1/vnf_packages",
        "/vnfpkgm/v1/vnf_packages_content",
        "package_content",
        "vnfd",
        "vnfdId",
        "onboardingState",
        "usageState",
        "vnfProductName",
    ),
    "nsd": Area(
        "NS descriptor",
        "/nsd/v1/ns_descriptors",
        "/nsd/v1/ns_descriptors_content",
        "nsd_content",
        "nsd",
        "nsdId",
        "nsdOnboardingState",
        "nsdUsageState",
        "nsdName",
    ),
    "nst": Area(
        "netslice template",
        "/nst/v1/netslice_templates",
        "/nst/v1/netslice_templates_content",
        "nst_content",
        "nst",
        "nstId",
        "onboardingState",
        "usageState",
        "nstName",
    ),
}


def payload(path: Path) -> tuple[bytes, str]:
    """The bytes to upload for ``path`` and their media type."""
    if path.is_dir():
        # Only an upload of a folder needs the package reader (and the descriptor models).
        from locus_iac.packages import archive_bytes, read_package

        return archive_bytes(read_package(path)), "application/gzip"
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        return data, "application/gzip"
    if data[:4] == b"PK\x03\x04":
        return data, "application/zip"
    return data, "application/yaml"


JSON_OPT = typer.Option(False, "--json", help="Print JSON.")


def run(as_json: bool, action: Callable[[ApiClient], T]) -> T:
    """Call ``action`` with a client of the logged-in session; errors end the command."""
    try:
        client = ApiClient.from_session()
        try:
            return action(client)
        finally:
            client.close()
    except (LocusError, OSError) as exc:
        error = exc if isinstance(exc, LocusError) else LocusError(str(exc))
        raise fail(error, as_json=as_json) from None


def make_app(area: Area) -> typer.Typer:
    """The ``create|upload|list|show|delete`` commands of one package area."""
    app = typer.Typer(help=f"Manage {area.noun}s on the NBI.", no_args_is_help=True)
    _create_upload(app, area)
    _list_show_delete(app, area)
    return app


def _create_upload(app: typer.Typer, area: Area) -> None:
    @app.command()
    def create(
        name: str | None = typer.Option(None, help="Name of the resource."),
        description: str | None = typer.Option(None),
        as_json: bool = JSON_OPT,
    ) -> None:
        """Create an empty resource (CREATED); fill it with `upload --id`."""
        body = {k: v for k, v in (("name", name), ("description", description)) if v}
        info = run(as_json, lambda c: c.json("POST", area.base, json=body))
        emit_json(info) if as_json else emit(info["id"])

    @app.command()
    def upload(
        path: Path = typer.Argument(..., exists=True, help="Folder, .tar.gz, .zip or YAML."),
        resource_id: str | None = typer.Option(None, "--id", help="Resource made by `create`."),
        as_json: bool = JSON_OPT,
    ) -> None:
        """Upload and onboard a package; prints the resource id."""

        def action(client: ApiClient) -> str:
            data, media = payload(path)
            headers = {"Content-Type": media}
            if resource_id:
                url = f"{area.base}/{resource_id}/{area.content}"
                client.request("PUT", url, content=data, headers=headers)
                return resource_id
            return str(client.json("POST", area.one_shot, content=data, headers=headers)["id"])

        new_id = run(as_json, action)
        emit_json({"id": new_id}) if as_json else emit(new_id)


def _list_show_delete(app: typer.Typer, area: Area) -> None:
    @app.command("list")
    def list_(as_json: bool = JSON_OPT) -> None:
        """List the project's resources (every page)."""

        items = run(as_json, lambda c: fetch_all(c, area.base))
        if as_json:
            emit_json(items)
            return
        show_table(
            [
                ("ID", "id"),
                ("DESCRIPTOR", area.id_key),
                ("NAME", area.name_key),
                ("ONBOARDING", area.state_key),
                ("USAGE", area.usage_key),
            ],
            items,
        )

    @app.command()
    def show(
        resource_id: str,
        descriptor: bool = typer.Option(False, "--descriptor", help="Print the YAML."),
        as_json: bool = JSON_OPT,
    ) -> None:
        """Show one resource, or its descriptor YAML."""
        if descriptor:
            url = f"{area.base}/{resource_id}/{area.descriptor}"
            text = run(
                as_json, lambda c: c.request("GET", url, headers={"Accept": "text/plain"}).text
            )
            emit(text.rstrip("\n"))
            return
        info = run(as_json, lambda c: c.json("GET", f"{area.base}/{resource_id}"))
        emit_json(info) if as_json else show_fields(info)

    @app.command()
    def delete(resource_id: str, as_json: bool = JSON_OPT) -> None:
        """Delete a resource (refused while it is in use)."""
        run(as_json, lambda c: c.request("DELETE", f"{area.base}/{resource_id}"))
        emit_json({"deleted": resource_id}) if as_json else emit(f"deleted {resource_id}")


vnfpkg_app = make_app(AREAS["vnfpkg"])
nsd_app = make_app(AREAS["nsd"])
nst_app = make_app(AREAS["nst"])

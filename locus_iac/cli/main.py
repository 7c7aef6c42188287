"""The ``locus`` command: one Typer app, one sub-app per area.

Each area lives in its own module under ``locus_iac.cli`` and exposes ``app`` (or a
function, for a single command); it is registered here with one line in ``COMMANDS``, with
the one-line help ``locus --help`` shows. A command's module is imported only when the
command runs (``locus_iac.cli.lazy``), so ``locus --help`` and ``locus pkg validate`` do not
pay for Pulumi, SQLAlchemy or FastAPI. Exit codes: 0 success, 1 the input or operation
failed, 2 usage error (Typer's own).
"""

from __future__ import annotations

import typer

from locus_iac import __version__
from locus_iac.cli.lazy import LazyEntry, LazyGroup

_CLI = "locus_iac.cli"

# Sub-commands in the order ``locus --help`` lists them: single commands first, then the
# groups, each part sorted. ``help`` must equal the command's own (tests/cli/test_startup.py).
COMMANDS: tuple[LazyEntry, ...] = (
    LazyEntry(
        "place",
        f"{_CLI}.place:place",
        "Place every VNF/KNF of an NS or netslice on the sites, and explain each choice.",
    ),
    LazyEntry(
        "plan",
        f"{_CLI}.plan:plan",
        "Print the resources the NS/NSI program would declare, without credentials.",
    ),
    LazyEntry(
        "function",
        f"{_CLI}.function:app",
        "LOCUS functions: template, packaging, POI identification.",
    ),
    LazyEntry("login", f"{_CLI}.client.login:app", "Log in to a LOCUS NBI (locus serve)."),
    LazyEntry(
        "logout", f"{_CLI}.client.login:logout_app", "Revoke the cached token and forget it."
    ),
    LazyEntry("nsd", f"{_CLI}.client.packages:nsd_app", "Manage NS descriptors on the NBI."),
    LazyEntry("ns", f"{_CLI}.ns:app", "NS and netslice instances."),
    LazyEntry("nsi", f"{_CLI}.nsi:app", "Netslice instances (composite NS of nested NS)."),
    LazyEntry("nst", f"{_CLI}.client.packages:nst_app", "Manage netslice templates on the NBI."),
    LazyEntry(
        "pkg",
        f"{_CLI}.pkg:app",
        "VNF/NS packages and netslice templates: validate, build, show.",
    ),
    LazyEntry("serve", f"{_CLI}.serve:app", "Run the SOL005 northbound API."),
    LazyEntry(
        "site",
        f"{_CLI}.client.site:app",
        "Register sites: OpenStack VIM accounts, Kubernetes clusters.",
    ),
    LazyEntry(
        "smart",
        f"{_CLI}.smart:app",
        "Smart NFV functions: autoscaling, fault management, right-sizing.",
    ),
    LazyEntry(
        "testbed",
        f"{_CLI}.testbed:app",
        "Local testbed: Pulumi engine + Kubernetes control plane on 127.0.0.1.",
    ),
    LazyEntry("vnfpkg", f"{_CLI}.client.packages:vnfpkg_app", "Manage VNF packages on the NBI."),
)


class _LocusGroup(LazyGroup):
    entries = COMMANDS


app = typer.Typer(
    name="locus",
    cls=_LocusGroup,
    help="LOCUS MANO: descriptors, packages, placement, NS lifecycle on Pulumi and Ansible.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"locus-iac {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """LOCUS MANO command line."""


def main() -> None:
    app()

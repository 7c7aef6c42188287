"""The ``locus`` command: one Typer app, one sub-app per area.

Each area lives in its own module under ``locus_iac.cli`` and exposes ``app``; it is
registered here with one line. Exit codes: 0 success, 1 the input or operation failed,
2 usage error (Typer's own).
"""

from __future__ import annotations

import typer

from locus_iac import __version__
from locus_iac.cli import function as _function
from locus_iac.cli import ns as _ns
from locus_iac.cli import nsi as _nsi
from locus_iac.cli import pkg as _pkg
from locus_iac.cli import place as _place
from locus_iac.cli import plan as _plan
from locus_iac.cli import serve as _serve
from locus_iac.cli import testbed as _testbed
from locus_iac.cli.client import login as _login
from locus_iac.cli.client import packages as _packages
from locus_iac.cli.client import site as _site

app = typer.Typer(
    name="locus",
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


# Sub-apps: one line each (keep sorted).
app.add_typer(_function.app, name="function")
app.add_typer(_login.app, name="login")
app.add_typer(_login.logout_app, name="logout")
app.add_typer(_packages.nsd_app, name="nsd")
app.add_typer(_ns.app, name="ns")
app.add_typer(_nsi.app, name="nsi")
app.add_typer(_packages.nst_app, name="nst")
app.add_typer(_pkg.app, name="pkg")
app.command("place")(_place.place)
app.command("plan")(_plan.plan)
app.add_typer(_serve.app, name="serve")
app.add_typer(_site.app, name="site")
app.add_typer(_testbed.app, name="testbed")
app.add_typer(_packages.vnfpkg_app, name="vnfpkg")


def main() -> None:
    app()

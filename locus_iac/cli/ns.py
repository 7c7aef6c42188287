"""``locus ns``: NS instances from the command line (``export`` the plan file for now)."""

from __future__ import annotations

import typer

from locus_iac.cli.client.ns import register
from locus_iac.cli.ns_export import export

app = typer.Typer(help="NS and netslice instances.", no_args_is_help=True)
app.command("export")(export)
register(app)  # create|instantiate|scale|action|heal|terminate|show|list|ops (NBI)

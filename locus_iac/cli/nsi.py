"""``locus nsi``: netslice instances (OSM netslices) over the NBI's ``/nsilcm/v1``."""

from __future__ import annotations

import typer

from locus_iac.cli.client.nsi import register

app = typer.Typer(help="Netslice instances (composite NS of nested NS).", no_args_is_help=True)
register(app)  # create|instantiate|action|terminate|show|list|ops|delete|retry|fail

"""``locus ns``: NS instances from the command line over the NBI, and ``export`` (the plan
file; imported only when it runs: it needs the Pulumi programs)."""

from __future__ import annotations

import typer

from locus_iac.cli.client.ns import register
from locus_iac.cli.lazy import LazyEntry, LazyGroup

LAZY_COMMANDS = (
    LazyEntry(
        "export",
        "locus_iac.cli.ns_export:export",
        "Write the plan file of an NS/NSI for stacks/ns (pulumi up by hand).",
    ),
)


class _NsGroup(LazyGroup):
    entries = LAZY_COMMANDS


app = typer.Typer(cls=_NsGroup, help="NS and netslice instances.", no_args_is_help=True)
register(app)  # create|instantiate|scale|action|heal|terminate|show|list|ops (NBI)

"""``locus ns export``: write the plan file of one NS or netslice instance.

The file is what ``stacks/ns`` deploys with ``pulumi up`` (``planFile`` config key) and is
the same plan ``locus plan`` previews. Packages given as archives are unpacked next to the
file (``<out dir>/<vnfd id>/``) so their cloud-init files and charts stay available.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import typer

from locus_iac.cli.output import emit, fail
from locus_iac.cli.plan import (
    FIP_HELP,
    OPTIMISE_HELP,
    PARAM_HELP,
    PKG_HELP,
    PLACE_HELP,
    RESERVE_HELP,
    VPN_HELP,
    WITH_HELP,
    PlanInputs,
    load_plan,
)
from locus_iac.errors import LocusError
from locus_iac.infra.plan_file import write_plan


def export(
    pkg: Path = typer.Argument(..., exists=True, help=PKG_HELP),
    with_: list[Path] = typer.Option([], "--with", exists=True, help=WITH_HELP),
    sites: Path = typer.Option(..., "--sites", exists=True, help="The sites YAML file."),
    place: list[str] = typer.Option([], "--place", help=PLACE_HELP),
    vpn_stack: list[str] = typer.Option([], "--vpn-stack", help=VPN_HELP),
    scale: list[str] = typer.Option([], "--scale", help="PROFILE:VDU=N instances/replicas."),
    instance_id: str = typer.Option("", "--id", help="Instance id (default: a new UUID)."),
    output: Path = typer.Option(..., "-o", "--output", help="Plan file (.json or .yaml)."),
    optimise: bool = typer.Option(True, help=OPTIMISE_HELP),
    param: list[str] = typer.Option([], "--param", help=PARAM_HELP),
    reserve: list[str] = typer.Option([], "--reserve", help=RESERVE_HELP),
    floating_ips: bool = typer.Option(False, "--floating-ips", help=FIP_HELP),
) -> None:
    """Write the plan file of an NS/NSI for stacks/ns (pulumi up by hand)."""
    try:
        inputs = PlanInputs(
            pkg=pkg,
            with_=with_,
            sites=sites,
            instance_id=instance_id or str(uuid.uuid4()),
            place=place,
            vpn=vpn_stack,
            scale=scale,
            params=param,
            reserve=reserve,
            optimise=optimise,
            floating_ips=floating_ips,
        )
        resolved = load_plan(inputs, output.parent.resolve() / "packages")
        write_plan(resolved, output)
    except LocusError as error:
        raise fail(error) from None
    emit(f"wrote {output}")

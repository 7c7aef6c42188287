"""``locus plan``: an offline preview of an NS or netslice program.

Runs the real Pulumi program under the SDK's mocks (no engine, no credentials, no network)
and prints every resource it declares: type, name, parent (as a tree), dependencies and
key inputs. ``--json`` prints ``{"id", "kind", "resources": [...], "lookups": [...],
"outputs": {...}, "counts": {...}}``. Placement: ``--place VNF=SITE`` (VNF is a VNFD id, a
vnf-profile id, or ``subnet/profile`` in a netslice) first; the other functions where the
placement optimiser puts them, or with ``--no-optimise`` KNFs on an edge Kubernetes site
and VNFs on a core OpenStack site.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import typer

from locus_iac.cli.options import text_pairs
from locus_iac.cli.output import emit, emit_json, fail
from locus_iac.cli.package_paths import expand_all
from locus_iac.descriptors import Nsd, Nst, Vnfd
from locus_iac.errors import Issue, LocusError, ValidationError
from locus_iac.infra import (
    NsiPlan,
    NsiSpec,
    NsPlan,
    PreviewMocks,
    ProgramPlan,
    build_ns,
    build_nsi,
    resolve_ns,
    resolve_nsi,
)
from locus_iac.infra.from_packages import package_folder, spec_from_packages
from locus_iac.infra.preview import key_inputs, run_program, upstream_placeholders
from locus_iac.packages import Package, read_package
from locus_iac.placement import place as place_functions
from locus_iac.placement.from_descriptors import request_from_descriptors, request_from_netslice
from locus_iac.sites import SiteCatalog, load_sites

PKG_HELP = "The NSD or NST package (folder, .tar.gz or descriptor YAML)."
WITH_HELP = "The other packages it needs: nested NSDs, VNFDs (repeatable)."
PLACE_HELP = "VNF=SITE: run this VNFD / vnf-profile (subnet/profile in a netslice) there."
OPTIMISE_HELP = (
    "Place the functions --place leaves open with the placement optimiser (min. total cost); "
    "--no-optimise: KNFs to an edge Kubernetes site, VNFs to a core OpenStack site."
)
PARAM_HELP = "PROFILE:NAME=VALUE: a Day0 (cloud-init) parameter of a VNF (repeatable)."
RESERVE_HELP = "SITE=CIDR: a block links at SITE must not use (VPN transit, other NSs)."
FIP_HELP = "Give every VDU's management port a floating IP (the site's external network)."
VPN_HELP = "SITE-A:SITE-B=STACK: the locus-vpn stack joining two sites."


def _scale(values: list[str]) -> dict[str, dict[str, int]]:
    scale: dict[str, dict[str, int]] = {}
    for key, count in text_pairs(values, "scale").items():
        profile, _, unit = key.rpartition(":")
        if not profile or not count.isdigit():
            raise ValidationError(
                "--scale takes PROFILE:VDU=N",
                [Issue("/scale", "bad-option", f"{key}={count}")],
            )
        scale.setdefault(profile, {})[unit] = int(count)
    return scale


def optimised_placement(main: Package, others: list[Package], sites: SiteCatalog) -> dict[str, str]:
    """The placement optimiser's sites for every vnf-profile (``subnet/profile`` in a
    netslice), minimum total cost under capacity and latency bounds."""
    everything = [main, *others]
    vnfds = {p.id: p.descriptor.model for p in everything if isinstance(p.descriptor.model, Vnfd)}
    nsds = {p.id: p.descriptor.model for p in everything if isinstance(p.descriptor.model, Nsd)}
    model = main.descriptor.model
    if isinstance(model, Nst):
        request = request_from_netslice(model, nsds, vnfds)
    elif isinstance(model, Nsd):
        request = request_from_descriptors(model, vnfds)
    else:
        return {}
    return dict(place_functions(request, sites, time_limit=20.0).assignment)


def _params(values: list[str]) -> dict[str, dict[str, str]]:
    params: dict[str, dict[str, str]] = {}
    for key, value in text_pairs(values, "param").items():
        profile, _, name = key.rpartition(":")
        if not profile or not name:
            raise ValidationError(
                "--param takes PROFILE:NAME=VALUE", [Issue("/param", "bad-option", key)]
            )
        params.setdefault(profile, {})[name] = value
    return params


def _reserved(values: list[str]) -> dict[str, list[IPv4Network]]:
    reserved: dict[str, list[IPv4Network]] = {}
    for i, value in enumerate(values):
        site, _, cidr = value.partition("=")
        try:
            reserved.setdefault(site, []).append(IPv4Network(cidr))
        except ValueError:
            raise ValidationError(
                "--reserve takes SITE=CIDR", [Issue(f"/reserve/{i}", "bad-option", value)]
            ) from None
    return reserved


@dataclass(frozen=True)
class PlanInputs:
    """What ``plan`` and ``ns export`` take from the command line (option strings as typed)."""

    pkg: Path
    with_: list[Path]
    sites: Path
    instance_id: str
    place: list[str] = field(default_factory=list)
    vpn: list[str] = field(default_factory=list)
    scale: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    reserve: list[str] = field(default_factory=list)
    optimise: bool = True
    floating_ips: bool = False


def load_plan(inputs: PlanInputs, workdir: Path) -> NsPlan | NsiPlan:
    """Read the packages and sites, place (``--place`` first, then the optimiser or the
    kind/role rule), and resolve the NS or NSI plan; archives are unpacked under
    ``workdir``."""
    sites = load_sites(inputs.sites)
    main = read_package(inputs.pkg, name=str(inputs.pkg))
    others: list[Package] = []
    folders: dict[str, Path] = {}
    for path in expand_all(inputs.with_, inputs.pkg):
        package = read_package(path, name=str(path))
        others.append(package)
        folders[package.id] = package_folder(package, path.resolve(), workdir)
    suggested = optimised_placement(main, others, sites) if inputs.optimise else {}
    spec = spec_from_packages(
        main,
        others,
        folders,
        sites,
        instance_id=inputs.instance_id,
        place=text_pairs(inputs.place, "place"),
        suggested=suggested,
        vpn_stacks=text_pairs(inputs.vpn, "vpn-stack"),
        scale=_scale(inputs.scale),
        parameters=_params(inputs.params),
        reserved=_reserved(inputs.reserve),
        floating_ips=inputs.floating_ips,
    )
    return resolve_nsi(spec) if isinstance(spec, NsiSpec) else resolve_ns(spec)


def preview(plan: NsPlan | NsiPlan) -> ProgramPlan:
    """Run the program of ``plan`` under mocks."""
    inner = plan.plan if isinstance(plan, NsiPlan) else plan
    mocks = PreviewMocks(upstream_placeholders(inner.upstream))

    def program() -> None:
        if isinstance(plan, NsiPlan):
            build_nsi(plan)
        else:
            build_ns(plan)

    return run_program(program, stack=inner.ns_instance_id, mocks=mocks)


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def plan_document(plan: NsPlan | NsiPlan, result: ProgramPlan) -> dict[str, Any]:
    """The ``--json`` document."""
    inner = plan.plan if isinstance(plan, NsiPlan) else plan
    return {
        "id": inner.ns_instance_id,
        "kind": "nsi" if isinstance(plan, NsiPlan) else "ns",
        "placement": {
            v.profile_id: {"vnfd": v.vnfd_id, "site": v.site, "kind": v.kind.value}
            for v in inner.vnfs
        },
        "links": {
            link.id: {
                "sites": list(link.sites),
                "existing": link.existing,
                "cidrs": {site: str(block) for site, block in link.cidrs.items()},
            }
            for link in inner.links
        },
        "counts": result.count(),
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "parent": _short(r.parent) if r.parent else None,
                "provider": r.provider,
                "dependencies": sorted(_short(d) for d in r.dependencies),
                "inputs": key_inputs(r),
                "read": r.read,
            }
            for r in result.resources
        ],
        "lookups": [{"function": lk.token, "args": lk.args} for lk in result.lookups],
        "outputs": result.outputs,
    }


def _link_line(vl: str, link: dict[str, Any]) -> str:
    ends = []
    for site in link["sites"]:
        if site in link["existing"]:
            ends.append(f"{site} existing network {link['existing'][site]!r}")
        else:
            ends.append(f"{site} {link['cidrs'][site]}")
    kind = "site link over the VPN" if len(ends) > 1 else "one site"
    return f"  {vl}: {' <-> '.join(ends)} ({kind})"


def _text(document: dict[str, Any]) -> list[str]:
    resources = document["resources"]
    by_parent: dict[str | None, list[dict[str, Any]]] = {}
    names = {r["name"] for r in resources}
    for res in resources:
        parent = res["parent"] if res["parent"] in names else None
        by_parent.setdefault(parent, []).append(res)
    lines = [
        f"{document['kind'].upper()} {document['id']}: {len(resources)} resources, "
        f"{len(document['lookups'])} lookups (offline preview under Pulumi mocks)",
        "",
        "placement:",
        *(
            f"  {profile}: {p['vnfd']} -> {p['site']} ({p['kind']})"
            for profile, p in document["placement"].items()
        ),
        "links:",
        *(_link_line(vl, link) for vl, link in document["links"].items()),
        "",
        "resources:",
    ]

    def walk(parent: str | None, depth: int) -> None:
        for res in by_parent.get(parent, []):
            pad = "  " * depth
            verb = "read" if res["read"] else "+"
            lines.append(f"{pad}{verb} {res['type']}  {res['name']}")
            for key, value in res["inputs"].items():
                lines.append(f"{pad}    {key}: {json.dumps(value, sort_keys=True)}")
            if res["dependencies"]:
                lines.append(f"{pad}    depends on: {', '.join(res['dependencies'])}")
            walk(res["name"], depth + 1)

    walk(None, 0)
    lines += ["", "lookups:"]
    lines += [
        f"  {lk['function']} {json.dumps(lk['args'], sort_keys=True)}" for lk in document["lookups"]
    ]
    lines += ["", "outputs:"]
    lines += [f"  {k}: {json.dumps(v, sort_keys=True)}" for k, v in document["outputs"].items()]
    lines += ["", "counts:"]
    lines += [f"  {n:4d}  {t}" for t, n in sorted(document["counts"].items())]
    return lines


def plan(
    pkg: Path = typer.Argument(..., exists=True, help=PKG_HELP),
    with_: list[Path] = typer.Option([], "--with", exists=True, help=WITH_HELP),
    sites: Path = typer.Option(..., "--sites", exists=True, help="The sites YAML file."),
    place: list[str] = typer.Option([], "--place", help=PLACE_HELP),
    vpn_stack: list[str] = typer.Option([], "--vpn-stack", help=VPN_HELP),
    scale: list[str] = typer.Option([], "--scale", help="PROFILE:VDU=N instances/replicas."),
    instance_id: str = typer.Option("plan-preview", "--id", help="NS/NSI instance id."),
    optimise: bool = typer.Option(True, help=OPTIMISE_HELP),
    param: list[str] = typer.Option([], "--param", help=PARAM_HELP),
    reserve: list[str] = typer.Option([], "--reserve", help=RESERVE_HELP),
    floating_ips: bool = typer.Option(False, "--floating-ips", help=FIP_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Print the resources the NS/NSI program would declare, without credentials."""
    try:
        with tempfile.TemporaryDirectory(prefix="locus-plan-") as tmp:
            inputs = PlanInputs(
                pkg=pkg,
                with_=with_,
                sites=sites,
                instance_id=instance_id,
                place=place,
                vpn=vpn_stack,
                scale=scale,
                params=param,
                reserve=reserve,
                optimise=optimise,
                floating_ips=floating_ips,
            )
            resolved = load_plan(inputs, Path(tmp))
            document = plan_document(resolved, preview(resolved))
    except LocusError as error:
        raise fail(error, as_json=as_json) from None
    if as_json:
        emit_json(document)
        return
    for line in _text(document):
        emit(line)

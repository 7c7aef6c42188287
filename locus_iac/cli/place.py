"""``locus place``: decide which site runs each VNF/KNF of an NS or netslice, and say why.

Functions are the NSD vnf-profiles (``subnet/profile`` in a netslice, the keys ``locus plan
--place`` takes). ``--max-latency LINK=MS`` sets a link's bound where the descriptors state
none; ``--pin FUNCTION=SITE`` fixes a function. ``--json`` prints one object: on success
``{"placed": true, "objective", "objective_value", "total_cost", "solver", "status",
"optimality_gap", "solve_seconds", "notes", "assignment", "functions": [...]}`` (``notes``:
phases the time limit cut short, "no bound"), when no placement
exists ``{"placed": false, "minimal", "conflicts": [{"constraint", "key", "message"}]}``
(exit 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from locus_iac.cli.options import text_pairs
from locus_iac.cli.output import EXIT_FAILED, emit, emit_json, fail
from locus_iac.cli.package_paths import expand_all
from locus_iac.descriptors import Nsd, Nst, Vnfd
from locus_iac.errors import Issue, LocusError, ValidationError
from locus_iac.packages import read_package
from locus_iac.placement import (
    LinkDemand,
    Objective,
    PlacementDecision,
    PlacementInfeasible,
    PlacementRequest,
    SolverChoice,
)
from locus_iac.placement import (
    place as run_placement,
)
from locus_iac.placement.from_descriptors import request_from_descriptors, request_from_netslice
from locus_iac.sites import load_sites

PKG_HELP = "The NSD or NST package (folder, .tar.gz or descriptor YAML)."
WITH_HELP = (
    "The other packages it needs: nested NSDs, VNFDs (repeatable); a folder of packages "
    "stands for each package in it."
)


def load_request(
    pkg: Path,
    with_: list[Path],
    objective: Objective,
    df: str | None = None,
    level: str | None = None,
) -> PlacementRequest:
    """The placement request of the NS or netslice in ``pkg`` (descriptors in ``with_``)."""
    main = read_package(pkg, name=str(pkg)).descriptor.model
    paths = expand_all(with_, pkg)
    models = [read_package(p, name=str(p)).descriptor.model for p in paths]
    vnfds = {m.id: m for m in models if isinstance(m, Vnfd)}
    nsds = {m.id: m for m in models if isinstance(m, Nsd)}
    if isinstance(main, Nsd):
        return request_from_descriptors(main, vnfds, df, level, objective)
    if isinstance(main, Nst):
        return request_from_netslice(main, nsds, vnfds, objective)
    raise ValidationError(
        f"{pkg} is a VNF package: place an NS or a netslice",
        [Issue("", "wrong-kind", "give an NSD or NST package; VNFDs go in --with")],
    )


def with_overrides(
    request: PlacementRequest,
    latency: dict[str, str],
    pins: dict[str, str],
    sap_site: str | None,
) -> PlacementRequest:
    """``request`` with latency bounds, pins and the SAP site given on the command line."""
    known = {link.id for link in request.links}
    issues = []
    bounds: dict[str, float] = {}
    for link_id, value in latency.items():
        try:
            bounds[link_id] = float(value)
        except ValueError:
            issues.append(Issue(f"/max-latency/{link_id}", "bad-option", f"{value} is not ms"))
        if link_id not in known:
            listed = ", ".join(sorted(known)) or "none"
            issues.append(
                Issue(f"/max-latency/{link_id}", "unknown-link", f"no link {link_id!r} ({listed})")
            )
    if issues:
        raise ValidationError("invalid --max-latency", issues)
    links = tuple(
        LinkDemand(id=link.id, ends=link.ends, max_latency_ms=bounds[link.id])
        if link.id in bounds
        else link
        for link in request.links
    )
    return request.model_copy(
        update={"links": links, "pins": {**request.pins, **pins}, "sap_site": sap_site}
    )


def decision_document(request: PlacementRequest, decision: PlacementDecision) -> dict[str, Any]:
    """The ``--json`` document of a decision."""
    functions = {f.id: f for f in request.functions}
    return {
        "placed": True,
        "objective": decision.objective.value,
        "objective_value": decision.objective_value,
        "total_cost": decision.total_cost,
        "solver": decision.solver,
        "status": decision.status.value,
        "optimality_gap": decision.optimality_gap,
        "solve_seconds": round(decision.solve_seconds, 3),
        "notes": list(decision.notes),
        "assignment": decision.assignment,
        "functions": [
            {
                "function": e.function,
                "vnfd": functions[e.function].vnfd_id,
                "kind": functions[e.function].kind.value,
                "site": e.site,
                "reasons": [r.model_dump() for r in e.reasons],
            }
            for e in decision.explanations
        ],
    }


def _table(document: dict[str, Any]) -> list[str]:
    rows = [("FUNCTION", "VNFD", "KIND", "SITE", "WHY")]
    rows += [
        (
            f["function"],
            f["vnfd"] or "-",
            f["kind"],
            f["site"],
            "; ".join(r["message"] for r in f["reasons"]),
        )
        for f in document["functions"]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4]
        for row in rows
    ]
    gap = document["optimality_gap"]
    lines += [
        "",
        f"objective {document['objective']}: {document['objective_value']:.6g}; total cost "
        f"{document['total_cost']:.6g}/h; {document['solver']} ({document['status']}, gap "
        f"{'unknown' if gap is None else f'{gap:.2%}'}) in {document['solve_seconds']:.2f} s",
        *(f"note: {note}" for note in document["notes"]),
    ]
    return lines


def place(
    pkg: Path = typer.Argument(..., exists=True, help=PKG_HELP),
    with_: list[Path] = typer.Option([], "--with", exists=True, help=WITH_HELP),
    sites: Path = typer.Option(..., "--sites", exists=True, help="The sites YAML file."),
    objective: Objective = typer.Option(Objective.MIN_TOTAL_COST, "--objective"),
    solver: str = typer.Option("auto", "--solver", help="auto, milp or heuristic."),
    time_limit: float = typer.Option(30.0, "--time-limit", min=0.1, help="Seconds."),
    pin: list[str] = typer.Option([], "--pin", help="FUNCTION=SITE (repeatable)."),
    max_latency: list[str] = typer.Option([], "--max-latency", help="LINK=MS (repeatable)."),
    sap_site: str | None = typer.Option(None, "--sap-site", help="Site nearest the users."),
    df: str | None = typer.Option(None, "--df", help="NS deployment flavour (NSD only)."),
    level: str | None = typer.Option(None, "--instantiation-level", help="NS level (NSD)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Place every VNF/KNF of an NS or netslice on the sites, and explain each choice."""
    try:
        if solver not in ("auto", "milp", "heuristic"):
            raise ValidationError(
                "--solver is auto, milp or heuristic", [Issue("/solver", "bad-option", solver)]
            )
        catalog = load_sites(sites)
        request = with_overrides(
            load_request(pkg, with_, objective, df, level),
            text_pairs(max_latency, "max-latency"),
            text_pairs(pin, "pin"),
            sap_site,
        )
        chosen: SolverChoice = solver  # type: ignore[assignment]
        decision = run_placement(request, catalog, solver=chosen, time_limit=time_limit)
    except PlacementInfeasible as error:
        if as_json:
            emit_json(
                {
                    "placed": False,
                    "minimal": error.minimal,
                    "conflicts": [c.as_dict() for c in error.conflicts],
                }
            )
            raise typer.Exit(EXIT_FAILED) from None
        raise fail(error) from None
    except LocusError as error:
        raise fail(error, as_json=as_json) from None
    document = decision_document(request, decision)
    if as_json:
        emit_json(document)
        return
    for line in _table(document):
        emit(line)

"""``locus nsi create|instantiate|action|terminate|show|list|ops|delete|retry|fail``.

Netslice instances (OSM netslices: a composite NS of nested NS instances, one per
``netslice-subnet`` of the template) over the NBI's ``/nsilcm/v1`` (seed Annex B.5,
Tables 24-27). Operations print the id of the new ``nsi_lcm_op_occs`` occurrence;
``create --instantiate`` creates and instantiates in one request
(``netslice_instances_content``, Table 24) and prints the netslice instance id. With
``--wait`` the command keeps one live line on stderr (state, current step and, per nested
NS, its subnet and the state of its NS LCM occurrence) and exits non-zero unless the
occurrence ends ``COMPLETED``.
"""

from __future__ import annotations

from typing import Any

import typer

from locus_iac.cli.client.lifecycle import (
    POLL_OPT,
    SKIP_TERMINATE_OPT,
    WAIT_OPT,
    OccurrenceApi,
    checked,
    line_head,
    pairs,
    parse_items,
    submit,
    task,
    terminate_body,
)
from locus_iac.cli.client.packages import JSON_OPT, run
from locus_iac.cli.client.reads import Reads, list_or_show_ops, op_columns, register_reads
from locus_iac.cli.output import emit, emit_json
from locus_iac.errors import Issue, ValidationError

BASE = "/nsilcm/v1"
INSTANCES = f"{BASE}/netslice_instances"


def progress_line(occ: dict[str, Any]) -> str:
    """One line of progress: state, step, then ``SUBNET=STATE`` per nested NS."""
    nested = (occ.get("progress") or {}).get("nested") or []
    parts = [f"{n.get('netsliceSubnetId')}={n.get('operationState') or '-'}" for n in nested]
    return line_head(occ) + (" nested: " + " ".join(parts) if parts else "")


OCCURRENCES = OccurrenceApi(f"{BASE}/nsi_lcm_op_occs", "nsiLcmOpOccId", progress_line)

SITE_OPT = typer.Option(None, "--site", help="Site (VIM account) of every subnet.")
SUBNET_SITE_OPT = typer.Option([], "--subnet-site", help="SUBNET=SITE (repeatable).")
PLACE_OPT = typer.Option([], "--place", help="SUBNET:PROFILE=SITE (repeatable).")
PARAM_OPT = typer.Option([], "--param", help="SUBNET:PROFILE=JSON object of params.")
SCALE_OPT = typer.Option([], "--scale", help="SUBNET:PROFILE=JSON {vdu: count}.")


def _per_subnet(values: list[str], option: str) -> dict[str, dict[str, Any]]:
    """``SUBNET:PROFILE=VALUE`` options grouped by subnet: ``{subnet: {profile: value}}``."""
    grouped: dict[str, dict[str, Any]] = {}
    issues = []
    for i, (key, value) in enumerate(parse_items(values, option)):
        subnet, sep, profile = key.partition(":")
        if not sep or not subnet or not profile:
            issues.append(Issue(f"/{option}/{i}", "bad-format", f"{key!r}: use SUBNET:PROFILE"))
            continue
        grouped.setdefault(subnet, {})[profile] = value
    if issues:
        raise ValidationError(f"invalid --{option}", issues)
    return grouped


def instantiate_body(
    site: str | None,
    subnet_site: list[str],
    place: list[str],
    param: list[str],
    scale: list[str],
) -> dict[str, Any]:
    """The instantiate request: ``vimAccountId`` and one ``netslice-subnet`` entry per
    subnet named by an option (its site and its ``additionalParamsForNs``)."""
    sites = pairs(subnet_site, "subnet-site")
    additional = {
        "placement": _per_subnet(place, "place"),
        "parameters": _per_subnet(param, "param"),
        "scale": _per_subnet(scale, "scale"),
    }
    subnets: list[dict[str, Any]] = []
    named = sorted(set(sites).union(*(set(v) for v in additional.values())))
    for subnet in named:
        entry: dict[str, Any] = {"id": subnet}
        if subnet in sites:
            entry["vimAccountId"] = sites[subnet]
        params = {kind: by[subnet] for kind, by in additional.items() if subnet in by}
        if params:
            entry["additionalParamsForNs"] = params
        subnets.append(entry)
    body: dict[str, Any] = {}
    if site:
        body["vimAccountId"] = site
    if subnets:
        body["netslice-subnet"] = subnets
    return body


def register(app: typer.Typer) -> None:
    """Add the netslice LCM commands to the ``locus nsi`` group."""
    _create(app)
    _operations(app)
    _reads(app)
    _tasks(app)


def _create(app: typer.Typer) -> None:
    @app.command()
    def create(
        nst: str = typer.Argument(..., help="NST id or NST package id."),
        name: str = typer.Option(..., "--name", help="Netslice instance name."),
        description: str | None = typer.Option(None, "--description"),
        instantiate: bool = typer.Option(
            False, "--instantiate", help="Create and instantiate in one request."
        ),
        site: str | None = SITE_OPT,
        subnet_site: list[str] = SUBNET_SITE_OPT,
        place: list[str] = PLACE_OPT,
        param: list[str] = PARAM_OPT,
        scale: list[str] = SCALE_OPT,
        wait: bool = WAIT_OPT,
        poll: float = POLL_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Create a netslice instance; prints its id (--instantiate: also instantiate it)."""
        body: dict[str, Any] = {"nstId": nst, "nsiName": name}
        if description is not None:
            body["nsiDescription"] = description
        if not instantiate:
            if wait or site or subnet_site or place or param or scale:
                raise typer.BadParameter(
                    "--wait, --site, --subnet-site, --place, --param and --scale need "
                    "--instantiate",
                    param_hint="--instantiate",
                )
            info = run(as_json, lambda c: c.json("POST", INSTANCES, json=body))
            emit_json(info) if as_json else emit(info["id"])
            return
        body |= checked(as_json, lambda: instantiate_body(site, subnet_site, place, param, scale))
        result = submit(OCCURRENCES, f"{INSTANCES}_content", body, wait, poll, as_json)
        emit_json(result) if as_json else emit(str(result.get("netsliceInstanceId")))


def _operations(app: typer.Typer) -> None:
    @app.command()
    def instantiate(
        nsi_id: str,
        site: str | None = SITE_OPT,
        subnet_site: list[str] = SUBNET_SITE_OPT,
        place: list[str] = PLACE_OPT,
        param: list[str] = PARAM_OPT,
        scale: list[str] = SCALE_OPT,
        wait: bool = WAIT_OPT,
        poll: float = POLL_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Instantiate a netslice instance: every nested NS, shared ones once."""
        body = checked(as_json, lambda: instantiate_body(site, subnet_site, place, param, scale))
        _operation(f"{INSTANCES}/{nsi_id}/instantiate", body, wait, poll, as_json)

    @app.command()
    def action(
        nsi_id: str,
        primitive: str = typer.Argument(..., help="Day2 primitive name."),
        subnet: str = typer.Option(..., "--subnet", help="Netslice subnet of the nested NS."),
        profile: str | None = typer.Option(None, "--profile", help="VNF profile."),
        vdu: str | None = typer.Option(None, "--vdu", help="VDU id or KDU name."),
        param: list[str] = typer.Option([], "--param", help="NAME=VALUE (repeatable)."),
        wait: bool = WAIT_OPT,
        poll: float = POLL_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Run a Day2 primitive on one nested NS (seed Annex B.5 Table 25)."""
        params = checked(as_json, lambda: pairs(param, "param"))
        body = {
            "netsliceSubnetId": subnet,
            "member_vnf_index": profile,
            "vdu_id": vdu,
            "primitive": primitive,
            "primitive_params": params,
        }
        _operation(f"{INSTANCES}/{nsi_id}/action", body, wait, poll, as_json)

    @app.command()
    def terminate(
        nsi_id: str,
        skip_primitives: bool = SKIP_TERMINATE_OPT,
        wait: bool = WAIT_OPT,
        poll: float = POLL_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Terminate every nested NS of the netslice (shared ones when no longer used)."""
        body = terminate_body(skip_primitives)
        _operation(f"{INSTANCES}/{nsi_id}/terminate", body, wait, poll, as_json)


def _operation(path: str, body: dict[str, Any], wait: bool, poll: float, as_json: bool) -> None:
    result = submit(OCCURRENCES, path, body, wait, poll, as_json)
    emit_json(result) if as_json else emit(str(result.get("nsiLcmOpOccId")))


def _nested(info: dict[str, Any]) -> str:
    nested = info.get("nestedNsInstances") or []
    return ", ".join(f"{n.get('netsliceSubnetId')}={n.get('nsInstanceId') or '-'}" for n in nested)


READS = Reads(
    noun="netslice instance",
    id_metavar="nsi_id",
    instances=INSTANCES,
    occurrences=OCCURRENCES,
    instance_filter="netsliceInstanceId",
    instance_columns=[
        ("ID", "id"),
        ("NAME", "nsiName"),
        ("NST", "nstId"),
        ("STATE", "nsiState"),
        ("OPEN OPERATION", "currentLcmOpOccId"),
        ("NESTED NS", "nested"),
    ],
    op_columns=op_columns("NSI", "netsliceInstanceId"),
    row=lambda item: {**item, "nested": _nested(item)},
)


def _reads(app: typer.Typer) -> None:
    register_reads(app, READS)

    @app.command()
    def delete(nsi_id: str, as_json: bool = JSON_OPT) -> None:
        """Delete a netslice instance (only NOT_INSTANTIATED: terminate it first)."""
        run(as_json, lambda c: c.request("DELETE", f"{INSTANCES}/{nsi_id}"))
        emit_json({"deleted": nsi_id}) if as_json else emit(f"deleted {nsi_id}")

    @app.command()
    def ops(
        nsi_id: str | None = typer.Argument(None, help="Only this netslice's operations."),
        op_id: str | None = typer.Option(None, "--id", help="Show one occurrence in full."),
        as_json: bool = JSON_OPT,
    ) -> None:
        """List netslice operation occurrences (every page); --id shows one."""
        list_or_show_ops(READS, nsi_id, op_id, as_json)


def _tasks(app: typer.Typer) -> None:
    @app.command()
    def retry(
        op_id: str, wait: bool = WAIT_OPT, poll: float = POLL_OPT, as_json: bool = JSON_OPT
    ) -> None:
        """Retry a FAILED_TEMP occurrence (nested NS that completed are not redone)."""
        occ = task(OCCURRENCES, op_id, "retry", wait=wait, poll=poll, as_json=as_json, check=True)
        emit_json(occ) if as_json else emit(progress_line(occ))

    @app.command()
    def fail(op_id: str, as_json: bool = JSON_OPT) -> None:
        """Mark a FAILED_TEMP occurrence FAILED (gives up; releases the netslice)."""
        occ = task(OCCURRENCES, op_id, "fail", wait=False, poll=1.0, as_json=as_json)
        emit_json(occ) if as_json else emit(progress_line(occ))

"""``locus ns create|instantiate|scale|action|heal|terminate|show|list|ops``: NS LCM over HTTP.

Operations print the id of the new operation occurrence; with ``--wait`` the command polls
``/nslcm/v1/ns_lcm_op_occs/{id}`` and keeps one live line on stderr (state, current step,
resources created/updated/deleted, Ansible tasks) until the occurrence is no longer
``PROCESSING``/``ROLLING_BACK``; it exits non-zero unless it ends ``COMPLETED``.
"""

from __future__ import annotations

from enum import StrEnum
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
    submit,
    task,
    terminate_body,
)
from locus_iac.cli.client.packages import JSON_OPT, run
from locus_iac.cli.client.reads import Reads, list_or_show_ops, op_columns, register_reads
from locus_iac.cli.output import emit, emit_json

BASE = "/nslcm/v1"


class OpTask(StrEnum):
    """Task resources of an operation occurrence (SOL005 clauses 6.4.10-6.4.14)."""

    RETRY = "retry"
    ROLLBACK = "rollback"
    FAIL = "fail"
    CANCEL = "cancel"


def progress_line(occ: dict[str, Any]) -> str:
    """One line of progress: state, step, resource counts, Ansible tasks."""
    progress = occ.get("progress") or {}
    counts = progress.get("resources") or {}
    tasks = progress.get("taskResults") or []
    failed = sum(1 for t in tasks if t.get("status") in ("failed", "unreachable"))
    return (
        f"{line_head(occ)} "
        f"created={counts.get('created', 0)} updated={counts.get('updated', 0)} "
        f"deleted={counts.get('deleted', 0)} failed={counts.get('failed', 0)} "
        f"tasks={len(tasks)}" + (f" task-failures={failed}" if failed else "")
    )


OCCURRENCES = OccurrenceApi(f"{BASE}/ns_lcm_op_occs", "nsLcmOpOccId", progress_line)


def _submit(path: str, body: dict[str, Any], wait: bool, poll: float, as_json: bool) -> None:
    result = submit(OCCURRENCES, path, body, wait, poll, as_json)
    emit_json(result) if as_json else emit(str(result.get("nsLcmOpOccId")))


def register(app: typer.Typer) -> None:
    """Add the NS LCM commands to the ``locus ns`` group."""
    _instances(app)
    _operations(app)
    _reads(app)


def _instances(app: typer.Typer) -> None:
    @app.command()
    def create(
        nsd: str = typer.Argument(..., help="NSD id or NSD package id."),
        name: str = typer.Option(..., "--name", help="NS instance name."),
        description: str | None = typer.Option(None, "--description"),
        as_json: bool = JSON_OPT,
    ) -> None:
        """Create an NS instance (NOT_INSTANTIATED); prints its id."""
        body = {"nsdId": nsd, "nsName": name, "nsDescription": description}
        info = run(as_json, lambda c: c.json("POST", f"{BASE}/ns_instances", json=body))
        emit_json(info) if as_json else emit(info["id"])

    @app.command()
    def instantiate(
        ns_id: str,
        place: list[str] = typer.Option([], "--place", help="PROFILE=SITE (repeatable)."),
        param: list[str] = typer.Option([], "--param", help="PROFILE=JSON object of params."),
        scale: list[str] = typer.Option([], "--scale", help="PROFILE=JSON {vdu: count}."),
        site: str | None = typer.Option(None, "--site", help="Site for every profile."),
        flavour: str | None = typer.Option(None, "--flavour", help="NS deployment flavour."),
        metrics: list[str] = typer.Option(
            [], "--metrics-endpoint", help="PROFILE=HOST:PORT the monitoring scrapes (repeatable)."
        ),
        wait: bool = WAIT_OPT,
        poll: float = POLL_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Instantiate an NS instance (preview, up, Day1)."""
        additional = checked(
            as_json,
            lambda: {
                "placement": pairs(place, "place"),
                "parameters": pairs(param, "param"),
                "scale": pairs(scale, "scale"),
            },
        )
        endpoints = checked(as_json, lambda: pairs(metrics, "metrics-endpoint"))
        body: dict[str, Any] = {"additionalParamsForNs": additional}
        if endpoints:
            body["additionalParamsForVnf"] = [
                {"member-vnf-index": profile, "additionalParams": {"metrics_endpoint": endpoint}}
                for profile, endpoint in endpoints.items()
            ]
        if site:
            body["vimAccountId"] = site
        if flavour:
            body["nsFlavourId"] = flavour
        _submit(f"{BASE}/ns_instances/{ns_id}/instantiate", body, wait, poll, as_json)


def _operations(app: typer.Typer) -> None:
    @app.command()
    def scale(
        ns_id: str,
        profile: str = typer.Option(..., "--profile", help="VNF profile (member-vnf-index)."),
        vdu: str | None = typer.Option(None, "--vdu", help="VDU id or KDU name."),
        to: int | None = typer.Option(None, "--to", min=0, help="Instances / replicas wanted."),
        out: int | None = typer.Option(None, "--out", min=1, help="Scale out by N steps."),
        in_: int | None = typer.Option(None, "--in", min=1, help="Scale in by N steps."),
        wait: bool = WAIT_OPT,
        poll: float = POLL_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Scale one VDU / KDU of a VNF profile (SCALE_VNF)."""
        data: dict[str, Any] = {"memberVnfIndex": profile, "vduId": vdu}
        if to is not None:
            data["instances"] = to
        elif out is not None:
            data.update(scaleVnfType="SCALE_OUT", numberOfSteps=out)
        elif in_ is not None:
            data.update(scaleVnfType="SCALE_IN", numberOfSteps=in_)
        body = {"scaleType": "SCALE_VNF", "scaleVnfData": [data]}
        _submit(f"{BASE}/ns_instances/{ns_id}/scale", body, wait, poll, as_json)

    @app.command()
    def action(
        ns_id: str,
        primitive: str = typer.Argument(..., help="Day2 primitive name."),
        profile: str | None = typer.Option(None, "--profile", help="VNF profile."),
        param: list[str] = typer.Option([], "--param", help="NAME=VALUE (repeatable)."),
        wait: bool = WAIT_OPT,
        poll: float = POLL_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Run a Day2 primitive (its parameters are checked against the VNFD)."""
        body = {
            "member_vnf_index": profile,
            "primitive": primitive,
            "primitive_params": checked(as_json, lambda: pairs(param, "param")),
        }
        _submit(f"{BASE}/ns_instances/{ns_id}/action", body, wait, poll, as_json)

    @app.command()
    def heal(
        ns_id: str, wait: bool = WAIT_OPT, poll: float = POLL_OPT, as_json: bool = JSON_OPT
    ) -> None:
        """Heal: refresh the stack from what exists, then re-apply it."""
        _submit(f"{BASE}/ns_instances/{ns_id}/heal", {}, wait, poll, as_json)

    @app.command()
    def terminate(
        ns_id: str,
        skip_primitives: bool = SKIP_TERMINATE_OPT,
        wait: bool = WAIT_OPT,
        poll: float = POLL_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """Terminate: the terminate-config-primitives, then destroy every resource and the
        stack."""
        body = terminate_body(skip_primitives)
        _submit(f"{BASE}/ns_instances/{ns_id}/terminate", body, wait, poll, as_json)


READS = Reads(
    noun="NS instance",
    id_metavar="ns_id",
    instances=f"{BASE}/ns_instances",
    occurrences=OCCURRENCES,
    instance_filter="nsInstanceId",
    instance_columns=[
        ("ID", "id"),
        ("NAME", "nsInstanceName"),
        ("NSD", "nsdId"),
        ("STATE", "nsState"),
        ("OPEN OPERATION", "currentLcmOpOccId"),
    ],
    op_columns=op_columns("NS", "nsInstanceId"),
)


def _reads(app: typer.Typer) -> None:
    register_reads(app, READS)

    @app.command()
    def ops(
        ns_id: str | None = typer.Argument(None, help="Only this NS instance's operations."),
        op_id: str | None = typer.Option(None, "--id", help="Show one occurrence in full."),
        op_task: OpTask | None = typer.Option(None, "--task", help="Act on the occurrence --id."),
        wait: bool = WAIT_OPT,
        poll: float = POLL_OPT,
        as_json: bool = JSON_OPT,
    ) -> None:
        """List operation occurrences; --id shows one; --task acts on it."""
        if op_task and not op_id:
            raise typer.BadParameter("--task needs --id", param_hint="--task")
        if op_id and op_task:
            occ = task(OCCURRENCES, op_id, op_task.value, wait=wait, poll=poll, as_json=as_json)
            emit_json(occ) if as_json else emit(progress_line(occ))
            return
        list_or_show_ops(READS, ns_id, op_id, as_json)

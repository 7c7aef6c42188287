"""What ``locus ns`` and ``locus nsi`` share: ``KEY=VALUE`` options, paged lists, and
submitting an LCM operation then following its occurrence with one live line.

An operation request answers ``202`` with the id of its operation occurrence (SOL005
v3.7.1 clause 6.5.2.3 ``NsLcmOpOcc``, OSM ``nsilcmop``); with ``--wait`` the occurrence is polled
until it leaves the running states, its progress shown as one line on stderr rewritten in
place, and the command fails (exit 1) unless the occurrence ends ``COMPLETED``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import typer

from locus_iac.cli.client.api import ApiClient
from locus_iac.cli.client.packages import run
from locus_iac.cli.client.paging import fetch_all
from locus_iac.cli.output import fail
from locus_iac.errors import Issue, LocusError, PermanentError, ValidationError

WAIT_OPT = typer.Option(False, "--wait", help="Follow the operation until it ends.")
POLL_OPT = typer.Option(1.0, "--poll", min=0.1, help="Seconds between two looks (--wait).")
SKIP_TERMINATE_OPT = typer.Option(
    False,
    "--skip-terminate-primitives",
    help="Destroy without running the VNFs' terminate-config-primitives first.",
)


def terminate_body(skip_primitives: bool) -> dict[str, Any]:
    """The body of a terminate request (OSM ``skip_terminate_primitives``)."""
    return {"skip_terminate_primitives": True} if skip_primitives else {}


RUNNING = ("PROCESSING", "ROLLING_BACK")

Record = dict[str, Any]
T = TypeVar("T")

__all__ = [
    "POLL_OPT",
    "WAIT_OPT",
    "OccurrenceApi",
    "checked",
    "fetch_all",
    "follow",
    "line_head",
    "pairs",
    "parse_items",
    "require_completed",
    "submit",
    "task",
]


@dataclass(frozen=True)
class OccurrenceApi:
    """Where the occurrences of one LCM interface live and how one is shown."""

    occurrences: str  # collection path, e.g. ``/nslcm/v1/ns_lcm_op_occs``
    accepted_key: str  # key of the occurrence id in the 202 answer
    line: Callable[[Record], str]  # one line of progress of an occurrence


def parse_items(values: list[str], option: str, *, integer: bool = False) -> list[tuple[str, Any]]:
    """``KEY=VALUE`` options as (key, value) pairs, ``VALUE`` parsed as JSON when it is JSON
    (as a count when ``integer``); every bad item is reported at ``/OPTION/INDEX``."""
    items: list[tuple[str, Any]] = []
    issues = []
    for i, item in enumerate(values):
        key, sep, value = item.partition("=")
        if not sep or not key:
            issues.append(Issue(f"/{option}/{i}", "bad-format", f"{item!r}: use KEY=VALUE"))
        elif integer and not value.isdigit():
            issues.append(Issue(f"/{option}/{i}", "not-a-count", f"{value!r} is no count"))
        elif integer:
            items.append((key, int(value)))
        else:
            try:
                items.append((key, json.loads(value)))
            except ValueError:
                items.append((key, value))
    if issues:
        raise ValidationError(f"invalid --{option}", issues)
    return items


def checked(as_json: bool, build: Callable[[], T]) -> T:
    """Build a request from the options; a bad option ends the command (exit 1) with its
    JSON pointer, like a refusal of the server."""
    try:
        return build()
    except LocusError as error:
        raise fail(error, as_json=as_json) from None


def pairs(values: list[str], option: str, *, integer: bool = False) -> dict[str, Any]:
    """``KEY=VALUE`` options as a mapping (see :func:`parse_items`)."""
    return dict(parse_items(values, option, integer=integer))


def line_head(occ: Record) -> str:
    """The start of every progress line: operation type, state, current step."""
    progress = occ.get("progress") or {}
    return (
        f"{occ.get('lcmOperationType')} {occ.get('operationState')} "
        f"step={progress.get('currentStep') or '-'}"
    )


def follow(client: ApiClient, api: OccurrenceApi, op_id: str, poll: float) -> Record:
    """Poll an occurrence until it leaves the running states. On a terminal, one live line
    on stderr rewritten in place; otherwise (a log, a pipe) one line per change."""
    live = sys.stderr.isatty()
    last = ""
    while True:
        occ: Record = client.json("GET", f"{api.occurrences}/{op_id}")
        line = api.line(occ)
        if line != last:
            typer.echo(f"\r\033[K{line}" if live else line, nl=not live, err=True)
            last = line
        if occ.get("operationState") not in RUNNING:
            if live:
                typer.echo("", err=True)
            return occ
        time.sleep(poll)


def require_completed(occ: Record) -> None:
    """:class:`PermanentError` (exit 1) unless the occurrence ended ``COMPLETED``."""
    if occ.get("operationState") != "COMPLETED":
        error = occ.get("error") or {}
        raise PermanentError(
            f"operation {occ.get('id')} ended {occ.get('operationState')}: "
            f"{error.get('detail', 'no detail')}"
        )


def submit(
    api: OccurrenceApi, path: str, body: Record, wait: bool, poll: float, as_json: bool
) -> Record:
    """POST an operation request; with ``wait`` follow it to its end (error unless
    ``COMPLETED``). Returns the 202 answer (plus the final ``operationState``)."""

    def action(client: ApiClient) -> Record:
        accepted: Record = client.json("POST", path, json=body)
        if not wait:
            return accepted
        occ = follow(client, api, str(accepted[api.accepted_key]), poll)
        require_completed(occ)
        return {**accepted, "operationState": occ["operationState"]}

    return run(as_json, action)


def task(
    api: OccurrenceApi,
    op_id: str,
    name: str,
    *,
    wait: bool,
    poll: float,
    as_json: bool,
    check: bool = False,
) -> Record:
    """POST a task (``retry``, ``fail``, ...) on an occurrence; with ``wait`` follow it
    (and, with ``check``, fail unless it ends ``COMPLETED``)."""

    def action(client: ApiClient) -> Record:
        occ: Record = client.json("POST", f"{api.occurrences}/{op_id}/{name}")
        if not wait:
            return occ
        occ = follow(client, api, op_id, poll)
        if check:
            require_completed(occ)
        return occ

    return run(as_json, action)

"""``locus smart``: the Smart NFV Functions (seed Table 2) as processes on the SOL005 API.

``locus smart serve`` receives Alertmanager's webhook and runs the autoscaler and the fault
manager; ``locus smart rightsize NS_ID`` prints a right-sizing proposal as a VNFD diff. The
MANO is reached through its NBI (``--nbi-url``, user/password or token, also from
``LOCUS_NBI_URL``, ``LOCUS_NBI_USERNAME``, ``LOCUS_NBI_PASSWORD``, ``LOCUS_NBI_TOKEN``), the
monitoring platform through the monitoring settings file (``--monitoring``, env
``LOCUS_MONITORING``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer
import uvicorn

from locus_iac.cli.output import emit, emit_json, fail
from locus_iac.errors import LocusError, ValidationError
from locus_iac.smart import (
    Autoscaler,
    Credentials,
    DecisionLog,
    Dispatcher,
    FaultManager,
    MonitoringEndpoints,
    PrometheusClient,
    Sol005Client,
    Usage,
    load_endpoints,
    load_service,
    rightsize,
)
from locus_iac.smart.server import build_app

app = typer.Typer(
    help="Smart NFV functions: autoscaling, fault management, right-sizing.",
    no_args_is_help=True,
)

_MONITORING = typer.Option(
    None,
    "--monitoring",
    envvar="LOCUS_MONITORING",
    exists=True,
    dir_okay=False,
    help="The monitoring settings file (monitoring.yaml of the testbed).",
)
_NBI = typer.Option("http://127.0.0.1:9999", "--nbi-url", envvar="LOCUS_NBI_URL", help="NBI URL.")
_USER = typer.Option("admin", "--username", envvar="LOCUS_NBI_USERNAME", help="NBI user.")
_PASSWORD = typer.Option(None, "--password", envvar="LOCUS_NBI_PASSWORD", help="Its password.")
_TOKEN = typer.Option(None, "--token", envvar="LOCUS_NBI_TOKEN", help="A bearer token instead.")


def _client(url: str, username: str, password: str | None, token: str | None) -> Sol005Client:
    if not (token or password):
        raise typer.BadParameter(
            "give --password (LOCUS_NBI_PASSWORD) or --token", param_hint="--password"
        )
    return Sol005Client(url, Credentials(username, password, token))


@app.command()
def serve(
    monitoring: Path | None = _MONITORING,
    nbi_url: str = _NBI,
    username: str = _USER,
    password: str | None = _PASSWORD,
    token: str | None = _TOKEN,
    host: str | None = typer.Option(None, help="Address (default: from smart_webhook_url)."),
    port: int | None = typer.Option(None, min=1, max=65535, help="Port (default: 19095)."),
    decision_log: Path | None = typer.Option(
        None, "--decision-log", help="Append decisions here as JSON lines (default: stdout)."
    ),
    log_level: str = typer.Option("info", help="Log level."),
) -> None:
    """Receive Alertmanager's webhook at /alerts; scale and heal through the NBI."""
    try:
        endpoints = load_endpoints(monitoring) if monitoring else MonitoringEndpoints("")
    except LocusError as exc:
        raise fail(exc) from None
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr)
    client = _client(nbi_url, username, password, token)
    log = DecisionLog(decision_log, None if decision_log else sys.stdout)
    prometheus = PrometheusClient(endpoints.prometheus_url) if endpoints.prometheus_url else None
    dispatcher = Dispatcher(
        Autoscaler(client, prometheus=prometheus),
        FaultManager(client, prometheus=prometheus),
        log,
    )
    dispatcher.start()
    try:
        uvicorn.run(
            build_app(dispatcher, log),
            host=host or endpoints.webhook_host,
            port=port or endpoints.webhook_port,
            log_level=log_level,
        )
    finally:
        dispatcher.stop()
        client.close()


@app.command("rightsize")
def rightsize_command(
    ns_id: str = typer.Argument(..., help="NS instance id."),
    monitoring: Path | None = _MONITORING,
    prometheus_url: str | None = typer.Option(
        None, help="Prometheus (default: from --monitoring)."
    ),
    window: str = typer.Option("1h", help="Window of observed usage (Prometheus duration)."),
    quantile: float = typer.Option(0.95, min=0.0, max=1.0, help="Quantile of the usage."),
    cpu_metric: str = typer.Option(Usage.cpu_metric, help="CPU seconds counter."),
    memory_metric: str = typer.Option(Usage.memory_metric, help="Memory bytes gauge."),
    nbi_url: str = _NBI,
    username: str = _USER,
    password: str | None = _PASSWORD,
    token: str | None = _TOKEN,
    as_json: bool = typer.Option(False, "--json", help="Print findings and diffs as JSON."),
) -> None:
    """Print a proposed VNFD diff from observed CPU/memory use; nothing is changed."""
    if not window[:-1].isdigit() or window[-1] not in "smhdw":
        raise typer.BadParameter("a duration such as 30m, 1h, 7d", param_hint="--window")
    usage = Usage(cpu_metric, memory_metric, window, quantile)
    client = _client(nbi_url, username, password, token)
    try:
        url = prometheus_url or (load_endpoints(monitoring).prometheus_url if monitoring else None)
        if not url:
            raise ValidationError("no Prometheus: give --monitoring or --prometheus-url", [])
        prometheus = PrometheusClient(url)
        proposal = rightsize(load_service(client, ns_id), prometheus, usage)
    except LocusError as exc:
        raise fail(exc, as_json=as_json) from None
    finally:
        client.close()
    if as_json:
        emit_json({"findings": [vars(f) for f in proposal.findings], "diffs": proposal.diffs})
        return
    for f in proposal.findings:
        emit(
            f"# {f.member}/{f.vdu}: cpu q{quantile} {_num(f.cpu_cores)} cores "
            f"(vCPU {f.vcpu} -> {f.proposed_vcpu}), memory {_num(f.memory_bytes)} bytes "
            f"(GB {f.memory_gb} -> {f.proposed_memory_gb}) {f.note}".rstrip()
        )
    if not proposal.findings:
        emit(f"# no usage series of NS {ns_id} in the last {window}: nothing to propose")
    for diff in proposal.diffs.values():
        emit(diff.rstrip("\n"))


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"

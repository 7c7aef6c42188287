"""``locus serve``: run the northbound API on uvicorn.

The CLI never imports the NBI (layer contract): uvicorn loads the factory
``locus_iac.nbi.app:create_app`` by name, and the flags reach it as ``LOCUS_*`` variables.

``--workers N`` (N > 1) is uvicorn's multiprocess mode: this process binds the socket once
and spawns N processes that serve it. Ctrl-C or SIGTERM stops them all (each finishes its
requests, up to 10 s, and stops its LCM workers); a process that dies is logged ("Child
process [PID] died") and replaced, as uvicorn and gunicorn do; one that fails to start stops
the whole server. Exactly one of them runs the LCM and the drains
(:mod:`locus_iac.nbi.owner`, the role moves if it dies).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import typer
import uvicorn

from locus_iac.cli.head_deadline import DEFAULT_HEADER_TIMEOUT
from locus_iac.cli.http_protocol import HTTP_KINDS, protocol_of

# Idle keep-alive connections must outlive the clients' own idle expiry (httpx: 5 s,
# aiohttp: 15 s): a server that closes first races the client's next request on that
# connection, which then fails with a reset. At uvicorn's 5 s, 50 httpx clients idling
# about 5 s between requests got ECONNRESET on reused connections (issue 14, defect 12).
DEFAULT_KEEP_ALIVE = 20

app = typer.Typer(help="Run the SOL005 northbound API.", no_args_is_help=False)


@app.callback(invoke_without_command=True)
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(9999, min=1, max=65535, help="TCP port."),
    data_dir: Path = typer.Option(
        Path("locus-data"), "--data-dir", help="Catalogue database, secret key."
    ),
    log_level: str = typer.Option("info", help="uvicorn log level."),
    header_timeout: float = typer.Option(
        DEFAULT_HEADER_TIMEOUT,
        min=0.1,
        envvar="LOCUS_HEADER_TIMEOUT",
        help="Seconds a client has to send a request head (408 and close after).",
    ),
    keep_alive: int = typer.Option(
        DEFAULT_KEEP_ALIVE,
        min=1,
        envvar="LOCUS_KEEP_ALIVE",
        help="Seconds an idle keep-alive connection is kept (longer than clients keep theirs).",
    ),
    limit_concurrency: int = typer.Option(
        512, min=1, help="Connections/requests at once (per worker) before 503."
    ),
    http: str = typer.Option(
        HTTP_KINDS[0],
        "--http",
        envvar="LOCUS_HTTP",
        help=f"Request parser: {' or '.join(HTTP_KINDS)} (same deadlines and header names).",
    ),
    workers: int = typer.Option(
        1,
        min=1,
        max=64,
        envvar="LOCUS_SERVE_WORKERS",
        help="Processes serving the port; one of them runs the LCM and the drains.",
    ),
    tls_cert: Path | None = typer.Option(
        None,
        "--tls-cert",
        exists=True,
        dir_okay=False,
        readable=True,
        help="PEM certificate (chain): serve HTTPS (OSM's client speaks only HTTPS).",
    ),
    tls_key: Path | None = typer.Option(
        None, "--tls-key", exists=True, dir_okay=False, readable=True, help="Its PEM key."
    ),
    monitoring: Path | None = typer.Option(
        None,
        "--monitoring",
        envvar="LOCUS_MONITORING",
        exists=True,
        dir_okay=False,
        readable=True,
        help="monitoring.yaml: write scrape targets, rules, routes; publish lifecycle events.",
    ),
) -> None:
    """Serve the NBI. LOCUS_ADMIN_PASSWORD creates user 'admin' on the first start;
    LOCUS_DATABASE_URL selects PostgreSQL (postgresql+psycopg://...). Request bodies that
    stall answer 408 after LOCUS_BODY_TIMEOUT seconds; files are created owner-only.
    With --tls-cert and --tls-key it serves HTTPS, so that OSM's client reaches it directly
    (OSM_HOSTNAME=HOST:PORT osm ...); every path is also served under /osm."""
    if http not in HTTP_KINDS:
        raise typer.BadParameter(f"one of {', '.join(HTTP_KINDS)}", param_hint="--http")
    if (tls_cert is None) != (tls_key is None):
        raise typer.BadParameter("give --tls-cert and --tls-key together", param_hint="--tls-key")
    os.umask(0o077)  # the data dir, catalogue, keys, stacks: readable by their owner only
    os.environ["LOCUS_DATA_DIR"] = str(data_dir)
    os.environ["LOCUS_SERVE_ADDRESS"] = f"{host}:{port}"  # the MANO's own scrape target
    if monitoring is not None:
        os.environ["LOCUS_MONITORING"] = str(monitoring)
    os.environ["LOCUS_SERVE_WORKERS"] = str(workers)  # read by locus_iac.nbi.owner
    os.environ["LOCUS_SERVE_RUN"] = uuid.uuid4().hex  # this run: uploads recovered once
    os.environ["LOCUS_HEADER_TIMEOUT"] = str(header_timeout)  # spawned workers' protocol
    uvicorn.run(
        "locus_iac.nbi.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        http=protocol_of(http, header_timeout, spawned=workers > 1),
        workers=workers,
        timeout_keep_alive=keep_alive,
        limit_concurrency=limit_concurrency,
        h11_max_incomplete_event_size=16 * 1024,
        timeout_graceful_shutdown=10,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
    )

"""``locus serve``: run the northbound API on uvicorn.

The CLI never imports the NBI (layer contract): uvicorn loads the factory
``locus_iac.nbi.app:create_app`` by name, and the flags reach it as ``LOCUS_*`` variables.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
import uvicorn

app = typer.Typer(help="Run the SOL005 northbound API.", no_args_is_help=False)


@app.callback(invoke_without_command=True)
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(9999, min=1, max=65535, help="TCP port."),
    data_dir: Path = typer.Option(
        Path("locus-data"), "--data-dir", help="Catalogue database, secret key."
    ),
    log_level: str = typer.Option("info", help="uvicorn log level."),
) -> None:
    """Serve the NBI. LOCUS_ADMIN_PASSWORD creates user 'admin' on the first start;
    LOCUS_DATABASE_URL selects PostgreSQL (postgresql+psycopg://...)."""
    os.environ["LOCUS_DATA_DIR"] = str(data_dir)
    uvicorn.run(
        "locus_iac.nbi.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
    )

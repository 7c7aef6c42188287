"""``locus login`` / ``locus logout``: get a token from the NBI and cache it (mode 0600)."""

from __future__ import annotations

import os

import typer

from locus_iac.cli.client.api import ApiClient, Session, config_dir, load_session, save_session
from locus_iac.cli.output import emit, emit_json, fail
from locus_iac.errors import LocusError

app = typer.Typer(help="Log in to a LOCUS NBI (locus serve).", no_args_is_help=False)


@app.callback(invoke_without_command=True)
def login(
    url: str = typer.Option("http://127.0.0.1:9999", "--url", help="NBI base URL."),
    username: str = typer.Option("admin", "--username", "-u"),
    password: str | None = typer.Option(
        None, "--password", help="Password (default: $LOCUS_PASSWORD, else prompted)."
    ),
    project: str | None = typer.Option(None, "--project", help="Project name or id."),
    as_json: bool = typer.Option(False, "--json", help="Print the session as JSON."),
) -> None:
    """Log in and cache the token under $LOCUS_CONFIG_DIR (default ~/.config/locus)."""
    secret = (
        password or os.environ.get("LOCUS_PASSWORD") or typer.prompt("Password", hide_input=True)
    )
    body: dict[str, str] = {"username": username, "password": secret}
    if project:
        body["project_id"] = project
    client = ApiClient(url)
    try:
        token = client.json("POST", "/admin/v1/tokens", json=body)
        session = Session(
            url=url,
            token=token["id"],
            username=token["username"],
            project=token["project_name"],
            expires=token["expires"],
        )
        path = save_session(session)
    except LocusError as exc:
        raise fail(exc, as_json=as_json) from None
    finally:
        client.close()
    if as_json:
        emit_json(
            {
                "url": url,
                "username": session.username,
                "project": session.project,
                "expires": session.expires,
                "session_file": str(path),
            }
        )
    else:
        emit(f"logged in to {url} as {session.username} (project {session.project})")


logout_app = typer.Typer(help="Revoke the cached token and forget it.")


@logout_app.callback(invoke_without_command=True)
def logout() -> None:
    """Revoke the cached token on the server and delete the session file."""
    try:
        session = load_session()
        client = ApiClient(session.url, session.token)
        try:
            client.request("DELETE", "/admin/v1/tokens")
        finally:
            client.close()
    except LocusError as exc:
        emit(f"warning: {exc}")
    (config_dir() / "session.json").unlink(missing_ok=True)
    emit("logged out")

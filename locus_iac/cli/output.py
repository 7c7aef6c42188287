"""The CLI's output layer: the only place that writes to the terminal."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from locus_iac.errors import LocusError, ValidationError

EXIT_FAILED = 1


def emit_json(obj: Any) -> None:
    """Print one JSON document on stdout."""
    typer.echo(json.dumps(obj, indent=2, sort_keys=False, default=str))


def emit(text: str = "") -> None:
    typer.echo(text)


def fail(error: LocusError, *, as_json: bool = False) -> typer.Exit:
    """Report a domain error on stderr (or as JSON on stdout); return the Exit to raise."""
    if as_json:
        payload: dict[str, Any] = {"error": type(error).__name__, "message": error.message}
        if isinstance(error, ValidationError):
            payload["errors"] = [issue.as_dict() for issue in error.issues]
        emit_json(payload)
    else:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201 - the CLI's output layer
    return typer.Exit(EXIT_FAILED)

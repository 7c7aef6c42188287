"""What the NS and netslice lifecycle routers share: links, errors as ProblemDetails, waking
the lifecycle engine once an operation is accepted."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict

#: SOL013 ProblemDetails needs a ``status``: the one the failure would have had as a response.
_ERROR_STATUS = {"ValidationError": 422, "NotFound": 404, "Conflict": 409, "RetryableError": 503}


class CamelModel(BaseModel):
    """A representation whose fields are written under their SOL005/OSM (alias) names."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Link(BaseModel):
    href: str


def problem(error: dict[str, Any]) -> dict[str, Any]:
    """An occurrence's ``error`` (``title``, ``detail``) as SOL013 ProblemDetails."""
    return {**error, "status": _ERROR_STATUS.get(str(error.get("title")), 500)}


def wake_engine(request: Request) -> None:
    """Let the lifecycle engine look at its queue now (an operation was just accepted)."""
    lcm = getattr(request.app.state, "lcm", None)
    if lcm is not None:
        lcm.wake()


def location(request: Request, path: str) -> str:
    """The absolute URL of ``path`` on this server (``Location`` headers)."""
    return f"{str(request.base_url).rstrip('/')}{path}"

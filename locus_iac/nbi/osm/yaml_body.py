"""Request bodies labelled YAML on the routes that take a JSON object (OSM NBI behaviour).

OSM's NBI reads a request body as YAML whenever it is labelled so, and OSM's client labels
every body ``Content-Type: application/yaml`` (its login and ``ns-create`` send JSON text under
that label). :class:`YamlBodyRoute` is the route class of the routers: on a route with a
body model, a body labelled YAML is read with the project's safe loader (no Python objects,
no aliases, bounded size and depth: :func:`locus_iac.descriptors.loader.load_yaml`) and
handed on as JSON; unreadable YAML answers 422 with the issues (line, column). Routes without
a body model (the package uploads, where ``application/yaml`` is a bare descriptor) see the
request unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from locus_iac.descriptors.loader import load_yaml
from locus_iac.errors import Issue, ValidationError
from locus_iac.nbi.uploads import YAML_TYPES, media_type

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _jsonable(value: object) -> str:
    """YAML timestamps (``2026-12-06``) travel as the ISO text they were written as."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise ValidationError(
        "the request body holds a value JSON cannot carry",
        [Issue("", "yaml-type", f"a YAML {type(value).__name__} value; send text instead")],
    )


async def as_json_request(request: Request) -> Request:
    """``request`` with its YAML body re-encoded as JSON (``application/json``)."""
    loaded = load_yaml(await request.body())
    if loaded.issues and loaded.data is None:
        raise ValidationError("the request body is not readable YAML or JSON", loaded.issues)
    if loaded.issues:  # duplicate keys: YAML would silently keep one of them
        raise ValidationError("the request body is ambiguous", loaded.issues)
    if loaded.data is None:
        raise ValidationError(
            "the request body is empty", [Issue("", "missing", "send a YAML or JSON object")]
        )
    body = json.dumps(loaded.data, default=_jsonable).encode()
    headers = [
        (name, value)
        for name, value in request.scope["headers"]
        if name not in (b"content-type", b"content-length")
    ]
    headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request({**request.scope, "headers": headers}, receive)


class YamlBodyRoute(APIRoute):
    """An API route whose body model also accepts YAML (see the module docstring)."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def yaml_or_json(request: Request) -> Response:
            if media_type(request.headers.get("content-type")) in YAML_TYPES:
                request = await as_json_request(request)
            return await handler(request)

        return yaml_or_json

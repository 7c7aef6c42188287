"""HTTP semantics the resource routers share: entity tags with ``If-Match`` (RFC 9110
clauses 8.8.3 and 13.1.1, SOL013 clause 4.5) and ``Accept`` negotiation of content.

``ETag``: a strong entity tag, the SHA-256 of the resource's representation (canonical
JSON), so it changes whenever anything the client sees of the resource changes (its
``usageState`` included) and two GETs of an unchanged resource give the same tag. An
individual resource answers it on GET and on PATCH (the tag after the change).

``If-Match`` on PATCH and DELETE: ``*`` or a list of tags, compared strongly (a weak tag
``W/"..."`` never matches); when none matches the current tag the request changes nothing
and answers ``412 Precondition Failed`` with the current ``ETag``.

Content negotiation (:func:`negotiate`): at the root an ``Accept`` header that allows none
of the media types a resource has answers ``406``. Under ``/osm`` such a request gets the
resource's first type instead: OSM's client sends ``Accept: application/binary`` for every
download (and afterwards on every request).

Every JSON operation (:func:`accept_json`, one dependency of the whole application): at the
root a request whose ``Accept`` allows no ``application/json`` (``*/*``, ``application/*``
and no ``Accept`` at all do) answers ``406`` before the operation runs. Operations that
answer other media types (package content, descriptors, artifacts) or no body (``204``,
uploads) negotiate for themselves or not at all.
"""

from __future__ import annotations

import hashlib
import json

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from locus_iac.nbi.osm.prefix import is_osm
from locus_iac.nbi.problems import HttpProblem
from locus_iac.nbi.uploads import preferred


def etag_of(view: BaseModel) -> str:
    """The strong entity tag of a representation."""
    data = view.model_dump(mode="json", by_alias=True)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return f'"{hashlib.sha256(canonical).hexdigest()[:40]}"'


def tag(response: Response, view: BaseModel) -> None:
    """Send the ``ETag`` of ``view``."""
    response.headers["ETag"] = etag_of(view)


def require_match(request: Request, current: BaseModel) -> None:
    """412 unless the request's ``If-Match`` (when it has one) names ``current``'s tag."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return
    now = etag_of(current)
    if now not in (t.strip() for t in header.split(",")):
        raise HttpProblem(
            412,
            "Precondition Failed",
            f"If-Match {header.strip()} does not match the resource's current ETag {now}: "
            "it changed since it was read; GET it again",
            headers={"ETag": now},
        )


def negotiate(request: Request, offered: tuple[str, ...]) -> str:
    """The media type of ``offered`` the ``Accept`` header allows (406 at the root when
    none; under ``/osm`` the first offered then)."""
    try:
        return preferred(request.headers.get("accept"), offered)
    except HttpProblem:
        if is_osm(request):
            return offered[0]
        raise


JSON = "application/json"


async def accept_json(request: Request) -> None:
    """406 at the root when the request's operation answers JSON and ``Accept`` excludes it
    (``async``: it only reads headers, so no request pays a worker-thread hop for it)."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and answers_json(route) and not is_osm(request):
        preferred(request.headers.get("accept"), (JSON,))


def answers_json(route: APIRoute) -> bool:
    """Whether ``route`` is a documented operation whose success is a JSON body."""
    if not route.include_in_schema or route.status_code == 204:
        return False
    response_class = getattr(route.response_class, "value", route.response_class)
    if not (isinstance(response_class, type) and issubclass(response_class, JSONResponse)):
        return False
    declared = (
        media
        for status, entry in route.responses.items()
        if str(status).startswith("2")
        for media in entry.get("content", {})
    )
    return all(media == JSON for media in declared)

"""The NBI's routers: each skips a request whose path cannot be one of its own.

FastAPI matches a request against the application's included routers in order, and each
router tries every route of its own with a regular expression (and the router that matches
does it a second time to pick the route). With some twenty routers and a hundred and fifty
routes, a ``GET /vnfpkgm/v1/vnf_packages/{id}`` spent about 0.1 ms of CPU per request in
matching alone, and an unknown path 0.2 ms, on the one event loop that serves every client
(issue 19).

A :class:`PrefixRouter` knows the literal start its routes share (``/vnfpkgm/v1/vnf_packages``
for the VNF package routes and their OSM aliases; the part of each path before its first
``{``) and answers "no match" at once for a path that does not start with it. Routes are
still tried in the same order, and a path that starts with the prefix is matched exactly as
before, so what a request reaches (200, 404, 405) does not change. The routers are included
without a ``prefix`` argument (their paths carry it), as :func:`locus_iac.nbi.app.create_app`
does.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope


class PrefixRouter(APIRouter):
    """An :class:`~fastapi.APIRouter` that skips paths outside its routes' shared prefix."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prefix_of: tuple[int, str] = (-1, "")  # (number of routes, their prefix)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        shared = self.shared_prefix()
        if shared and not _may_start_with(scope, shared):
            return Match.NONE, {}
        return super().matches(scope)

    def shared_prefix(self) -> str:
        """The literal start of every route's path ("" when they share none)."""
        count, shared = self._prefix_of
        if count != len(self.routes):
            literals = [str(getattr(route, "path", "")).split("{", 1)[0] for route in self.routes]
            shared = os.path.commonprefix(literals) if literals else ""  # noqa: RUF071 (by character: a prefix may end mid-segment)
            self._prefix_of = (len(self.routes), shared)
        return shared


def _may_start_with(scope: Scope, prefix: str) -> bool:
    """Whether the path of ``scope``, with or without its root path, starts with ``prefix``."""
    path: str = scope.get("path", "")
    if path.startswith(prefix):
        return True
    root: str = scope.get("root_path", "")
    return bool(root) and path.startswith(root) and path[len(root) :].startswith(prefix)

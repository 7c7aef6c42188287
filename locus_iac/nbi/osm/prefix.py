"""The NBI under ``/osm`` as well as at the root, as OSM's NBI serves it.

OSM's client calls ``https://HOST:PORT/osm/<path>``. :func:`osm_scope` (applied by the
NBI's middleware, :mod:`locus_iac.nbi.edge`) serves such a request as ``/<path>`` with
``/osm`` as its root path, so links and ``Location`` headers keep the prefix the client
used. Under ``/osm`` the representations follow OSM where OSM and SOL005 give one name two
meanings (:func:`is_osm`): a package's ``id`` is its descriptor's id (``_id`` is the
package's), an occurrence's ``startTime`` and ``statusEnteredTime`` are seconds since the
epoch and ``lcmOperationType`` is lower-case. At the root every SOL005 member keeps its
SOL005 meaning; OSM's extra members are present in both places.
"""

from __future__ import annotations

from fastapi import Request
from starlette.types import Scope

PREFIX = "/osm"
_FLAG = "locus.osm"


def osm_scope(scope: Scope) -> Scope:
    """The scope of an HTTP request under ``/osm`` served as ``/...`` with ``/osm`` as its
    root path (a new mapping); any other scope as it is."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    below = path[len(root) :] if path.startswith(root) else path
    if below != PREFIX and not below.startswith(PREFIX + "/"):
        return scope
    scope = {**scope, "root_path": root + PREFIX, _FLAG: True}
    if not path.startswith(root):  # an old-style server: path without root
        scope["path"] = below[len(PREFIX) :] or "/"
    return scope


def is_osm(request: Request) -> bool:
    """Whether ``request`` came in under ``/osm`` (OSM's meanings apply)."""
    return bool(request.scope.get(_FLAG))

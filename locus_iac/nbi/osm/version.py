"""``GET /version`` (and ``/osm/version``): the server's version, as OSM's NBI gives it.

OSM's client prints ``Server version: <version> <date>`` from the members ``version`` and
``date``; ``date`` is the day this server process started (locus has no build date).
No token is needed, as with OSM.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from locus_iac import __version__
from locus_iac.nbi.routing import PrefixRouter

router = PrefixRouter(tags=["OSM"])
_STARTED = datetime.now(UTC).date().isoformat()


class ServerVersion(BaseModel):
    name: str = Field(description="the server software")
    version: str
    date: str = Field(description="the day this server process started (ISO 8601)")


@router.get("/version", response_model=ServerVersion)
def version() -> ServerVersion:
    return ServerVersion(name="locus-iac", version=__version__, date=_STARTED)

"""Routers skip paths outside their routes' shared prefix (:mod:`locus_iac.nbi.routing`),
and every request still reaches the route it reached before."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Match

from locus_iac.nbi.routing import PrefixRouter

from .harness import Api


def _scope(path: str, root_path: str = "", method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": root_path, "headers": []}


def _things() -> PrefixRouter:
    router = PrefixRouter(prefix="/a/v1")

    @router.get("/things")
    def things() -> list[str]:
        return []

    @router.get("/things/{thing_id}")
    def thing(thing_id: str) -> str:
        return thing_id

    @router.get("/things_content/{thing_id}")
    def content(thing_id: str) -> str:
        return thing_id

    return router


def _status(app: FastAPI, path: str, method: str = "GET") -> int:
    with TestClient(app) as client:
        return client.request(method, path).status_code


def test_the_shared_prefix_is_the_literal_start_of_every_path() -> None:
    router = _things()
    assert router.shared_prefix() == "/a/v1/things"

    @router.get("/other")
    def other() -> str:
        return ""

    assert router.shared_prefix() == "/a/v1/"  # routes added later count


def test_paths_outside_the_prefix_do_not_match_and_inside_match_as_before() -> None:
    router = _things()
    app = FastAPI()
    app.include_router(router)
    assert _status(app, "/a/v1/things/x") == 200
    assert _status(app, "/a/v1/things_content/x") == 200
    assert _status(app, "/a/v1/things") == 200
    assert _status(app, "/a/v1/thingz") == 404
    assert _status(app, "/b/v1/things") == 404
    assert _status(app, "/a/v1/things/x", "POST") == 405  # a path match: the method is wrong


def test_a_root_path_is_looked_through() -> None:
    router = _things()
    inside = _scope("/osm/a/v1/things/x", root_path="/osm")
    outside = _scope("/osm/b/v1/things/x", root_path="/osm")
    app = FastAPI()
    app.include_router(router)
    (included,) = [r for r in app.router.routes if getattr(r, "original_router", None) is router]
    assert included.matches(inside)[0] is Match.FULL
    assert included.matches(outside)[0] is Match.NONE


def test_every_router_of_the_nbi_is_a_prefix_router(app: FastAPI) -> None:
    included = [r.original_router for r in app.router.routes if hasattr(r, "original_router")]
    assert len(included) > 10
    assert all(isinstance(router, PrefixRouter) for router in included)
    gated = [router.shared_prefix() for router in included if isinstance(router, PrefixRouter)]
    assert "/vnfpkgm/v1/vnf_packages" in gated and "/nsd/v1/ns_descriptors" in gated


def test_package_paths_at_the_root_and_under_osm_still_route(api: Api) -> None:
    for prefix in ("", "/osm"):
        assert api.get(f"{prefix}/vnfpkgm/v1/vnf_packages").status_code == 200
        assert api.get(f"{prefix}/vnfpkgm/v1/vnf_packages_content").status_code == 200
        assert api.get(f"{prefix}/vnfpkgm/v1/vnf_packages/nope").status_code == 404
        assert api.get(f"{prefix}/vnfpkgm/v1/api_versions").status_code == 200
        assert api.get(f"{prefix}/no/such/path").status_code == 404
        assert api.delete(f"{prefix}/vnfpkgm/v1/vnf_packages").status_code == 405

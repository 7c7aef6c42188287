"""The hot package reads (a get, a plain list page, at the root and under ``/osm``) are served
by :mod:`locus_iac.nbi.hot` without FastAPI's dependency solving, and every answer is the one
FastAPI's own route gives: each request is sent once through the fast path and once with it
removed, and status, headers and body are compared (issue 19)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Match

from locus_iac.nbi import Settings
from locus_iac.nbi.context import services
from locus_iac.nbi.hot import HotRoutes, hot
from locus_iac.nbi.ui.session import SESSION_COOKIE

from .conftest import make_settings
from .harness import GZ, Api

VNF = "/vnfpkgm/v1/vnf_packages"
NSD = "/nsd/v1/ns_descriptors"
MISSING = "0b3c5e2a-0000-4000-8000-00000000abcd"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Pages of one package, so that a list has a next page (``Link``)."""
    return make_settings(tmp_path, database_url, page_size=1)


class Spy:
    """Counts the requests the fast path (:class:`HotRoutes`) serves."""

    def __init__(self, app: FastAPI) -> None:
        self.fast = app.router.routes[0]
        assert isinstance(self.fast, HotRoutes)
        self.calls = 0
        original = self.fast.handle

        async def counted(*args: Any) -> None:
            self.calls += 1
            await original(*args)

        self.fast.handle = counted  # type: ignore[method-assign,assignment]

    def both(self, app: FastAPI, send: Any) -> tuple[httpx.Response, httpx.Response, int]:
        """``send()`` with the fast path, then without it; and how many of the two requests
        the fast path served."""
        before = self.calls
        fast = send()
        app.router.routes.remove(self.fast)
        try:
            framework = send()
        finally:
            app.router.routes.insert(0, self.fast)
        return fast, framework, self.calls - before


def _same(fast: httpx.Response, framework: httpx.Response) -> None:
    assert fast.status_code == framework.status_code, (fast.text, framework.text)
    assert _headers(fast) == _headers(framework)
    assert fast.content == framework.content


def _headers(response: httpx.Response) -> list[tuple[str, str]]:
    return [(n, v) for n, v in response.headers.multi_items() if n not in ("date",)]


@pytest.fixture
def ids(api: Api, example_packages: dict[str, bytes]) -> Iterator[dict[str, str]]:
    made = {}
    for name in ("cloud_vnf", "edge_knf"):
        answer = api.post(f"{VNF}_content", content=example_packages[name], headers=GZ)
        assert answer.status_code == 201, answer.text
        made[name] = answer.json()["id"]
    for name in ("cloud_ns",):
        answer = api.post(f"{NSD}_content", content=example_packages[name], headers=GZ)
        assert answer.status_code == 201, answer.text
        made[name] = answer.json()["id"]
    yield made


def test_every_hot_read_answers_as_fastapi_s_route(
    app: FastAPI, api: Api, ids: dict[str, str]
) -> None:
    spy = Spy(app)
    token = api.headers["Authorization"].removeprefix("Bearer ")
    first = api.get(VNF)
    next_url = first.links["next"]["url"]
    marker = httpx.URL(next_url).params["nextpage_opaque_marker"]
    vnf = ids["cloud_vnf"]
    served_fast = [  # (what, request): answered by the fast path
        ("get", lambda: api.get(f"{VNF}/{vnf}")),
        ("osm get", lambda: api.get(f"/osm{VNF}/{vnf}")),
        ("osm alias get", lambda: api.get(f"/osm{VNF}_content/{vnf}")),
        ("nsd get", lambda: api.get(f"{NSD}/{ids['cloud_ns']}")),
        ("unknown", lambda: api.get(f"{VNF}/{MISSING}")),
        ("list", lambda: api.get(VNF)),
        ("next page", lambda: api.get(next_url)),
        ("osm list", lambda: api.get(f"/osm{VNF}")),
        ("osm alias list", lambda: api.get(f"/osm{VNF}_content")),
        ("filtered", lambda: api.get(VNF, params={"filter": f"(eq,id,{vnf})"})),
        ("selected", lambda: api.get(VNF, params={"fields": "softwareImages"})),
        ("bad filter", lambda: api.get(VNF, params={"filter": "(nonsense"})),
        ("empty marker", lambda: api.get(VNF, params={"nextpage_opaque_marker": ""})),
        ("bad marker", lambda: api.get(VNF, params={"nextpage_opaque_marker": "x"})),
        ("no token", lambda: api.client.get(f"{VNF}/{vnf}")),
        ("unknown token", lambda: api.client.get(VNF, headers={"Authorization": "Bearer x"})),
        ("malformed", lambda: api.client.get(VNF, headers={"Authorization": "Basic eDp5"})),
        ("bad scheme", lambda: api.client.get(VNF, headers={"Authorization": "Bearer"})),
        ("cookie", lambda: api.client.get(VNF, headers={"Cookie": f"{SESSION_COOKIE}={token}"})),
        ("406", lambda: api.get(VNF, headers={"Accept": "text/plain"})),
        ("osm any accept", lambda: api.get(f"/osm{VNF}", headers={"Accept": "text/plain"})),
    ]
    for what, send in served_fast:
        fast, framework, handled = spy.both(app, send)
        assert handled == 1, what  # the first request only
        _same(fast, framework)
    statuses = {what: spy.both(app, send)[0].status_code for what, send in served_fast}
    assert statuses["get"] == statuses["list"] == statuses["next page"] == 200
    assert statuses["unknown"] == 404 and statuses["406"] == 406
    assert statuses["no token"] == statuses["unknown token"] == 401
    assert statuses["malformed"] == 400 and statuses["cookie"] == 200
    assert statuses["osm any accept"] == 200
    long_marker = {"nextpage_opaque_marker": "m" * 513}
    judged_by_fastapi = [  # handed to FastAPI's route, which answers as it always did
        ("long id", lambda: api.get(f"{VNF}/{'x' * 65}")),
        ("long marker", lambda: api.get(VNF, params=long_marker)),
        (
            "two markers",
            lambda: api.get(f"{VNF}?nextpage_opaque_marker={marker}&nextpage_opaque_marker=x"),
        ),
    ]
    for what, send in judged_by_fastapi:
        fast, framework, handled = spy.both(app, send)
        assert handled == 0, what
        _same(fast, framework)
    assert api.get(f"{VNF}/{'x' * 65}").status_code == 422


def test_dependency_overrides_are_honoured(app: FastAPI, api: Api, ids: dict[str, str]) -> None:
    spy = Spy(app)
    app.dependency_overrides[services] = services
    try:
        assert api.get(f"{VNF}/{ids['cloud_vnf']}").status_code == 200
    finally:
        app.dependency_overrides.clear()
    assert spy.calls == 0


def test_only_gets_of_the_hot_routes_match(app: FastAPI) -> None:
    fast = app.router.routes[0]
    assert isinstance(fast, HotRoutes)
    paths = {route.path for route in fast.routes}
    assert {f"{VNF}", f"{VNF}/{{package_id}}", f"{VNF}_content", f"{NSD}/{{package_id}}"} <= paths

    def scope(method: str, path: str) -> dict[str, Any]:
        return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}

    assert fast.matches(scope("GET", f"{VNF}/abc"))[0] is Match.FULL
    assert fast.matches(scope("DELETE", f"{VNF}/abc"))[0] is Match.NONE
    assert fast.matches(scope("GET", f"{VNF}/abc/package_content"))[0] is Match.NONE
    assert fast.matches(scope("GET", "/nslcm/v1/ns_instances"))[0] is Match.NONE
    for path in (f"{VNF}/abc", f"{NSD}", "/nst/v1/netslice_templates/abc"):  # no earlier route
        assert _first_match(app.router.routes[1:], scope("GET", path)) in fast.routes, path


def _first_match(routes: list[Any], scope: dict[str, Any]) -> Any:
    """The route FastAPI serves ``scope`` with (looking into included routers)."""
    for route in routes:
        if route.matches(scope)[0] is Match.FULL:
            included = getattr(route, "original_router", None)
            return route if included is None else _first_match(included.routes, scope)
    return None


def test_a_hot_route_with_a_check_the_fast_path_does_not_know_is_refused() -> None:
    async def with_header(x_thing: str | None = None) -> Any:
        del x_thing

    from fastapi import Header

    async def header(thing: str = Header()) -> Any:
        del thing

    for endpoint in (header,):
        route = APIRoute("/x", hot(endpoint), methods=["GET"])
        with pytest.raises(TypeError, match="hot route /x"):
            HotRoutes([route], [])
    route = APIRoute("/x", hot(with_header), methods=["POST"])
    with pytest.raises(TypeError, match="not an async GET"):
        HotRoutes([route], [])

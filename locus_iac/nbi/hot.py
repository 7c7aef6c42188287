"""The hot package reads served with the least framework per request (issue 19).

A package get and a plain list page are the NBI's hot reads. With their answer cached
(:mod:`~locus_iac.nbi.render_cache`, :mod:`~locus_iac.nbi.answer_cache`), most of their CPU
was FastAPI's per request: solving the dependency graph (the app's ``Accept`` check, the
bearer scheme, the caller, the services), validating every parameter through pydantic, the
``request_response`` wrapper. :class:`HotRoutes` is the app's first route: it matches the
GETs of the routes whose endpoint is marked :func:`hot` and runs, for each, *the same
functions* FastAPI would (:data:`RESOLVERS` for the dependencies, the route's endpoint) in
the same order (dependencies first, the endpoint last) on the request's scope, so what a
client sees (status, headers, problem+json errors through the app's exception handlers,
the request metrics of :class:`~locus_iac.nbi.edge.Edge`, which label it with the route's
template) does not change.

Only the ordinary request is served here; for anything else :class:`HotRoutes` does not
match, and the app's own route answers it exactly as before: a parameter that is not a plain
string within its declared lengths, a query parameter given twice, dependency overrides
(tests). A hot route whose dependencies or parameters this module does not know fails at
start-up (:func:`install`), so a route cannot gain a check the fast path would skip.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, TypeVar

from annotated_types import MaxLen, MinLen
from fastapi import FastAPI, Response
from fastapi.dependencies.models import Dependant
from fastapi.params import Depends
from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from locus_iac.nbi.context import bearer_caller, caller, services
from locus_iac.nbi.semantics import accept_json

F = TypeVar("F", bound=Callable[..., Awaitable[Response]])
_HOT = "__locus_hot__"
_ARGUMENTS = "locus.hot.arguments"  # scope key: the parameters matches() read

#: how the fast path resolves each dependency a hot route may have: the dependency itself
#: (or, for the caller, the same function with its bearer credentials read the same way)
RESOLVERS: dict[Callable[..., Any], Callable[[Request], Awaitable[Any]]] = {
    accept_json: accept_json,
    caller: bearer_caller,
    services: services,
}


def hot(endpoint: F) -> F:
    """Mark ``endpoint`` (an ``async`` route endpoint answering a ``Response``) as a hot read."""
    setattr(endpoint, _HOT, True)
    return endpoint


class HotRoutes(BaseRoute):
    """The GETs of ``routes``, with the app-wide ``dependencies`` first (see the module
    docstring)."""

    def __init__(self, routes: Sequence[APIRoute], dependencies: Sequence[Depends]) -> None:
        self.routes = list(routes)
        self.dependencies = [_dependency_of(depends) for depends in dependencies]
        for route in self.routes:
            _require_known(route, self.dependencies)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "GET":
            return Match.NONE, {}
        for route in self.routes:
            found, child = route.matches(scope)
            if found is Match.FULL:
                if getattr(scope.get("app"), "dependency_overrides", None):
                    break  # tests: FastAPI's route
                arguments = _parameters(route.dependant, child["path_params"], scope)
                if arguments is None:
                    break  # FastAPI's route judges them
                return found, {**child, "route": route, _ARGUMENTS: arguments}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: APIRoute = scope["route"]
        arguments: dict[str, Any] = scope.pop(_ARGUMENTS)
        request = Request(scope, receive)
        for dependency in (*self.dependencies, *route.dependant.dependencies):
            value = await RESOLVERS[_call(dependency)](request)
            if dependency.name:
                arguments[dependency.name] = value
        if route.dependant.request_param_name:
            arguments[route.dependant.request_param_name] = request
        response = await route.endpoint(**arguments)
        await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Put :class:`HotRoutes` of the app's :func:`hot` GET routes first in ``app``. The app's
    routers are included without a ``prefix`` (their routes' paths carry it), so a route's
    own path is the one the app serves."""
    routes = [
        route for route in _api_routes(app.router.routes) if getattr(route.endpoint, _HOT, False)
    ]
    app.router.routes.insert(0, HotRoutes(routes, app.router.dependencies))


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """The API routes of ``routes`` and of the routers included there."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def _dependency_of(depends: Depends) -> Dependant:
    return Dependant(call=depends.dependency)


def _call(dependency: Dependant) -> Callable[..., Any]:
    call = dependency.call
    assert call is not None
    return call


def _require_known(route: APIRoute, app_wide: Sequence[Dependant]) -> None:
    """Refuse a hot route the fast path would serve differently from FastAPI."""
    dependant = route.dependant
    problems = []
    if any(_call(d) not in RESOLVERS for d in app_wide):
        problems.append("an app-wide dependency without a resolver")
    if route.methods != {"GET"} or not inspect.iscoroutinefunction(route.endpoint):
        problems.append("not an async GET")
    if dependant.header_params or dependant.cookie_params or dependant.body_params:
        problems.append("header, cookie or body parameters")
    if any(_call(d) not in RESOLVERS for d in dependant.dependencies):
        problems.append("a dependency without a resolver")
    for field in (*dependant.path_params, *dependant.query_params):
        if field.field_info.annotation not in (str, str | None):
            problems.append(f"parameter {field.name} is not a string")
    if problems:
        raise TypeError(f"hot route {route.path}: {', '.join(problems)}")


def _parameters(dependant: Dependant, path: dict[str, Any], scope: Scope) -> dict[str, Any] | None:
    """The route's path and query parameters, ``None`` when FastAPI must judge them."""
    arguments: dict[str, Any] = {}
    for field in dependant.path_params:
        arguments[field.name] = path[field.alias]
    query = QueryParams(scope["query_string"]) if dependant.query_params else QueryParams()
    for field in dependant.query_params:
        given = query.getlist(field.alias)
        if len(given) > 1:
            return None
        arguments[field.name] = given[0] if given else field.field_info.get_default()
    for field in (*dependant.path_params, *dependant.query_params):
        value = arguments[field.name]
        if value is None and field.field_info.is_required():
            return None
        if value is not None and not _within(value, field.field_info.metadata):
            return None
    return arguments


def _within(value: str, metadata: Sequence[Any]) -> bool:
    """Whether ``value`` meets the length constraints of ``metadata`` (and no other kind)."""
    for constraint in _flat(metadata):
        if isinstance(constraint, MinLen):
            if len(value) < constraint.min_length:
                return False
        elif isinstance(constraint, MaxLen):
            if len(value) > constraint.max_length:
                return False
        else:
            return False  # a constraint the fast path does not check: FastAPI's
    return True


def _flat(metadata: Sequence[Any]) -> Iterator[Any]:
    for item in metadata:
        inner = getattr(item, "metadata", None)  # pydantic's grouped constraints
        if inner is not None and not isinstance(item, MinLen | MaxLen):
            yield from _flat(inner)
        else:
            yield item

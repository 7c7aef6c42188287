"""Package management: NSD (Annex B.1, SOL005 clause 5), VNF packages (Annex B.2, SOL005
clause 9) and netslice templates (Annex B.3, OSM ``/nst/v1``), built from one pattern.

Choices (documented in the README):
* Upload (PUT ``.../{id}/*_content``) is processed synchronously and answers ``201`` as in
  Annex B Tables 6, 11 and 16; a rejected upload answers 4xx problem+json and leaves the
  resource as it was (``CREATED``), so it can be retried.
* Creating a netslice template answers ``201`` with its id (Annex B Table 15 prints 204,
  which cannot carry the ``netsliceTemplateId`` the same table lists as response content).
* DELETE works in any operationalState (OSM behaviour; SOL005 would require DISABLED) and
  is refused with 409 while the descriptor is in use.
* Lists page with SOL013 clause 5.4.2.1 ``nextpage_opaque_marker`` and a ``Link: rel=next``
  header; the page size is a server setting (``LOCUS_PAGE_SIZE``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import Row
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from locus_iac import catalogue as cat
from locus_iac.catalogue import OnboardingState
from locus_iac.catalogue.models import PackageRow
from locus_iac.catalogue.paging import KeysetPage
from locus_iac.errors import Issue
from locus_iac.nbi import filters, semantics
from locus_iac.nbi.answer_cache import Answer
from locus_iac.nbi.content import RANGE_RESPONSES, ranged
from locus_iac.nbi.context import CallerDep, Services, ServicesDep
from locus_iac.nbi.hot import hot
from locus_iac.nbi.osm.prefix import is_osm
from locus_iac.nbi.osm.yaml_body import YamlBodyRoute
from locus_iac.nbi.paging import Marker
from locus_iac.nbi.problems import HttpProblem
from locus_iac.nbi.render_cache import RenderCache, row_key
from locus_iac.nbi.representations import KIND_APIS, LISTINGS, KindApi, View
from locus_iac.nbi.routing import PrefixRouter
from locus_iac.nbi.schemas_packages import CreatePackageRequest, ObjectId, PackageModifications
from locus_iac.nbi.uploads import UPLOAD_BODY, YAML_TYPES, read_upload
from locus_iac.nbi.workers import upload_pool

Ref = Annotated[str, Path(min_length=1, max_length=64)]


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _inputs(
    session: Session, api: KindApi, rows: Sequence[PackageRow], request: Request
) -> list[View]:
    """What the representations of ``rows`` show besides the rows."""
    if not rows:
        return []
    project = rows[0].project_id
    used = frozenset(cat.in_use(session, project, api.kind, (r.descriptor_id or "" for r in rows)))
    refs = _references(session, api, rows)
    root, osm = _root(request), is_osm(request)
    return [View(r, r.descriptor_id in used, refs.get(r.id, []), root, osm) for r in rows]


def _references(
    session: Session, api: KindApi, rows: Sequence[PackageRow | Row[Any]]
) -> dict[str, list[str]]:
    """The packages each of ``rows`` references; only onboarded NSDs and templates show (and
    have) references: no query for the others."""
    if not api.shows_references:
        return {}
    onboarded = [r.id for r in rows if r.onboarding_state == OnboardingState.ONBOARDED]
    return cat.referenced_packages(session, onboarded)


def _one(session: Session, api: KindApi, row: PackageRow, request: Request) -> BaseModel:
    return api.render(_inputs(session, api, [row], request)[0], api)


@dataclass(frozen=True)
class Rendered:
    """One package's representation, its JSON as FastAPI would send it (by alias, ``None``
    left out), its ``ETag`` and its JSON as an item of a list without filter or selector
    (:class:`~locus_iac.nbi.filters.Prerendered`)."""

    model: BaseModel
    body: bytes
    etag: str
    listed: bytes


def _render(api: KindApi, view: View) -> Rendered:
    model = api.render(view, api)
    body = model.model_dump_json(by_alias=True, exclude_none=True).encode()
    listed = LISTINGS[api.kind].listed(model, view.osm)
    return Rendered(model, body, semantics.etag_of(model), listed)


_RENDERED: RenderCache[Rendered] = RenderCache()


def _shown(
    session: Session, api: KindApi, rows: Sequence[Row[Any]], used: frozenset[str], request: Request
) -> list[Rendered]:
    """The representations of plain rows (:func:`~locus_iac.catalogue.get_shown`, a list's
    page): an ORM row is built, and the JSON columns parsed, only for a package whose
    representation is not cached; a list and a get share the cached ones. The key of each
    is everything it shows (:mod:`~locus_iac.nbi.render_cache`): the row and what its
    :class:`View` has besides it."""
    refs = _references(session, api, rows)
    root, osm = _root(request), is_osm(request)
    shown = [(row, row.descriptor_id in used, refs.get(row.id, [])) for row in rows]
    keys = [(api.kind, root, osm, use, tuple(ref), row_key(row)) for row, use, ref in shown]

    def render(index: int) -> Rendered:
        row, in_use, references = shown[index]
        return _render(api, View(cat.package_of(row), in_use, references, root, osm))

    return _RENDERED.get_many(keys, render)


def _json(body: bytes, headers: Sequence[tuple[str, str]] = ()) -> Response:
    """A JSON answer built here: FastAPI's own path validates the returned model a second time
    against ``response_model``, on another worker thread."""
    return Response(body, media_type="application/json", headers=dict(headers))


def _answer_key(version: Hashable | None, project_id: str, request: Request) -> Hashable | None:
    """The key of a hot read's answer (:mod:`~locus_iac.nbi.answer_cache`): the database's
    version, the caller's project and the URL (root, ``/osm``, path, query)."""
    return None if version is None else (version, project_id, str(request.url))


def _answer_of(response: Response) -> Answer:
    """A JSON response as an :class:`Answer` (its headers but the content ones)."""
    skip = {"content-type", "content-length"}
    headers = tuple((n, v) for n, v in response.headers.items() if n not in skip)
    return Answer(bytes(response.body), headers)


def _op(api: KindApi, action: str) -> str:
    return f"{api.kind.value}_{action}"


def _links(api: KindApi) -> dict[str, dict[str, object]]:
    """OpenAPI links from a created resource to the operations on it (clients, fuzzers)."""
    actions = ("get", "modify", "delete", "upload_content", "fetch_content", "fetch_descriptor")
    return {
        action.title().replace("_", ""): {
            "operationId": _op(api, action),
            "parameters": {"package_id": "$response.body#/id"},
        }
        for action in actions
    }


def build(api: KindApi) -> APIRouter:
    """The router of one package area."""
    router = PrefixRouter(prefix=api.base, tags=[api.tag], route_class=YamlBodyRoute)
    coll = f"/{api.collection}"
    item = f"{coll}/{{package_id}}"
    _list_route(router, api, coll)
    _create_route(router, api, coll)
    _item_routes(router, api, item)
    _upload_route(router, api, item)
    _download_routes(router, api, item)
    _one_shot_routes(router, api)
    _osm_aliases(router, api)
    return router


# _on_loop: a package get and a plain list page (no filter or selector) are the NBI's hot
# reads. Their whole answer is reused while the database is unchanged (:mod:`..answer_cache`,
# keyed by Database.version); a miss reads the rows and, mostly, cached representations
# (:mod:`..render_cache`). On SQLite they run on the event loop, start to end, on its own
# connection (Database.loop_session): on the 40 worker threads they cost a thread hop each way
# and shared the GIL with up to 40 others, so under load requests were served out of order (at
# 50 clients a get's p99 was 4-8x its p50 while an unknown path, answered on the loop, stayed
# near its p50; issue 19). On PostgreSQL each statement is a network round trip, which the loop
# must not wait for (it did, in a trial: a get's p50 at 50 clients doubled): there the loop
# only awaits the catalogue's change count (Database.clock, one round trip shared by the
# callers waiting for it), a kept answer is served from there, and only a miss goes to a
# worker thread.

T = TypeVar("T")


async def _hot_read(svc: Services, work: Callable[[Session], T]) -> T:
    """``work(session)`` in a read-only transaction: on the event loop where the database
    allows it (:attr:`~locus_iac.catalogue.Database.reads_on_loop`), else on a worker thread."""
    if svc.db.reads_on_loop:
        with svc.db.loop_session() as session:
            return work(session)

    def on_thread() -> T:
        with svc.db.session(readonly=True) as session:
            return work(session)

    return await run_in_threadpool(on_thread)


async def _hot_answer(
    svc: Services, project_id: str, request: Request, build: Callable[[Session], Answer]
) -> Answer:
    """The answer to a hot read (see _on_loop): the one kept for the catalogue's version, else
    ``build(session)`` in a :func:`_hot_read`, kept under that version.

    On PostgreSQL the version is the catalogue's change count, read on the event loop after
    this call (a client's committed write is counted in it); a kept answer is then served
    without any thread, and a miss is built in a session that starts after the count was read
    (so it holds at least the counted changes). Without the clock (SQLite, a lost connection,
    a failed round trip) the version is the session's own (:meth:`Database.version`, its
    first statement), and database errors answer 503 as always."""
    clock = svc.db.clock
    counted = None if clock is None else await clock.after_now()
    if counted is not None:
        key = _answer_key(counted, project_id, request)
        kept = svc.answers.find(key)
        if kept is not None:
            return kept

    def answer(session: Session) -> Answer:
        version = svc.db.version(session) if counted is None else counted
        return svc.answers.get(_answer_key(version, project_id, request), lambda: build(session))

    return await _hot_read(svc, answer)


def _list_route(router: APIRouter, api: KindApi, coll: str) -> None:
    info = api.info

    @router.get(
        coll,
        response_model=list[info],  # type: ignore[valid-type]
        response_model_exclude_none=True,
        operation_id=_op(api, "list"),
    )
    @hot  # served by locus_iac.nbi.hot, FastAPI's route as its fallback
    async def list_packages(
        request: Request,
        who: CallerDep,
        svc: ServicesDep,
        nextpage_opaque_marker: Marker = None,
    ) -> Response:
        """One page of the packages; SOL013 filters and selectors (:mod:`..filters`)."""

        def answer(session: Session) -> Response:
            def fetch(marker: str | None, limit: int) -> KeysetPage[filters.Prerendered]:
                page = cat.list_packages(
                    session, who.project_id, api.kind, marker=marker, limit=limit
                )
                shown = _shown(session, api, page.rows, page.in_use, request)
                return KeysetPage(shown, page.next_marker)

            return filters.respond(
                request, LISTINGS[api.kind], fetch, nextpage_opaque_marker, svc.settings.page_size
            )

        if filters.plain(request):  # one page: a hot read (see _on_loop)
            kept = await _hot_answer(
                svc, who.project_id, request, lambda session: _answer_of(answer(session))
            )
            return _json(kept.body, kept.headers)

        def scan() -> Response:  # a filter may read many pages: on a worker thread
            with svc.db.session(readonly=True) as session:
                return answer(session)

        return await run_in_threadpool(scan)


def _create_route(router: APIRouter, api: KindApi, coll: str) -> None:
    info = api.info

    @router.post(
        coll,
        response_model=info,
        response_model_exclude_none=True,
        status_code=201,
        operation_id=_op(api, "create"),
        responses={201: {"links": _links(api)}},
    )
    def create_package(
        body: CreatePackageRequest,
        request: Request,
        response: Response,
        who: CallerDep,
        svc: ServicesDep,
    ) -> BaseModel:
        with svc.db.session() as session:
            row = cat.create_package(
                session,
                who.project_id,
                api.kind,
                name=body.name,
                description=body.description,
                user_defined_data=body.user_defined_data,
            )
            out = _one(session, api, row, request)
        response.headers["Location"] = _root(request) + api.self_path(row.id)
        return out


def _item_routes(router: APIRouter, api: KindApi, item: str) -> None:
    info = api.info

    @router.get(
        item, response_model=info, response_model_exclude_none=True, operation_id=_op(api, "get")
    )
    @hot  # served by locus_iac.nbi.hot, FastAPI's route as its fallback
    async def get_package(
        package_id: Ref, request: Request, who: CallerDep, svc: ServicesDep
    ) -> Response:
        def one(session: Session) -> Answer:
            row = cat.get_shown(session, who.project_id, api.kind, package_id)
            used = frozenset([row.descriptor_id] if row.in_use else ())
            (rendered,) = _shown(session, api, [row], used, request)
            return Answer(rendered.body, (("ETag", rendered.etag),))

        kept = await _hot_answer(svc, who.project_id, request, one)  # see _on_loop
        return _json(kept.body, kept.headers)

    def modify_package(
        package_id: Ref,
        body: PackageModifications,
        request: Request,
        response: Response,
        who: CallerDep,
        svc: ServicesDep,
    ) -> PackageModifications:
        """SOL005 PATCH: enable/disable, merge userDefinedData; answers the modifications
        and the resource's new ``ETag`` (``If-Match``: 412 when it changed meanwhile)."""
        with svc.db.session() as session:
            row = cat.get_package(session, who.project_id, api.kind, package_id, lock=True)
            semantics.require_match(request, _one(session, api, row, request))
            cat.modify_package(
                row,
                operational_state=body.operational_state,
                user_defined_data=body.user_defined_data,
            )
            semantics.tag(response, _one(session, api, row, request))
        return body

    modify_package.__annotations__["body"] = api.modifications  # the area's own aliases
    router.add_api_route(
        item,
        modify_package,
        methods=["PATCH"],
        response_model=api.modifications,
        response_model_exclude_none=True,
        operation_id=_op(api, "modify"),
    )

    @router.delete(item, status_code=status.HTTP_204_NO_CONTENT, operation_id=_op(api, "delete"))
    def delete_package(
        package_id: Ref, request: Request, who: CallerDep, svc: ServicesDep
    ) -> Response:
        with svc.db.session() as session:
            if "if-match" in request.headers:
                row = cat.get_package(session, who.project_id, api.kind, package_id, lock=True)
                semantics.require_match(request, _one(session, api, row, request))
            cat.delete_package(session, who.project_id, api.kind, package_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)


def _upload_route(router: APIRouter, api: KindApi, item: str) -> None:
    @router.put(
        f"{item}/{api.content}",
        status_code=status.HTTP_201_CREATED,
        response_class=Response,  # no body
        openapi_extra=UPLOAD_BODY,
        responses={201: {"description": "Onboarded"}},
        operation_id=_op(api, "upload_content"),
    )
    async def upload_content(
        package_id: Ref, request: Request, who: CallerDep, svc: ServicesDep
    ) -> Response:
        data, media = await read_upload(request, svc.settings.max_upload_bytes)
        await upload_pool(request).run(
            request,
            lambda: cat.upload_content(
                svc.db,
                svc.inspector,
                project_id=who.project_id,
                kind=api.kind,
                package_id=package_id,
                data=data,
                content_type=media,
            ),
        )
        return Response(status_code=status.HTTP_201_CREATED)


def _download_routes(router: APIRouter, api: KindApi, item: str) -> None:
    @router.get(
        f"{item}/{api.content}",
        response_class=Response,
        responses={
            200: {"content": {"application/zip": {}, "application/gzip": {}, "text/plain": {}}},
            **RANGE_RESPONSES,
        },
        operation_id=_op(api, "fetch_content"),
    )
    def fetch_content(
        package_id: Ref, request: Request, who: CallerDep, svc: ServicesDep
    ) -> Response:
        """The package exactly as uploaded (archive, or YAML for a bare descriptor); 406
        when ``Accept`` does not allow that type; one ``Range`` is answered 206
        (:mod:`locus_iac.nbi.content`)."""
        with svc.db.session(readonly=True) as session:
            row = cat.get_package(session, who.project_id, api.kind, package_id)
            cat.require_onboarded(row)
            media = "text/plain" if row.content_type in YAML_TYPES else row.content_type
            media = semantics.negotiate(request, (media or "application/octet-stream",))
            data = cat.read_content(session, row)
        return ranged(request, data, media)

    @router.get(
        f"{item}/{api.descriptor}",
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {}, "application/yaml": {}, "application/zip": {}}}
        },
        operation_id=_op(api, "fetch_descriptor"),
    )
    def fetch_descriptor(
        package_id: Ref, request: Request, who: CallerDep, svc: ServicesDep
    ) -> Response:
        """The descriptor as YAML (``text/plain``, ``application/yaml``) or the zip package."""
        wanted = semantics.negotiate(request, ("text/plain", "application/yaml", "application/zip"))
        with svc.db.session(readonly=True) as session:
            row = cat.get_package(session, who.project_id, api.kind, package_id)
            cat.require_onboarded(row)
            if wanted != "application/zip":
                return Response(content=row.descriptor_yaml or "", media_type=wanted)
            if row.content_type != "application/zip":
                raise HttpProblem(
                    406,
                    "Not Acceptable",
                    f"the package was uploaded as {row.content_type}, not as a zip: "
                    f"GET {api.self_path(row.id)}/{api.content} returns it as uploaded",
                )
            return Response(content=cat.read_content(session, row), media_type="application/zip")


def _one_shot_routes(router: APIRouter, api: KindApi) -> None:
    path = f"/{api.one_shot}"

    @router.post(
        path,
        status_code=status.HTTP_201_CREATED,
        response_model=ObjectId,
        openapi_extra=UPLOAD_BODY,
        operation_id=_op(api, "onboard"),
        responses={201: {"links": _links(api)}},
    )
    async def onboard(
        request: Request, response: Response, who: CallerDep, svc: ServicesDep
    ) -> ObjectId:
        """OSM one-shot onboarding: create the resource and upload its content at once."""
        data, media = await read_upload(request, svc.settings.max_upload_bytes)
        warned: list[Issue] = []
        row = await upload_pool(request).run(
            request,
            lambda: cat.onboard_new(
                svc.db,
                svc.inspector,
                project_id=who.project_id,
                kind=api.kind,
                data=data,
                content_type=media,
                on_warnings=warned.extend,
            ),
        )
        response.headers["Location"] = _root(request) + api.self_path(row.id)
        return ObjectId(id=row.id, warnings=[w.as_dict() for w in warned])


def _osm_aliases(router: APIRouter, api: KindApi) -> None:
    """OSM clients list, read and delete through ``..._content[/{id}]`` too: same handlers."""
    by_path = {
        (r.path, tuple(sorted(r.methods or ()))): r
        for r in router.routes
        if isinstance(r, APIRoute)
    }
    coll = f"{api.base}/{api.collection}"
    aliases = (
        (coll, f"/{api.one_shot}", "GET", "list"),
        (f"{coll}/{{package_id}}", f"/{api.one_shot}/{{package_id}}", "GET", "get"),
        (f"{coll}/{{package_id}}", f"/{api.one_shot}/{{package_id}}", "DELETE", "delete"),
    )
    for path, alias, method, action in aliases:
        route = by_path[(path, (method,))]
        router.add_api_route(
            alias,
            route.endpoint,
            methods=[method],
            response_model=route.response_model,
            response_model_exclude_none=route.response_model_exclude_none,
            status_code=route.status_code,
            operation_id=_op(api, f"osm_{action}"),
            summary=f"{route.summary or route.name} (OSM alias)",
        )


ROUTERS = [build(api) for api in KIND_APIS]

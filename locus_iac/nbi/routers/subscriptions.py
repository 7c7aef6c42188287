"""Subscriptions to notifications: ``/nsd/v1/subscriptions`` (SOL005 v3.7.1 clause 5.4.8-
5.4.9), ``/vnfpkgm/v1/subscriptions`` (9.4.8-9.4.9) and ``/nslcm/v1/subscriptions``
(6.4.16-6.4.17), built from one pattern.

* ``POST`` checks the request (422 with JSON pointers), that the callback's host is an
  address the operator allows (``LOCUS_NOTIFY_ALLOW``) and that ``GET callbackUri`` answers
  ``204`` (else 422), then answers ``201`` with ``Location``; an identical subscription
  (same callback URI, filter and verbosity) answers ``303 See Other`` naming it.
* ``GET`` lists (paged like every list) and reads; ``DELETE`` answers ``204``.
* ``authentication`` is stored encrypted and never returned.

OSM has no netslice subscriptions (``/nsilcm``), so there are none here either.
"""

# no ``from __future__ import annotations``: the request body type of each route is a
# variable of the builder, which FastAPI must see as a real type

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from locus_iac.catalogue.paging import KeysetPage
from locus_iac.catalogue.subscriptions import SubscriptionRow
from locus_iac.errors import Issue, ValidationError
from locus_iac.nbi import filters
from locus_iac.nbi.context import CallerDep, ServicesDep
from locus_iac.nbi.paging import Marker
from locus_iac.nbi.routing import PrefixRouter
from locus_iac.notifications import store
from locus_iac.notifications.client import CallbackClient, Refused
from locus_iac.notifications.links import BASES, subscription_path
from locus_iac.notifications.schemas import (
    LccnSubscriptionRequest,
    NsdmSubscriptionRequest,
    PkgmSubscriptionRequest,
    Subscription,
    SubscriptionRequest,
)

Id = Annotated[str, Path(min_length=1, max_length=36)]

_REQUESTS: dict[str, type[SubscriptionRequest]] = {
    "nsd": NsdmSubscriptionRequest,
    "vnfpkgm": PkgmSubscriptionRequest,
    "nslcm": LccnSubscriptionRequest,
}
_LISTING = filters.Listing(Subscription, exclude_none=True)
_TAGS = {"nsd": "nsd", "vnfpkgm": "vnfpkgm", "nslcm": "nslcm"}


def callbacks(request: Request) -> CallbackClient:
    client = request.app.state.callbacks
    assert isinstance(client, CallbackClient)
    return client


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def render(request: Request, row: SubscriptionRow) -> Subscription:
    path = subscription_path(row.api, row.id)
    return Subscription.model_validate(
        {
            "id": row.id,
            "filter": row.filter or None,
            "callbackUri": row.callback_uri,
            "verbosity": row.verbosity if row.api == "nslcm" else None,
            "_links": {"self": {"href": _root(request) + path}},
        }
    )


def _test_callback(request: Request, body: SubscriptionRequest) -> None:
    auth = body.authentication.sealed() if body.authentication is not None else None
    client = callbacks(request)
    if auth and "paramsOauth2ClientCredentials" in auth:
        try:
            client.check_address(auth["paramsOauth2ClientCredentials"]["tokenEndpoint"])
        except Refused as exc:
            pointer = "/body/authentication/paramsOauth2ClientCredentials/tokenEndpoint"
            raise ValidationError(
                f"tokenEndpoint refused: {exc}", [Issue(pointer, "address-not-allowed", str(exc))]
            ) from None
    client.test(body.callback_uri, auth, pointer="/body/callbackUri")


def build(api: str) -> APIRouter:
    router = PrefixRouter(prefix=BASES[api], tags=[_TAGS[api]])
    model = _REQUESTS[api]

    @router.post(
        "/subscriptions",
        response_model=Subscription,
        response_model_exclude_none=True,
        status_code=status.HTTP_201_CREATED,
        operation_id=f"{api}_subscription_create",
        responses={303: {"description": "an identical subscription exists (Location)"}},
    )
    def create_subscription(
        body: model,  # type: ignore[valid-type]
        request: Request,
        response: Response,
        who: CallerDep,
        svc: ServicesDep,
    ) -> Subscription | Response:
        with svc.db.session(readonly=True) as session:
            found = store.identical(session, who.project_id, api, body)
        if found is None:
            _test_callback(request, body)
            with svc.db.session() as session:
                created = store.create(session, svc.box, who.project_id, api, body)
                out = render(request, created.row)
        else:
            created = store.Created(found, existed=True)
            out = render(request, found)
        location = _root(request) + subscription_path(api, out.id)
        if created.existed:
            return RedirectResponse(location, status_code=status.HTTP_303_SEE_OTHER)
        response.headers["Location"] = location
        return out

    @router.get(
        "/subscriptions",
        response_model=list[Subscription],
        response_model_exclude_none=True,
        operation_id=f"{api}_subscription_list",
    )
    def list_subscriptions(
        request: Request,
        who: CallerDep,
        svc: ServicesDep,
        nextpage_opaque_marker: Marker = None,
    ) -> Response:
        """One page of the subscriptions; SOL013 filters and selectors (:mod:`..filters`)."""

        def fetch(marker: str | None, limit: int) -> KeysetPage[BaseModel]:
            page = store.page(session, who.project_id, api, marker=marker, limit=limit)
            return KeysetPage([render(request, row) for row in page.rows], page.next_marker)

        with svc.db.session(readonly=True) as session:
            return filters.respond(
                request, _LISTING, fetch, nextpage_opaque_marker, svc.settings.page_size
            )

    @router.get(
        "/subscriptions/{subscription_id}",
        response_model=Subscription,
        response_model_exclude_none=True,
        operation_id=f"{api}_subscription_get",
    )
    def get_subscription(
        subscription_id: Id, request: Request, who: CallerDep, svc: ServicesDep
    ) -> Subscription:
        with svc.db.session(readonly=True) as session:
            return render(request, store.get(session, who.project_id, api, subscription_id))

    @router.delete(
        "/subscriptions/{subscription_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        operation_id=f"{api}_subscription_delete",
    )
    def delete_subscription(subscription_id: Id, who: CallerDep, svc: ServicesDep) -> Response:
        with svc.db.session() as session:
            store.remove(session, who.project_id, api, subscription_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


ROUTERS = [build(api) for api in store.APIS]

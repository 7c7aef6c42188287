"""Subscriptions of a project, per API (``nsd``, ``vnfpkgm``, ``nslcm``), in the caller's
transaction. The ``authentication`` is sealed with the SecretBox and never leaves it except
to call the subscriber."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from locus_iac.catalogue.outbox import DELIVER, OutboxRow
from locus_iac.catalogue.paging import KeysetPage, keyset_page
from locus_iac.catalogue.secrets import SecretBox
from locus_iac.catalogue.subscriptions import SubscriptionRow
from locus_iac.errors import NotFound
from locus_iac.notifications.schemas import SubscriptionRequest

APIS = ("nsd", "vnfpkgm", "nslcm")


@dataclass(frozen=True)
class Created:
    row: SubscriptionRow
    existed: bool  # an identical subscription was there already (303 See Other)


def stored_filter(request: SubscriptionRequest) -> dict[str, Any]:
    """The filter as stored and returned: SOL005 names, absent attributes left out."""
    if request.filter is None:
        return {}
    return request.filter.model_dump(mode="json", by_alias=True, exclude_none=True)


def fingerprint(api: str, callback_uri: str, flt: dict[str, Any], verbosity: str | None) -> str:
    doc = {"api": api, "callbackUri": callback_uri, "filter": flt, "verbosity": verbosity}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _fingerprint_of(api: str, request: SubscriptionRequest) -> str:
    verbosity = getattr(request, "verbosity", None)
    return fingerprint(api, request.callback_uri, stored_filter(request), verbosity)


def identical(
    session: Session, project_id: str, api: str, request: SubscriptionRequest
) -> SubscriptionRow | None:
    """The subscription with the same callback URI, filter (and verbosity), if any."""
    return session.scalars(
        select(SubscriptionRow)
        .where(
            SubscriptionRow.project_id == project_id,
            SubscriptionRow.fingerprint == _fingerprint_of(api, request),
        )
        .order_by(SubscriptionRow.created_at)
    ).first()


def create(
    session: Session, box: SecretBox, project_id: str, api: str, request: SubscriptionRequest
) -> Created:
    """A new subscription, or the identical one already there (same callback and filter)."""
    found = identical(session, project_id, api, request)
    if found is not None:
        return Created(found, existed=True)
    auth = request.authentication
    row = SubscriptionRow(
        project_id=project_id,
        api=api,
        callback_uri=request.callback_uri,
        filter=stored_filter(request),
        fingerprint=_fingerprint_of(api, request),
        verbosity=getattr(request, "verbosity", None),
        auth=box.seal(auth.sealed()) if auth is not None else None,
    )
    session.add(row)
    session.flush()
    return Created(row, existed=False)


def get(session: Session, project_id: str, api: str, subscription_id: str) -> SubscriptionRow:
    row = session.get(SubscriptionRow, subscription_id)
    if row is None or row.project_id != project_id or row.api != api:
        raise NotFound(f"subscription {subscription_id} not found")
    return row


def page(
    session: Session, project_id: str, api: str, *, marker: str | None, limit: int
) -> KeysetPage[SubscriptionRow]:
    query = select(SubscriptionRow).where(
        SubscriptionRow.project_id == project_id, SubscriptionRow.api == api
    )
    return keyset_page(
        session, query, SubscriptionRow.created_at, SubscriptionRow.id, marker=marker, limit=limit
    )


def remove(session: Session, project_id: str, api: str, subscription_id: str) -> None:
    """Delete a subscription and the notifications still waiting for it."""
    row = get(session, project_id, api, subscription_id)
    session.execute(
        delete(OutboxRow).where(OutboxRow.kind == DELIVER, OutboxRow.subscription_id == row.id)
    )
    session.delete(row)


def authentication(box: SecretBox, row: SubscriptionRow) -> dict[str, Any] | None:
    """The stored ``authentication`` (credentials in clear: for the client only)."""
    return box.open(row.auth) if row.auth is not None else None

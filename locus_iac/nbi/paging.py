"""Paged list responses (ETSI GS NFV-SOL013 v3.4.1 clause 5.4.2.1), one way for every list.

A list endpoint takes the :data:`Marker` query parameter, asks its repository for one
:class:`~locus_iac.catalogue.paging.KeysetPage` of ``settings.page_size`` rows and calls
:func:`link_next`: when a next page exists the answer carries ``Link: <URL>; rel="next"``,
the same request with ``nextpage_opaque_marker`` set (other query parameters, such as
filters, are kept).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from locus_iac.catalogue.paging import MARKER_PARAM

Marker = Annotated[
    str | None,
    Query(alias=MARKER_PARAM, max_length=512, description="Marker of the next page (SOL013)."),
]


def link_next(request: Request, response: Response, next_marker: str | None) -> None:
    """Add the ``Link: rel="next"`` header when there is a next page."""
    if next_marker:
        url = request.url.include_query_params(**{MARKER_PARAM: next_marker})
        response.headers["Link"] = f'<{url}>; rel="next"'

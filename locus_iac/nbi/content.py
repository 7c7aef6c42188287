"""Serving package bytes: HTTP ``Range`` (RFC 9110 clause 14) and the onboarded package read back.

``Range`` on package content, NSD content and artifacts (SOL005 clauses 5.4.5.3.2,
9.4.5.3.2, 9.4.7.3.2; SOL013 clause 4.3): one byte range (``bytes=a-b``, ``bytes=a-``,
``bytes=-n``) is answered ``206`` with ``Content-Range``; a range that starts past the end
is ``416`` with ``Content-Range: bytes */<size>``. Several ranges in one header
(``bytes=0-1,5-6``) are answered with the whole representation (``200``), as RFC 9110
clause 14.2 allows a server that does not support multipart/byteranges; a header that is not
a byte range (another unit, garbage) is ignored the same way. Every answer carries
``Accept-Ranges: bytes``.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request, Response
from sqlalchemy.orm import Session

from locus_iac import catalogue as cat
from locus_iac.catalogue.models import PackageRow
from locus_iac.nbi.problems import PROBLEM_JSON, HttpProblem
from locus_iac.nbi.schemas_packages import ProblemDetails
from locus_iac.packages import DEFAULT_LIMITS, Package, read_package

_ONE_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)

_TITLES = {
    400: "Bad Request",
    404: "Not Found",
    406: "Not Acceptable",
    409: "Conflict: the package is not onboarded (or is being uploaded)",
    416: "Range Not Satisfiable",
    422: "Unprocessable Entity (errors carry JSON pointers)",
    503: "Service Unavailable",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these statuses, answered as SOL013 ProblemDetails."""
    schema = ProblemDetails.model_json_schema()
    return {
        code: {
            "description": _TITLES[code],
            "content": {PROBLEM_JSON: {"schema": schema}},
        }
        for code in codes
    }


RANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    206: {"description": "Partial content (one byte range)"},
    **problem_responses(416),
}


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte of a single satisfiable range; None for the whole.

    Raises a 416 :class:`HttpProblem` for a syntactically valid single range that
    selects nothing of ``size`` bytes.
    """
    if not header:
        return None
    match = _ONE_RANGE.match(header)
    if match is None:
        return None  # several ranges or another unit: the whole representation (200)
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:  # suffix: the last n bytes
        length = int(last)
        if length == 0 or size == 0:
            raise _unsatisfiable(size)
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid range spec: ignored (RFC 9110 clause 14.1.1)
    if start >= size:
        raise _unsatisfiable(size)
    return start, min(end, size - 1)


def _unsatisfiable(size: int) -> HttpProblem:
    return HttpProblem(
        416,
        "Range Not Satisfiable",
        f"the requested range is outside the content ({size} bytes)",
        headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
    )


def ranged(request: Request, data: bytes, media_type: str) -> Response:
    """``data`` whole (200) or the single range the request asks for (206)."""
    headers = {"Accept-Ranges": "bytes"}
    span = byte_range(request.headers.get("range"), len(data))
    if span is None:
        return Response(content=data, media_type=media_type, headers=headers)
    first, last = span
    headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    return Response(
        content=data[first : last + 1], status_code=206, media_type=media_type, headers=headers
    )


def stored_package(session: Session, row: PackageRow) -> Package:
    """The onboarded package of ``row`` read back from the catalogue (409 before onboarding).

    The bytes passed every check when they were uploaded; they are read again under the
    same limits, in memory, so nothing of the package ever touches the disk.
    """
    data = cat.read_content(session, row)
    return read_package(data, name=f"{row.kind} package {row.id}", limits=DEFAULT_LIMITS)

"""The one mapping from the error tree to SOL013 ProblemDetails."""

from __future__ import annotations

import json

import pytest

from locus_iac.errors import (
    AuthError,
    Conflict,
    Forbidden,
    Issue,
    LocusError,
    NotFound,
    PermanentError,
    RetryableError,
    UnsafeArchiveError,
    ValidationError,
)
from locus_iac.nbi.problems import PROBLEM_JSON, error_response


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ValidationError("bad", [Issue("/a", "c", "m")]), 422),
        (UnsafeArchiveError("evil"), 422),
        (NotFound("gone"), 404),
        (Conflict("busy"), 409),
        (AuthError("who"), 401),
        (Forbidden("no"), 403),
        (RetryableError("later", 2.4), 503),
        (PermanentError("internal detail"), 500),
        (LocusError("internal detail"), 500),
    ],
)
def test_error_tree_maps_to_statuses(error: LocusError, status: int) -> None:
    response = error_response(error)
    body = json.loads(bytes(response.body))
    assert response.status_code == status == body["status"]
    assert response.media_type == PROBLEM_JSON
    assert body["type"] == "about:blank" and body["title"]
    if status == 500:
        assert "internal detail" not in body["detail"]
    else:
        assert body["detail"] == error.message
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    if status == 503:
        assert response.headers["retry-after"] == "2"
    if isinstance(error, ValidationError) and error.issues:
        assert body["errors"] == [{"path": "/a", "code": "c", "message": "m"}]

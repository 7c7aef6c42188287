"""The served OpenAPI document tells the truth about errors, in one place.

FastAPI documents each operation's success and its own 422 (``HTTPValidationError`` as
``application/json``), but every error of this server is a SOL013 ProblemDetails sent as
``application/problem+json`` (:mod:`locus_iac.nbi.problems`), and it answers more statuses
than the routes declare: the middleware (body size 413, body timeout 408, concurrency 503),
authentication (401/403), content negotiation (406/415), the error tree (404/409/422...).
:func:`document_errors` adds them to every operation of ``app.openapi()`` by what the
operation is (path parameters, a request body, a method that changes state, binary content),
so that no route declares them by hand and a new route is documented like the others.

Every list operation (one that pages with ``nextpage_opaque_marker``, SOL013 clause 5.4.2.1)
also gets the SOL013 filter and selector parameters it accepts (:mod:`locus_iac.nbi.filters`)
by :func:`document_lists`, and the members its list leaves out by default or on
``exclude_default`` are not ``required`` in its item schema (SOL005 v3.7.1 marks them
optional for the same reason).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from locus_iac.catalogue.paging import MARKER_PARAM
from locus_iac.nbi.filters import LISTED, Listing
from locus_iac.nbi.problems import PROBLEM_JSON

Document = dict[str, Any]

# every operation: a malformed request (400), authentication and authorisation (401, 403;
# the token endpoint answers 401 to a wrong password), Accept (406), a stalled body (408),
# semantic validation (422), login throttling (429), a fault (500), overload (503)
ALWAYS = (400, 401, 403, 406, 408, 422, 429, 500, 503)
WITH_PATH_PARAMETER = (404, 409)  # 409: e.g. the content of a package still CREATED
CHANGING_STATE = (409, 412)  # conflicts with the resource's state; If-Match preconditions
WITH_BODY = (413, 415)
BINARY_CONTENT = (206, 416)  # Range on package content and artifacts
TITLES = {
    206: "Partial Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    406: "Not Acceptable",
    408: "Request Timeout",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_PROBLEM_SCHEMA: Document = {  # only when no route names ProblemDetails itself
    "title": "ProblemDetails",
    "type": "object",
    "required": ["status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}
_PROBLEM_REF = "#/components/schemas/ProblemDetails"
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")


def install(app: FastAPI) -> None:
    """Serve ``document_errors`` of the generated document (computed once, like FastAPI's)."""
    generate: Callable[[], Document] = app.openapi
    done: list[Document] = []

    def openapi() -> Document:
        if not done:
            done.append(document_errors(generate()))
        return done[0]

    app.openapi = openapi  # type: ignore[method-assign]


def document_errors(document: Document) -> Document:
    """``document`` (changed in place and returned) with the problems each operation can
    answer, every error as ``application/problem+json``."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ProblemDetails", _PROBLEM_SCHEMA)
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                _document_operation(path, method, item[method])
    document_lists(document)
    text = json.dumps(document.get("paths", {}))
    for name in _FASTAPI_ONLY:  # FastAPI's own 422 body, replaced above
        if f"#/components/schemas/{name}" not in text:
            schemas.pop(name, None)
    return document


def statuses(path: str, method: str, operation: Document) -> list[int]:
    """The statuses besides its successes that ``operation`` can answer."""
    found = list(ALWAYS)
    if "{" in path:
        found += WITH_PATH_PARAMETER
    if method != "get":
        found += CHANGING_STATE
    if "requestBody" in operation:
        found += WITH_BODY
    if method == "get" and _serves_binary(operation):
        found += BINARY_CONTENT
    return sorted(found)


def _document_operation(path: str, method: str, operation: Document) -> None:
    responses = operation.setdefault("responses", {})
    for status in statuses(path, method, operation):
        if status < 400:  # a partial success: the 200's content, a part of it
            success = responses.get("200", {}).get("content")
            if success:
                responses.setdefault(
                    str(status), {"description": TITLES[status], "content": success}
                )
            continue
        entry = responses.setdefault(str(status), {"description": TITLES[status]})
        entry["content"] = {PROBLEM_JSON: {"schema": {"$ref": _PROBLEM_REF}}}
    _binary_bodies_not_empty(operation)


def _serves_binary(operation: Document) -> bool:
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    return any("json" not in media for media in content)


def _binary_bodies_not_empty(operation: Document) -> None:
    """An upload of no bytes is refused (400 'send the package'): say so in the schema; a
    YAML or plain-text upload is text."""
    for media, entry in operation.get("requestBody", {}).get("content", {}).items():
        schema = entry.get("schema", {})
        if schema.get("format") != "binary":
            continue
        if media.startswith("text/") or media.endswith("yaml"):
            entry["schema"] = {"type": "string", "minLength": 1}
        else:
            schema["minLength"] = 1


# -- SOL013 lists ----------------------------------------------------------------------------

_LIST_400 = (
    "Bad Request: a malformed filter expression or selector, an attribute the resource does "
    "not have, or selectors that cannot be combined (SOL013 clauses 5.2 and 5.3)"
)


def document_lists(document: Document) -> None:
    """Every list operation of ``document`` (changed in place): its filter and selector
    parameters, their 400, and its item schema without ``required`` members it may omit."""
    schemas = document.get("components", {}).get("schemas", {})
    for item in document.get("paths", {}).values():
        operation = item.get("get")
        if operation is None or MARKER_PARAM not in _query_names(operation):
            continue
        name = _item_schema(operation)
        listing = LISTED.get(name.removesuffix("-Output")) if name else None
        present = _query_names(operation)
        operation["parameters"] += [p for p in list_parameters(listing) if p["name"] not in present]
        operation["responses"]["400"]["description"] = _LIST_400
        if listing is not None and name in schemas:
            _optional(schemas[name], listing.omitted)


def list_parameters(listing: Listing | None) -> list[Document]:
    """The SOL013 query parameters of a list of ``listing``'s resources."""
    excluded = ", ".join(p[0] for p in listing.exclude_default) if listing else ""
    defaults = ", ".join(p[0] for p in listing.defaults) if listing else ""
    return [
        _query(
            "filter",
            "Attribute-based filtering (SOL013 clause 5.2): (op,attribute/path,value[,value...]) "
            "expressions separated by ';', op one of eq neq gt lt gte lte cont ncont in nin. "
            "An empty filter filters nothing. The short forms attribute=value and "
            "attribute.op=value are accepted too.",
        ),
        _query("all_fields", "Include every attribute (SOL013 clause 5.3); alone only."),
        _query(
            "fields",
            "Comma-separated attributes left out by default to include (SOL013 clause 5.3).",
        ),
        _query(
            "exclude_fields",
            "Comma-separated attributes to leave out (SOL013 clause 5.3); not with fields, "
            "exclude_default or all_fields.",
        ),
        _query(
            "exclude_default",
            "Leave out the default-excluded attributes (SOL013 clause 5.3)"
            + (f": {excluded}" if excluded else "")
            + ". Without any selector the list leaves out"
            + (f" {defaults}." if defaults else " nothing."),
        ),
    ]


def _query(name: str, description: str) -> Document:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


def _query_names(operation: Document) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}


def _item_schema(operation: Document) -> str | None:
    """The component name of a list operation's items."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("items", {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _optional(schema: Document, members: tuple[str, ...]) -> None:
    required = [m for m in schema.get("required", []) if m not in members]
    if required:
        schema["required"] = required
    else:
        schema.pop("required", None)

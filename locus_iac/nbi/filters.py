"""SOL013 attribute-based filtering (clause 5.2) and attribute selectors (clause 5.3) on lists.

A list request may carry, besides ``nextpage_opaque_marker``:

* ``filter=(op,attr/path,value[,value...])[;(...)]`` (SOL013 v3): every expression must hold.
  ``op`` is one of ``eq neq gt lt gte lte cont ncont in nin``; a value holding ``,``, ``)``,
  ``;`` or ``'`` is written in single quotes, a quote inside doubled (``'it''s'``);
* the short forms ``attr=value`` (``eq``; ``attr=v1,v2`` is ``in``) and ``attr.op=value``
  (SOL013 v2, OSM's NBI), where nested attributes are written with ``.`` or ``/``;
* the selectors ``all_fields``, ``fields=a,b/c``, ``exclude_fields=...``, ``exclude_default``.

OSM's own query keys (``ADMIN``, ``PUBLIC``, ``FORCE``, ``SET_PROJECT``) are not filters.

Attribute names are checked against the resource's representation (its pydantic model): an
unknown name answers ``400`` naming it, at the root; under ``/osm`` (OSM's NBI filters its
records leniently) a term on an unknown attribute simply matches nothing. Members that hold
free-form objects (``userDefinedData``, ``additionalParams``, ``operationParams``) accept any
path below them.

Matching happens on the representation itself (what the client sees): a term on an array
holds when one of its elements matches; ``neq``/``nin``/``ncont`` hold on an absent attribute,
the others do not. A value compares as a number when the attribute is a number, as a boolean
(``true``/``false``) when it is a boolean, else as a string.

Filtering runs before paging: :func:`filtered_page` reads the list in keyset order until it
has a page of matches, and the marker of the next page is the position just after the last
match returned, so pages neither repeat nor skip a match. Selectors are applied last.

An empty ``filter=`` (or one of blanks only) filters nothing: the list is answered as if the
parameter were absent.

The parameters are read from the query string; :mod:`locus_iac.nbi.openapi` declares
``filter`` and the selectors on every list operation (those that page with
``nextpage_opaque_marker``), from :data:`LISTED`. The short forms are not declared: their
names are the resource's attribute names, which SOL005 does not document as parameters.

Defaults (SOL005 v3.7.1): without any selector, a list leaves out the resource's
default-excluded attributes (``NsdInfo``: ``userDefinedData``...); under ``/osm`` it does not
(OSM's client shows them). OSM's ``_admin`` copy of an excluded attribute goes with it.
"""

from __future__ import annotations

import json
import operator
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol, Union

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from locus_iac.catalogue.paging import MARKER_PARAM, KeysetPage
from locus_iac.errors import Issue, json_pointer
from locus_iac.nbi.osm.prefix import is_osm
from locus_iac.nbi.paging import link_next
from locus_iac.nbi.problems import HttpProblem

OPS = ("eq", "neq", "gt", "lt", "gte", "lte", "cont", "ncont", "in", "nin")
_NEGATIVE = {"neq", "nin", "ncont"}
SELECTORS = ("all_fields", "fields", "exclude_fields", "exclude_default")
#: OSM's client adds these to requests (``--all-projects``, ``--public``...): not filters
OSM_KEYS = {"ADMIN", "PUBLIC", "FORCE", "SET_PROJECT"}
RESERVED = {MARKER_PARAM, "filter", *SELECTORS, *OSM_KEYS}
_SCAN_BATCH = 100
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "in": operator.eq,
    "gt": operator.gt,
    "lt": operator.lt,
    "gte": operator.ge,
    "lte": operator.le,
}

Path = tuple[str, ...]


# -- the attributes of a representation ------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """The attribute tree of a representation; ``open`` below free-form objects."""

    children: Mapping[str, Shape] = field(default_factory=dict)
    open: bool = False

    def knows(self, path: Path) -> bool:
        node = self
        for part in path:
            if node.open:
                return True
            found = node.children.get(part)
            if found is None:
                return False
            node = found
        return True


_LEAF = Shape()
_OPEN = Shape(open=True)
_CACHE: dict[type[BaseModel], Shape] = {}


def shape_of(model: type[BaseModel]) -> Shape:
    """The attribute tree of ``model`` under its serialised (alias) names."""
    if model not in _CACHE:
        _CACHE[model] = _OPEN  # a recursive model: below itself, anything
        children = {
            (info.serialization_alias or info.alias or name): _shape(info.annotation)
            for name, info in model.model_fields.items()
        }
        _CACHE[model] = Shape(children, open=model.model_config.get("extra") == "allow")
    return _CACHE[model]


def _shape(annotation: Any) -> Shape:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _shape(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        shapes = [_shape(a) for a in typing.get_args(annotation) if a is not type(None)]
        merged: dict[str, Shape] = {}
        for s in shapes:
            merged.update(s.children)
        return Shape(merged, open=any(s.open for s in shapes))
    if origin in (list, tuple, set, frozenset, Sequence):
        args = typing.get_args(annotation)
        return _shape(args[0]) if args else _OPEN
    if origin in (dict, Mapping) or annotation in (dict, Any, object):
        return _OPEN
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return shape_of(annotation)
    return _LEAF


# -- parsing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    op: str
    path: Path
    values: tuple[str, ...]
    source: str = field(default="/query/filter", compare=False)  # JSON pointer, for errors


@dataclass(frozen=True)
class Selection:
    """What the selectors ask for; ``None`` fields: not given."""

    all_fields: bool = False
    fields: tuple[Path, ...] | None = None
    exclude_fields: tuple[Path, ...] | None = None
    exclude_default: bool = False

    @property
    def given(self) -> bool:
        return (
            self.all_fields
            or self.fields is not None
            or self.exclude_fields is not None
            or self.exclude_default
        )


@dataclass(frozen=True)
class ListQuery:
    terms: tuple[Term, ...]
    selection: Selection
    osm: bool


def _bad(detail: str, pointer: str, code: str) -> HttpProblem:
    return HttpProblem(400, "Bad Request", detail, errors=[Issue(pointer, code, detail).as_dict()])


def _split(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside single quotes, quotes removed (``''`` is a quote)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "'":
            if quoted and text[i + 1 : i + 2] == "'":
                current.append("'")
                i += 1
            else:
                quoted = not quoted
        elif char == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    if quoted:
        raise _bad(f"unbalanced quote in {text!r}", "/query/filter", "invalid-filter")
    parts.append("".join(current))
    return parts


def _expressions(text: str) -> list[str]:
    """The ``(...)`` expressions of a ``filter`` value, quotes kept for :func:`_split`."""
    found: list[str] = []
    quoted, depth, start = False, 0, -1
    for i, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(" and depth == 0:
            depth, start = 1, i + 1
        elif char == ")" and depth == 1:
            depth = 0
            found.append(text[start:i])
        elif char not in "; " and depth == 0:
            raise _bad(
                f"filter {text!r}: expected (op,attribute,value) expressions separated by ';'",
                "/query/filter",
                "invalid-filter",
            )
    if depth or quoted or not found:
        raise _bad(f"filter {text!r} is not complete", "/query/filter", "invalid-filter")
    return found


def _path(text: str, seps: str) -> Path:
    for sep in seps[1:]:
        text = text.replace(sep, seps[0])
    parts = tuple(text.split(seps[0]))
    if not all(parts):
        raise _bad(f"empty attribute name in {text!r}", "/query/filter", "invalid-filter")
    return parts


def _term(op: str, path: Path, values: list[str], where: str) -> Term:
    if op not in OPS:
        raise _bad(f"unknown filter operator {op!r} (one of {', '.join(OPS)})", where, "bad-op")
    if not values or (op not in ("in", "nin") and len(values) != 1 and op != "eq"):
        raise _bad(f"operator {op} takes one value", where, "bad-values")
    if op == "eq" and len(values) > 1:
        op = "in"
    return Term(op, path, tuple(values), where)


def _filter_terms(text: str) -> list[Term]:
    terms = []
    for expression in _expressions(text):
        parts = _split(expression, ",")
        if len(parts) < 3:
            raise _bad(
                f"filter expression ({expression}) needs an operator, an attribute and a value",
                "/query/filter",
                "invalid-filter",
            )
        terms.append(
            _term(parts[0].strip(), _path(parts[1].strip(), "/"), parts[2:], "/query/filter")
        )
    return terms


def _short_term(name: str, value: str) -> Term:
    """``attr=value``, ``attr=v1,v2`` or ``attr.op=value`` (nested with ``.`` or ``/``)."""
    path = _path(name, "/.")
    op = "eq"
    if len(path) > 1 and path[-1] in OPS:
        path, op = path[:-1], path[-1]
    return _term(op, path, _split(value, ","), json_pointer("query", name))


def _field_list(name: str, value: str) -> tuple[Path, ...]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise _bad(f"{name} needs a comma-separated list of attributes", f"/query/{name}", "empty")
    return tuple(_path(v, "/.") for v in items)


def _selection(params: list[tuple[str, str]]) -> Selection:
    given = {name: value for name, value in params if name in SELECTORS}
    names = set(given)
    if "all_fields" in names and len(names) > 1:
        raise _bad("all_fields cannot be combined with another selector", "/query", "conflict")
    if "exclude_fields" in names and names & {"fields", "exclude_default"}:
        raise _bad(
            "exclude_fields cannot be combined with fields or exclude_default", "/query", "conflict"
        )
    return Selection(
        all_fields="all_fields" in names,
        fields=_field_list("fields", given["fields"]) if "fields" in given else None,
        exclude_fields=_field_list("exclude_fields", given["exclude_fields"])
        if "exclude_fields" in given
        else None,
        exclude_default="exclude_default" in names,
    )


def parse(request: Request, model: type[BaseModel]) -> ListQuery:
    """The filter terms and selectors of a list request on ``model`` resources, checked."""
    params = request.query_params.multi_items()
    osm = is_osm(request)
    terms: list[Term] = []
    for name, value in params:
        if name == "filter":
            if value.strip():  # an empty expression: no filter
                terms.extend(_filter_terms(value))
        elif name not in RESERVED:
            terms.append(_short_term(name, value))
    selection = _selection(params)
    shape = shape_of(model)
    if not osm:
        for term in terms:
            _known(shape, term.path, term.source)
    for paths, name in ((selection.fields, "fields"), (selection.exclude_fields, "exclude_fields")):
        for path in paths or ():
            _known(shape, path, f"/query/{name}")
    return ListQuery(tuple(terms), selection, osm)


def _known(shape: Shape, path: Path, pointer: str) -> None:
    if not shape.knows(path):
        name = "/".join(path)
        raise _bad(f"unknown attribute {name!r}", pointer, "unknown-attribute")


# -- matching --------------------------------------------------------------------------------


def _values_at(item: Any, path: Path) -> list[Any] | None:
    """The values at ``path`` (arrays flattened); None when absent."""
    current: list[Any] = [item]
    for part in path:
        found: list[Any] = []
        for node in current:
            for element in node if isinstance(node, list) else [node]:
                if isinstance(element, dict) and part in element:
                    value = element[part]
                    found.extend(value if isinstance(value, list) else [value])
        if not found:
            return None
        current = found
    return current


def _typed(actual: Any, text: str) -> Any:
    """``text`` as the type of ``actual`` (None: not comparable)."""
    if isinstance(actual, bool):
        return {"true": True, "false": False}.get(text.lower())
    if isinstance(actual, (int, float)):
        try:
            return float(text)
        except ValueError:
            return None
    return text


def _one(op: str, actual: Any, value: str) -> bool:
    if actual is None or isinstance(actual, (dict, list)):
        return False
    if op in ("cont", "ncont"):
        return value in str(actual)
    wanted = _typed(actual, value)
    if wanted is None:
        return False
    try:
        return bool(_COMPARE[op](actual, wanted))
    except TypeError:
        return False


def matches(item: Mapping[str, Any], term: Term) -> bool:
    """Whether the representation ``item`` satisfies ``term``."""
    found = _values_at(item, term.path)
    positive = {"neq": "eq", "nin": "in", "ncont": "cont"}.get(term.op, term.op)
    hit = found is not None and any(
        _one(positive, actual, value) for actual in found for value in term.values
    )
    return not hit if term.op in _NEGATIVE else hit


def keep(query: ListQuery) -> Callable[[Mapping[str, Any]], bool]:
    return lambda item: all(matches(item, t) for t in query.terms)


# -- selectors -------------------------------------------------------------------------------


def _drop(item: dict[str, Any], path: Path) -> None:
    node: Any = item
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(path[-1], None)


def _with_admin(paths: Iterable[Path]) -> list[Path]:
    """OSM's ``_admin`` copy of an attribute goes with it."""
    return [p for path in paths for p in (path, ("_admin", *path))]


def select(item: dict[str, Any], query: ListQuery, defaults: Sequence[Path]) -> dict[str, Any]:
    """``item`` with the attributes the selectors (or the defaults) leave out removed."""
    sel = query.selection
    if sel.all_fields:
        return item
    if sel.exclude_fields is not None:
        dropped = list(sel.exclude_fields)
    elif sel.given or not query.osm:
        wanted = set(sel.fields or ())
        dropped = [p for p in defaults if p not in wanted]
    else:
        dropped = []
    for path in _with_admin(dropped):
        _drop(item, path)
    return item


#: every :class:`Listing` by the name of its model (the name of its OpenAPI schema), for
#: :mod:`locus_iac.nbi.openapi`; the first one of a model wins
LISTED: dict[str, Listing] = {}


@dataclass(frozen=True)
class Listing:
    """How one list renders: its model (attribute names), serialisation, default exclusions
    (those that apply without any selector, and those ``exclude_default`` adds)."""

    model: type[BaseModel]
    exclude_none: bool = False
    defaults: tuple[Path, ...] = ()
    exclude_default: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        LISTED.setdefault(self.model.__name__, self)

    @property
    def omitted(self) -> tuple[str, ...]:
        """The top-level members a list may leave out without ``exclude_fields``."""
        return tuple(sorted({path[0] for path in (*self.defaults, *self.exclude_default)}))

    def dump(self, view: BaseModel) -> dict[str, Any]:
        data: dict[str, Any] = view.model_dump(
            mode="json", by_alias=True, exclude_none=self.exclude_none
        )
        return data

    def listed(self, view: BaseModel, osm: bool) -> bytes:
        """The JSON of ``view`` as an item of a list without filter or selector (asked under
        ``/osm`` or not), byte for byte what :func:`respond` would send for it."""
        return _json(select(self.dump(view), ListQuery((), Selection(), osm), self.defaults))


class Prerendered(Protocol):
    """A list item whose default list JSON (:meth:`Listing.listed`, for the request's ``/osm``
    or not) is already known, e.g. from a cache: :func:`respond` sends it as it is when no
    filter or selector is given, and uses ``model`` otherwise."""

    @property
    def model(self) -> BaseModel: ...

    @property
    def listed(self) -> bytes: ...


def _json(content: Any) -> bytes:
    """JSON as :class:`JSONResponse` renders it."""
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def _model(item: BaseModel | Prerendered) -> BaseModel:
    return item if isinstance(item, BaseModel) else item.model


def filtered_page(
    fetch: Callable[[str | None, int], KeysetPage[dict[str, Any]]],
    marker: str | None,
    limit: int,
    wanted: Callable[[Mapping[str, Any]], bool],
) -> KeysetPage[dict[str, Any]]:
    """One page of the items ``wanted`` keeps, read in keyset order from ``marker``."""
    kept: list[dict[str, Any]] = []
    cursor = marker
    last: tuple[str | None, int] | None = None
    while True:
        page = fetch(cursor, max(limit, _SCAN_BATCH))
        for index, item in enumerate(page.rows):
            if not wanted(item):
                continue
            if len(kept) == limit:  # one more match exists: the next page starts after last
                assert last is not None
                before = fetch(last[0], last[1] + 1)
                return KeysetPage(kept, before.next_marker)
            kept.append(item)
            last = (cursor, index)
        if page.next_marker is None:
            return KeysetPage(kept, None)
        cursor = page.next_marker


def plain(request: Request) -> bool:
    """Whether a list request has neither filter nor selector (its answer is one page read
    as it is): only ``nextpage_opaque_marker`` and OSM's own keys, if anything."""
    return all(key == MARKER_PARAM or key in OSM_KEYS for key in request.query_params)


def respond(
    request: Request,
    listing: Listing,
    fetch: Callable[[str | None, int], KeysetPage[BaseModel]]
    | Callable[[str | None, int], KeysetPage[Prerendered]],
    marker: str | None,
    limit: int,
) -> Response:
    """The list response: filtered, paged (``Link: rel="next"``), selected.

    Without filter or selector, items that are :class:`Prerendered` are sent as they are
    (joined, not parsed or serialised again)."""
    query = parse(request, listing.model)

    def dumped(page: KeysetPage[Any]) -> KeysetPage[dict[str, Any]]:
        return KeysetPage([listing.dump(_model(v)) for v in page.rows], page.next_marker)

    if query.terms:
        page = filtered_page(lambda c, n: dumped(fetch(c, n)), marker, limit, keep(query))
    else:
        first: KeysetPage[Any] = fetch(marker, limit)
        if not query.selection.given and not any(isinstance(v, BaseModel) for v in first.rows):
            joined = b"[" + b",".join(item.listed for item in first.rows) + b"]"
            response = Response(joined, media_type="application/json")
            link_next(request, response, first.next_marker)
            return response
        page = dumped(first)
    defaults = listing.exclude_default if query.selection.exclude_default else listing.defaults
    body = [select(item, query, defaults) for item in page.rows]
    response = JSONResponse(body)
    link_next(request, response, page.next_marker)
    return response

"""Keyset paging of list resources (ETSI GS NFV-SOL013 v3.4.1 clause 5.4.2.1).

Every list of the NBI (packages, NS instances, NS LCM operation occurrences, ...) pages the
same way: rows are ordered by a timestamp then their id, a page holds at most ``limit`` rows,
and the opaque marker of the next page encodes the ``(timestamp, id)`` of the page's last
row. The next page is the rows strictly after that key, so a page costs the same at any
depth (with an index on ``(..., timestamp, id)``) and rows created meanwhile never shift it.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, bindparam, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from locus_iac.errors import Issue, ValidationError

R = TypeVar("R")
T = TypeVar("T")

MARKER_PARAM = "nextpage_opaque_marker"


@dataclass(frozen=True, slots=True)
class KeysetPage(Generic[R]):
    """One page of a list and the marker of the next page (None on the last page)."""

    rows: Sequence[R]
    next_marker: str | None

    def map(self, convert: Callable[[R], T]) -> KeysetPage[T]:
        """The same page with every row converted (e.g. a row to its domain model)."""
        return KeysetPage([convert(row) for row in self.rows], self.next_marker)


def encode_marker(stamp: datetime, key: str) -> str:
    """The opaque marker standing for the position just after ``(stamp, key)``."""
    raw = f"{stamp.isoformat()}|{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_marker(marker: str) -> tuple[datetime, str]:
    """``(stamp, key)`` of a marker from :func:`encode_marker`; a 422-style error otherwise."""
    try:
        raw = base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4)).decode()
        stamp, key = raw.split("|", 1)
        return datetime.fromisoformat(stamp), key
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationError(
            "invalid paging marker",
            [Issue(f"/{MARKER_PARAM}", "invalid-marker", "not a marker this server issued")],
        ) from exc


_AFTER_STAMP, _AFTER_KEY = "locus_after_stamp", "locus_after_key"


class _Statements:
    """The paged statements of queries built once (module constants), kept so that the same
    statement object runs every time: SQLAlchemy then reuses its compiled form *and* its
    result metadata (a new but equal statement made it match every result column again,
    a quarter of a cached package list's CPU). Bounded: a query built per call only misses."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, ...], tuple[object, Select[Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self,
        query: Select[Any],
        stamp: InstrumentedAttribute[datetime],
        key: InstrumentedAttribute[str],
        limit: int,
        after: bool,
    ) -> Select[Any]:
        ident = (id(query), id(stamp), id(key), limit, int(after))
        with self._lock:
            found = self._items.get(ident)
            if found is not None and found[0] is query:
                self._items.move_to_end(ident)
                return found[1]
        paged = query
        if after:
            later = bindparam(_AFTER_STAMP, type_=stamp.type)
            paged = query.where(
                or_(stamp > later, and_(stamp == later, key > bindparam(_AFTER_KEY)))
            )
        statement = paged.order_by(stamp, key).limit(limit + 1)
        with self._lock:  # the query is kept with it: its id is not reused meanwhile
            self._items[ident] = (query, statement)
            self._items.move_to_end(ident)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return statement


_STATEMENTS = _Statements()


def keyset_page(
    session: Session,
    query: Select[R],
    stamp: InstrumentedAttribute[datetime],
    key: InstrumentedAttribute[str],
    *,
    marker: str | None,
    limit: int,
    params: Mapping[str, Any] | None = None,
    plain: bool = False,
) -> KeysetPage[R]:
    """One page of ``query`` (already filtered, not ordered) ordered by ``(stamp, key)``;
    a query of several columns pages rows that name ``stamp`` and ``key``; ``params`` are
    the values of the query's own bound parameters (a statement built once). ``plain``: the
    query selects columns, no ORM entity, and runs on the session's connection, without the
    ORM's statement handling."""
    values = dict(params or {})
    if marker:
        values[_AFTER_STAMP], values[_AFTER_KEY] = decode_marker(marker)
    statement = _STATEMENTS.get(query, stamp, key, limit, bool(marker))
    result = (
        session.connection().execute(statement, values)
        if plain
        else session.execute(statement, values)
    )
    # one entity or column: its values; several columns: the rows (the result's keys: the
    # statement's column_descriptions cost a tenth of a cached package list's CPU)
    rows: list[Any] = list(result.scalars() if len(result.keys()) == 1 else result)
    more = len(rows) > limit
    rows = rows[:limit]
    if not (more and rows):
        return KeysetPage(rows, None)
    last: Any = rows[-1]
    return KeysetPage(rows, encode_marker(getattr(last, stamp.key), getattr(last, key.key)))

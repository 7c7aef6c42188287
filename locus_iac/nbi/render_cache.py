"""Rendered package representations, reused while nothing they show has changed.

Building a package's representation (a pydantic model validated from the row, then dumped to
JSON) was half of the CPU of a list request under load (issue 19, py-spy with ``--gil``):
a page of 100 packages renders 100 models. The JSON of one package depends only on the row's
loaded columns, whether it is in use, the packages it references, the base URL and whether it
was asked under ``/osm``; all of that is the cache key, so a change to any of them (a PATCH,
an upload, a state change written by any process, a new referencing package) is a different
key and the representation is rendered afresh. Nothing is ever invalidated by hand.

The cache is bounded (least recently used entries go first) and safe to share between threads.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Row

from locus_iac.catalogue.models import PackageRow
from locus_iac.catalogue.package_store import JSON_COLUMNS, SHOWN_COLUMNS

T = TypeVar("T")


def row_key(row: PackageRow | Row[Any]) -> tuple[Hashable, ...]:
    """The :data:`~locus_iac.catalogue.package_store.SHOWN_COLUMNS` of ``row``, hashable.

    A plain row of a list or get (which holds them first, in that order, its JSON columns
    as their stored text) is used as it is: no JSON is parsed for a cached representation.
    An ORM row's JSON columns are dumped to text as the database layer writes them, ``None``
    kept as SQL NULL (so it keys as the plain row read back; two texts of the same content,
    e.g. JSON ``null`` and SQL NULL, are merely two cache entries, never one for two
    contents).
    """
    if isinstance(row, PackageRow):
        loaded = row.__dict__  # the loaded state, without the instrumented attribute per column
        values = (loaded[name] if name in loaded else getattr(row, name) for name in SHOWN_COLUMNS)
        return tuple(
            json.dumps(value) if name in JSON_COLUMNS and value is not None else value
            for name, value in zip(SHOWN_COLUMNS, values, strict=True)
        )
    return tuple(row[: len(SHOWN_COLUMNS)])


class RenderCache(Generic[T]):
    """A bounded LRU map from a representation's inputs to what was rendered from them."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, render: Callable[[], T]) -> T:
        """What is stored under ``key``, rendering (and storing) it when missing."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        body = render()  # outside the lock: rendering is the slow part
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return body

    def get_many(self, keys: Sequence[Hashable], render: Callable[[int], T]) -> list[T]:
        """What is stored under each of ``keys`` (one lock for all), ``render(i)`` rendering
        (and storing) the ``i``-th when missing."""
        with self._lock:
            found = [self._items.get(key) for key in keys]
            for key, item in zip(keys, found, strict=True):
                if item is not None:
                    self._items.move_to_end(key)
        missing = [i for i, item in enumerate(found) if item is None]
        if not missing:
            return found  # type: ignore[return-value]  # none is None
        rendered = {i: render(i) for i in missing}  # outside the lock: the slow part
        with self._lock:
            for i, body in rendered.items():
                self._items[keys[i]] = body
                self._items.move_to_end(keys[i])
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return [rendered[i] if item is None else item for i, item in enumerate(found)]

    def __len__(self) -> int:
        return len(self._items)

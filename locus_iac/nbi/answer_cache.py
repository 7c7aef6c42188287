"""Whole answers of the hot package reads (a plain list page, a get), reused while the
database is unchanged (issue 19).

A plain list page (100 packages) cost ~2.3 ms of CPU even with each package's JSON cached
(:mod:`locus_iac.nbi.render_cache`): reading the page's rows, building their cache keys,
joining. Here the body of an answer is kept under its request (the URL, which holds the
root, the ``/osm`` prefix, the path and the query, and the caller's project) and the
database's version (:meth:`~locus_iac.catalogue.Database.version`), read first in the
same transaction (on PostgreSQL, the catalogue's change count read on the event loop before
the answer is looked up or built: :mod:`~locus_iac.catalogue.change_clock`). Any commit, by
any process, changes the version, so a kept answer is only ever reused for the data it was
built from (or newer); nothing is invalidated by hand. Without a version (in-memory SQLite)
nothing is kept.

The cache holds at most ``max_bytes`` of bodies (least recently used go first) and is safe
to share between threads; each app has one (:class:`~locus_iac.nbi.context.Services`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    """A response's body and the headers it carries besides ``Content-Type``."""

    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class AnswerCache:
    """A byte-bounded LRU map from (request, database version) to an :class:`Answer`."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable | None, build: Callable[[], Answer]) -> Answer:
        """The answer kept under ``key``, else ``build()`` (kept unless ``key`` is None)."""
        if key is None:
            return build()
        found = self.find(key)
        if found is not None:
            return found
        answer = build()  # outside the lock: the slow part
        if len(answer.body) > self.max_bytes:
            return answer
        with self._lock:
            if key not in self._items:
                self._items[key] = answer
                self._bytes += len(answer.body)
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body)
        return answer

    def find(self, key: Hashable | None) -> Answer | None:
        """The answer kept under ``key``, if any (never builds one)."""
        if key is None:
            return None
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def __len__(self) -> int:
        return len(self._items)

"""Where POI results are saved (Annex A, "Output: POI areas saved back to DB").

The template asks for URL-addressable results ("data store return reference to data
URL"). :class:`FileResultStore` keeps one JSON document per result in a directory; each
result has an opaque id (32 hex digits), a ``file://`` URL, and — when served by
:mod:`.service` — the HTTP URL ``<base>/results/<id>``.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError as PydanticValidationError

from locus_iac.errors import Issue, NotFound, ValidationError
from locus_iac.functions.poi.hull import PoiResult

log = logging.getLogger(__name__)

_ID = re.compile(r"^[0-9a-f]{32}$")


class ResultStore(Protocol):
    """A store of POI results addressed by id."""

    def save(self, result: PoiResult) -> str: ...

    def get(self, result_id: str) -> PoiResult: ...

    def url_for(self, result_id: str) -> str: ...


class FileResultStore:
    """One ``<id>.json`` file per result under ``root`` (created on first use)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, result_id: str) -> Path:
        if not _ID.fullmatch(result_id):
            raise NotFound(f"no POI result {result_id!r}")
        return self.root / f"{result_id}.json"

    def save(self, result: PoiResult) -> str:
        """Store ``result`` under a new id (written atomically); return the id."""
        result_id = uuid.uuid4().hex
        self.root.mkdir(parents=True, exist_ok=True)
        stored = result.model_copy(update={"id": result_id})
        target = self._path(result_id)
        partial = target.with_suffix(".json.part")
        partial.write_text(stored.model_dump_json(), encoding="utf-8")
        os.replace(partial, target)
        log.info("saved POI result %s (%d POIs)", result_id, len(result.features))
        return result_id

    def get(self, result_id: str) -> PoiResult:
        path = self._path(result_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFound(f"no POI result {result_id!r}") from None
        try:
            return PoiResult.model_validate_json(text)
        except PydanticValidationError:
            raise ValidationError(
                f"stored POI result {result_id} is corrupt",
                [Issue("", "corrupt-result", f"{path} does not hold a POI result")],
            ) from None

    def url_for(self, result_id: str) -> str:
        return self._path(result_id).resolve().as_uri()

    def get_url(self, url: str) -> PoiResult:
        """A result from its ``file://`` URL (as returned by :meth:`url_for`)."""
        prefix = self.root.resolve().as_uri() + "/"
        if not (url.startswith(prefix) and url.endswith(".json")):
            raise NotFound(f"{url} is not a result of this store")
        return self.get(url[len(prefix) : -len(".json")])

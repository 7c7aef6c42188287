"""UE location records: parsing CSV/JSON into column arrays, from a file or an HTTP source.

Seed Annex A (Table 4), "Input data" and "Input data format": the function reads batches of
UE locations (UE id, time, latitude, longitude) from a data store, as CSV or JSON.

Accepted shapes:

* CSV with a header row naming ``ue_id``, ``timestamp``, ``latitude``, ``longitude``
  (``lat``/``lon``/``lng`` and ``time`` are accepted as aliases); extra columns are ignored.
* JSON: a list of record objects, or an object with a ``records`` list.

``timestamp`` is either a number of seconds since the Unix epoch or an ISO-8601 string; an
ISO-8601 string without a UTC offset is taken as UTC. Every malformed record is reported
(up to :data:`MAX_ISSUES`, then one summary issue), each at ``/records/<index>/<field>``
(``/<index>/<field>`` for a bare JSON list); CSV issues also name the line number.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from numpy.typing import NDArray

from locus_iac.errors import (
    Issue,
    PermanentError,
    RetryableError,
    ValidationError,
    json_pointer,
)
from locus_iac.functions.poi.records_fast import columns_to_records

log = logging.getLogger(__name__)

MAX_ISSUES = 100
FIELDS = ("ue_id", "timestamp", "latitude", "longitude")
_ALIASES = {
    "ue_id": ("ue_id", "ue", "ueid"),
    "timestamp": ("timestamp", "time", "ts"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng"),
}


@dataclass(frozen=True, slots=True)
class LocationRecords:
    """Column arrays of UE location records (one row per index).

    ``t`` is seconds since the Unix epoch (UTC); ``lat``/``lon`` are WGS84 degrees.
    """

    ue_id: NDArray[np.str_]
    t: NDArray[np.float64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def take(self, index: NDArray[Any]) -> LocationRecords:
        """The records selected by a boolean mask or an integer index array."""
        return LocationRecords(self.ue_id[index], self.t[index], self.lat[index], self.lon[index])

    @classmethod
    def empty(cls) -> LocationRecords:
        return cls.from_columns([], [], [], [])

    @classmethod
    def from_columns(
        cls,
        ue_id: Sequence[str] | NDArray[Any],
        t: Sequence[float] | NDArray[Any],
        lat: Sequence[float] | NDArray[Any],
        lon: Sequence[float] | NDArray[Any],
    ) -> LocationRecords:
        ue = np.asarray(ue_id, dtype=np.str_)
        if ue.shape[0] == 0:
            ue = np.zeros(0, dtype="<U1")
        return cls(
            ue,
            np.asarray(t, dtype=np.float64),
            np.asarray(lat, dtype=np.float64),
            np.asarray(lon, dtype=np.float64),
        )

    def to_json_records(self) -> list[dict[str, Any]]:
        """The records as JSON-ready objects (timestamps as ISO-8601 UTC strings)."""
        return [
            {
                "ue_id": str(u),
                "timestamp": iso_utc(float(ts)),
                "latitude": float(la),
                "longitude": float(lo),
            }
            for u, ts, la, lo in zip(self.ue_id, self.t, self.lat, self.lon, strict=True)
        ]


def iso_utc(epoch_s: float) -> str:
    """Seconds since the epoch as an ISO-8601 UTC string with a ``Z`` suffix."""
    text = datetime.fromtimestamp(epoch_s, tz=UTC).isoformat()
    return text.replace("+00:00", "Z")


def parse_timestamp(value: object) -> float | None:
    """Epoch seconds from a number, a numeric string or an ISO-8601 string; None if invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        return number if math.isfinite(number) else None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class _IssueCollector:
    """Collects issues up to a cap and counts the rest (nothing is silently lost)."""

    def __init__(self, cap: int = MAX_ISSUES) -> None:
        self.cap = cap
        self.issues: list[Issue] = []
        self.dropped = 0

    def add(self, path: str, code: str, message: str) -> None:
        if len(self.issues) < self.cap:
            self.issues.append(Issue(path, code, message))
        else:
            self.dropped += 1

    def raise_if_any(self, what: str) -> None:
        if not self.issues:
            return
        issues = list(self.issues)
        if self.dropped:
            issues.append(
                Issue("", "too-many-issues", f"{self.dropped} more problem(s) not listed")
            )
        total = len(self.issues) + self.dropped
        raise ValidationError(f"{what}: {total} problem(s) in the location records", issues)


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _coordinate(
    value: object, limit: float, field: str, path: str, where: str, issues: _IssueCollector
) -> float | None:
    if value is None or value == "":
        issues.add(path, "missing-field", f"{where}{field} is missing")
        return None
    number = _number(value)
    if number is None or not math.isfinite(number):
        issues.add(path, "invalid-number", f"{where}{field} {value!r} is not a finite number")
        return None
    if not -limit <= number <= limit:
        issues.add(
            path, "out-of-range", f"{where}{field} {number} is outside [-{limit:g}, {limit:g}]"
        )
        return None
    return number


def _parse_record(
    raw: Mapping[str, object],
    prefix: tuple[str | int, ...],
    where: str,
    issues: _IssueCollector,
) -> tuple[str, float, float, float] | None:
    """One record, or None after reporting every problem it has."""
    ue_raw = raw.get("ue_id")
    ue: str | None = None
    if ue_raw is None or ue_raw == "" or isinstance(ue_raw, bool):
        issues.add(json_pointer(*prefix, "ue_id"), "missing-field", f"{where}ue_id is missing")
    elif isinstance(ue_raw, str | int):
        ue = str(ue_raw)
    else:
        issues.add(json_pointer(*prefix, "ue_id"), "invalid-type", f"{where}ue_id must be a string")
    ts_raw = raw.get("timestamp")
    ts = parse_timestamp(ts_raw)
    if ts_raw is None or ts_raw == "":
        issues.add(
            json_pointer(*prefix, "timestamp"), "missing-field", f"{where}timestamp is missing"
        )
    elif ts is None:
        issues.add(
            json_pointer(*prefix, "timestamp"),
            "invalid-timestamp",
            f"{where}timestamp {ts_raw!r} is neither epoch seconds nor ISO-8601",
        )
    lat = _coordinate(
        raw.get("latitude"), 90.0, "latitude", json_pointer(*prefix, "latitude"), where, issues
    )
    lon = _coordinate(
        raw.get("longitude"), 180.0, "longitude", json_pointer(*prefix, "longitude"), where, issues
    )
    if ue is None or ts is None or lat is None or lon is None:
        return None
    return ue, ts, lat, lon


def records_from_objects(
    items: Iterable[object], *, pointer_prefix: tuple[str | int, ...] = ("records",)
) -> LocationRecords:
    """Records from JSON-like objects; raises ValidationError listing every malformed one."""
    items = list(items)
    dicts = [item for item in items if isinstance(item, dict)]
    if len(dicts) == len(items):
        fast = columns_to_records(*([item.get(f) for item in dicts] for f in FIELDS))
        if fast is not None:
            return LocationRecords(*fast)
    issues = _IssueCollector()
    rows: list[tuple[str, float, float, float]] = []
    for index, item in enumerate(items):
        prefix = (*pointer_prefix, index)
        if not isinstance(item, Mapping):
            issues.add(json_pointer(*prefix), "invalid-type", "a record must be an object")
            continue
        row = _parse_record(item, prefix, "", issues)
        if row is not None:
            rows.append(row)
    issues.raise_if_any("invalid JSON records")
    return _from_rows(rows)


def _from_rows(rows: list[tuple[str, float, float, float]]) -> LocationRecords:
    if not rows:
        return LocationRecords.empty()
    ue, t, lat, lon = zip(*rows, strict=True)
    return LocationRecords.from_columns(ue, t, lat, lon)


def parse_json_records(text: str | bytes) -> LocationRecords:
    """Records from a JSON document: a list of records or ``{"records": [...]}``."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            "the location records are not valid JSON",
            [Issue("", "invalid-json", f"line {exc.lineno} column {exc.colno}: {exc.msg}")],
        ) from None
    if isinstance(document, list):
        return records_from_objects(document, pointer_prefix=())
    if isinstance(document, dict) and isinstance(document.get("records"), list):
        return records_from_objects(document["records"])
    raise ValidationError(
        "the location records JSON has the wrong shape",
        [Issue("", "invalid-type", 'expected a list of records or {"records": [...]}')],
    )


def _csv_columns(header: Sequence[str]) -> dict[str, int]:
    lowered = [name.strip().lower() for name in header]
    columns: dict[str, int] = {}
    missing: list[str] = []
    for field, aliases in _ALIASES.items():
        found = next((lowered.index(a) for a in aliases if a in lowered), None)
        if found is None:
            missing.append(field)
        else:
            columns[field] = found
    if missing:
        raise ValidationError(
            "the CSV header lacks required columns",
            [Issue("", "missing-column", f"line 1: no column named {name!r}") for name in missing],
        )
    return columns


def _csv_fast(reader: Iterator[list[str]], columns: dict[str, int]) -> LocationRecords | None:
    """The vectorised path (see :mod:`.records_fast`); None when the slow path is needed."""
    rows = [line for line in reader if line]
    width = max(columns.values()) + 1
    if not rows or any(len(line) < width for line in rows):
        return LocationRecords.empty() if not rows else None
    fast = columns_to_records(*([line[columns[f]] for line in rows] for f in FIELDS))
    return LocationRecords(*fast) if fast is not None else None


def parse_csv_records(text: str) -> LocationRecords:
    """Records from CSV text with a header row; issues name the CSV line number."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return LocationRecords.empty()
    columns = _csv_columns(header)
    fast = _csv_fast(reader, columns)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text))
    next(reader)
    issues = _IssueCollector()
    rows: list[tuple[str, float, float, float]] = []
    index = 0
    for line in reader:
        if not line or all(not cell.strip() for cell in line):
            continue
        raw = {f: (line[c].strip() if c < len(line) else None) for f, c in columns.items()}
        row = _parse_record(raw, ("records", index), f"line {reader.line_num}: ", issues)
        if row is not None:
            rows.append(row)
        index += 1
    issues.raise_if_any("invalid CSV records")
    return _from_rows(rows)


def parse_records(text: str | bytes, fmt: str | None = None) -> LocationRecords:
    """Records from CSV or JSON text; ``fmt`` is ``csv``, ``json`` or None to sniff."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    if fmt is None:
        fmt = "json" if text.lstrip()[:1] in ("[", "{") else "csv"
    if fmt == "json":
        return parse_json_records(text)
    if fmt == "csv":
        return parse_csv_records(text)
    raise ValidationError(
        "unknown records format",
        [Issue("", "unknown-format", f"format {fmt!r} is not one of: csv, json")],
    )


def load_records_file(path: Path) -> LocationRecords:
    """Records from a ``.csv`` or ``.json`` file (other suffixes are sniffed)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            f"cannot read {path}", [Issue("", "unreadable-file", exc.strerror or str(exc))]
        ) from None
    suffix = path.suffix.lower().lstrip(".")
    return parse_records(data, suffix if suffix in ("csv", "json") else None)


def fetch_records(
    url: str, *, client: httpx.Client | None = None, timeout: float = 30.0
) -> LocationRecords:
    """Records from an HTTP(S) source (the data store's URL of Annex A, "Input data").

    Transport failures and 5xx answers become :class:`RetryableError`; other non-2xx
    answers :class:`PermanentError`. The format comes from the content type, else sniffed.
    """
    if not url.startswith(("http://", "https://")):
        raise ValidationError(
            "unsupported source URL",
            [Issue("/source", "unsupported-scheme", "the source must be an http(s) URL")],
        )
    own = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        response = http.get(url)
    except httpx.TransportError as exc:
        raise RetryableError(f"cannot fetch records from {url}: {type(exc).__name__}") from None
    finally:
        if own:
            http.close()
    if response.status_code >= 500:
        raise RetryableError(f"records source answered {response.status_code}")
    if response.status_code >= 300:
        raise PermanentError(f"records source answered {response.status_code} for {url}")
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = "json" if kind.endswith("json") else "csv" if kind.endswith("csv") else None
    log.info("fetched %d bytes of records from %s", len(response.content), url)
    return parse_records(response.content, fmt)

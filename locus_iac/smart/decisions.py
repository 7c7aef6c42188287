"""Every decision of a smart function, as one JSON line.

A decision names the function, the alert (name, this firing's fingerprint@startsAt), the NS,
what was decided (:class:`Outcome`) and why, and the occurrence it caused, if any. The log
is appended to a file (one JSON object per line, flushed each time) and the latest ones are
kept in memory for ``GET /decisions`` of ``locus smart serve``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    ACTED = "acted"  # a scale or heal was requested; ``op_occ_id`` names it
    COOLDOWN = "skipped-cooldown"  # a scale of the same target ended too recently
    AT_MAX = "at-max"  # scale-out refused: max-number-of-instances reached
    AT_MIN = "at-min"  # scale-in refused: min-number-of-instances reached
    DUPLICATE = "duplicate"  # this firing of the alert already caused an operation
    BUSY = "busy"  # another operation of the NS is open (the NBI answers 409)
    IGNORED = "ignored"  # resolved, not for this function, or missing labels
    STALE = "stale"  # Alertmanager said firing; Prometheus says it no longer is
    FAILED = "failed"  # the NBI refused or could not be reached; ``reason`` says why
    HEAL_FAILED = "heal-failed"  # the heal occurrence ended FAILED / FAILED_TEMP
    REPLACE_UNAVAILABLE = "re-place-unavailable"  # no other site to re-place the VNF on
    REPLACE_ADD = "re-place-add"  # NS update ADD_VNF of a replacement on another site
    REPLACE_REMOVE = "re-place-remove"  # NS update REMOVE_VNF of the unhealthy instance
    REPLACED = "re-placed"  # both updates completed
    REPLACE_FAILED = "re-place-failed"  # an update was refused or did not complete


@dataclass(frozen=True)
class Decision:
    function: str  # autoscaler | fault-management
    alert: str
    alert_instance: str
    ns_id: str | None
    outcome: Outcome
    reason: str
    op_occ_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        return data


class DecisionLog:
    """JSON lines in ``path`` (or ``stream``) and the latest ``keep`` in memory."""

    def __init__(self, path: Path | None = None, stream: TextIO | None = None, keep: int = 500):
        self._path = path
        self._stream = stream
        self._latest: deque[dict[str, Any]] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def record(self, decision: Decision) -> Decision:
        data = decision.as_json()
        line = json.dumps(data, sort_keys=True)
        with self._lock:
            self._latest.append(data)
            if self._path is not None:
                with self._path.open("a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
            if self._stream is not None:
                self._stream.write(line + "\n")
                self._stream.flush()
        logger.info("decision %s", line)
        return decision

    def latest(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._latest)

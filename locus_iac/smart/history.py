"""An NS instance's operation occurrences as the smart functions read them (SOL005).

The cooldown and the duplicate check are derived from the NS's occurrence history
(``GET /nslcm/v1/ns_lcm_op_occs?nsInstanceId=``), not from memory, so a restarted smart
function keeps them. Each occurrence a smart function causes names its alert in its
``operationParams`` (:data:`ALERT_KEY` in ``additionalParams`` of the scale data, or
``additionalParamsforNs`` of a heal).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ALERT = "locusAlert"  # the alert's name
ALERT_KEY = "locusAlertInstance"  # fingerprint@startsAt: this firing of the alert
FINAL_STATES = frozenset({"COMPLETED", "PARTIALLY_COMPLETED", "FAILED", "ROLLED_BACK"})
FAILED_STATES = frozenset({"FAILED", "FAILED_TEMP", "ROLLED_BACK"})


@dataclass(frozen=True)
class PastOperation:
    """One occurrence of a scale or heal of the NS."""

    id: str
    operation: str
    state: str
    started: datetime
    entered: datetime
    targets: frozenset[tuple[str, str]]  # (member, VDU/KDU) a scale changed
    alert_key: str | None

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL_STATES


def _get(data: dict[str, Any], *names: str) -> Any:
    return next((data[n] for n in names if n in data), None)


def _time(value: Any) -> datetime:
    """An ISO 8601 time of the NBI (UTC when it carries no offset)."""
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse(occ: dict[str, Any]) -> PastOperation:
    params = occ.get("operationParams") or {}
    targets: set[tuple[str, str]] = set()
    alert_key: str | None = None
    for data in _get(params, "scale_vnf_data", "scaleVnfData") or ():
        member = str(_get(data, "member_vnf_index", "memberVnfIndex") or "")
        targets.add((member, str(_get(data, "vdu_id", "vduId") or "")))
        extra = _get(data, "additional_params", "additionalParams") or {}
        alert_key = alert_key or extra.get(ALERT_KEY)
    heal_extra = _get(params, "additional_params_for_ns", "additionalParamsforNs") or {}
    alert_key = alert_key or heal_extra.get(ALERT_KEY)
    return PastOperation(
        id=str(occ["id"]),
        operation=str(occ.get("lcmOperationType", "")).upper(),
        state=str(occ.get("operationState", "")),
        started=_time(occ["startTime"]),
        entered=_time(occ.get("statusEnteredTime") or occ["stateEnteredTime"]),
        targets=frozenset(targets),
        alert_key=alert_key,
    )


def past_operations(occurrences: Iterable[dict[str, Any]], operation: str) -> list[PastOperation]:
    """The occurrences of ``operation`` (``SCALE``, ``HEAL``), newest first."""
    found = [
        _parse(o) for o in occurrences if str(o.get("lcmOperationType", "")).upper() == operation
    ]
    return sorted(found, key=lambda p: p.started, reverse=True)

"""Fault Management: heal a VNF/KNF that an alert says is unhealthy (seed Table 2).

On a firing ``LocusTargetDown`` (a scrape target of the NS down, labels ``ns_id``,
``vnf_member_index``, ``vdu_id``), unless this firing already caused a heal (``duplicate``,
from the NS's occurrence history) the function requests ``POST .../heal`` (SOL005
``HealNsRequest``, ``degreeHealing: HEAL_RESTORE``; ``runDay1`` when the VNFD's
``healing-aspect/healing-policy`` of that VDU says ``day1``) with ``additionalParamsforNs``
naming the alert. :meth:`FaultManager.follow` then watches the occurrence; when it ends
FAILED/FAILED_TEMP/ROLLED_BACK the next step would be to re-place the VNF on another site.

Re-placing is not possible through the NBI today, and this function says so instead of
faking it (decision ``re-place-unavailable``): ``locus serve`` offers no SOL005 Update NS
(``POST /nslcm/v1/ns_instances/{id}/update`` with ``updateType`` ``MOVE_VNF`` or
``CHANGE_VNF_DF``, clause 6.4.5), and scale, heal and action keep the placement decided at
instantiate (``additionalParamsForNs.placement``). Terminate and a new instantiate elsewhere
would lose the service's identity and state, so it is not done automatically.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from locus_iac.errors import Conflict, LocusError
from locus_iac.smart.alerts import TARGET_DOWN, Alert
from locus_iac.smart.decisions import Decision, Outcome
from locus_iac.smart.firing import still_firing
from locus_iac.smart.history import ALERT, ALERT_KEY, FAILED_STATES, FINAL_STATES, past_operations
from locus_iac.smart.prometheus import PrometheusClient
from locus_iac.smart.service import load_service
from locus_iac.smart.sol005 import Sol005Client

FUNCTION = "fault-management"
NO_REPLACE = (
    "re-placing needs SOL005 Update NS (POST /nslcm/v1/ns_instances/{id}/update, updateType "
    "MOVE_VNF), which locus serve does not offer; scale/heal keep the instantiate-time "
    "placement, so the VNF stays where it is and needs an operator"
)


class FaultManager:
    """Decides and issues the heal an unhealthy-target alert asks for."""

    def __init__(
        self,
        client: Sol005Client,
        *,
        poll_seconds: float = 2.0,
        timeout_seconds: float = 3600.0,
        sleep: Callable[[float], None] = time.sleep,
        prometheus: PrometheusClient | None = None,
    ) -> None:
        self._client = client
        self._prometheus = prometheus
        self._poll = poll_seconds
        self._timeout = timeout_seconds
        self._sleep = sleep

    def _decision(self, alert: Alert, outcome: Outcome, reason: str, **more: Any) -> Decision:
        return Decision(
            FUNCTION, alert.name, alert.instance_key, alert.ns_id, outcome, reason, **more
        )

    def handle(self, alert: Alert) -> Decision:
        labels = alert.labels
        if alert.status != "firing" or alert.name != TARGET_DOWN or "ns_id" not in labels:
            return self._decision(alert, Outcome.IGNORED, f"{alert.status} {alert.name}")
        if not still_firing(self._prometheus, alert, ("ns_id", "vnf_member_index", "vdu_id")):
            reason = "Prometheus no longer fires it: nothing to do"
            return self._decision(alert, Outcome.STALE, reason)
        ns_id = labels["ns_id"]
        member, vdu = labels.get("vnf_member_index", ""), labels.get("vdu_id", "")
        details = {"member": member, "vdu": vdu}
        try:
            heals = past_operations(self._client.op_occurrences(ns_id), "HEAL")
            mine = next((op for op in heals if op.alert_key == alert.instance_key), None)
            if mine is not None:
                reason = f"this firing already caused heal {mine.id} ({mine.state})"
                return self._decision(alert, Outcome.DUPLICATE, reason, details=details)
            day1 = self._day1(ns_id, member, vdu)
            op_id = self._client.heal(ns_id, _heal_body(alert, member, vdu, day1))
        except Conflict as exc:
            return self._decision(alert, Outcome.BUSY, str(exc), details=details)
        except LocusError as exc:
            return self._decision(alert, Outcome.FAILED, str(exc), details=details)
        reason = f"heal of {member or 'the NS'}/{vdu or '-'} requested"
        return self._decision(alert, Outcome.ACTED, reason, op_occ_id=op_id, details=details)

    def _day1(self, ns_id: str, member: str, vdu: str) -> bool:
        """The VNFD's healing-policy ``day1`` for that VDU (False when none says so)."""
        service = load_service(self._client, ns_id)
        found = service.members.get(member)
        if found is None:
            return False
        policies = (p for a in found.df.healing_aspect for p in a.healing_policy)
        return any(p.day1 for p in policies if p.vdu_id == vdu)

    def follow(self, alert: Alert, op_occ_id: str) -> list[Decision]:
        """Watch the heal until it ends; when it failed, the re-place step's decisions."""
        waited = 0.0
        state = ""
        while waited <= self._timeout:
            try:
                state = str(self._client.op_occurrence(op_occ_id).get("operationState", ""))
            except LocusError as exc:
                state = f"unknown ({exc})"
            if state in FINAL_STATES or state == "FAILED_TEMP":
                break
            self._sleep(self._poll)
            waited += self._poll
        if state not in FAILED_STATES:
            return []
        failed = self._decision(
            alert, Outcome.HEAL_FAILED, f"heal {op_occ_id} ended {state}", op_occ_id=op_occ_id
        )
        return [failed, self._decision(alert, Outcome.REPLACE_UNAVAILABLE, NO_REPLACE)]


def _heal_body(alert: Alert, member: str, vdu: str, day1: bool) -> dict[str, Any]:
    extra = {
        ALERT: alert.name,
        ALERT_KEY: alert.instance_key,
        "smartFunction": FUNCTION,
        "smartDecision": f"heal: target {member or '-'}/{vdu or '-'} is down",
        "vnfMemberIndex": member,
        "vduId": vdu,
    }
    return {"degreeHealing": "HEAL_RESTORE", "runDay1": day1, "additionalParamsforNs": extra}

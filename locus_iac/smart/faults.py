"""Fault Management: heal a VNF/KNF that an alert says is unhealthy, re-place it if that
fails (seed Table 2).

On a firing ``LocusTargetDown`` (a scrape target of the NS down, labels ``ns_id``,
``vnf_member_index``, ``vdu_id``), unless this firing already caused a heal (``duplicate``,
from the NS's occurrence history) the function requests ``POST .../heal`` (SOL005
``HealNsRequest``, ``degreeHealing: HEAL_RESTORE``; ``runDay1`` when the VNFD's
``healing-aspect/healing-policy`` of that VDU says ``day1``) with ``additionalParamsforNs``
naming the alert. :meth:`FaultManager.follow` then watches the occurrence; when it ends
FAILED/FAILED_TEMP/ROLLED_BACK, the VNF instance is re-placed on another site through SOL005
NS update (clause 6.4.5), in two operations so that the service is never without the VNF:

1. a FAILED_TEMP heal is given up (``fail``), which frees the NS instance;
2. ``ADD_VNF`` with ``instantiateVnfData`` (the same NSD ``vnfProfileId``,
   ``additionalParams.site``: another registered site of the same kind) creates the
   replacement; the NBI refuses it (422) when the descriptor does not allow one more VNF
   instance of the profile (``max-number-of-instances``);
3. once that completed, ``REMOVE_VNF`` removes the unhealthy instance (its terminate
   primitives run first; the NBI refuses going below ``min-number-of-instances``).

The new site is the first registered site of the VNF's kind (``k8sclusters`` for a KNF,
``vim_accounts`` otherwise) that is not the one the instance runs on (its ``vnf_sites`` or
``placement`` entry in the NS instance's parameters, else, for a VNF, its ``vimAccountId``;
when none names it, it runs on the default site, taken as the first registered one of its
kind). Every step is a decision (one
JSON line) naming the occurrence it caused.
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

    def _wait(self, op_occ_id: str) -> str:
        """The state the occurrence ends in (or is in when the timeout passes)."""
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
        return state

    def follow(self, alert: Alert, op_occ_id: str) -> list[Decision]:
        """Watch the heal until it ends; when it failed, re-place the VNF instance."""
        state = self._wait(op_occ_id)
        if state not in FAILED_STATES:
            return []
        failed = self._decision(
            alert, Outcome.HEAL_FAILED, f"heal {op_occ_id} ended {state}", op_occ_id=op_occ_id
        )
        return [failed, *self._replace(alert, op_occ_id, state)]

    def _replace(self, alert: Alert, heal_id: str, heal_state: str) -> list[Decision]:
        ns_id = alert.labels["ns_id"]
        member = alert.labels.get("vnf_member_index", "")
        decisions: list[Decision] = []
        try:
            if heal_state == "FAILED_TEMP":
                self._client.fail(heal_id)  # frees the NS instance for the updates
            move = self._new_site(ns_id, member)
            if isinstance(move, str):
                return [self._decision(alert, Outcome.REPLACE_UNAVAILABLE, move)]
            details = {"member": member, **move}
            add_id = self._client.update(ns_id, _add_body(alert, move))
        except LocusError as exc:
            reason = f"re-placing {member or 'the VNF'} refused: {exc}"
            return [self._decision(alert, Outcome.REPLACE_FAILED, reason)]
        reason = f"ADD_VNF of profile {move['profile']} on site {move['to']} (was {move['from']})"
        decisions.append(
            self._decision(alert, Outcome.REPLACE_ADD, reason, op_occ_id=add_id, details=details)
        )
        added = self._wait(add_id)
        if added != "COMPLETED":
            reason = f"adding the replacement ({add_id}) ended {added}: {member} stays where it is"
            decisions.append(self._decision(alert, Outcome.REPLACE_FAILED, reason, details=details))
            return decisions
        decisions.extend(self._remove(alert, ns_id, member, details))
        return decisions

    def _remove(
        self, alert: Alert, ns_id: str, member: str, details: dict[str, Any]
    ) -> list[Decision]:
        body = {"updateType": "REMOVE_VNF", "removeVnfInstanceId": [member]}
        try:
            remove_id = self._client.update(ns_id, body)
        except LocusError as exc:
            reason = f"the replacement runs, but removing {member} was refused: {exc}"
            return [self._decision(alert, Outcome.REPLACE_FAILED, reason, details=details)]
        reason = f"REMOVE_VNF of the unhealthy instance {member}"
        asked = self._decision(
            alert, Outcome.REPLACE_REMOVE, reason, op_occ_id=remove_id, details=details
        )
        removed = self._wait(remove_id)
        if removed != "COMPLETED":
            reason = f"removing {member} ({remove_id}) ended {removed}; the replacement runs"
            return [asked, self._decision(alert, Outcome.REPLACE_FAILED, reason, details=details)]
        reason = f"{member} re-placed on {details['to']}"
        return [asked, self._decision(alert, Outcome.REPLACED, reason, details=details)]

    def _new_site(self, ns_id: str, member: str) -> dict[str, str] | str:
        """Where to put ``member`` now (profile, from, to), or why there is nowhere."""
        service = load_service(self._client, ns_id)
        profile = member if member in service.members else member.rpartition("-")[0]
        found = service.members.get(profile)
        if found is None:
            return f"NS {ns_id} has no VNF profile for member {member!r}"
        params = service.instance.get("additionalParams") or {}
        extra = params.get("additional_params") or {}
        placement = extra.get("placement") or {}
        current = (
            (extra.get("vnf_sites") or {}).get(member)
            or placement.get(profile)
            or placement.get(found.vnfd.id)
            or (None if found.vnfd.is_knf else params.get("vim_account_id"))
        )
        names = self._client.site_names(knf=found.vnfd.is_knf)
        current = current or (names[0] if names else None)
        others = [name for name in names if name != current]
        if not others:
            kind = "Kubernetes cluster" if found.vnfd.is_knf else "OpenStack VIM account"
            return f"no other {kind} than {current or 'none'} is registered: nowhere to re-place"
        return {"profile": profile, "from": str(current), "to": others[0]}


def _add_body(alert: Alert, move: dict[str, str]) -> dict[str, Any]:
    extra = {
        "site": move["to"],
        ALERT: alert.name,
        ALERT_KEY: alert.instance_key,
        "smartFunction": FUNCTION,
        "smartDecision": f"re-place: heal failed on {move['from']}",
    }
    return {
        "updateType": "ADD_VNF",
        "instantiateVnfData": [{"vnfProfileId": move["profile"], "additionalParams": extra}],
    }


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

"""Service Optimization: threshold autoscaling from the VNFD scaling policies (seed Table 2).

On a firing ``LocusScaleOut``/``LocusScaleIn`` (the alerts the Config Manager derives from
``scaling-aspect``/``scaling-policy``), the autoscaler reads the NS through SOL005 and
decides, in this order:

0. ``stale`` — Prometheus no longer fires the alert (:mod:`locus_iac.smart.firing`);
1. ``duplicate`` — this firing (fingerprint@startsAt) already caused a scale that is still
   open or inside the cooldown (Alertmanager re-sends a group; a retry must not scale twice);
2. ``busy`` — the last scale of the same VDU/KDU is still open;
3. ``skipped-cooldown`` — it ended less than the policy's ``cooldown-time`` ago (the
   history comes from the NS's occurrences, so a restart keeps the cooldown);
4. ``at-max`` / ``at-min`` — the VDU/KDU is at its ``max``/``min-number-of-instances``;
5. ``acted`` — ``POST .../scale`` (``SCALE_VNF``: the member, the VDU/KDU the aspect's delta
   names, the direction and the absolute number wanted, so a repeated request cannot
   overshoot) with ``additionalParams`` naming the alert, the aspect and the policy.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from locus_iac.errors import Conflict, LocusError
from locus_iac.smart.alerts import SCALE_IN, SCALE_OUT, Alert
from locus_iac.smart.decisions import Decision, Outcome
from locus_iac.smart.firing import still_firing
from locus_iac.smart.history import ALERT, ALERT_KEY, PastOperation, past_operations
from locus_iac.smart.prometheus import PrometheusClient
from locus_iac.smart.service import ScalingTarget, load_service
from locus_iac.smart.sol005 import Sol005Client

FUNCTION = "autoscaler"
KEYS = ("ns_id", "vnf_member_index", "scaling_aspect", "scaling_policy", "scaling_direction")
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def _cooling(op: PastOperation, cooldown: int, now: datetime) -> float:
    """Seconds of cooldown left after ``op`` (0 when it is over)."""
    left = (op.entered + timedelta(seconds=cooldown) - now).total_seconds()
    return max(left, 0.0)


class Autoscaler:
    """Decides and issues the scale operation a scaling alert asks for."""

    def __init__(
        self,
        client: Sol005Client,
        clock: Clock = _now,
        prometheus: PrometheusClient | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self._prometheus = prometheus

    def handle(self, alert: Alert) -> Decision:
        def decide(outcome: Outcome, reason: str, **more: Any) -> Decision:
            return Decision(
                FUNCTION, alert.name, alert.instance_key, alert.ns_id, outcome, reason, **more
            )

        labels = alert.labels
        missing = [k for k in ("ns_id", "vnf_member_index", "scaling_aspect") if k not in labels]
        if alert.status != "firing" or alert.name not in (SCALE_OUT, SCALE_IN) or missing:
            why = f"missing labels {missing}" if missing else f"{alert.status} {alert.name}"
            return decide(Outcome.IGNORED, why)
        if not still_firing(self._prometheus, alert, KEYS):
            return decide(Outcome.STALE, "Prometheus no longer fires it: nothing to do")
        ns_id, member = labels["ns_id"], labels["vnf_member_index"]
        out = labels.get("scaling_direction", "out" if alert.name == SCALE_OUT else "in") == "out"
        try:
            service = load_service(self._client, ns_id)
            target = service.scaling_target(
                member, labels["scaling_aspect"], labels.get("scaling_policy")
            )
            history = past_operations(self._client.op_occurrences(ns_id), "SCALE")
            current = service.current_count(member, target.target)
        except LocusError as exc:
            return decide(Outcome.FAILED, str(exc))
        cooldown = self._cooldown(target, alert)
        details = {
            "member": member,
            "target": target.target,
            "current": current,
            "cooldown": cooldown,
        }
        blocked = self._blocked(alert, target, history, cooldown)
        if blocked is not None:
            return decide(blocked[0], blocked[1], details=details)
        if out and target.maximum is not None and current >= target.maximum:
            return decide(
                Outcome.AT_MAX,
                f"{target.target} has {current} = max {target.maximum}",
                details=details,
            )
        if not out and current <= target.minimum:
            return decide(
                Outcome.AT_MIN,
                f"{target.target} has {current} = min {target.minimum}",
                details=details,
            )
        wanted = current + target.step if out else current - target.step
        if target.maximum is not None:
            wanted = min(wanted, target.maximum)
        wanted = max(wanted, target.minimum)
        details["wanted"] = wanted
        reason = f"scale {'out' if out else 'in'} {target.target}: {current} -> {wanted}"
        body = _scale_body(alert, target, out, wanted, reason)
        try:
            op_id = self._client.scale(ns_id, body)
        except Conflict as exc:
            return decide(Outcome.BUSY, str(exc), details=details)
        except LocusError as exc:
            return decide(Outcome.FAILED, str(exc), details=details)
        return decide(Outcome.ACTED, reason, op_occ_id=op_id, details=details)

    def _cooldown(self, target: ScalingTarget, alert: Alert) -> int:
        if target.cooldown is not None:
            return target.cooldown
        try:
            return max(int(float(alert.annotations.get("cooldown_seconds", "0"))), 0)
        except ValueError:
            return 0

    def _blocked(
        self, alert: Alert, target: ScalingTarget, history: list[PastOperation], cooldown: int
    ) -> tuple[Outcome, str] | None:
        now = self._clock()
        mine = next((op for op in history if op.alert_key == alert.instance_key), None)
        if mine is not None and (mine.is_open or _cooling(mine, cooldown, now) > 0):
            return Outcome.DUPLICATE, f"this firing already caused {mine.id} ({mine.state})"
        key = (target.member, target.target)
        last = next((op for op in history if key in op.targets), None)
        if last is None:
            return None
        if last.is_open:
            return Outcome.BUSY, f"scale {last.id} of {target.target} is {last.state}"
        left = _cooling(last, cooldown, now)
        if left > 0:
            return (
                Outcome.COOLDOWN,
                f"{last.id} ended {last.entered.isoformat()}; {left:.0f}s of {cooldown}s left",
            )
        return None


def _scale_body(
    alert: Alert, target: ScalingTarget, out: bool, wanted: int, reason: str
) -> dict[str, Any]:
    """The SOL005 ``ScaleNsRequest`` (``SCALE_VNF``) naming the alert that caused it."""
    extra = {
        ALERT: alert.name,
        ALERT_KEY: alert.instance_key,
        "scalingAspect": target.aspect,
        "scalingPolicy": alert.labels.get("scaling_policy", ""),
        "smartFunction": FUNCTION,
        "smartDecision": reason,
    }
    if "value" in alert.annotations:
        extra["alertValue"] = alert.annotations["value"][:64]
    return {
        "scaleType": "SCALE_VNF",
        "scaleVnfData": [
            {
                "memberVnfIndex": target.member,
                "vduId": target.target,
                "scaleVnfType": "SCALE_OUT" if out else "SCALE_IN",
                "instances": wanted,
                "additionalParams": extra,
            }
        ],
    }

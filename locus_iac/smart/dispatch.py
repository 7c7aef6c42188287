"""One worker thread that hands each alert to the function it is for, in arrival order.

The webhook answers Alertmanager at once; decisions are taken one at a time (two alerts of
the same NS never race to scale it), each recorded in the :class:`DecisionLog`. A heal the
fault manager requested is followed on its own thread, so a long heal does not hold up
scaling decisions.
"""

from __future__ import annotations

import logging
import queue
import threading

from locus_iac.smart.alerts import SCALE_IN, SCALE_OUT, TARGET_DOWN, Alert
from locus_iac.smart.autoscaler import Autoscaler
from locus_iac.smart.decisions import Decision, DecisionLog, Outcome
from locus_iac.smart.faults import FaultManager

logger = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, autoscaler: Autoscaler, faults: FaultManager, log: DecisionLog) -> None:
        self._autoscaler = autoscaler
        self._faults = faults
        self._log = log
        self._queue: queue.Queue[Alert | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="smart-dispatch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def submit(self, alert: Alert) -> None:
        self._queue.put(alert)

    @property
    def depth(self) -> int:
        return self._queue.qsize()

    def _run(self) -> None:
        while (alert := self._queue.get()) is not None:
            try:
                self.decide(alert)
            except Exception:  # one bad alert must not stop the function
                logger.exception("deciding on %s failed", alert.name)
                self._log.record(
                    Decision(
                        "dispatch",
                        alert.name,
                        alert.instance_key,
                        alert.ns_id,
                        Outcome.FAILED,
                        "internal error (see the function's log)",
                    )
                )

    def decide(self, alert: Alert) -> Decision:
        """Decide on one alert now (the worker's step; tests call it directly)."""
        if alert.name in (SCALE_OUT, SCALE_IN):
            return self._log.record(self._autoscaler.handle(alert))
        if alert.name == TARGET_DOWN:
            decision = self._log.record(self._faults.handle(alert))
            if decision.outcome is Outcome.ACTED and decision.op_occ_id:
                follow = threading.Thread(
                    target=self._follow, args=(alert, decision.op_occ_id), daemon=True
                )
                follow.start()
            return decision
        reason = f"no smart function handles {alert.name or 'an unnamed alert'}"
        return self._log.record(
            Decision(
                "dispatch", alert.name, alert.instance_key, alert.ns_id, Outcome.IGNORED, reason
            )
        )

    def _follow(self, alert: Alert, op_occ_id: str) -> None:
        for decision in self._faults.follow(alert, op_occ_id):
            self._log.record(decision)

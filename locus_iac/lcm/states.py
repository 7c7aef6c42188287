"""States of NS LCM operation occurrences and NS instances, with every transition in one table.

ETSI GS NFV-SOL005 v3.7.1 defines the states of an NS LCM operation occurrence
(``NsLcmOperationStateType``, clause 6.5.4.4) and the task resources that move an occurrence
out of ``FAILED_TEMP`` or stop it (clauses 6.4.10 cancel, 6.4.11 retry, 6.4.12 rollback,
6.4.13 continue, 6.4.14 fail)::

                       ┌───────────── retry / continue ─────────────┐
                       v                                            │
    (created) ──> PROCESSING ── error / cancelled / interrupted ──> FAILED_TEMP ── fail ──> FAILED
                    │    │                                          │    ^
          complete  │    │ partially_complete              rollback │    │ rollback_error /
                    v    v                                          v    │ cancelled / interrupted
             COMPLETED  PARTIALLY_COMPLETED                     ROLLING_BACK
                                                                    │
                                                  rollback_complete v
                                                               ROLLED_BACK

Notes on the choice of states:

* SOL005 v3.7.1 has no ``STARTING`` state for NS LCM (that state belongs to VNF LCM,
  SOL003, where the VNFM waits for a grant): an NS occurrence is created in ``PROCESSING``
  when the request is accepted (202), whether or not a worker has picked it up yet.
* There is no ``CANCELLED`` state: a cancelled operation ends in ``FAILED_TEMP``
  (``CancelModeType``, clause 6.5.4.7), from where it may be retried, rolled back or failed.
* ``interrupted`` is not an ETSI event: it is what crash recovery applies to an occurrence
  whose worker died; it has the same effect as a cancel that completed.

The NS instance itself has two states (``NsInstance.nsState``, clause 6.5.2.10).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from locus_iac.errors import Conflict


class LcmOperationState(StrEnum):
    """``NsLcmOperationStateType`` (SOL005 v3.7.1 clause 6.5.4.4)."""

    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    PARTIALLY_COMPLETED = "PARTIALLY_COMPLETED"
    FAILED_TEMP = "FAILED_TEMP"
    FAILED = "FAILED"
    ROLLING_BACK = "ROLLING_BACK"
    ROLLED_BACK = "ROLLED_BACK"

    @property
    def is_final(self) -> bool:
        """True when no event can move the occurrence any more."""
        return self in _FINAL_STATES

    @property
    def is_running(self) -> bool:
        """True while a worker is (or should be) executing the occurrence."""
        return self in (LcmOperationState.PROCESSING, LcmOperationState.ROLLING_BACK)

    @property
    def holds_instance(self) -> bool:
        """True while the occurrence blocks other operations on its NS instance.

        SOL005 allows one operation per NS instance at a time; an occurrence in
        ``FAILED_TEMP`` is not closed (it may still be retried or rolled back), so it still
        holds the instance.
        """
        return not self.is_final


class LcmOperationType(StrEnum):
    """``NsLcmOpType`` (SOL005 v3.7.1 clause 6.5.4.2) plus OSM's ``ACTION`` (Day2 primitive)."""

    INSTANTIATE = "INSTANTIATE"
    SCALE = "SCALE"
    UPDATE = "UPDATE"
    TERMINATE = "TERMINATE"
    HEAL = "HEAL"
    ACTION = "ACTION"


class LcmEvent(StrEnum):
    """What can happen to an operation occurrence.

    The task-resource events (``retry``, ``continue``, ``rollback``, ``fail``, ``cancel``)
    are requested by a client; the others are reported by the worker running the operation.
    ``cancel`` is the moment the cancellation has finished (SOL005: "After that, the NFVO
    shall put the operation occurrence into the FAILED_TEMP state").
    """

    COMPLETE = "complete"
    PARTIALLY_COMPLETE = "partially_complete"
    ERROR = "error"
    RETRY = "retry"
    CONTINUE = "continue"
    ROLLBACK = "rollback"
    ROLLBACK_COMPLETE = "rollback_complete"
    ROLLBACK_ERROR = "rollback_error"
    FAIL = "fail"
    CANCEL = "cancel"
    INTERRUPTED = "interrupted"


_S = LcmOperationState
_E = LcmEvent

#: Every allowed transition: (current state, event) -> new state. Anything else is a Conflict.
TRANSITIONS: Mapping[tuple[LcmOperationState, LcmEvent], LcmOperationState] = MappingProxyType(
    {
        (_S.PROCESSING, _E.COMPLETE): _S.COMPLETED,
        (_S.PROCESSING, _E.PARTIALLY_COMPLETE): _S.PARTIALLY_COMPLETED,
        (_S.PROCESSING, _E.ERROR): _S.FAILED_TEMP,
        (_S.PROCESSING, _E.CANCEL): _S.FAILED_TEMP,
        (_S.PROCESSING, _E.INTERRUPTED): _S.FAILED_TEMP,
        (_S.FAILED_TEMP, _E.RETRY): _S.PROCESSING,
        (_S.FAILED_TEMP, _E.CONTINUE): _S.PROCESSING,
        (_S.FAILED_TEMP, _E.ROLLBACK): _S.ROLLING_BACK,
        (_S.FAILED_TEMP, _E.FAIL): _S.FAILED,
        (_S.ROLLING_BACK, _E.ROLLBACK_COMPLETE): _S.ROLLED_BACK,
        (_S.ROLLING_BACK, _E.ROLLBACK_ERROR): _S.FAILED_TEMP,
        (_S.ROLLING_BACK, _E.CANCEL): _S.FAILED_TEMP,
        (_S.ROLLING_BACK, _E.INTERRUPTED): _S.FAILED_TEMP,
    }
)

_FINAL_STATES = frozenset({_S.COMPLETED, _S.PARTIALLY_COMPLETED, _S.FAILED, _S.ROLLED_BACK})


def allowed_events(state: LcmOperationState) -> frozenset[LcmEvent]:
    """The events that may be applied to an occurrence in ``state``."""
    return frozenset(event for (current, event) in TRANSITIONS if current is state)


def transition(current: LcmOperationState, event: LcmEvent) -> LcmOperationState:
    """Return the state that ``event`` moves an occurrence in ``current`` to.

    Raises :class:`~locus_iac.errors.Conflict` when the transition is not in
    :data:`TRANSITIONS` (SOL005 answers such a request with 409); the message names the
    current state, the event, the state moves the event does make and what is allowed now.
    """
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        allowed = ", ".join(sorted(allowed_events(current))) or "none, it is final"
        moves = ", ".join(
            f"{src.value} -> {dst.value}" for (src, ev), dst in TRANSITIONS.items() if ev is event
        )
        raise Conflict(
            f"cannot {event.value} an operation occurrence in state {current.value}: "
            f"{event.value} moves {moves}; allowed from {current.value}: {allowed}"
        ) from None


class NsState(StrEnum):
    """``NsInstance.nsState`` (SOL005 v3.7.1 clause 6.5.2.10)."""

    NOT_INSTANTIATED = "NOT_INSTANTIATED"
    INSTANTIATED = "INSTANTIATED"


#: The NS state an operation type requires before it may start (SOL005 clauses 6.4.4-6.4.8:
#: instantiate needs NOT_INSTANTIATED; scale, update, heal, terminate need INSTANTIATED).
REQUIRED_NS_STATE: Mapping[LcmOperationType, NsState] = MappingProxyType(
    {
        LcmOperationType.INSTANTIATE: NsState.NOT_INSTANTIATED,
        LcmOperationType.SCALE: NsState.INSTANTIATED,
        LcmOperationType.UPDATE: NsState.INSTANTIATED,
        LcmOperationType.HEAL: NsState.INSTANTIATED,
        LcmOperationType.TERMINATE: NsState.INSTANTIATED,
        LcmOperationType.ACTION: NsState.INSTANTIATED,
    }
)

#: How a finished operation changes the NS state: (operation, final state) -> new NS state.
#: Pairs not listed leave the NS state unchanged (e.g. a rolled-back instantiate leaves the
#: instance NOT_INSTANTIATED; a failed terminate leaves it INSTANTIATED).
NS_TRANSITIONS: Mapping[tuple[LcmOperationType, LcmOperationState], NsState] = MappingProxyType(
    {
        (LcmOperationType.INSTANTIATE, _S.COMPLETED): NsState.INSTANTIATED,
        (LcmOperationType.INSTANTIATE, _S.PARTIALLY_COMPLETED): NsState.INSTANTIATED,
        (LcmOperationType.TERMINATE, _S.COMPLETED): NsState.NOT_INSTANTIATED,
        (LcmOperationType.TERMINATE, _S.PARTIALLY_COMPLETED): NsState.NOT_INSTANTIATED,
    }
)


def require_ns_state(current: NsState, operation: LcmOperationType) -> None:
    """Guard: raise :class:`~locus_iac.errors.Conflict` if ``operation`` cannot start now."""
    required = REQUIRED_NS_STATE[operation]
    if current is not required:
        raise Conflict(
            f"cannot start {operation.value} on an NS instance in state {current.value} "
            f"(it needs {required.value})"
        )


def ns_state_after(
    current: NsState, operation: LcmOperationType, final: LcmOperationState
) -> NsState:
    """The NS state once ``operation`` has reached ``final``.

    Raises :class:`~locus_iac.errors.Conflict` if ``final`` is not a final state (the NS
    state only changes when an operation is closed).
    """
    if not final.is_final:
        raise Conflict(
            f"NS state changes only when an operation is closed; {final.value} is not final"
        )
    return NS_TRANSITIONS.get((operation, final), current)

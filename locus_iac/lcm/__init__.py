"""NS lifecycle management: operation occurrence states, transitions and the domain model.

This session's part is pure: the SOL005 state machine (:mod:`locus_iac.lcm.states`) and the
:class:`OperationOccurrence` model. The durable queue, workers and crash recovery build on it.
"""

from locus_iac.lcm.occurrence import CancelMode, OperationError, OperationOccurrence
from locus_iac.lcm.states import (
    NS_TRANSITIONS,
    REQUIRED_NS_STATE,
    TRANSITIONS,
    LcmEvent,
    LcmOperationState,
    LcmOperationType,
    NsState,
    allowed_events,
    ns_state_after,
    require_ns_state,
    transition,
)

__all__ = [
    "NS_TRANSITIONS",
    "REQUIRED_NS_STATE",
    "TRANSITIONS",
    "CancelMode",
    "LcmEvent",
    "LcmOperationState",
    "LcmOperationType",
    "NsState",
    "OperationError",
    "OperationOccurrence",
    "allowed_events",
    "ns_state_after",
    "require_ns_state",
    "transition",
]

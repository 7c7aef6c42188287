"""NS lifecycle management: operation occurrence states, transitions and the domain model.

The SOL005 state machine (:mod:`locus_iac.lcm.states`) and the :class:`OperationOccurrence`
model are pure. On them: the durable queue in the catalogue database (:mod:`~.queue`), worker
processes (:mod:`~.worker`) started by the :class:`Supervisor`, crash recovery
(:func:`recover`), and :class:`LcmService`, which the NBI starts. What an operation does is an
:class:`OperationRunner`, given in code as a :class:`RunnerFactory`; the product's (Pulumi +
Ansible) is :data:`PRODUCT_RUNNER`, whose runner is imported only where it runs (it loads the
engine and the programs).
"""

from locus_iac.lcm.occurrence import CancelMode, OperationError, OperationOccurrence
from locus_iac.lcm.queue import Task
from locus_iac.lcm.recovery import recover
from locus_iac.lcm.runner import (
    PRODUCT_RUNNER,
    Job,
    OperationRunner,
    Outcome,
    Reporter,
    RunnerContext,
    RunnerFactory,
)
from locus_iac.lcm.service import LcmService
from locus_iac.lcm.settings import LcmSettings
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
from locus_iac.lcm.supervisor import Supervisor

__all__ = [
    "NS_TRANSITIONS",
    "PRODUCT_RUNNER",
    "REQUIRED_NS_STATE",
    "TRANSITIONS",
    "CancelMode",
    "Job",
    "LcmEvent",
    "LcmOperationState",
    "LcmOperationType",
    "LcmService",
    "LcmSettings",
    "NsState",
    "OperationError",
    "OperationOccurrence",
    "OperationRunner",
    "Outcome",
    "Reporter",
    "RunnerContext",
    "RunnerFactory",
    "Supervisor",
    "Task",
    "allowed_events",
    "ns_state_after",
    "recover",
    "require_ns_state",
    "transition",
]

"""Package states and their transitions (ETSI GS NFV-SOL 005 v3.7.1).

``onboardingState`` follows SOL005 Table 5.5.4.5-1 (NSD) and Table 9.5.4.3-1 (VNF package):
CREATED -> UPLOADING -> PROCESSING -> ONBOARDED, with ERROR for a failed processing step.
``operationalState`` is ENABLED or DISABLED (Tables 5.5.4.3-1 / 9.5.4.4-1), changed by PATCH;
``usageState`` (Tables 5.5.4.4-1 / 9.5.4.5-1) is derived from the catalogue, never stored.
"""

from __future__ import annotations

from enum import StrEnum

from locus_iac.errors import Conflict


class PackageKind(StrEnum):
    """What a catalogue entry holds: a VNF package, an NSD package or a netslice template."""

    VNFD = "vnfd"
    NSD = "nsd"
    NST = "nst"
    PNFD = "pnfd"


class OnboardingState(StrEnum):
    CREATED = "CREATED"
    UPLOADING = "UPLOADING"
    PROCESSING = "PROCESSING"
    ONBOARDED = "ONBOARDED"
    ERROR = "ERROR"


class OperationalState(StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


class UsageState(StrEnum):
    IN_USE = "IN_USE"
    NOT_IN_USE = "NOT_IN_USE"


_ALLOWED: dict[OnboardingState, frozenset[OnboardingState]] = {
    OnboardingState.CREATED: frozenset({OnboardingState.UPLOADING}),
    OnboardingState.UPLOADING: frozenset({OnboardingState.PROCESSING, OnboardingState.CREATED}),
    OnboardingState.PROCESSING: frozenset(
        {OnboardingState.ONBOARDED, OnboardingState.ERROR, OnboardingState.CREATED}
    ),
    OnboardingState.ONBOARDED: frozenset(),
    OnboardingState.ERROR: frozenset({OnboardingState.UPLOADING}),
}

UPLOADABLE: frozenset[OnboardingState] = frozenset(
    state for state, targets in _ALLOWED.items() if OnboardingState.UPLOADING in targets
)
"""States from which content may be uploaded (SOL005 clause 5.4.4.3.3: only before onboarding)."""


def check_transition(current: OnboardingState, target: OnboardingState) -> None:
    """Raise :class:`Conflict` unless ``current -> target`` is an allowed transition.

    Falling back from UPLOADING/PROCESSING to CREATED is the rollback of a rejected upload:
    the resource returns to exactly the state it had before the request.
    """
    if target not in _ALLOWED[current]:
        raise Conflict(
            f"onboardingState is {current.value}: cannot move to {target.value}"
            + (
                " (content can only be uploaded once)"
                if target is OnboardingState.UPLOADING
                else ""
            )
        )

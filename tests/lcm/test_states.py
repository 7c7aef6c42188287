"""The SOL005 operation-occurrence state machine: every (state, event) pair, allowed or not."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from locus_iac.errors import Conflict
from locus_iac.lcm import (
    LcmEvent,
    LcmOperationState,
    LcmOperationType,
    NsState,
    allowed_events,
    ns_state_after,
    require_ns_state,
    transition,
)

S = LcmOperationState
E = LcmEvent

#: The expected table, written out independently of the product's TRANSITIONS mapping.
EXPECTED = {
    (S.PROCESSING, E.COMPLETE): S.COMPLETED,
    (S.PROCESSING, E.PARTIALLY_COMPLETE): S.PARTIALLY_COMPLETED,
    (S.PROCESSING, E.ERROR): S.FAILED_TEMP,
    (S.PROCESSING, E.CANCEL): S.FAILED_TEMP,
    (S.PROCESSING, E.INTERRUPTED): S.FAILED_TEMP,
    (S.FAILED_TEMP, E.RETRY): S.PROCESSING,
    (S.FAILED_TEMP, E.CONTINUE): S.PROCESSING,
    (S.FAILED_TEMP, E.ROLLBACK): S.ROLLING_BACK,
    (S.FAILED_TEMP, E.FAIL): S.FAILED,
    (S.ROLLING_BACK, E.ROLLBACK_COMPLETE): S.ROLLED_BACK,
    (S.ROLLING_BACK, E.ROLLBACK_ERROR): S.FAILED_TEMP,
    (S.ROLLING_BACK, E.CANCEL): S.FAILED_TEMP,
    (S.ROLLING_BACK, E.INTERRUPTED): S.FAILED_TEMP,
}

ALL_PAIRS = list(itertools.product(S, E))
ALLOWED = [pair for pair in ALL_PAIRS if pair in EXPECTED]
FORBIDDEN = [pair for pair in ALL_PAIRS if pair not in EXPECTED]


def test_the_product_is_covered() -> None:
    assert len(ALL_PAIRS) == len(S) * len(E) == len(ALLOWED) + len(FORBIDDEN)
    assert len(ALLOWED) == 13


@pytest.mark.parametrize(("state", "event"), ALLOWED, ids=lambda v: str(v))
def test_allowed_transition(state: LcmOperationState, event: LcmEvent) -> None:
    assert transition(state, event) is EXPECTED[(state, event)]
    assert event in allowed_events(state)


@pytest.mark.parametrize(("state", "event"), FORBIDDEN, ids=lambda v: str(v))
def test_forbidden_transition_is_a_conflict_naming_state_and_event(
    state: LcmOperationState, event: LcmEvent
) -> None:
    with pytest.raises(Conflict) as caught:
        transition(state, event)
    message = caught.value.message
    assert message.startswith(f"cannot {event.value} an operation occurrence in state {state}:")
    for (src, ev), dst in EXPECTED.items():
        if ev is event:
            assert f"{src} -> {dst}" in message
    assert event not in allowed_events(state)


def test_conflict_message_example() -> None:
    with pytest.raises(Conflict) as caught:
        transition(S.PROCESSING, E.RETRY)
    assert caught.value.message == (
        "cannot retry an operation occurrence in state PROCESSING: retry moves "
        "FAILED_TEMP -> PROCESSING; allowed from PROCESSING: cancel, complete, error, "
        "interrupted, partially_complete"
    )


def test_final_states_accept_nothing() -> None:
    finals = {s for s in S if s.is_final}
    assert finals == {S.COMPLETED, S.PARTIALLY_COMPLETED, S.FAILED, S.ROLLED_BACK}
    for state in finals:
        assert allowed_events(state) == frozenset()
        assert not state.holds_instance


def test_failed_temp_holds_the_instance_but_is_not_running() -> None:
    assert S.FAILED_TEMP.holds_instance
    assert not S.FAILED_TEMP.is_running
    assert S.PROCESSING.is_running and S.ROLLING_BACK.is_running


def test_task_resources_need_failed_temp() -> None:
    """SOL005 6.4.11-6.4.14: retry, rollback, continue and fail only from FAILED_TEMP."""
    for event in (E.RETRY, E.ROLLBACK, E.CONTINUE, E.FAIL):
        sources = {state for (state, ev) in EXPECTED if ev is event}
        assert sources == {S.FAILED_TEMP}
    assert {state for (state, ev) in EXPECTED if ev is E.CANCEL} == {S.PROCESSING, S.ROLLING_BACK}


_SOL005_DEF = (
    Path(__file__).resolve().parents[3]
    / "shared/conformance/etsi-sol005-openapi-v3.7.1/openapi/nfv-sol005/SOL005"
    / "NSLifecycleManagement/definitions/SOL005NSLifecycleManagement_def.yaml"
)


@pytest.mark.skipif(not _SOL005_DEF.is_file(), reason="../shared/conformance is absent")
def test_enums_match_sol005_v371() -> None:
    definitions = yaml.safe_load(_SOL005_DEF.read_text(encoding="utf-8"))["definitions"]
    assert [s.value for s in S] == definitions["NsLcmOperationStateType"]["enum"]
    sol005_ops = definitions["NsLcmOpType"]["enum"]
    assert [t.value for t in LcmOperationType if t is not LcmOperationType.ACTION] == sol005_ops
    assert [m for m in definitions["CancelModeType"]["enum"]] == ["GRACEFUL", "FORCEFUL"]


@pytest.mark.parametrize(
    ("ns_state", "operation"), list(itertools.product(NsState, LcmOperationType))
)
def test_ns_state_guard(ns_state: NsState, operation: LcmOperationType) -> None:
    needs_instantiated = operation is not LcmOperationType.INSTANTIATE
    allowed = (ns_state is NsState.INSTANTIATED) == needs_instantiated
    if allowed:
        require_ns_state(ns_state, operation)
    else:
        with pytest.raises(Conflict) as caught:
            require_ns_state(ns_state, operation)
        assert ns_state.value in caught.value.message
        assert operation.value in caught.value.message


@pytest.mark.parametrize(
    ("operation", "final", "before", "after"),
    [
        (LcmOperationType.INSTANTIATE, S.COMPLETED, NsState.NOT_INSTANTIATED, NsState.INSTANTIATED),
        (
            LcmOperationType.INSTANTIATE,
            S.ROLLED_BACK,
            NsState.NOT_INSTANTIATED,
            NsState.NOT_INSTANTIATED,
        ),
        (
            LcmOperationType.INSTANTIATE,
            S.FAILED,
            NsState.NOT_INSTANTIATED,
            NsState.NOT_INSTANTIATED,
        ),
        (LcmOperationType.TERMINATE, S.COMPLETED, NsState.INSTANTIATED, NsState.NOT_INSTANTIATED),
        (LcmOperationType.TERMINATE, S.FAILED, NsState.INSTANTIATED, NsState.INSTANTIATED),
        (LcmOperationType.SCALE, S.COMPLETED, NsState.INSTANTIATED, NsState.INSTANTIATED),
        (LcmOperationType.ACTION, S.FAILED, NsState.INSTANTIATED, NsState.INSTANTIATED),
        (LcmOperationType.HEAL, S.ROLLED_BACK, NsState.INSTANTIATED, NsState.INSTANTIATED),
    ],
)
def test_ns_state_after_a_closed_operation(
    operation: LcmOperationType, final: LcmOperationState, before: NsState, after: NsState
) -> None:
    assert ns_state_after(before, operation, final) is after


@pytest.mark.parametrize("state", [s for s in S if not s.is_final])
def test_ns_state_does_not_change_while_an_operation_is_open(state: LcmOperationState) -> None:
    with pytest.raises(Conflict, match=state.value):
        ns_state_after(NsState.NOT_INSTANTIATED, LcmOperationType.INSTANTIATE, state)

"""The smart functions against a real ``locus serve`` process (its operations carried out by
the file-controlled test runner of tests/lcm/runners.py, no engine): the NBI accepts their
scale and heal bodies, its occurrences keep the alert, and the cooldown and duplicate checks
read its real occurrence history (times, paging)."""

from __future__ import annotations

from locus_iac.smart import Alert, Autoscaler, FaultManager, Outcome

from .conftest import RealNbi
from .conftest import wait_op as _wait
from .doubles import alert

OUT = dict(vnf_member_index="1", scaling_aspect="cloud_vdu_autoscale",
           scaling_policy="cpu_util_above_80", scaling_direction="out")  # fmt: skip


def test_scale_out_through_the_real_nbi_then_cooldown_and_duplicate(
    nbi: RealNbi,
) -> None:
    client, ns = nbi.client, nbi.ns
    first = Alert.model_validate(alert("LocusScaleOut", ns, **OUT))
    acted = Autoscaler(client).handle(first)
    assert acted.outcome is Outcome.ACTED, acted.reason
    assert acted.op_occ_id is not None
    done = _wait(client, acted.op_occ_id)
    assert done["operationState"] == "COMPLETED"
    assert done["lcmOperationType"] == "SCALE"
    extra = done["operationParams"]["scaleVnfData"][0]["additionalParams"]
    assert extra["locusAlert"] == "LocusScaleOut"
    assert extra["locusAlertInstance"] == first.instance_key
    # a restarted autoscaler (a new object): the same firing is a duplicate, another firing
    # is inside the VNFD's 120 s cooldown, both read from the NBI's history (paged by 2)
    assert Autoscaler(client).handle(first).outcome is Outcome.DUPLICATE
    second = Alert.model_validate(alert("LocusScaleOut", ns, fingerprint="f2", **OUT))
    assert Autoscaler(client).handle(second).outcome is Outcome.COOLDOWN


def test_heal_through_the_real_nbi_and_a_failed_heal(nbi: RealNbi) -> None:
    client, ns, runner_dir = nbi.client, nbi.ns, nbi.runner_dir
    down = Alert.model_validate(
        alert("LocusTargetDown", ns, vnf_member_index="1", vdu_id="cloud_vdu")
    )
    faults = FaultManager(client, poll_seconds=0.1, timeout_seconds=60)
    (runner_dir / "fail").write_text("")
    acted = faults.handle(down)
    assert acted.outcome is Outcome.ACTED, acted.reason
    assert acted.op_occ_id is not None
    decisions = faults.follow(down, acted.op_occ_id)
    assert [d.outcome for d in decisions] == [Outcome.HEAL_FAILED, Outcome.REPLACE_UNAVAILABLE]
    occ = client.op_occurrence(acted.op_occ_id)
    assert occ["lcmOperationType"] == "HEAL"
    assert occ["operationParams"]["additionalParamsforNs"]["locusAlert"] == "LocusTargetDown"

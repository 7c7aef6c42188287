"""NS update requests (SOL005 UpdateNsRequest) turned into new NS instance parameters."""

from __future__ import annotations

from typing import Any

import pytest

from locus_iac.descriptors import Nsd, parse_descriptor
from locus_iac.errors import ValidationError
from locus_iac.lcm.requests import InstantiateNsRequest
from locus_iac.lcm.update import UpdateNsRequest, updated_params, vnf_instances

NSD = """
nsd:
  nsd:
    - id: two_df
      name: two_df
      version: "1.0"
      vnfd-id: [edge_knf, cloud_vnf]
      virtual-link-desc:
        - id: mgmt
          mgmt-network: true
      df:
        - id: small
          vnf-profile:
            - id: edge
              vnfd-id: edge_knf
              min-number-of-instances: 1
              max-number-of-instances: 3
          ns-instantiation-level:
            - id: one
              vnf-to-level-mapping:
                - vnf-profile-id: edge
                  number-of-instances: 1
            - id: two
              vnf-to-level-mapping:
                - vnf-profile-id: edge
                  number-of-instances: 2
          default-instantiation-level: one
        - id: big
          vnf-profile:
            - id: edge
              vnfd-id: edge_knf
              min-number-of-instances: 0
            - id: core
              vnfd-id: cloud_vnf
              flavour-id: default
"""

SITES = ("local", "edge2", "core")


@pytest.fixture(scope="module")
def nsd() -> Nsd:
    model = parse_descriptor(NSD).model
    assert isinstance(model, Nsd)
    return model


def _update(
    nsd: Nsd, body: dict[str, Any], current: InstantiateNsRequest | None = None
) -> InstantiateNsRequest:
    request = UpdateNsRequest.model_validate(body)
    return updated_params(nsd, current or InstantiateNsRequest(), request, SITES)


def _pointers(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [issue.path for issue in exc.value.issues]


def test_default_instances_follow_the_default_level(nsd: Nsd) -> None:
    assert vnf_instances(nsd, InstantiateNsRequest()) == {"edge": "edge"}


def test_change_of_instantiation_level_changes_the_vnf_instances(nsd: Nsd) -> None:
    body = {
        "updateType": "CHANGE_NS_DF",
        "changeNsFlavourData": {"newNsFlavourId": "small", "instantiationLevelId": "two"},
    }
    after = _update(nsd, body)
    assert after.ns_flavour_id == "small"
    assert after.ns_instantiation_level_id == "two"
    assert vnf_instances(nsd, after) == {"edge": "edge", "edge-1": "edge"}


def test_change_of_flavour_resets_added_and_removed_instances(nsd: Nsd) -> None:
    added = _update(
        nsd, {"updateType": "ADD_VNF", "instantiateVnfData": [{"vnfProfileId": "edge"}]}
    )
    body = {"updateType": "CHANGE_NS_DF", "changeNsFlavourData": {"newNsFlavourId": "big"}}
    after = _update(nsd, body, added)
    assert vnf_instances(nsd, after) == {"edge": "edge", "core": "core"}
    assert after.additional_params.vnf_counts == {}


def test_unknown_flavour_and_level_are_refused_with_pointers(nsd: Nsd) -> None:
    with pytest.raises(ValidationError) as exc:
        _update(nsd, {"updateType": "CHANGE_NS_DF", "changeNsFlavourData": {"newNsFlavourId": "x"}})
    assert _pointers(exc) == ["/changeNsFlavourData/newNsFlavourId"]
    body = {
        "updateType": "CHANGE_NS_DF",
        "changeNsFlavourData": {"newNsFlavourId": "big", "instantiationLevelId": "two"},
    }
    with pytest.raises(ValidationError) as exc:
        _update(nsd, body)
    assert _pointers(exc) == ["/changeNsFlavourData/instantiationLevelId"]


def test_add_vnf_creates_a_named_instance_on_the_site_asked_for(nsd: Nsd) -> None:
    body = {
        "updateType": "ADD_VNF",
        "instantiateVnfData": [{"vnfdId": "edge_knf", "additionalParams": {"site": "edge2"}}],
    }
    after = _update(nsd, body)
    assert vnf_instances(nsd, after) == {"edge": "edge", "edge-1": "edge"}
    assert after.additional_params.vnf_sites == {"edge-1": "edge2"}
    assert after.additional_params.vnf_counts == {"edge": 2}


def test_add_vnf_is_refused_beyond_the_profile_maximum(nsd: Nsd) -> None:
    body = {
        "updateType": "INSTANTIATE_VNF",
        "instantiateVnfData": [{"vnfProfileId": "edge"}, {"vnfProfileId": "edge"}],
    }
    current = _update(nsd, {**body, "instantiateVnfData": [{"vnfProfileId": "edge"}]})
    with pytest.raises(ValidationError) as exc:
        _update(nsd, body, current)
    assert _pointers(exc) == ["/instantiateVnfData/1"]
    assert exc.value.issues[0].code == "at-max"


def test_add_vnf_checks_profile_vnfd_flavour_level_and_site(nsd: Nsd) -> None:
    with pytest.raises(ValidationError) as exc:
        _update(nsd, {"updateType": "ADD_VNF", "instantiateVnfData": [{"vnfProfileId": "nope"}]})
    assert _pointers(exc) == ["/instantiateVnfData/0/vnfProfileId"]
    with pytest.raises(ValidationError) as exc:
        _update(nsd, {"updateType": "ADD_VNF", "instantiateVnfData": [{"vnfdId": "cloud_vnf"}]})
    assert _pointers(exc) == ["/instantiateVnfData/0/vnfProfileId"]  # not in flavour "small"
    entry = {
        "vnfProfileId": "edge",
        "vnfdId": "edge_knf",
        "vnfInstantiationLevelId": "huge",
        "additionalParams": {"site": "mars"},
    }
    with pytest.raises(ValidationError) as exc:
        _update(nsd, {"updateType": "ADD_VNF", "instantiateVnfData": [entry]})
    assert _pointers(exc) == [
        "/instantiateVnfData/0/vnfInstantiationLevelId",
        "/instantiateVnfData/0/additionalParams/site",
    ]


def test_remove_vnf_takes_the_instance_out_and_keeps_the_others(nsd: Nsd) -> None:
    two = _update(nsd, {"updateType": "ADD_VNF", "instantiateVnfData": [{"vnfProfileId": "edge"}]})
    after = _update(nsd, {"updateType": "REMOVE_VNF", "removeVnfInstanceId": ["edge"]}, two)
    assert vnf_instances(nsd, after) == {"edge-1": "edge"}
    again = _update(
        nsd, {"updateType": "ADD_VNF", "instantiateVnfData": [{"vnfProfileId": "edge"}]}, after
    )
    assert vnf_instances(nsd, again) == {"edge-1": "edge", "edge-2": "edge"}


def test_remove_vnf_refuses_unknown_ids_and_going_below_the_minimum(nsd: Nsd) -> None:
    with pytest.raises(ValidationError) as exc:
        _update(nsd, {"updateType": "REMOVE_VNF", "removeVnfInstanceId": ["edge-7"]})
    assert _pointers(exc) == ["/removeVnfInstanceId/0"]
    assert exc.value.issues[0].code == "unknown-vnf-instance"
    with pytest.raises(ValidationError) as exc:
        _update(nsd, {"updateType": "REMOVE_VNF", "removeVnfInstanceId": ["edge"]})
    assert exc.value.issues[0].code == "below-min"


@pytest.mark.parametrize("kind", ["MOVE_VNF", "CHANGE_VNF_DF", "ADD_SAP", "OPERATE_VNF"])
def test_other_update_types_are_refused_at_update_type(nsd: Nsd, kind: str) -> None:
    with pytest.raises(ValidationError) as exc:
        _update(nsd, {"updateType": kind})
    assert _pointers(exc) == ["/updateType"]
    assert kind in exc.value.issues[0].message


def test_data_of_another_type_and_missing_data_are_refused(nsd: Nsd) -> None:
    body = {
        "updateType": "REMOVE_VNF",
        "removeVnfInstanceId": ["edge"],
        "changeNsFlavourData": {"newNsFlavourId": "big"},
    }
    with pytest.raises(ValidationError) as exc:
        _update(nsd, body)
    assert _pointers(exc) == ["/changeNsFlavourData"]
    with pytest.raises(ValidationError) as exc:
        _update(nsd, {"updateType": "CHANGE_NS_DF"})
    assert _pointers(exc) == ["/changeNsFlavourData"]
    with pytest.raises(ValidationError) as exc:
        _update(nsd, {"updateType": "ADD_VNF", "addVnfIstance": [{"vnfInstanceId": "x"}]})
    assert _pointers(exc) == ["/addVnfIstance"]


def test_operation_params_use_sol005_names(nsd: Nsd) -> None:
    body = {"updateType": "REMOVE_VNF", "removeVnfInstanceId": ["edge"]}
    assert UpdateNsRequest.model_validate(body).params() == body

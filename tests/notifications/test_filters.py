"""Subscription filters of SOL005: which notifications pass."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError as PydanticValidationError

from locus_iac.notifications.filters import LccnFilter, NsdmFilter, PkgmFilter, matches

OP = {
    "notificationType": "NsLcmOperationOccurrenceNotification",
    "operation": "SCALE",
    "operationState": "COMPLETED",
}
CREATED = {"notificationType": "NsIdentifierCreationNotification"}
NS = {"nsInstanceId": "ns-1", "nsInstanceName": "edge", "nsdId": "edge_ns", "vnfdIds": ["edge_knf"]}


@pytest.mark.parametrize(
    ("flt", "body", "expected"),
    [
        ({}, OP, True),
        ({"notificationTypes": ["NsIdentifierCreationNotification"]}, OP, False),
        ({"notificationTypes": ["NsIdentifierCreationNotification"]}, CREATED, True),
        ({"operationTypes": ["SCALE", "HEAL"]}, OP, True),
        ({"operationTypes": ["INSTANTIATE"]}, OP, False),
        ({"operationStates": ["FAILED_TEMP"]}, OP, False),
        # operationTypes/States only concern op occurrence notifications
        ({"operationTypes": ["INSTANTIATE"]}, CREATED, True),
        ({"nsInstanceSubscriptionFilter": {"nsdIds": ["edge_ns"]}}, OP, True),
        ({"nsInstanceSubscriptionFilter": {"nsdIds": ["cloud_ns"]}}, OP, False),
        ({"nsInstanceSubscriptionFilter": {"nsInstanceNames": ["edge"]}}, OP, True),
        ({"nsInstanceSubscriptionFilter": {"nsInstanceIds": ["ns-2"]}}, OP, False),
        ({"nsInstanceSubscriptionFilter": {"vnfdIds": ["x", "edge_knf"]}}, OP, True),
        ({"nsInstanceSubscriptionFilter": {"vnfdIds": ["cloud_vnf"]}}, OP, False),
    ],
)
def test_lifecycle_filter(flt: dict[str, Any], body: dict[str, Any], expected: bool) -> None:
    assert matches(LccnFilter.model_validate(flt), body, NS) is expected


NSD = {"nsdInfoId": "i-1", "nsdId": "edge_ns", "nsdName": "Edge", "nsdOperationalState": "ENABLED"}


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({}, True),
        ({"nsdId": ["edge_ns", "cloud_ns"]}, True),
        ({"nsdId": ["cloud_ns"]}, False),
        ({"nsdId": ["edge_ns"], "nsdName": ["Other"]}, False),
        ({"nsdOperationalState": ["DISABLED"]}, False),
        ({"notificationTypes": ["NsdDeletionNotification"]}, False),
    ],
)
def test_nsd_filter(flt: dict[str, Any], expected: bool) -> None:
    body = {"notificationType": "NsdOnBoardingNotification"}
    assert matches(NsdmFilter.model_validate(flt), body, NSD) is expected


PNFD = {"pnfdInfoId": "i-2", "pnfdId": "dpi", "pnfdName": "DPI", "pnfdProvider": "locus"}


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({}, True),
        ({"pnfdId": ["dpi"], "pnfdProvider": ["locus"]}, True),
        ({"pnfdInfoIds": ["i-3"]}, False),
        ({"nsdId": ["dpi"]}, False),  # an NSD attribute never matches a PNFD
        ({"notificationTypes": ["PnfdDeletionNotification"]}, False),
    ],
)
def test_pnfd_part_of_the_nsd_filter(flt: dict[str, Any], expected: bool) -> None:
    body = {"notificationType": "PnfdOnBoardingNotification"}
    assert matches(NsdmFilter.model_validate(flt), body, PNFD) is expected


PKG = {
    "vnfPkgId": "p-1",
    "vnfdId": "edge_knf",
    "vnfProvider": "locus",
    "vnfProductName": "edge",
    "vnfSoftwareVersion": "1.0",
    "vnfdVersion": "2.0",
    "operationalState": "ENABLED",
}


@pytest.mark.parametrize(
    ("products", "expected"),
    [
        ([{"vnfProvider": "locus"}], True),
        ([{"vnfProvider": "other"}], False),
        ([{"vnfProvider": "locus", "vnfProducts": [{"vnfProductName": "edge"}]}], True),
        ([{"vnfProvider": "locus", "vnfProducts": [{"vnfProductName": "cloud"}]}], False),
        (
            [
                {
                    "vnfProvider": "locus",
                    "vnfProducts": [
                        {
                            "vnfProductName": "edge",
                            "versions": [{"vnfSoftwareVersion": "1.0", "vnfdVersions": ["2.0"]}],
                        }
                    ],
                }
            ],
            True,
        ),
        (
            [
                {
                    "vnfProvider": "locus",
                    "vnfProducts": [
                        {"vnfProductName": "edge", "versions": [{"vnfSoftwareVersion": "9"}]}
                    ],
                }
            ],
            False,
        ),
    ],
)
def test_package_filter_by_products(products: list[dict[str, Any]], expected: bool) -> None:
    flt = PkgmFilter.model_validate({"vnfProductsFromProviders": products})
    body = {"notificationType": "VnfPackageOnboardingNotification"}
    assert matches(flt, body, PKG) is expected


def test_package_filter_by_ids_and_state() -> None:
    body = {"notificationType": "VnfPackageChangeNotification"}
    assert matches(PkgmFilter.model_validate({"vnfdId": ["edge_knf"]}), body, PKG)
    assert not matches(PkgmFilter.model_validate({"vnfPkgId": ["p-2"]}), body, PKG)
    assert not matches(PkgmFilter.model_validate({"operationalState": ["DISABLED"]}), body, PKG)


@pytest.mark.parametrize(
    ("model", "flt"),
    [
        (LccnFilter, {"notificationTypes": ["NsdOnBoardingNotification"]}),
        (LccnFilter, {"nsInstanceSubscriptionFilter": {"pnfdIds": ["p"]}}),
        (NsdmFilter, {"nsdUsageState": ["IN_USE"]}),
        (NsdmFilter, {"pnfdOnboardingState": ["ENABLED"]}),
        (PkgmFilter, {"operationalState": ["BROKEN"]}),
    ],
)
def test_unknown_or_unsupported_attributes_are_refused(
    model: type[LccnFilter | NsdmFilter | PkgmFilter], flt: dict[str, Any]
) -> None:
    with pytest.raises(PydanticValidationError):
        model.model_validate(flt)

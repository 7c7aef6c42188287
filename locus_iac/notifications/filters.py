"""Subscription filters of SOL005 v3.7.1 and how a notification is matched against them.

* ``NsdmNotificationsFilter`` (clause 5.5.3.2): ``notificationTypes``, NSD part ``nsdInfoId``,
  ``nsdId``, ``nsdName``, ``nsdVersion``, ``nsdDesigner``, ``nsdInvariantId``,
  ``nsdOnboardingState``, ``nsdOperationalState``; PNFD part ``pnfdInfoIds``, ``pnfdId``,
  ``pnfdName``, ``pnfdVersion``, ``pnfdProvider``, ``pnfdInvariantId``,
  ``pnfdOnboardingState`` (an NSD attribute never matches a PNFD notification, nor the
  reverse: the attributes are ANDed);
* ``PkgmNotificationsFilter`` (clause 9.5.3.2): ``notificationTypes``,
  ``vnfProductsFromProviders``, ``vnfdId``, ``vnfPkgId``, ``operationalState``;
* ``LifecycleChangeNotificationsFilter`` (clause 6.5.3.8): ``nsInstanceSubscriptionFilter``
  (``nsdIds``, ``vnfdIds``, ``nsInstanceIds``, ``nsInstanceNames``; clause 4.4.1.5),
  ``notificationTypes``, ``operationTypes``, ``operationStates``.

An attribute that is absent or empty matches everything; the attributes of a filter are
ANDed, the values of one attribute ORed (SOL013 clause 5.5.3.2). ``operationTypes`` and
``operationStates`` only concern ``NsLcmOperationOccurrenceNotification``. Attributes of
SOL005 this server has nothing to match with (usage state, NS components, VNFM info)
are refused with 422 rather than silently ignored (``extra="forbid"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

NsdmType = Literal[
    "NsdOnBoardingNotification",
    "NsdOnboardingFailureNotification",
    "NsdChangeNotification",
    "NsdDeletionNotification",
    "PnfdOnBoardingNotification",
    "PnfdOnBoardingFailureNotification",
    "PnfdDeletionNotification",
]
PkgmType = Literal["VnfPackageOnboardingNotification", "VnfPackageChangeNotification"]
LccnType = Literal[
    "NsLcmOperationOccurrenceNotification",
    "NsIdentifierCreationNotification",
    "NsIdentifierDeletionNotification",
    "NsChangeNotification",
    "NsLcmCapacityShortageNotification",
]
OperationType = Literal[
    "INSTANTIATE", "SCALE", "UPDATE", "TERMINATE", "HEAL", "ACTION", "CREATE_SNAPSHOT",
    "REVERT_TO_SNAPSHOT", "DELETE_SNAPSHOT_INFO",
]  # fmt: skip
OperationState = Literal[
    "PROCESSING", "COMPLETED", "PARTIALLY_COMPLETED", "FAILED_TEMP", "FAILED",
    "ROLLING_BACK", "ROLLED_BACK",
]  # fmt: skip

OnboardingState = Literal["CREATED", "UPLOADING", "PROCESSING", "ONBOARDED", "ERROR"]

_OP_NOTIFICATION = "NsLcmOperationOccurrenceNotification"


class _Filter(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class NsdmFilter(_Filter):
    """``NsdmNotificationsFilter`` (SOL005 v3.7.1 clause 5.5.3.2), NSD attributes."""

    notification_types: list[NsdmType] | None = None
    nsd_info_id: list[str] | None = None
    nsd_id: list[str] | None = None
    nsd_name: list[str] | None = None
    nsd_version: list[str] | None = None
    nsd_designer: list[str] | None = None
    nsd_invariant_id: list[str] | None = None
    nsd_onboarding_state: list[OnboardingState] | None = None
    nsd_operational_state: list[Literal["ENABLED", "DISABLED"]] | None = None
    pnfd_info_ids: list[str] | None = None
    pnfd_id: list[str] | None = None
    pnfd_name: list[str] | None = None
    pnfd_version: list[str] | None = None
    pnfd_provider: list[str] | None = None
    pnfd_invariant_id: list[str] | None = None
    pnfd_onboarding_state: list[OnboardingState] | None = None


class VnfProductVersion(_Filter):
    vnf_software_version: str
    vnfd_versions: list[str] | None = None


class VnfProduct(_Filter):
    vnf_product_name: str
    versions: list[VnfProductVersion] | None = None


class VnfProductsFromProvider(_Filter):
    vnf_provider: str
    vnf_products: list[VnfProduct] | None = None


class PkgmFilter(_Filter):
    """``PkgmNotificationsFilter`` (SOL005 v3.7.1 clause 9.5.3.2)."""

    notification_types: list[PkgmType] | None = None
    vnf_products_from_providers: list[VnfProductsFromProvider] | None = None
    vnfd_id: list[str] | None = None
    vnf_pkg_id: list[str] | None = None
    operational_state: list[Literal["ENABLED", "DISABLED"]] | None = None


class NsInstanceSubscriptionFilter(_Filter):
    """``NsInstanceSubscriptionFilter`` (SOL005 v3.7.1 clause 4.4.1.5)."""

    nsd_ids: list[str] | None = None
    vnfd_ids: list[str] | None = None
    ns_instance_ids: list[str] | None = None
    ns_instance_names: list[str] | None = None


class LccnFilter(_Filter):
    """``LifecycleChangeNotificationsFilter`` (SOL005 v3.7.1 clause 6.5.3.8)."""

    ns_instance_subscription_filter: NsInstanceSubscriptionFilter | None = None
    notification_types: list[LccnType] | None = None
    operation_types: list[OperationType] | None = None
    operation_states: list[OperationState] | None = None


AnyFilter = NsdmFilter | PkgmFilter | LccnFilter

#: filter attribute -> the key of the notification's match values it is compared with
_NSDM_KEYS = {
    "nsd_info_id": "nsdInfoId",
    "nsd_id": "nsdId",
    "nsd_name": "nsdName",
    "nsd_version": "nsdVersion",
    "nsd_designer": "nsdDesigner",
    "nsd_invariant_id": "nsdInvariantId",
    "nsd_onboarding_state": "nsdOnboardingState",
    "nsd_operational_state": "nsdOperationalState",
    "pnfd_info_ids": "pnfdInfoId",
    "pnfd_id": "pnfdId",
    "pnfd_name": "pnfdName",
    "pnfd_version": "pnfdVersion",
    "pnfd_provider": "pnfdProvider",
    "pnfd_invariant_id": "pnfdInvariantId",
    "pnfd_onboarding_state": "pnfdOnboardingState",
}
_PKGM_KEYS = {
    "vnfd_id": "vnfdId",
    "vnf_pkg_id": "vnfPkgId",
    "operational_state": "operationalState",
}
_NS_KEYS = {
    "nsd_ids": "nsdId",
    "ns_instance_ids": "nsInstanceId",
    "ns_instance_names": "nsInstanceName",
}


def _one_of(wanted: Sequence[str] | None, value: Any) -> bool:
    return not wanted or value in wanted


def _attributes(model: BaseModel, keys: Mapping[str, str], match: Mapping[str, Any]) -> bool:
    return all(_one_of(getattr(model, name), match.get(key)) for name, key in keys.items())


def _products(wanted: list[VnfProductsFromProvider] | None, match: Mapping[str, Any]) -> bool:
    def version_fits(v: VnfProductVersion) -> bool:
        return v.vnf_software_version == match.get("vnfSoftwareVersion") and _one_of(
            v.vnfd_versions, match.get("vnfdVersion")
        )

    def product_fits(p: VnfProduct) -> bool:
        return p.vnf_product_name == match.get("vnfProductName") and (
            not p.versions or any(version_fits(v) for v in p.versions)
        )

    return not wanted or any(
        w.vnf_provider == match.get("vnfProvider")
        and (not w.vnf_products or any(product_fits(p) for p in w.vnf_products))
        for w in wanted
    )


def matches(flt: AnyFilter, body: Mapping[str, Any], match: Mapping[str, Any]) -> bool:
    """Whether the notification ``body`` (with the subject's ``match`` values) passes."""
    if not _one_of(flt.notification_types, body.get("notificationType")):
        return False
    if isinstance(flt, NsdmFilter):
        return _attributes(flt, _NSDM_KEYS, match)
    if isinstance(flt, PkgmFilter):
        return _attributes(flt, _PKGM_KEYS, match) and _products(
            flt.vnf_products_from_providers, match
        )
    if body.get("notificationType") == _OP_NOTIFICATION and not (
        _one_of(flt.operation_types, body.get("operation"))
        and _one_of(flt.operation_states, body.get("operationState"))
    ):
        return False
    ns = flt.ns_instance_subscription_filter
    if ns is None:
        return True
    vnfds = set(match.get("vnfdIds") or ())
    return _attributes(ns, _NS_KEYS, match) and (not ns.vnfd_ids or bool(vnfds & set(ns.vnfd_ids)))


FILTERS: dict[str, type[AnyFilter]] = {
    "nsd": NsdmFilter,
    "vnfpkgm": PkgmFilter,
    "nslcm": LccnFilter,
}


def load_filter(api: str, stored: Mapping[str, Any]) -> AnyFilter:
    """The filter of a stored subscription (validated when it was created)."""
    return FILTERS[api].model_validate(stored)

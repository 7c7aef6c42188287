"""SOL005 notifications of the NSD and VNF package management interfaces, queued in the
transaction of the catalogue change that causes them (:func:`~locus_iac.catalogue.outbox.
record_notification`).

* NSD management (SOL005 v3.7.1 clause 5.5.2.9-5.5.2.15): ``NsdOnBoardingNotification``,
  ``NsdChangeNotification`` (operational state), ``NsdDeletionNotification``,
  ``PnfdOnBoardingNotification``, ``PnfdDeletionNotification``;
* VNF package management (SOL005 v3.7.1 clause 9.5.2.5-9.5.2.6):
  ``VnfPackageOnboardingNotification``, ``VnfPackageChangeNotification`` (``OP_STATE_CHANGE``,
  ``PKG_DELETE``).

Netslice templates have no SOL005 notifications; a PNFD has no operational state to change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from locus_iac.catalogue.models import PackageRow
from locus_iac.catalogue.outbox import record_notification
from locus_iac.catalogue.states import PackageKind

NSD_API = "nsd"
VNF_API = "vnfpkgm"


def _match(row: PackageRow) -> dict[str, Any]:
    """What NsdmNotificationsFilter / PkgmNotificationsFilter compare (clauses 5.5.3.2,
    9.5.3.2), as the package is now."""
    if row.kind == PackageKind.PNFD:
        return {
            "pnfdInfoId": row.id,
            "pnfdId": row.descriptor_id,
            "pnfdName": row.descriptor_name,
            "pnfdVersion": row.descriptor_version,
            "pnfdProvider": row.provider,
            "pnfdInvariantId": row.descriptor_id,
            "pnfdOnboardingState": row.onboarding_state,
        }
    if row.kind == PackageKind.NSD:
        return {
            "nsdInfoId": row.id,
            "nsdId": row.descriptor_id,
            "nsdName": row.descriptor_name,
            "nsdVersion": row.descriptor_version,
            "nsdDesigner": row.provider,
            "nsdInvariantId": row.descriptor_id,
            "nsdOnboardingState": row.onboarding_state,
            "nsdOperationalState": row.operational_state,
        }
    return {
        "vnfPkgId": row.id,
        "vnfdId": row.descriptor_id,
        "vnfProvider": row.provider,
        "vnfProductName": row.descriptor_name,
        "vnfSoftwareVersion": row.software_version,
        "vnfdVersion": row.descriptor_version,
        "operationalState": row.operational_state,
    }


def _queue(session: Session, row: PackageRow, body: dict[str, Any]) -> None:
    api = VNF_API if row.kind == PackageKind.VNFD else NSD_API
    record_notification(session, api=api, project_id=row.project_id, body=body, match=_match(row))


def _ids(row: PackageRow) -> dict[str, Any]:
    if row.kind == PackageKind.NSD:
        return {"nsdInfoId": row.id, "nsdId": row.descriptor_id}
    if row.kind == PackageKind.PNFD:
        return {"pnfdInfoId": row.id, "pnfdId": row.descriptor_id}
    return {"vnfPkgId": row.id, "vnfdId": row.descriptor_id}


_ONBOARDED: dict[str, str] = {  # PackageKind is a str enum: row.kind looks it up
    PackageKind.NSD: "NsdOnBoardingNotification",
    PackageKind.PNFD: "PnfdOnBoardingNotification",
    PackageKind.VNFD: "VnfPackageOnboardingNotification",
}


def onboarded(session: Session, row: PackageRow) -> None:
    """The content of an NSD, PNFD or VNF package was onboarded."""
    kind = _ONBOARDED.get(row.kind)
    if kind is not None:
        _queue(session, row, {"notificationType": kind, **_ids(row)})


def state_changed(session: Session, row: PackageRow) -> None:
    """The operational state of an onboarded NSD or VNF package changed."""
    if row.kind == PackageKind.NSD:
        body = {
            "notificationType": "NsdChangeNotification",
            **_ids(row),
            "nsdOperationalState": row.operational_state,
        }
    elif row.kind == PackageKind.VNFD:
        body = {
            "notificationType": "VnfPackageChangeNotification",
            **_ids(row),
            "changeType": "OP_STATE_CHANGE",
            "operationalState": row.operational_state,
        }
    else:
        return
    _queue(session, row, body)


def deleted(session: Session, row: PackageRow) -> None:
    """An onboarded NSD, PNFD or VNF package is being deleted (called before the row goes)."""
    if row.descriptor_id is None:
        return  # never onboarded: there was nothing to be notified about
    if row.kind == PackageKind.NSD:
        body = {"notificationType": "NsdDeletionNotification", **_ids(row)}
    elif row.kind == PackageKind.PNFD:
        body = {"notificationType": "PnfdDeletionNotification", **_ids(row)}
    elif row.kind == PackageKind.VNFD:
        body = {
            "notificationType": "VnfPackageChangeNotification",
            **_ids(row),
            "changeType": "PKG_DELETE",
            "operationalState": row.operational_state,
        }
    else:
        return
    _queue(session, row, body)

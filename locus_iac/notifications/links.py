"""The ``_links`` of each notification (SOL005 v3.7.1: ``NsdmLinks`` 5.5.3.4, ``PnfdmLinks``
5.5.3.5, ``PkgmLinks`` 9.5.3.5, ``LccnLinks`` 6.5.3.45) and of a subscription."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BASES = {"nsd": "/nsd/v1", "vnfpkgm": "/vnfpkgm/v1", "nslcm": "/nslcm/v1"}


def _href(base_url: str, path: str) -> dict[str, str]:
    return {"href": f"{base_url.rstrip('/')}{path}"}


def subscription_path(api: str, subscription_id: str) -> str:
    return f"{BASES[api]}/subscriptions/{subscription_id}"


def notification_links(
    base_url: str, api: str, subscription_id: str, body: Mapping[str, Any]
) -> dict[str, dict[str, str]]:
    links = {"subscription": _href(base_url, subscription_path(api, subscription_id))}
    if api == "nsd" and "pnfdInfoId" in body:  # PnfdmLinks (SOL005 v3.7.1 5.5.3.5)
        links["pnfdInfo"] = _href(base_url, f"/nsd/v1/pnf_descriptors/{body['pnfdInfoId']}")
    elif api == "nsd":
        links["nsdInfo"] = _href(base_url, f"/nsd/v1/ns_descriptors/{body['nsdInfoId']}")
    elif api == "vnfpkgm":
        links["vnfPackage"] = _href(base_url, f"/vnfpkgm/v1/vnf_packages/{body['vnfPkgId']}")
    else:
        links["nsInstance"] = _href(base_url, f"/nslcm/v1/ns_instances/{body['nsInstanceId']}")
        if "nsLcmOpOccId" in body:
            links["nslcmOpOcc"] = _href(
                base_url, f"/nslcm/v1/ns_lcm_op_occs/{body['nsLcmOpOccId']}"
            )
    return links

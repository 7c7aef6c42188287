"""``/{nsd,vnfpkgm,nslcm}/v1/subscriptions`` and the notifications of package management and
of a whole NS lifecycle, against a real subscriber on 127.0.0.1 (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.subscriber import Subscriber, running_subscriber

from locus_iac.catalogue.subscriptions import SubscriptionRow

from .harness import GZ, Api
from .test_nslcm import create, start, wait_until
from .test_nslcm import nsd as nsd  # the fixture

BASIC = {"authType": ["BASIC"], "paramsBasic": {"userName": "oss", "password": "pw-9f3k"}}


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    with running_subscriber() as sub:
        yield sub


def subscribe(api: Api, base: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(f"{base}/subscriptions", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert response.headers["Location"].endswith(f"{base}/subscriptions/{created['id']}")
    return created


@pytest.mark.parametrize("base", ["/nsd/v1", "/vnfpkgm/v1", "/nslcm/v1"])
def test_create_list_get_delete(api: Api, base: str, subscriber: Subscriber) -> None:
    body = {"callbackUri": subscriber.callback, "authentication": BASIC}
    created = subscribe(api, base, body)
    assert "authentication" not in created
    assert created["callbackUri"] == subscriber.callback
    assert created["_links"]["self"]["href"].endswith(f"{base}/subscriptions/{created['id']}")
    assert subscriber.authorizations[0].startswith("Basic ")  # the callback test
    again = api.post(f"{base}/subscriptions", json=body, follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["Location"].endswith(f"{base}/subscriptions/{created['id']}")
    assert [s["id"] for s in api.get(f"{base}/subscriptions").json()] == [created["id"]]
    one = api.get(f"{base}/subscriptions/{created['id']}")
    assert one.status_code == 200 and "authentication" not in one.json()
    assert "pw-9f3k" not in one.text
    assert api.delete(f"{base}/subscriptions/{created['id']}").status_code == 204
    assert api.get(f"{base}/subscriptions/{created['id']}").status_code == 404


def test_subscriptions_of_one_api_are_not_seen_by_another(api: Api, subscriber: Subscriber) -> None:
    created = subscribe(api, "/nsd/v1", {"callbackUri": subscriber.callback})
    assert api.get("/nslcm/v1/subscriptions").json() == []
    assert api.get(f"/nslcm/v1/subscriptions/{created['id']}").status_code == 404


def test_the_list_pages(api: Api, subscriber: Subscriber, app: Any) -> None:
    for n in range(3):
        subscribe(api, "/nslcm/v1", {"callbackUri": f"{subscriber.callback}?n={n}"})
    svc = app.state.services
    app.state.services = replace(svc, settings=svc.settings.model_copy(update={"page_size": 2}))
    first = api.get("/nslcm/v1/subscriptions")
    assert len(first.json()) == 2 and 'rel="next"' in first.headers["Link"]
    url = first.headers["Link"].split(">")[0].lstrip("<")
    assert len(api.get(url).json()) == 1


def test_the_list_filters_and_refuses_unknown_attributes(api: Api, subscriber: Subscriber) -> None:
    """SOL013 clause 5.2 on the subscription list, as on the other lists: a filter keeps the
    matches, a filter on an attribute a Subscription does not have is 400 with a pointer."""
    first = subscribe(api, "/vnfpkgm/v1", {"callbackUri": f"{subscriber.callback}?n=1"})
    subscribe(api, "/vnfpkgm/v1", {"callbackUri": f"{subscriber.callback}?n=2"})
    kept = api.get("/vnfpkgm/v1/subscriptions", params={"callbackUri": first["callbackUri"]})
    assert [s["id"] for s in kept.json()] == [first["id"]]
    unknown = api.get("/vnfpkgm/v1/subscriptions", params={"nfvId": "x"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["code"] == "unknown-attribute"


def test_credentials_are_stored_encrypted(api: Api, app: Any, subscriber: Subscriber) -> None:
    subscribe(api, "/nslcm/v1", {"callbackUri": subscriber.callback, "authentication": BASIC})
    with app.state.services.db.session(readonly=True) as session:
        (row,) = session.scalars(select(SubscriptionRow)).all()
        assert row.auth is not None and b"pw-9f3k" not in row.auth
        assert "pw-9f3k" not in str(row.filter)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/body/callbackUri"),
        ({"callbackUri": "ftp://127.0.0.1/x"}, "/body/callbackUri"),
        ({"callbackUri": "http://u:p@127.0.0.1/x"}, "/body/callbackUri"),
        ({"callbackUri": "http://127.0.0.1/x", "filter": {"nope": 1}}, "/body/filter/nope"),
        (
            {"callbackUri": "http://127.0.0.1/x", "filter": {"operationStates": ["DONE"]}},
            "/body/filter/operationStates/0",
        ),
        (
            {"callbackUri": "http://127.0.0.1/x", "authentication": {"authType": ["BASIC"]}},
            "/body/authentication",
        ),
        (
            {"callbackUri": "http://127.0.0.1/x", "authentication": {"authType": ["TLS_CERT"]}},
            "/body/authentication/authType/0",
        ),
    ],
)
def test_bad_requests_are_422_with_a_pointer(api: Api, body: dict[str, Any], pointer: str) -> None:
    response = api.post("/nslcm/v1/subscriptions", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert pointer in [e["path"] for e in response.json()["errors"]]


def test_a_failing_callback_test_is_422(api: Api, subscriber: Subscriber) -> None:
    subscriber.test_status = 404
    response = api.post("/nsd/v1/subscriptions", json={"callbackUri": subscriber.callback})
    assert response.status_code == 422
    assert "answered 404" in response.json()["detail"]
    assert response.json()["errors"][0]["path"] == "/body/callbackUri"
    assert api.get("/nsd/v1/subscriptions").json() == []


def test_a_callback_the_operator_does_not_allow_is_422(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = api.post("/nsd/v1/subscriptions", json={"callbackUri": "http://192.0.2.1:80/cb"})
    assert response.status_code == 422
    assert "LOCUS_NOTIFY_ALLOW" in response.json()["detail"]


VNF, NSD = "/vnfpkgm/v1", "/nsd/v1"


def onboard(api: Api, base: str, coll: str, content: str, data: bytes) -> str:
    created = api.post(f"{base}/{coll}", json={})
    assert created.status_code == 201, created.text
    pid = str(created.json()["id"])
    uploaded = api.put(f"{base}/{coll}/{pid}/{content}", content=data, headers=GZ)
    assert uploaded.status_code == 201, uploaded.text
    return pid


def test_package_notifications(
    api: Api, subscriber: Subscriber, example_packages: dict[str, bytes]
) -> None:
    with running_subscriber() as nsd_sub:
        subscribe(api, "/vnfpkgm/v1", {"callbackUri": subscriber.callback})
        types = ["NsdOnBoardingNotification", "NsdChangeNotification", "NsdDeletionNotification"]
        filtered = {"nsdId": ["cloud_ns"], "notificationTypes": types}
        subscribe(api, "/nsd/v1", {"callbackUri": nsd_sub.callback, "filter": filtered})
        vnf = onboard(api, VNF, "vnf_packages", "package_content", example_packages["cloud_vnf"])
        nsd_id = onboard(api, NSD, "ns_descriptors", "nsd_content", example_packages["cloud_ns"])
        disable = {"nsdOperationalState": "DISABLED"}
        changed = api.patch(f"/nsd/v1/ns_descriptors/{nsd_id}", json=disable)
        assert changed.status_code == 200, changed.text
        assert api.delete(f"/nsd/v1/ns_descriptors/{nsd_id}").status_code == 204
        got = nsd_sub.wait_for(3)
        assert [n["notificationType"] for n in got] == [
            "NsdOnBoardingNotification",
            "NsdChangeNotification",
            "NsdDeletionNotification",
        ]
        assert {n["nsdInfoId"] for n in got} == {nsd_id} and {n["nsdId"] for n in got} == {
            "cloud_ns"
        }
        assert got[1]["nsdOperationalState"] == "DISABLED"
        assert got[0]["_links"]["nsdInfo"]["href"].endswith(f"/nsd/v1/ns_descriptors/{nsd_id}")
    changed = api.patch(f"/vnfpkgm/v1/vnf_packages/{vnf}", json={"operationalState": "DISABLED"})
    assert changed.status_code == 200, changed.text
    assert api.delete(f"/vnfpkgm/v1/vnf_packages/{vnf}").status_code == 204
    got = subscriber.wait_for(3)
    assert [(n["notificationType"], n.get("changeType")) for n in got] == [
        ("VnfPackageOnboardingNotification", None),
        ("VnfPackageChangeNotification", "OP_STATE_CHANGE"),
        ("VnfPackageChangeNotification", "PKG_DELETE"),
    ]
    assert {n["vnfPkgId"] for n in got} == {vnf}
    assert got[1]["operationalState"] == "DISABLED"
    assert got[0]["_links"]["vnfPackage"]["href"].endswith(f"/vnfpkgm/v1/vnf_packages/{vnf}")


PNFD = b"""pnfd:
  id: physical-dpi
  name: physical DPI
  provider: tests
  version: '1.0'
  ext-cpd:
    - id: outside
      layer-protocol: [ethernet]
"""


def test_pnfd_notifications(api: Api, subscriber: Subscriber) -> None:
    with running_subscriber() as nsd_only:
        pnfd_types = ["PnfdOnBoardingNotification", "PnfdDeletionNotification"]
        by_id = {"pnfdId": ["physical-dpi"], "notificationTypes": pnfd_types}
        subscribe(api, "/nsd/v1", {"callbackUri": subscriber.callback, "filter": by_id})
        other = {"nsdId": ["cloud_ns"]}  # an NSD attribute: no PNFD notification matches it
        subscribe(api, "/nsd/v1", {"callbackUri": nsd_only.callback, "filter": other})
        created = api.post("/nsd/v1/pnf_descriptors", json={})
        assert created.status_code == 201, created.text
        pnfd = str(created.json()["id"])
        content = f"/nsd/v1/pnf_descriptors/{pnfd}/pnfd_content"
        yaml = {"Content-Type": "application/yaml"}
        assert api.put(content, content=PNFD, headers=yaml).status_code == 201
        assert api.delete(f"/nsd/v1/pnf_descriptors/{pnfd}").status_code == 204
        got = subscriber.wait_for(2)
        assert [n["notificationType"] for n in got] == pnfd_types
        assert {(n["pnfdInfoId"], n["pnfdId"]) for n in got} == {(pnfd, "physical-dpi")}
        assert all("nsdInfoId" not in n for n in got)
        link = got[0]["_links"]["pnfdInfo"]["href"]
        assert link.endswith(f"/nsd/v1/pnf_descriptors/{pnfd}")
        assert nsd_only.types() == []  # fanned out with the others: nothing matched it


def test_every_notification_of_an_ns_lifecycle_in_order(
    lcm_api: Api,
    nsd: str,
    runner_dir: Path,
    subscriber: Subscriber,
) -> None:
    subscribe(lcm_api, "/nslcm/v1", {"callbackUri": subscriber.callback})
    (runner_dir / "fail").touch()
    ns = create(lcm_api, nsd)
    first = start(lcm_api, ns, "instantiate")
    wait_until(lcm_api, first, state="FAILED_TEMP")
    (runner_dir / "fail").unlink()
    assert lcm_api.post(f"/nslcm/v1/ns_lcm_op_occs/{first}/retry").status_code == 202
    wait_until(lcm_api, first, state="COMPLETED")
    wait_until(lcm_api, start(lcm_api, ns, "terminate"), state="COMPLETED")
    assert lcm_api.delete(f"/nslcm/v1/ns_instances/{ns}").status_code == 204
    got = subscriber.wait_for(8)
    seen = [
        (
            n["notificationType"].removeprefix("Ns"),
            n.get("operation"),
            n.get("notificationStatus"),
            n.get("operationState"),
        )
        for n in got
    ]
    assert seen == [
        ("IdentifierCreationNotification", None, None, None),
        ("LcmOperationOccurrenceNotification", "INSTANTIATE", "START", "PROCESSING"),
        ("LcmOperationOccurrenceNotification", "INSTANTIATE", "RESULT", "FAILED_TEMP"),
        ("LcmOperationOccurrenceNotification", "INSTANTIATE", "START", "PROCESSING"),
        ("LcmOperationOccurrenceNotification", "INSTANTIATE", "RESULT", "COMPLETED"),
        ("LcmOperationOccurrenceNotification", "TERMINATE", "START", "PROCESSING"),
        ("LcmOperationOccurrenceNotification", "TERMINATE", "RESULT", "COMPLETED"),
        ("IdentifierDeletionNotification", None, None, None),
    ]
    assert {n["nsInstanceId"] for n in got} == {ns}
    assert "failed on purpose" in got[2]["error"]["detail"]
    assert got[1]["_links"]["nslcmOpOcc"]["href"].endswith(f"/nslcm/v1/ns_lcm_op_occs/{first}")

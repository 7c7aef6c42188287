"""Test doubles of the NBI and of Prometheus for the smart functions (tests only).

:class:`FakeNbi` answers the SOL005 calls the smart functions make from in-memory state,
checks scale and heal bodies with the NBI's own request models (so a body the real NBI would
refuse fails here too) and records what was posted. :func:`prometheus_transport` answers
``/api/v1/query`` from a function of the query.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from locus_iac.lcm.requests import HealNsRequest, ScaleNsRequest
from locus_iac.lcm.update import UpdateNsRequest, check_request

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "packages"
FIXTURES = ROOT / "tests" / "fixtures" / "packages"


def occurrence(
    op_id: str, operation: str, state: str, params: dict[str, Any], when: datetime
) -> dict[str, Any]:
    """An NsLcmOpOcc as the NBI renders it (the fields the smart functions read)."""
    return {
        "id": op_id,
        "lcmOperationType": operation,
        "operationState": state,
        "startTime": when.isoformat(),
        "stateEnteredTime": when.isoformat(),
        "operationParams": params,
    }


@dataclass
class FakeNbi:
    ns_id: str
    nsd_yaml: str
    vnfds: dict[str, str]
    scale: dict[str, dict[str, int]] = field(default_factory=dict)
    ops: list[dict[str, Any]] = field(default_factory=list)
    posted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    busy: bool = False
    page_size: int = 2
    new_state: str = "PROCESSING"
    logins: int = 0
    sites: dict[str, list[str]] = field(
        default_factory=lambda: {"vim_accounts": ["core"], "k8sclusters": ["local"]}
    )
    placement: dict[str, str] = field(default_factory=dict)
    update_state: str = "COMPLETED"
    vim_account: str | None = None
    refuse_update: bool = False

    @classmethod
    def cloud(cls, ns_id: str = "ns-1") -> FakeNbi:
        return cls(
            ns_id,
            (EXAMPLES / "cloud_ns" / "cloud_nsd.yaml").read_text(),
            {"cloud_vnf": (EXAMPLES / "cloud_vnf" / "cloud_vnfd.yaml").read_text()},
        )

    @classmethod
    def knf(cls, ns_id: str = "ns-2") -> FakeNbi:
        return cls(
            ns_id,
            (FIXTURES / "autoscale_ns" / "autoscale_nsd.yaml").read_text(),
            {"autoscale_knf": (FIXTURES / "autoscale_knf" / "autoscale_knfd.yaml").read_text()},
        )

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _json(self, body: Any, status: int = 200, **headers: str) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/admin/v1/tokens":
            self.logins += 1
            return self._json({"id": "token-1"})
        if request.headers.get("authorization") != "Bearer token-1":
            return self._json({"status": 401, "detail": "no token"}, 401)
        if path == f"/nslcm/v1/ns_instances/{self.ns_id}":
            return self._json(self.instance())
        if path == "/nslcm/v1/ns_lcm_op_occs":
            return self._page(request)
        if request.method == "GET" and (
            match := re.fullmatch(r"/nslcm/v1/ns_lcm_op_occs/([^/]+)", path)
        ):
            found = [o for o in self.ops if o["id"] == match[1]]
            return self._json(found[0]) if found else self._json({"status": 404}, 404)
        if path == "/nsd/v1/ns_descriptors/nsd-pkg/nsd":
            return httpx.Response(200, text=self.nsd_yaml)
        if path == "/vnfpkgm/v1/vnf_packages":
            return self._json([{"id": f"pkg-{v}", "vnfdId": v} for v in self.vnfds])
        if match := re.fullmatch(r"/vnfpkgm/v1/vnf_packages/pkg-(.+)/vnfd", path):
            return httpx.Response(200, text=self.vnfds[match[1]])
        if match := re.fullmatch(rf"/nslcm/v1/ns_instances/{self.ns_id}/(scale|heal)", path):
            return self._operation(match[1], json.loads(request.content))
        if path == f"/nslcm/v1/ns_instances/{self.ns_id}/update":
            return self._update(json.loads(request.content))
        if match := re.fullmatch(r"/nslcm/v1/ns_lcm_op_occs/(.+)/fail", path):
            return self._fail(match[1])
        if match := re.fullmatch(r"/admin/v1/(vim_accounts|k8sclusters)", path):
            return self._json([{"name": name} for name in self.sites[match[1]]])
        return self._json({"status": 404, "detail": f"no route {path}"}, 404)

    def instance(self) -> dict[str, Any]:
        extra = {"scale": self.scale, "placement": self.placement}
        params = {
            "ns_flavour_id": None,
            "vim_account_id": self.vim_account,
            "additional_params": extra,
        }
        return {"id": self.ns_id, "nsdInfoId": "nsd-pkg", "additionalParams": params}

    def _page(self, request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("nextpage_opaque_marker", "0"))
        mine = self.ops  # one NS in this double
        page = mine[start : start + self.page_size]
        headers = {}
        if start + self.page_size < len(mine):
            following = f"/nslcm/v1/ns_lcm_op_occs?nextpage_opaque_marker={start + self.page_size}"
            headers["Link"] = f'<http://nbi{following}>; rel="next"'
        return self._json(page, **headers)

    def _operation(self, kind: str, body: dict[str, Any]) -> httpx.Response:
        if self.busy:
            return self._json({"status": 409, "detail": "another operation is open"}, 409)
        model = ScaleNsRequest if kind == "scale" else HealNsRequest
        params = model.model_validate(body).model_dump(mode="json")  # as the NBI stores it
        op_id = f"op-{len(self.ops) + 1}"
        self.posted.append((kind, body))
        now = datetime.now(UTC)
        self.ops.append(occurrence(op_id, kind.upper(), self.new_state, params, now))
        return self._json({"id": op_id, "nsInstanceId": self.ns_id, "nsLcmOpOccId": op_id}, 202)

    def _update(self, body: dict[str, Any]) -> httpx.Response:
        """NS update: the body checked with the NBI's model, an occurrence in
        ``update_state``; 422 when ``refuse_update`` (as the NBI answers a request the
        descriptor does not allow)."""
        request = UpdateNsRequest.model_validate(body)
        check_request(request)
        if self.refuse_update:
            return self._json({"status": 422, "detail": "at-max"}, 422)
        if self.busy:
            return self._json({"status": 409, "detail": "another operation is open"}, 409)
        op_id = f"op-{len(self.ops) + 1}"
        self.posted.append(("update", body))
        now = datetime.now(UTC)
        self.ops.append(occurrence(op_id, "UPDATE", self.update_state, request.params(), now))
        return self._json({"id": op_id, "nsInstanceId": self.ns_id, "nsLcmOpOccId": op_id}, 202)

    def _fail(self, op_id: str) -> httpx.Response:
        found = [o for o in self.ops if o["id"] == op_id and o["operationState"] == "FAILED_TEMP"]
        if not found:
            return self._json({"status": 409, "detail": "not FAILED_TEMP"}, 409)
        found[0]["operationState"] = "FAILED"
        self.posted.append(("fail", {"id": op_id}))
        return self._json(found[0])


def prometheus_transport(answer: Callable[[str], list[dict[str, Any]]]) -> httpx.MockTransport:
    """Prometheus' ``/api/v1/query``: ``answer(query)`` gives the vector's items."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/api/v1/query":
            return httpx.Response(404)
        result = answer(request.url.params["query"])
        body = {"status": "success", "data": {"resultType": "vector", "result": result}}
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handle)


def alert(
    name: str,
    ns_id: str,
    *,
    status: str = "firing",
    fingerprint: str = "f1",
    starts_at: str = "2026-12-06T19:00:00Z",
    **labels: str,
) -> dict[str, Any]:
    """One alert of an Alertmanager v4 webhook payload."""
    return {
        "status": status,
        "labels": {"alertname": name, "ns_id": ns_id, **labels},
        "annotations": {"value": "87.5", "cooldown_seconds": "120"},
        "startsAt": starts_at,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": fingerprint,
    }


def notification(*alerts: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "4",
        "status": "firing",
        "receiver": "locus-smart",
        "groupKey": "{}:{}",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager",
        "truncatedAlerts": 0,
        "alerts": list(alerts),
    }

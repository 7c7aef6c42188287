"""Issue 16 acceptance: a subscriber receives every notification of an NS lifecycle on the
local testbed, in order, although ``locus serve`` is killed with SIGKILL in the middle of an
operation and restarted, and although the subscriber itself is down for a while.

A real ``locus serve`` process (the product's runner: Pulumi + Ansible on the testbed's
Kubernetes) and a real subscriber on 127.0.0.1. The edge NS is created and instantiated,
scaled 1 -> 3 (the server is killed while the scale runs; after the restart the scale either
finished in its orphaned worker or was interrupted to ``FAILED_TEMP`` and is retried), then,
with the subscriber down, terminated and deleted; the subscriber comes back and gets the rest.
Notifications are at-least-once: duplicates (same ``id``) are dropped before checking.
"""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.servers import locus_serve
from support.subscriber import Subscriber, running_subscriber

from locus_iac.packages import archive_bytes, read_package
from testbed.helpers import EXAMPLES, wait_for

pytestmark = pytest.mark.testbed

PASSWORD = "tb-notify"
BASE = "/nslcm/v1"
OP = "NsLcmOperationOccurrenceNotification"


class Server:
    """``locus serve`` on one data dir, restartable."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        self.data_dir, self.env = data_dir, env
        self._stack = ExitStack()
        self.url = ""
        self.proc: Any = None
        self.auth: dict[str, str] = {}

    def start(self) -> None:
        self._stack = ExitStack()
        self.url, self.proc = self._stack.enter_context(
            locus_serve(self.data_dir, self.env, timeout=120)
        )
        token = httpx.post(
            f"{self.url}/admin/v1/tokens", json={"username": "admin", "password": PASSWORD}
        )
        assert token.status_code == 200, token.text
        self.auth = {"Authorization": f"Bearer {token.json()['id']}"}

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._stack.close()

    def stop(self) -> None:
        self._stack.close()

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=60, **kwargs)


@pytest.fixture
def server(site: dict[str, Any], pulumi_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    env = {
        **pulumi_env,
        "LOCUS_ADMIN_PASSWORD": PASSWORD,
        "LOCUS_NOTIFY_INTERVAL": "0.5",
        "LOCUS_NOTIFY_MAX_BACKOFF": "4",
    }
    env.pop("LOCUS_LCM_RUNNER", None)
    srv = Server(tmp_path / "data", env)
    srv.start()
    try:
        cluster = {
            "name": "local",
            "credentials": Path(site["kubeconfig"]).read_text(),
            "namespace": "default",
        }
        registered = srv.call("POST", "/admin/v1/k8sclusters", json=cluster)
        assert registered.status_code == 201, registered.text
        for folder, path in (
            ("edge_knf", "/vnfpkgm/v1/vnf_packages_content"),
            ("edge_ns", "/nsd/v1/ns_descriptors_content"),
        ):
            data = archive_bytes(read_package(EXAMPLES / folder))
            done = srv.call(
                "POST", path, content=data, headers={"Content-Type": "application/gzip"}
            )
            assert done.status_code == 201, done.text
        yield srv
    finally:
        srv.stop()


def occurrence(srv: Server, op: str) -> dict[str, Any]:
    answer = srv.call("GET", f"{BASE}/ns_lcm_op_occs/{op}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def settled(srv: Server, op: str, timeout: float = 900) -> dict[str, Any]:
    """The occurrence once it is out of PROCESSING/ROLLING_BACK."""
    return dict(
        wait_for(
            f"occurrence {op} to settle",
            lambda: (
                (o := occurrence(srv, op))["operationState"] not in ("PROCESSING", "ROLLING_BACK")
                and o
            ),
            timeout=timeout,
            interval=2,
        )
    )


def start(srv: Server, ns: str, op: str, body: dict[str, Any]) -> str:
    answer = srv.call("POST", f"{BASE}/ns_instances/{ns}/{op}", json=body)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["nsLcmOpOccId"])


def unique(sub: Subscriber) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    with sub.lock:
        for n in sub.notifications:
            if n["id"] not in seen:
                seen.add(n["id"])
                out.append(n)
    return out


def check_order(got: list[dict[str, Any]], ns: str, ops: list[tuple[str, str]]) -> None:
    """Creation first, deletion last; for each occurrence, in the order they ran: START
    PROCESSING, then RESULT/START pairs as the occurrence went (FAILED_TEMP, retry...), and a
    last RESULT COMPLETED."""
    assert {n["nsInstanceId"] for n in got} == {ns}
    assert got[0]["notificationType"] == "NsIdentifierCreationNotification"
    assert got[-1]["notificationType"] == "NsIdentifierDeletionNotification"
    body = got[1:-1]
    assert {n["notificationType"] for n in body} == {OP}, [n["notificationType"] for n in body]
    assert [n["nsLcmOpOccId"] for n in body] == sorted(
        (n["nsLcmOpOccId"] for n in body), key=[op for op, _ in ops].index
    )  # each occurrence's notifications together, occurrences in order
    for op, operation in ops:
        mine = [n for n in body if n["nsLcmOpOccId"] == op]
        assert {n["operation"] for n in mine} == {operation}
        states = [(n["notificationStatus"], n["operationState"]) for n in mine]
        assert states[0] == ("START", "PROCESSING") and states[-1] == ("RESULT", "COMPLETED")
        for before, after in itertools.pairwise(states):
            assert before[0] != after[0], states  # START and RESULT alternate
        assert mine[0]["_links"]["nslcmOpOcc"]["href"].endswith(f"{BASE}/ns_lcm_op_occs/{op}")


def test_every_notification_of_an_ns_lifecycle_in_order_across_kill_and_outage(
    server: Server,
) -> None:
    with running_subscriber() as sub:
        port = int(sub.url.rsplit(":", 1)[1])
        created = server.call("POST", f"{BASE}/subscriptions", json={"callbackUri": sub.callback})
        assert created.status_code == 201, created.text

        answer = server.call(
            "POST",
            f"{BASE}/ns_instances_content",
            json={"nsdId": "edge_ns", "nsName": "notified", "vimAccountId": "local"},
        )
        assert answer.status_code == 202, answer.text
        ns, instantiate = answer.json()["id"], answer.json()["nsLcmOpOccId"]
        assert settled(server, instantiate)["operationState"] == "COMPLETED"

        scale_body = {
            "scaleType": "SCALE_VNF",
            "scaleVnfData": [{"memberVnfIndex": "1", "instances": 3}],
        }
        scale = start(server, ns, "scale", scale_body)
        wait_for(
            "the scale to be running",
            lambda: occurrence(server, scale)["progress"]["currentStep"],
            timeout=120,
            interval=0.2,
        )
        server.kill()  # SIGKILL in the middle of the scale
        server.start()
        outcome = settled(server, scale)
        if outcome["operationState"] == "FAILED_TEMP":  # interrupted by the restart
            retried = server.call("POST", f"{BASE}/ns_lcm_op_occs/{scale}/retry")
            assert retried.status_code == 202, retried.text
            outcome = settled(server, scale)
        assert outcome["operationState"] == "COMPLETED", outcome
        sub.wait_for(5, timeout=120)  # creation, instantiate START/RESULT, scale START/...

    # the subscriber is down: terminate and delete go on regardless
    terminate = start(server, ns, "terminate", {})
    assert settled(server, terminate)["operationState"] == "COMPLETED"
    assert server.call("DELETE", f"{BASE}/ns_instances/{ns}").status_code == 204
    before = len(unique(sub))
    time.sleep(3)  # delivery attempts fail meanwhile (connection refused)
    assert len(unique(sub)) == before

    with running_subscriber(port, sub):  # back on the same address
        wait_for(
            "the deletion notification",
            lambda: unique(sub)[-1]["notificationType"] == "NsIdentifierDeletionNotification",
            timeout=120,
            interval=0.5,
        )
    check_order(
        unique(sub), ns, [(instantiate, "INSTANTIATE"), (scale, "SCALE"), (terminate, "TERMINATE")]
    )

"""A real Alertmanager delivers to a real ``locus smart serve`` (the NBI is a double served
on 127.0.0.1). Alerts are posted to Alertmanager's API as Prometheus posts them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest
from support.servers import LOCUS, free_port, http_server

from .doubles import FakeNbi

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
pytestmark = pytest.mark.skipif(
    ALERTMANAGER is None, reason="Alertmanager is not installed (apt: prometheus-alertmanager)"
)


def _handler(nbi: FakeNbi) -> type[BaseHTTPRequestHandler]:
    """A request handler that lets ``nbi`` answer each request."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = httpx.Request(
                self.command,
                f"http://nbi{self.path}",
                headers=dict(self.headers.items()),
                content=self.rfile.read(length) if length else b"",
            )
            response = nbi.handle(request)
            self.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in ("content-length", "transfer-encoding"):
                    self.send_header(key, value)
            self.send_header("content-length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"{url} did not answer: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)


def _start(
    args: list[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(args, stdout=sink, stderr=subprocess.STDOUT, env=env)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[tuple[FakeNbi, str, Path]]:
    """Fake NBI <- locus smart serve <- Alertmanager; yields the NBI, Alertmanager's URL and
    the decision log."""
    nbi = FakeNbi.cloud()
    stack = ExitStack()
    nbi_url = stack.enter_context(http_server(_handler(nbi)))
    hook_port, am_port = free_port(), free_port()
    decisions = tmp_path / "decisions.jsonl"
    env = {**os.environ, "LOCUS_NBI_PASSWORD": "pw"}
    smart = _start(
        [
            LOCUS,
            "smart",
            "serve",
            "--nbi-url",
            nbi_url,
            "--port",
            str(hook_port),
            "--decision-log",
            str(decisions),
        ],
        tmp_path / "smart.log",
        env,
    )
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        json.dumps(
            {
                "route": {
                    "receiver": "locus-null",
                    "routes": [
                        {
                            "matchers": ['ns_id="ns-1"'],
                            "receiver": "locus-smart",
                            "group_by": [
                                "alertname",
                                "ns_id",
                                "vnf_member_index",
                                "scaling_aspect",
                            ],
                            "group_wait": "1s",
                            "group_interval": "5s",
                            "repeat_interval": "1m",
                        }
                    ],
                },
                "receivers": [
                    {"name": "locus-null"},
                    {
                        "name": "locus-smart",
                        "webhook_configs": [
                            {"url": f"http://127.0.0.1:{hook_port}/alerts", "send_resolved": True}
                        ],
                    },
                ],
            }
        )
    )
    am = _start(
        [
            str(ALERTMANAGER),
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'am'}",
            f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",
        ],
        tmp_path / "alertmanager.log",
    )
    am_url = f"http://127.0.0.1:{am_port}"
    try:
        _wait(f"http://127.0.0.1:{hook_port}/health", smart, tmp_path / "smart.log")
        _wait(f"{am_url}/-/ready", am, tmp_path / "alertmanager.log")
        yield nbi, am_url, decisions
    finally:
        _stop(am)
        _stop(smart)
        stack.close()


def _decisions(path: Path, count: int, timeout: float = 90) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return [json.loads(line) for line in lines]
        time.sleep(0.5)
    raise AssertionError(f"fewer than {count} decisions in {timeout}s: {path}")


def test_alertmanager_delivers_a_scale_out_that_the_autoscaler_acts_on(
    loop: tuple[FakeNbi, str, Path],
) -> None:
    nbi, am_url, decisions = loop
    labels = {
        "alertname": "LocusScaleOut",
        "locus_kind": "scale",
        "ns_id": "ns-1",
        "vnf_member_index": "1",
        "scaling_aspect": "cloud_vdu_autoscale",
        "scaling_policy": "cpu_util_above_80",
        "scaling_direction": "out",
        "project": "admin",
    }
    alert = {
        "labels": labels,
        "annotations": {"threshold": "80", "cooldown_seconds": "120", "value": "93"},
        "startsAt": datetime.now(UTC).isoformat(),
    }
    answer = httpx.post(f"{am_url}/api/v2/alerts", json=[alert], timeout=10)
    assert answer.status_code == 200
    (decision,) = _decisions(decisions, 1)
    assert decision["outcome"] == "acted"
    assert decision["alert"] == "LocusScaleOut"
    ((kind, body),) = nbi.posted
    assert kind == "scale"
    data = body["scaleVnfData"][0]
    assert (data["vduId"], data["instances"]) == ("cloud_vdu", 2)
    assert data["additionalParams"]["locusAlert"] == "LocusScaleOut"

"""A real notification subscriber on 127.0.0.1 (a test double of an OSS/BSS): it answers
the callback test, records every notification POSTed to it and can play an OAuth2 token
endpoint. ``status`` makes it refuse notifications (e.g. 503: down for the sender)."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from support.servers import http_server


@dataclass
class Subscriber:
    url: str = ""
    status: int = 204  # what a notification POST is answered
    test_status: int = 204  # what the callback test (GET) is answered
    notifications: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    token_lifetime: int = 3600
    tokens_issued: int = 0
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def callback(self) -> str:
        return f"{self.url}/callback"

    @property
    def token_endpoint(self) -> str:
        return f"{self.url}/token"

    def types(self) -> list[str]:
        with self.lock:
            return [n["notificationType"] for n in self.notifications]

    def wait_for(self, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
        """At least ``count`` notifications (AssertionError with what came otherwise)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.notifications) >= count:
                    return list(self.notifications)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} notifications, got {self.types()}")


def _handler(sub: Subscriber) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: bytes = b"", kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            if body:
                self.send_header("Content-Type", kind)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            with sub.lock:
                sub.authorizations.append(self.headers.get("Authorization", ""))
            self._answer(sub.test_status)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/token":
                self._token(raw)
                return
            with sub.lock:
                sub.authorizations.append(self.headers.get("Authorization", ""))
                if sub.status >= 300:
                    sub.refused += 1
                else:
                    sub.notifications.append(json.loads(raw))
            self._answer(sub.status)

        def _token(self, raw: bytes) -> None:
            basic = self.headers.get("Authorization", "").removeprefix("Basic ")
            client, _, secret = base64.b64decode(basic).decode().partition(":")
            with sub.lock:
                sub.token_requests.append(
                    {"client": client, "secret": secret, "body": raw.decode()}
                )
                sub.tokens_issued += 1
                token = f"token-{sub.tokens_issued}"
            body = {"access_token": token, "token_type": "bearer", "expires_in": sub.token_lifetime}
            self._answer(200, json.dumps(body).encode())

    return Handler


@contextmanager
def running_subscriber(port: int = 0, sub: Subscriber | None = None) -> Iterator[Subscriber]:
    """A subscriber on 127.0.0.1 (``port`` 0: a free one), stopped afterwards; ``sub`` goes
    on recording into an earlier one (a subscriber that was down and is back)."""
    sub = sub or Subscriber()
    with http_server(_handler(sub), port) as url:
        sub.url = url
        yield sub

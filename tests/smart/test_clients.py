"""The SOL005 client (paging, token renewal, error mapping) and the settings file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from locus_iac.errors import AuthError, NotFound, RetryableError, ValidationError
from locus_iac.smart import Credentials, Sol005Client, load_endpoints

from .doubles import FakeNbi, occurrence


def test_occurrences_follow_the_next_links() -> None:
    nbi = FakeNbi.cloud()
    nbi.ops = [occurrence(f"op-{i}", "SCALE", "COMPLETED", {}, datetime.now(UTC)) for i in range(5)]
    client = Sol005Client("http://nbi", Credentials("admin", "pw"), transport=nbi.transport())
    assert [o["id"] for o in client.op_occurrences("ns-1")] == [f"op-{i}" for i in range(5)]
    assert nbi.logins == 1


def test_a_stale_token_is_renewed_once_with_the_password() -> None:
    nbi = FakeNbi.cloud()
    creds = Credentials("admin", "pw", token="stale")
    client = Sol005Client("http://nbi", creds, transport=nbi.transport())
    assert client.ns_instance("ns-1")["id"] == "ns-1"
    assert nbi.logins == 1
    only_token = Sol005Client("http://nbi", Credentials(token="stale"), transport=nbi.transport())
    with pytest.raises(AuthError):
        only_token.ns_instance("ns-1")


def test_errors_map_to_the_error_tree() -> None:
    nbi = FakeNbi.cloud()
    client = Sol005Client("http://nbi", Credentials(token="token-1"), transport=nbi.transport())
    with pytest.raises(NotFound, match="HTTP 404"):
        client.ns_instance("nope")
    with pytest.raises(NotFound, match="no onboarded VNF package holds VNFD 'x'"):
        client.vnfd_yaml("x")
    unreachable = Sol005Client("http://127.0.0.1:1", Credentials(token="t"), timeout=2)
    with pytest.raises(RetryableError, match="cannot reach the NBI"):
        unreachable.ns_instance("ns-1")


def test_settings_read_prometheus_and_the_webhook_address(tmp_path: Path) -> None:
    path = tmp_path / "monitoring.yaml"
    path.write_text(
        "prometheus_url: http://127.0.0.1:19090/\n"
        "smart_webhook_url: http://127.0.0.1:19095/alerts\n"
        "kafka_bootstrap: 127.0.0.1:19092\n"  # the owner's keys are left to it
    )
    found = load_endpoints(path)
    assert (found.prometheus_url, found.webhook_host, found.webhook_port) == (
        "http://127.0.0.1:19090",
        "127.0.0.1",
        19095,
    )
    path.write_text("prometheus_url: ftp://x\n")
    with pytest.raises(ValidationError) as caught:
        load_endpoints(path)
    assert [i.path for i in caught.value.issues] == ["/prometheus_url"]

"""Fixtures for the integration tests against the local testbed (``locus testbed up``).

Every test here talks to the real Pulumi engine built by ``scripts/bootstrap-tools`` and to the
real kube-apiserver on 127.0.0.1; they are skipped, with the reason, when either is missing.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from locus_iac.nbi import Settings, create_app
from testbed.helpers import REPO, TESTBED_DIR, TOOLS_DIR, Nbi


def _site() -> dict[str, Any] | None:
    path = TESTBED_DIR / "site.yaml"
    if not path.exists():
        return None
    loaded = yaml.safe_load(path.read_text())
    return loaded if isinstance(loaded, dict) else None


def admin_tls(record: dict[str, Any]) -> ssl.SSLContext:
    """The testbed CA and the admin client certificate (httpx ignores cert= with a CA path)."""
    tb = record["testbed"]
    context = ssl.create_default_context(cafile=tb["ca_cert"])
    context.load_cert_chain(tb["client_cert"], tb["client_key"])
    return context


@pytest.fixture(scope="session")
def site() -> dict[str, Any]:
    """The site record of a running testbed (skips when the testbed is not up)."""
    record = _site()
    if record is None:
        pytest.skip(
            f"the local testbed is not up ({TESTBED_DIR}/site.yaml missing): run 'locus testbed up'"
        )
    try:
        ready = httpx.get(record["api_server"] + "/readyz", verify=admin_tls(record), timeout=5.0)
    except httpx.HTTPError as exc:
        pytest.skip(
            f"the local testbed's API server does not answer ({exc}): run 'locus testbed up'"
        )
    if not ready.is_success:
        pytest.skip(f"the local testbed's API server is not ready ({ready.status_code})")
    return record


@pytest.fixture
def kube(site: dict[str, Any]) -> Iterator[httpx.Client]:
    """An HTTP client of the testbed's API server with the admin client certificate."""
    with httpx.Client(base_url=site["api_server"], verify=admin_tls(site), timeout=10.0) as client:
        yield client


@pytest.fixture
def pulumi_env(site: dict[str, Any], tmp_path: Path) -> dict[str, str]:
    """Environment for the built Pulumi engine with a local file backend in tmp_path."""
    pulumi = TOOLS_DIR / "bin" / "pulumi"
    home = Path(os.environ.get("PULUMI_HOME", TOOLS_DIR / "pulumi-home"))
    if not pulumi.exists() or not any((home / "plugins").glob("resource-kubernetes-v*")):
        pytest.skip(f"the Pulumi tools are not built in {TOOLS_DIR}: run 'locus testbed tools'")
    backend = tmp_path / "backend"
    backend.mkdir()
    return {
        "PATH": f"{TOOLS_DIR / 'bin'}:{REPO / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
        "PULUMI_HOME": str(home),
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "locus-testbed-integration",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
        "KUBECONFIG": str(site["kubeconfig"]),
    }


@pytest.fixture
def nbi(
    site: dict[str, Any],
    pulumi_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Nbi]:
    """The NBI on a fresh SQLite database, the testbed registered as site ``local``."""
    for key, value in pulumi_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("LOCUS_LCM_RUNNER", raising=False)  # the product's runner
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'locus.db'}",
        admin_password="tb-admin",
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        token = client.post(
            "/admin/v1/tokens", json={"username": "admin", "password": "tb-admin"}
        ).json()["id"]
        api = Nbi(client, token)
        api.register_testbed(site)
        yield api
    app.state.services.db.dispose()

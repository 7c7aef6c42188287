"""``LOCUS_THREADS``: the threads that run the NBI's blocking handlers (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient

from locus_iac.errors import ValidationError
from locus_iac.nbi import Settings, create_app

from .harness import PASSWORD


async def _tokens() -> float:
    return to_thread.current_default_thread_limiter().total_tokens


def test_the_app_runs_blocking_handlers_on_the_configured_threads(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", admin_password=PASSWORD, threads=3, vim_check=False
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            assert client.portal is not None
            assert client.portal.call(_tokens) == 3
            assert client.get("/version").status_code == 200  # a blocking handler still runs
    finally:
        app.state.services.db.dispose()


def test_threads_come_from_the_environment_and_are_checked() -> None:
    assert Settings.from_env({"LOCUS_THREADS": "4"}).threads == 4
    assert Settings.from_env({}).threads == 40  # anyio's own default: unchanged
    with pytest.raises(ValidationError) as caught:
        Settings.from_env({"LOCUS_THREADS": "0"})
    assert caught.value.issues[0].path == "/LOCUS_THREADS"

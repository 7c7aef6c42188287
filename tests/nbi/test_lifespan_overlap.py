"""Two lifespans of one app that overlap (two test clients, a restart) each stop the LCM they
started: a supervisor left running polls the database for the rest of the process and claims
other servers' operations."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi.testclient import TestClient

from locus_iac.nbi import Settings, create_app


def _supervisors() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive() and "supervisor" in t.name}


def test_overlapping_lifespans_stop_both_supervisors(tmp_path: Path) -> None:
    before = _supervisors()
    app = create_app(Settings(data_dir=tmp_path / "data", admin_password="overlap-pw"))
    with TestClient(app):
        first = _supervisors() - before
        with TestClient(app):
            both = _supervisors() - before
        assert len(first) == 1 and len(both) == 2
    for thread in both:
        thread.join(timeout=30)
    assert _supervisors() - before == set()

"""A migrated catalogue database (SQLite, and PostgreSQL when configured) with one project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.databases import database_url, db

from locus_iac.catalogue import Database, create_project
from locus_iac.lcm.settings import LcmSettings

from .runners import ENV, FileControlledRunner

__all__ = ["database_url", "db"]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(db: Database) -> str:
    with db.session() as session:
        return create_project(session, "p1").id


@pytest.fixture
def runner_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder shared with the test runner; worker processes find it via the env."""
    folder = tmp_path / "runner"
    folder.mkdir()
    monkeypatch.setenv(ENV, str(folder))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    )
    return folder


@pytest.fixture
def runner(runner_dir: Path) -> FileControlledRunner:
    return FileControlledRunner(runner_dir)


@pytest.fixture
def lcm_settings(database_url: str, tmp_path: Path, runner_dir: Path) -> LcmSettings:
    return LcmSettings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        max_workers=4,
        poll_interval=0.05,
        grace=2.0,
    )

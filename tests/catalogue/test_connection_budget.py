"""PostgreSQL connections: one budget shared by the serving processes of ``locus serve``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.pool import QueuePool

from locus_iac.catalogue.database import POOL_SIZE, make_engine

_UNREACHABLE = "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"  # never connected to


def _limits(connections: int | None = None) -> tuple[int, int]:
    engine = (
        make_engine(_UNREACHABLE)
        if connections is None
        else make_engine(_UNREACHABLE, connections=connections)
    )
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    return pool.size(), pool._max_overflow  # the pool has no public accessor for it


def test_one_process_keeps_the_whole_budget() -> None:
    kept, overflow = _limits()
    assert kept + overflow == POOL_SIZE


@pytest.mark.parametrize("connections", [8, 10, 13])
def test_a_share_of_the_budget_is_never_exceeded(connections: int) -> None:
    kept, overflow = _limits(connections)
    assert kept + overflow == connections
    assert kept == connections // 2


def test_serving_processes_split_the_budget(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from locus_iac.nbi import app

    seen: list[int] = []

    class Recording:
        def __init__(self, url: str, *, connections: int) -> None:
            seen.append(connections)
            raise RuntimeError("stop here")

    monkeypatch.setattr(app, "Database", Recording)
    for workers, expected in (("1", POOL_SIZE), ("4", POOL_SIZE // 4), ("64", 8)):
        monkeypatch.setenv("LOCUS_SERVE_WORKERS", workers)
        with pytest.raises(RuntimeError, match="stop here"):
            app.open_services(app.Settings(data_dir=tmp_path))
        assert seen[-1] == expected

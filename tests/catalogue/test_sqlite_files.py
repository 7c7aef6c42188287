"""The SQLite catalogue's files stay private without breaking SQLite's locking.

A second engine opened in a process that already has connections must not open and close the
database file: that drops the process' POSIX locks, and a worker process that exits next
believes it is the last reader, checkpoints and deletes the WAL, and every later commit of the
first process goes to an unlinked file no other process sees (found on the testbed: a scale
accepted by the server was "not found" by its worker).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import text

from locus_iac.catalogue import Database

_COUNT = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
print(connection.execute("SELECT count(*) FROM probe").fetchone()[0])
connection.close()
"""


def _count_in_another_process(path: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _COUNT, str(path)], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_commits_after_a_second_engine_are_seen_by_other_processes(tmp_path: Path) -> None:
    path = tmp_path / "locus.db"
    server = Database(f"sqlite:///{path}")
    with server.session() as session:
        session.execute(text("CREATE TABLE probe (id TEXT PRIMARY KEY)"))
        session.execute(text("INSERT INTO probe VALUES (:id)"), {"id": uuid.uuid4().hex})
    # the server process makes another engine on the same file (a runner, a recovery)
    second = Database(f"sqlite:///{path}")
    assert _count_in_another_process(path) == 1  # a worker comes and goes
    with server.session() as session:
        session.execute(text("INSERT INTO probe VALUES (:id)"), {"id": uuid.uuid4().hex})
    assert _count_in_another_process(path) == 2
    assert (tmp_path / "locus.db-wal").exists()
    second.dispose()
    server.dispose()


def test_the_database_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "db" / "locus.db"
    Database(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700

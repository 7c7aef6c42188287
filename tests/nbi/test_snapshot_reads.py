"""The hot package reads on PostgreSQL read the database's version on the event loop (the
change clock) and serve a kept answer without a worker thread; every write shows at once
(from this process, another connection or another process); a killed clock connection costs
no request. A package get's answer is kept like a list page's, on both databases."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from locus_iac.catalogue import Database
from locus_iac.nbi import Settings

from .conftest import make_settings
from .harness import Api
from .test_hot_reads import _answered_in_time, _hold

VNF = "/vnfpkgm/v1/vnf_packages"
PG_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """One worker thread, so that a test can hold it."""
    return make_settings(tmp_path, database_url, threads=1)


def _onboard(api: Api, example_packages: dict[str, bytes]) -> str:
    made = api.post(
        f"{VNF}_content",
        content=example_packages["cloud_vnf"],
        headers={"Content-Type": "application/gzip"},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _db(api: Api) -> Database:
    db = api.client.app.state.services.db  # type: ignore[attr-defined]
    assert isinstance(db, Database)
    return db


@PG_ONLY
def test_kept_answers_need_no_worker_thread(api: Api, example_packages: dict[str, bytes]) -> None:
    ident = _onboard(api, example_packages)
    portal = api.client.portal
    assert portal is not None
    for _attempt in range(3):  # a commit elsewhere on the server (autovacuum) changes the version
        first_get, first_list = api.get(f"{VNF}/{ident}"), api.get(VNF)  # built and kept
        release = threading.Event()
        portal.start_task_soon(_hold, release)  # the one worker thread, held
        try:
            got = _answered_in_time(lambda: api.get(f"{VNF}/{ident}"), 5)
            listed = _answered_in_time(lambda: api.get(VNF), 5)
        finally:
            release.set()
        if got is not None and listed is not None:
            break
    assert got is not None and got.status_code == 200
    assert got.content == first_get.content
    assert got.headers["ETag"] == first_get.headers["ETag"]
    assert listed is not None and listed.content == first_list.content


def _writer_process(url: str, ident: str, state: str) -> None:
    """Another process commits a change of the package (as a second server would)."""
    script = textwrap.dedent(
        """
        import sys
        from sqlalchemy import create_engine, text
        engine = create_engine(sys.argv[1])
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE packages SET operational_state = :s WHERE id = :i"),
                {"s": sys.argv[3], "i": sys.argv[2]},
            )
        engine.dispose()
        """
    )
    subprocess.run([sys.executable, "-c", script, url, ident, state], check=True, timeout=60)


@pytest.mark.parametrize("writer", ["api", "connection", "process"])
def test_every_write_shows_in_the_next_read(
    api: Api, example_packages: dict[str, bytes], writer: str
) -> None:
    ident = _onboard(api, example_packages)
    db = _db(api)
    other = Database(db.url)  # a connection of its own
    try:
        for turn in range(6):
            state = "DISABLED" if turn % 2 == 0 else "ENABLED"
            api.get(VNF), api.get(f"{VNF}/{ident}")  # kept answers of the old state
            if writer == "api":
                etag = api.get(f"{VNF}/{ident}").headers["ETag"]
                changed = api.patch(
                    f"{VNF}/{ident}", json={"operationalState": state}, headers={"If-Match": etag}
                )
                assert changed.status_code == 200, changed.text
            elif writer == "connection":
                with other.session() as session:
                    session.execute(
                        text("UPDATE packages SET operational_state = :s WHERE id = :i"),
                        {"s": state, "i": ident},
                    )
            else:
                _writer_process(db.url, ident, state)
            assert api.get(VNF).json()[0]["operationalState"] == state
            assert api.get(f"{VNF}/{ident}").json()["operationalState"] == state
    finally:
        other.dispose()


@PG_ONLY
def test_a_killed_clock_connection_costs_no_request(
    api: Api, example_packages: dict[str, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    ident = _onboard(api, example_packages)
    db = _db(api)
    clock = db.clock
    assert clock is not None
    assert api.get(VNF).status_code == 200
    (pid,) = clock.backend_pids
    with db.session() as session:
        session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # until the server has ended it
        with db.session(readonly=True) as session:
            alive = session.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar()
        if not alive:
            break
        time.sleep(0.05)
    listed = api.get(VNF)  # the clock fails: the read goes on a worker thread
    assert listed.status_code == 200 and listed.json()[0]["id"] == ident
    assert api.get(f"{VNF}/{ident}").status_code == 200
    assert clock.backend_pids and clock.backend_pids != [pid]  # reopened
    assert "change clock unavailable" in caplog.text
    password = db.engine.url.password
    assert password and password not in caplog.text


# SQLite only: PostgreSQL's version is the whole server's (another commit anywhere changes it);
# there test_kept_answers_need_no_worker_thread shows a get's kept answer
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_get_answer_is_kept(api: Api, example_packages: dict[str, bytes]) -> None:
    ident = _onboard(api, example_packages)
    answers = api.client.app.state.services.answers  # type: ignore[attr-defined]
    before = len(answers)
    first = api.get(f"{VNF}/{ident}")
    kept = len(answers)
    assert kept == before + 1
    again = api.get(f"{VNF}/{ident}")
    assert len(answers) == kept and again.content == first.content  # the kept one
    assert again.headers["ETag"] == first.headers["ETag"]
    assert api.get(f"{VNF}/no-such-package").status_code == 404  # a 404 is not kept
    assert api.get(f"{VNF}/no-such-package").status_code == 404
    assert len(answers) == kept

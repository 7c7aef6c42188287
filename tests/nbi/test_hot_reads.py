"""The hot package reads (a get, a plain list page) run on the event loop on SQLite, on its own
database connection, without a worker thread (issue 19); a filtered list still scans on a
worker thread; a list page's answer is reused while the database is unchanged."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from anyio import to_thread
from sqlalchemy import text, update
from starlette.requests import Request

from locus_iac.catalogue import Database
from locus_iac.catalogue.models import PackageRow, utcnow
from locus_iac.nbi import Settings
from locus_iac.nbi.answer_cache import Answer, AnswerCache
from locus_iac.nbi.filters import plain

from .conftest import make_settings
from .harness import Api

VNF = "/vnfpkgm/v1/vnf_packages"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """One worker thread, so that a test can hold it."""
    return make_settings(tmp_path, database_url, threads=1)


def _answered_in_time(call: Callable[[], httpx.Response], seconds: float) -> httpx.Response | None:
    """``call()``'s answer, or ``None`` when it did not come within ``seconds``."""
    answers: list[httpx.Response] = []
    caller = threading.Thread(target=lambda: answers.append(call()), daemon=True)
    caller.start()
    caller.join(seconds)
    return answers[0] if answers else None


async def _hold(release: threading.Event) -> None:
    await to_thread.run_sync(release.wait)


# SQLite only: on PostgreSQL only a kept answer is served without a worker thread (a miss reads
# its rows on one: each statement is a round trip); tests/nbi/test_snapshot_reads.py covers it
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_get_and_plain_list_need_no_worker_thread(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    made = api.post(
        f"{VNF}_content",
        content=example_packages["cloud_vnf"],
        headers={"Content-Type": "application/gzip"},
    )
    assert made.status_code == 201, made.text
    ident = made.json()["id"]
    assert api.get(f"{VNF}/{ident}").status_code == 200  # the caller is resolved and kept
    portal = api.client.portal
    assert portal is not None
    release = threading.Event()
    portal.start_task_soon(_hold, release)  # the one worker thread, held
    try:
        got = _answered_in_time(lambda: api.get(f"{VNF}/{ident}"), 10)
        listed = _answered_in_time(lambda: api.get(VNF), 10)
        osm_listed = _answered_in_time(lambda: api.get(f"/osm{VNF}_content"), 10)
        filtered = _answered_in_time(lambda: api.get(VNF, params={"filter": "(eq,id,x)"}), 0.5)
    finally:
        release.set()
    assert got is not None and got.status_code == 200 and got.json()["id"] == ident
    assert got.headers["ETag"]
    assert listed is not None and [p["id"] for p in listed.json()] == [ident]
    assert osm_listed is not None and osm_listed.status_code == 200
    assert filtered is None  # a filter scans on a worker thread: it waited for the held one
    assert api.get(VNF, params={"filter": f"(eq,id,{ident})"}).json()[0]["id"] == ident


def test_an_unknown_package_on_the_loop_is_a_404(api: Api) -> None:
    missing = api.get(f"{VNF}/no-such-package")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_the_event_loop_reads_on_a_connection_of_its_own(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        db.migrate()
        assert db.loop_engine is not db.read_engine and db.loop_engine is not db.engine
        assert db.loop_engine.pool.size() == 1  # type: ignore[attr-defined]
        with db.loop_session() as session, db.session(readonly=True) as other:
            assert session.connection().connection is not other.connection().connection
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"", True),
        (b"nextpage_opaque_marker=abc", True),
        (b"ADMIN=true&PUBLIC=false", True),
        (b"filter=(eq,id,x)", False),
        (b"fields=id", False),
        (b"exclude_default", False),
        (b"productName=x", False),  # a short-form filter
    ],
)
def test_a_plain_list_has_no_filter_nor_selector(query: bytes, expected: bool) -> None:
    scope = {"type": "http", "method": "GET", "path": VNF, "query_string": query, "headers": []}
    assert plain(Request(scope)) is expected


def test_kept_answers_follow_every_write(api: Api, example_packages: dict[str, bytes]) -> None:
    """A list and a get reused while nothing changed; any commit (here one on another
    connection than the NBI's own, as another process would make) shows at once."""
    made = api.post(
        f"{VNF}_content",
        content=example_packages["cloud_vnf"],
        headers={"Content-Type": "application/gzip"},
    )
    ident = made.json()["id"]
    first, again = api.get(VNF), api.get(VNF)
    assert first.content == again.content
    got = api.get(f"{VNF}/{ident}")
    assert api.get(f"{VNF}/{ident}").headers["ETag"] == got.headers["ETag"]
    svc = api.client.app.state.services  # type: ignore[attr-defined]
    other = Database(svc.db.url)  # a connection of its own, as another process has
    try:
        with other.session() as session:
            session.execute(
                update(PackageRow)
                .where(PackageRow.id == ident)
                .values(operational_state="DISABLED", updated_at=utcnow())
            )
    finally:
        other.dispose()
    listed = api.get(VNF).json()
    assert [p["operationalState"] for p in listed] == ["DISABLED"]
    changed = api.get(f"{VNF}/{ident}")
    assert changed.json()["operationalState"] == "DISABLED"
    assert changed.headers["ETag"] != got.headers["ETag"]
    enabled = api.patch(
        f"{VNF}/{ident}",
        json={"operationalState": "ENABLED"},
        headers={"If-Match": changed.headers["ETag"]},
    )
    assert enabled.status_code == 200, enabled.text
    assert api.get(VNF).json()[0]["operationalState"] == "ENABLED"
    assert api.get(f"{VNF}/{ident}").json()["operationalState"] == "ENABLED"


def test_version_changes_with_any_commit(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'v.db'}")
    writer = Database(f"sqlite:///{tmp_path / 'v.db'}")
    try:
        db.migrate()
        with db.session() as session:
            session.execute(text("CREATE TABLE probe (x INTEGER)"))
        with db.loop_session() as session:
            before = db.version(session)
        with db.loop_session() as session:
            assert db.version(session) == before  # nothing committed meanwhile
        for database in (db, writer):  # this process' pool, then another "process"
            with database.session() as session:
                session.execute(text("INSERT INTO probe VALUES (1)"))
            with db.loop_session() as session:
                now = db.version(session)
            assert now is not None and now != before
            before = now
    finally:
        db.dispose()
        writer.dispose()


def test_an_in_memory_database_has_no_version() -> None:
    db = Database("sqlite://")
    try:
        with db.loop_session() as session:
            assert db.version(session) is None
    finally:
        db.dispose()


def test_answer_cache_is_bounded_by_bytes() -> None:
    cache = AnswerCache(max_bytes=10)
    built: list[str] = []

    def build(body: bytes) -> Callable[[], Answer]:
        def answer() -> Answer:
            built.append(body.decode())
            return Answer(body)

        return answer

    assert cache.get("a", build(b"aaaa")).body == b"aaaa"
    assert cache.get("a", build(b"zzzz")).body == b"aaaa"  # kept
    cache.get("b", build(b"bbbb"))
    cache.get("a", build(b"aaaa"))  # a is now the most recent
    cache.get("c", build(b"cccc"))  # 12 bytes: b goes
    assert len(cache) == 2
    cache.get("b", build(b"bbbb"))
    assert built == ["aaaa", "bbbb", "cccc", "bbbb"]
    cache.get(None, build(b"nnnn"))
    cache.get(None, build(b"nnnn"))
    assert built[-2:] == ["nnnn", "nnnn"]  # without a key nothing is kept
    assert cache.get("big", build(b"x" * 11)).body == b"x" * 11  # answered, too big to keep
    assert cache.get("big", build(b"y")).body == b"y"

"""The hot package reads (a get, a plain list page) run on the event loop, on its own database
connection, without a worker thread (issue 19); a filtered list still scans on a worker thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from anyio import to_thread
from starlette.requests import Request

from locus_iac.catalogue import Database
from locus_iac.nbi import Settings
from locus_iac.nbi.filters import plain

from .harness import PASSWORD, Api

VNF = "/vnfpkgm/v1/vnf_packages"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """One worker thread, so that a test can hold it."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        admin_password=PASSWORD,
        page_size=100,
        vim_check=False,
        threads=1,
    )


def _answered_in_time(call: Callable[[], httpx.Response], seconds: float) -> httpx.Response | None:
    """``call()``'s answer, or ``None`` when it did not come within ``seconds``."""
    answers: list[httpx.Response] = []
    caller = threading.Thread(target=lambda: answers.append(call()), daemon=True)
    caller.start()
    caller.join(seconds)
    return answers[0] if answers else None


async def _hold(release: threading.Event) -> None:
    await to_thread.run_sync(release.wait)


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

"""Paging of ``/nslcm/v1/ns_instances`` and ``/nslcm/v1/ns_lcm_op_occs`` (SOL013 clause
5.4.2.1): the same ``nextpage_opaque_marker`` and ``Link: rel="next"`` as the package lists,
the page size from ``LOCUS_PAGE_SIZE``; and ``locus ns list`` / ``locus ns ops`` following
every page of a real ``locus serve`` (operations run by the test runner of
tests/lcm/runners.py, no engine).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from support.lcm_server import COMMAND
from support.servers import locus_serve
from typer.testing import CliRunner

from locus_iac.catalogue import Database, create_project
from locus_iac.catalogue.instances import NsInstanceRow
from locus_iac.catalogue.models import utcnow
from locus_iac.catalogue.paging import encode_marker
from locus_iac.cli.main import app
from locus_iac.errors import ValidationError
from locus_iac.lcm import instances
from locus_iac.lcm.instances import NS
from locus_iac.nbi import Settings, create_app

from .harness import EXAMPLES, GZ, REPO, Api, login

BASE = "/nslcm/v1"
PASSWORD = "paging-pw"


def _onboard(api: Api, example_packages: dict[str, bytes]) -> None:
    for base, coll, content, name in (
        ("/vnfpkgm/v1", "vnf_packages", "package_content", "cloud_vnf"),
        ("/nsd/v1", "ns_descriptors", "nsd_content", "cloud_ns"),
    ):
        created = api.post(f"{base}/{coll}", json={})
        url = f"{base}/{coll}/{created.json()['id']}/{content}"
        assert api.put(url, content=example_packages[name], headers=GZ).status_code == 201


def _pages(api: Api, path: str, **params: str) -> list[list[str]]:
    """The ids on each page, following ``Link: rel="next"`` from ``path``."""
    pages: list[list[str]] = []
    response = api.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        pages.append([item["id"] for item in response.json()])
        if "next" not in response.links:
            return pages
        response = api.get(response.links["next"]["url"])


def test_ns_instances_page_with_marker_and_link(
    settings: Settings, example_packages: dict[str, bytes]
) -> None:
    application = create_app(settings.model_copy(update={"page_size": 2}))
    with TestClient(application) as client:
        api = Api(client, login(client))
        _onboard(api, example_packages)
        assert _pages(api, f"{BASE}/ns_instances") == [[]]
        made = [
            api.post(f"{BASE}/ns_instances", json={"nsdId": "cloud_ns", "nsName": f"n{i}"}).json()[
                "id"
            ]
            for i in range(5)
        ]
        pages = _pages(api, f"{BASE}/ns_instances")
        assert [len(page) for page in pages] == [2, 2, 1]
        assert [i for page in pages for i in page] == made
        bad = api.get(f"{BASE}/ns_instances", params={"nextpage_opaque_marker": "%%%"})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["path"] == "/nextpage_opaque_marker"
        assert _pages(api, f"{BASE}/ns_lcm_op_occs") == [[]]
    application.state.services.db.dispose()


def test_keyset_pages_break_timestamp_ties_by_id(database_url: str) -> None:
    """Rows created in the same instant are neither skipped nor repeated across pages."""
    db = Database(database_url)
    db.migrate()
    stamp = utcnow()
    with db.session() as session:
        project = create_project(session, "ties").id
        for i in range(5):
            session.add(
                NsInstanceRow(
                    id=f"ns-{4 - i}", project_id=project, name=f"n{i}", nsd_id="d",
                    nsd_info_id="i", ns_state="NOT_INSTANTIATED", instantiate_params={},
                    created_at=stamp, updated_at=stamp,
                )
            )  # fmt: skip
    seen: list[str] = []
    marker: str | None = None
    with db.session(readonly=True) as session:
        while True:
            page = instances.page_instances(session, NS, project, marker=marker, limit=2)
            seen += [row.id for row in page.rows]
            if page.next_marker is None:
                break
            marker = page.next_marker
        assert seen == [f"ns-{i}" for i in range(5)]
        past_the_end = encode_marker(stamp, "ns-4")
        assert (
            instances.page_instances(session, NS, project, marker=past_the_end, limit=2).rows == []
        )
        with pytest.raises(ValidationError) as refused:
            forged = base64.urlsafe_b64encode(b"yesterday|ns-1").decode()  # not a timestamp
            instances.page_instances(session, NS, project, marker=forged, limit=2)
        assert refused.value.issues[0].path == "/nextpage_opaque_marker"
    db.dispose()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    runner_dir = tmp_path / "runner"
    runner_dir.mkdir()
    env = {
        "LOCUS_ADMIN_PASSWORD": PASSWORD,
        "LOCUS_PAGE_SIZE": "2",
        "LOCUS_TEST_RUNNER_DIR": str(runner_dir),
        "LOCUS_LCM_POLL": "0.1",
        "LOCUS_LCM_GRACE": "2",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    with locus_serve(tmp_path / "data", env, command=COMMAND) as (url, _):
        yield url


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LOCUS_CONFIG_DIR", str(tmp_path / "config"))
    return CliRunner()


def _ok(cli: CliRunner, *args: str) -> str:
    done = cli.invoke(app, list(args))
    assert done.exit_code == 0, done.output
    return done.stdout.strip()


def _token(url: str) -> dict[str, str]:
    response = httpx.post(
        f"{url}/admin/v1/tokens", json={"username": "admin", "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {response.json()['id']}"}


def test_cli_follows_every_page(server: str, cli: CliRunner) -> None:
    _ok(cli, "login", "--url", server, "--password", PASSWORD)
    _ok(cli, "vnfpkg", "upload", str(EXAMPLES / "cloud_vnf"))
    _ok(cli, "nsd", "upload", str(EXAMPLES / "cloud_ns"))
    made = [_ok(cli, "ns", "create", "cloud_ns", "--name", f"ns{i}") for i in range(5)]
    headers = _token(server)

    first = httpx.get(f"{server}{BASE}/ns_instances", headers=headers)
    assert [item["id"] for item in first.json()] == made[:2]
    assert "nextpage_opaque_marker=" in first.links["next"]["url"]
    listed = json.loads(_ok(cli, "ns", "list", "--json"))
    assert [item["id"] for item in listed] == made
    table = _ok(cli, "ns", "list")
    assert all(f"ns{i}" in table for i in range(5))

    bad = cli.invoke(app, ["ns", "instantiate", made[0], "--place", "1"])  # no '='
    assert bad.exit_code == 1 and "/place/0" in bad.stderr and "Traceback" not in bad.output

    wait = ("--wait", "--poll", "0.1")
    _ok(cli, "ns", "instantiate", made[0], "--place", "1=local", *wait)
    _ok(cli, "ns", "heal", made[0], *wait)
    _ok(cli, "ns", "terminate", made[0], *wait)
    _ok(cli, "ns", "instantiate", made[1], "--place", "1=local", *wait)

    params = {"nsInstanceId": made[0]}
    page = httpx.get(f"{server}{BASE}/ns_lcm_op_occs", params=params, headers=headers)
    assert len(page.json()) == 2
    assert f"nsInstanceId={made[0]}" in page.links["next"]["url"]  # the filter is kept
    ops = json.loads(_ok(cli, "ns", "ops", made[0], "--json"))
    assert [o["lcmOperationType"] for o in ops] == ["INSTANTIATE", "HEAL", "TERMINATE"]
    assert {o["nsInstanceId"] for o in ops} == {made[0]}
    everything = json.loads(_ok(cli, "ns", "ops", "--json"))
    assert len(everything) == 4
    assert len({o["id"] for o in everything}) == 4

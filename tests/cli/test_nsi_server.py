"""``locus nsi`` against a real ``locus serve`` (SQLite data dir, page size 2): create, list
(every page), show, delete, and the refusals that need no site or engine (unknown NST or
subnet, nothing to deploy to, unknown occurrence) with their exit code and JSON pointers.
Instantiation itself needs sites and the engine: tests/lcm and tests/testbed cover it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.servers import locus_serve
from typer.testing import CliRunner

from locus_iac.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "packages"
PASSWORD = "nsi-pw"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = {"LOCUS_ADMIN_PASSWORD": PASSWORD, "LOCUS_PAGE_SIZE": "2"}
    with locus_serve(tmp_path / "data", env) as (url, _):
        yield url


@pytest.fixture
def cli(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI logged in to ``server`` with the exemplary service and its NST onboarded."""
    monkeypatch.setenv("LOCUS_CONFIG_DIR", str(tmp_path / "config"))
    runner = CliRunner()
    _nsi_ok(runner, "login", "--url", server, "--password", PASSWORD, group=None)
    for area, folder in [
        ("vnfpkg", "cloud_vnf"),
        ("vnfpkg", "edge_knf"),
        ("nsd", "cloud_ns"),
        ("nsd", "edge_ns"),
        ("nst", "locus_nst"),
    ]:
        _nsi_ok(runner, area, "upload", str(EXAMPLES / folder), group=None)
    return runner


def _nsi(cli: CliRunner, *args: str, group: str | None = "nsi") -> tuple[int, str, str]:
    done = cli.invoke(app, [group, *args] if group else list(args))
    assert "Traceback" not in done.output
    return done.exit_code, done.stdout.strip(), done.stderr.strip()


def _nsi_ok(cli: CliRunner, *args: str, group: str | None = "nsi") -> str:
    code, out, err = _nsi(cli, *args, group=group)
    assert code == 0, out + err
    return out


def test_create_list_show_delete(cli: CliRunner, server: str) -> None:
    made = [_nsi_ok(cli, "create", "locus_nst", "--name", f"slice{i}") for i in range(3)]
    described = json.loads(
        _nsi_ok(cli, "create", "locus_nst", "--name", "d", "--description", "WP6", "--json")
    )
    assert described["nsiDescription"] == "WP6"
    assert described["nsiState"] == "NOT_INSTANTIATED"
    made.append(described["id"])

    token = httpx.post(
        f"{server}/admin/v1/tokens", json={"username": "admin", "password": PASSWORD}
    ).json()["id"]
    first = httpx.get(
        f"{server}/nsilcm/v1/netslice_instances", headers={"Authorization": f"Bearer {token}"}
    )
    assert len(first.json()) == 2 and "next" in first.links  # so the CLI has pages to follow
    listed = json.loads(_nsi_ok(cli, "list", "--json"))
    assert [item["id"] for item in listed] == made
    table = _nsi_ok(cli, "list")
    assert all(f"slice{i}" in table for i in range(3))

    shown = json.loads(_nsi_ok(cli, "show", made[0], "--json"))
    assert shown["nsiName"] == "slice0" and shown["nstId"] == "locus_nst"
    assert shown["currentLcmOpOccId"] is None
    assert "slice0" in _nsi_ok(cli, "show", made[0])
    assert json.loads(_nsi_ok(cli, "ops", made[0], "--json")) == []

    assert _nsi_ok(cli, "delete", made[0]) == f"deleted {made[0]}"
    code, _, err = _nsi(cli, "show", made[0])
    assert code == 1 and "not found (HTTP 404)" in err
    assert [item["id"] for item in json.loads(_nsi_ok(cli, "list", "--json"))] == made[1:]


def test_refusals_exit_1_with_json_pointers(cli: CliRunner) -> None:
    code, _, err = _nsi(cli, "create", "no_such_nst", "--name", "x")
    assert code == 1
    assert "/nstId" in err and "no_such_nst" in err and "(HTTP 422)" in err

    code, out, _ = _nsi(
        cli, "create", "locus_nst", "--name", "x", "--instantiate",
        "--subnet-site", "nope=somewhere", "--json",
    )  # fmt: skip
    assert code == 1
    errors = json.loads(out)["errors"]
    assert errors[0]["path"] == "/netslice-subnet/0/id" and "nope" in errors[0]["message"]
    assert json.loads(_nsi_ok(cli, "list", "--json")) == []  # a refused request leaves nothing

    nsi = _nsi_ok(cli, "create", "locus_nst", "--name", "no-sites")
    code, _, err = _nsi(cli, "instantiate", nsi, "--wait")
    assert code == 1 and "/vimAccountId" in err  # no site registered: nothing to deploy to
    assert json.loads(_nsi_ok(cli, "show", nsi, "--json"))["nsiState"] == "NOT_INSTANTIATED"

    code, _, err = _nsi(cli, "retry", "no-such-occurrence")
    assert code == 1 and "not found (HTTP 404)" in err
    code, _, err = _nsi(cli, "terminate", nsi)
    assert code == 1 and "(HTTP 409)" in err

"""The smart functions' fixtures: a real ``locus serve`` process with an instantiated NS."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from support.lcm_server import COMMAND
from support.servers import locus_serve

from locus_iac.packages import archive_bytes, read_package
from locus_iac.smart import Credentials, Sol005Client

from .doubles import EXAMPLES, ROOT

PASSWORD = "smart-pw"


class RealNbi(NamedTuple):
    client: Sol005Client
    ns: str  # an instantiated cloud_ns (profile "1" of cloud_vnf)
    runner_dir: Path  # create "fail" in it and operations fail
    url: str


def wait_op(client: Sol005Client, op_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        occ = client.op_occurrence(op_id)
        if occ["operationState"] not in ("PROCESSING", "ROLLING_BACK"):
            return occ
        time.sleep(0.1)
    raise AssertionError(f"{op_id} did not finish")


@pytest.fixture
def nbi(tmp_path: Path) -> Iterator[RealNbi]:
    runner_dir = tmp_path / "runner"
    runner_dir.mkdir()
    env = {
        "LOCUS_ADMIN_PASSWORD": PASSWORD,
        "LOCUS_PAGE_SIZE": "2",
        "LOCUS_TEST_RUNNER_DIR": str(runner_dir),
        "LOCUS_LCM_POLL": "0.1",
        "LOCUS_LCM_GRACE": "2",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    with locus_serve(tmp_path / "data", env, command=COMMAND) as (url, _):
        client = Sol005Client(url, Credentials("admin", PASSWORD))
        token = httpx.post(
            f"{url}/admin/v1/tokens", json={"username": "admin", "password": PASSWORD}
        ).json()["id"]
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/gzip"}
        for path, folder in (
            ("/vnfpkgm/v1/vnf_packages_content", "cloud_vnf"),
            ("/nsd/v1/ns_descriptors_content", "cloud_ns"),
        ):
            data = archive_bytes(read_package(EXAMPLES / folder))
            assert httpx.post(url + path, content=data, headers=auth).status_code == 201
        body = {"nsdId": "cloud_ns", "nsName": "smart", "vimAccountId": "core"}
        created = httpx.post(
            f"{url}/nslcm/v1/ns_instances_content",
            json=body,
            headers={"Authorization": auth["Authorization"]},
        )
        assert created.status_code == 202, created.text
        assert wait_op(client, created.json()["nsLcmOpOccId"])["operationState"] == "COMPLETED"
        yield RealNbi(client, created.json()["id"], runner_dir, url)
        client.close()

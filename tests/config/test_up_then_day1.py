"""Day 1 right after ``up``: the inventory comes from the real stack outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pulumi
import pytest
import yaml
from support.netns_ssh import SshTestbed

from locus_iac.config import ConfigRunner, VnfConfigTarget, inventory_from_outputs
from locus_iac.descriptors.day12 import Day12
from locus_iac.engine import EngineSettings, StackDriver, find_pulumi

from .test_day12_ssh import DAY12, FILES

pytestmark = pytest.mark.skipif(
    find_pulumi() is None,
    reason="pulumi CLI not on PATH nor in ${LOCUS_TOOLS_DIR:-~/.cache/locus-iac/tools}/bin",
)


def test_day1_against_the_management_addresses_the_stack_exports(
    ssh_testbed: SshTestbed, remote_dir: Path, tmp_path: Path
) -> None:
    if ssh_testbed.hosts[0].netns is None:
        pytest.skip(
            "LOCUS_TEST_SSH_LOOPBACK=1: the hosts differ by port on 127.0.0.1 and the "
            "stack exports addresses only"
        )
    addresses = {h.name: h.address for h in ssh_testbed.hosts}

    def program() -> None:
        pulumi.export("management", {"vnf1": addresses})

    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(Path.home())}
    driver = StackDriver(EngineSettings.from_env(tmp_path / "data", env))
    up = driver.up("ns-day1", program)
    day12 = Day12.model_validate(yaml.safe_load(DAY12))
    inventory = inventory_from_outputs(
        up.outputs.get("management"),
        "vnf1",
        user="locus-ssh-test",
        private_key_file=ssh_testbed.private_key,
    )
    target = VnfConfigTarget(
        ns_instance_id="ns-day1",
        vnf_profile_id="vnf1",
        day12=day12,
        files=FILES,
        inventory=inventory,
    )
    runs = ConfigRunner(tmp_path / "data").day1(target, {"target_dir": str(remote_dir)})
    assert [r.ok for r in runs] == [True, True]
    for host in ssh_testbed.hosts:
        assert (remote_dir / host.name / "conn").read_text().split()[2] == host.address
    driver.destroy("ns-day1")

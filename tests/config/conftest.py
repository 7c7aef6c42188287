"""Fixtures for the config tests: real SSH hosts in network namespaces."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.netns_ssh import SshTestbed, start_hosts, unavailable_reason


@pytest.fixture(scope="module")
def ssh_testbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshTestbed]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"no SSH test hosts: {reason}")
    with start_hosts(tmp_path_factory.mktemp("ssh"), count=2) as testbed:
        yield testbed


@pytest.fixture
def remote_dir(ssh_testbed: SshTestbed) -> Iterator[Path]:
    """A fresh folder path in the test user's home (created by the playbooks), removed after."""
    path = ssh_testbed.home / f"t-{uuid.uuid4().hex[:8]}"
    yield path
    shutil.rmtree(path, ignore_errors=True)

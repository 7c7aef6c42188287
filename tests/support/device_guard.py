"""Fails the test after which ``/dev/null`` is no longer the null device.

A test that hands ``/dev/null`` to a tool that writes files atomically (Ansible's ``copy``
renames a temporary file over its ``dest``) replaces the device with a regular file for every
process on the machine: later builds and tests then fail far from the cause. Checked after each
test's teardown (one ``stat``), so the error names the test that did it (once a session).
``LOCUS_TEST_NULL_DEVICE`` names another path to watch (the guard's own tests).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Generator

import pytest

PATH_ENV = "LOCUS_TEST_NULL_DEVICE"
_REPORTED = pytest.StashKey[str]()


def null_device() -> str:
    return os.environ.get(PATH_ENV, "/dev/null")


def null_device_intact(path: str | None = None) -> bool:
    """Whether ``path`` (default :func:`null_device`) is a character device, as ``/dev/null``
    must be."""
    try:
        return stat.S_ISCHR(os.stat(path or null_device()).st_mode)
    except FileNotFoundError:
        return False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    result = yield
    if _REPORTED not in item.config.stash and not null_device_intact():
        item.config.stash[_REPORTED] = item.nodeid
        pytest.fail(
            f"{null_device()} is no longer a character device after {item.nodeid}: the test "
            "replaced or removed it (restore it: rm -f /dev/null; mknod -m 666 /dev/null c 1 3)",
            pytrace=False,
        )
    return result

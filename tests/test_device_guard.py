"""The device guard (tests/support/device_guard.py): a test after which /dev/null is not the null
device fails, by name; run on small suites by pytester with a stand-in path."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.device_guard import PATH_ENV, null_device_intact

pytest_plugins = ["pytester"]


def test_only_a_character_device_counts_as_intact(tmp_path: Path) -> None:
    regular = tmp_path / "null"
    regular.write_text("")
    assert null_device_intact("/dev/null")
    assert not null_device_intact(str(regular))
    assert not null_device_intact(str(tmp_path / "missing"))


def test_the_test_that_replaces_the_device_fails_by_name_and_the_others_pass(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in = pytester.path / "null"
    stand_in.symlink_to("/dev/null")  # a character device until a test replaces it
    monkeypatch.setenv(PATH_ENV, str(stand_in))
    pytester.makeconftest('pytest_plugins = ["support.device_guard"]')
    pytester.makepyfile(
        test_suite=f"""
import os

def test_before(): pass

def test_replaces():
    os.unlink({str(stand_in)!r})
    open({str(stand_in)!r}, "w").close()

def test_after(): pass
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        ["*is no longer a character device after test_suite.py::test_replaces*"]
    )

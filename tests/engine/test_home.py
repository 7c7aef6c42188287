"""The CLI's home for the engine runs: the usual plugins, no automatic debug log."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from locus_iac.engine import find_pulumi
from locus_iac.engine.home import engine_home

PULUMI = find_pulumi()


def test_the_home_links_the_plugins_and_has_a_logs_file(tmp_path: Path) -> None:
    plugins = tmp_path / "usual" / "plugins"
    plugins.mkdir(parents=True)
    home = engine_home(tmp_path / "data", plugins)
    assert home == tmp_path / "data" / "pulumi-home"
    assert (home / "plugins").is_symlink() and (home / "plugins").resolve() == plugins
    assert (home / "logs").is_file()
    assert engine_home(tmp_path / "data", plugins) == home  # a second time: unchanged


def test_the_home_is_private_to_the_user(tmp_path: Path) -> None:
    plugins = tmp_path / "usual" / "plugins"
    plugins.mkdir(parents=True)
    old_umask = os.umask(0o022)
    try:
        home = engine_home(tmp_path / "data", plugins)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "logs").stat().st_mode) == 0o600


def test_a_stale_link_and_a_logs_folder_are_repaired(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    home = engine_home(tmp_path / "data", old)
    (home / "logs").unlink()
    (home / "logs").mkdir()
    (home / "logs" / "pulumi-20261207T120000-1-up.log").write_text("x")
    engine_home(tmp_path / "data", new)
    assert (home / "plugins").resolve() == new
    assert (home / "logs").is_file()


def test_a_plugins_folder_put_there_by_hand_is_kept(tmp_path: Path) -> None:
    (tmp_path / "data" / "pulumi-home" / "plugins").mkdir(parents=True)
    home = engine_home(tmp_path / "data", tmp_path / "usual")
    assert (home / "plugins").is_dir() and not (home / "plugins").is_symlink()


@pytest.mark.skipif(PULUMI is None, reason="pulumi CLI not built (scripts/bootstrap-tools)")
def test_the_cli_writes_its_automatic_log_elsewhere_but_not_in_this_home(tmp_path: Path) -> None:
    """What the home relies on: the CLI (3.274) logs every run to ``$PULUMI_HOME/logs`` and
    runs without that log when ``logs`` is no folder."""
    assert PULUMI is not None
    plain = tmp_path / "plain"
    home = engine_home(tmp_path / "data", tmp_path / "plugins")
    for pulumi_home in (plain, home):
        done = subprocess.run(
            [str(PULUMI), "version"],
            env={**os.environ, "PULUMI_HOME": str(pulumi_home), "PULUMI_SKIP_UPDATE_CHECK": "1"},
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stderr == ""
    assert any((plain / "logs").iterdir())  # the CLI's automatic log, where it is allowed
    assert (home / "logs").is_file()

"""What the driver reads instead of running the Pulumi CLI: a local backend's stack files and
the CLI version kept in a file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from pulumi import automation as auto

from locus_iac.engine.local_state import cli_command, stack_recorded


def _backend(tmp_path: Path, meta: str | None = "version: 1\n") -> Path:
    root = tmp_path / "state"
    (root / ".pulumi" / "stacks" / "proj").mkdir(parents=True)
    if meta is not None:
        (root / ".pulumi" / "meta.yaml").write_text(meta)
    return root


def test_a_project_layout_backend_answers_from_its_files(tmp_path: Path) -> None:
    root = _backend(tmp_path)
    folder = root / ".pulumi" / "stacks" / "proj"
    (folder / "ns-1.json").write_text("{}")
    (folder / "ns-2.json.gz").write_bytes(b"")
    (folder / "ns-3.json.bak").write_text("{}")  # what ``stack rm`` leaves behind
    url = root.as_uri()
    assert stack_recorded(url, "proj", "ns-1") is True
    assert stack_recorded(url, "proj", "ns-2") is True
    assert stack_recorded(url, "proj", "ns-3") is False
    assert stack_recorded(url, "other", "ns-1") is False


@pytest.mark.parametrize("meta", [None, "version: 0\n", "{not yaml", "- 1\n"])
def test_an_unknown_layout_is_left_to_the_cli(tmp_path: Path, meta: str | None) -> None:
    root = _backend(tmp_path, meta)
    (root / ".pulumi" / "stacks" / "proj" / "ns-1.json").write_text("{}")
    assert stack_recorded(root.as_uri(), "proj", "ns-1") is None


@pytest.mark.parametrize(
    "url",
    [
        "s3://bucket/state",
        "file://~/state",
        "file:///state?no_tmp_dir=true",
        "file:///with%20space",
        "https://api.example.invalid",
    ],
)
def test_other_backends_are_left_to_the_cli(url: str) -> None:
    assert stack_recorded(url, "proj", "ns-1") is None


def _fake_cli(folder: Path, version: str, log: Path) -> Path:
    """An executable ``bin/pulumi`` that answers ``version`` and notes each call."""
    binary = folder / "bin" / "pulumi"
    binary.parent.mkdir(parents=True)
    binary.write_text(f'#!/bin/sh\necho "$@" >> {log}\necho v{version}\n')
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


def test_the_cli_version_is_asked_once_per_binary(tmp_path: Path) -> None:
    log = tmp_path / "calls"
    binary = _fake_cli(tmp_path / "cli", "3.150.0", log)
    cache = tmp_path / "data" / "pulumi-cli-version.json"

    first = cli_command(binary, cache)
    second = cli_command(binary, cache)
    assert log.read_text().split() == ["version"]  # the second one came from the file
    assert str(first.version) == str(second.version) == "3.150.0"
    assert second.command == first.command == str(binary)
    assert isinstance(second, auto.PulumiCommand)
    assert json.loads(cache.read_text())["version"] == "3.150.0"

    binary.write_text(binary.read_text().replace("3.150.0", "3.151.1"))  # another build
    os.utime(binary, ns=(1, 1))
    third = cli_command(binary, cache)
    assert str(third.version) == "3.151.1"
    assert log.read_text().split() == ["version", "version"]


def test_an_unreadable_version_file_means_asking_the_cli(tmp_path: Path) -> None:
    log = tmp_path / "calls"
    binary = _fake_cli(tmp_path / "cli", "3.150.0", log)
    cache = tmp_path / "pulumi-cli-version.json"
    cache.write_text("{broken")
    assert str(cli_command(binary, cache).version) == "3.150.0"
    assert log.read_text().split() == ["version"]
    assert json.loads(cache.read_text())["version"] == "3.150.0"  # and repaired

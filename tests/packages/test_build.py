"""build_package: reproducible archives with checksums, validated before writing."""

from __future__ import annotations

import os
import shutil
import tarfile
from pathlib import Path

import pytest

from locus_iac.errors import UnsafeArchiveError, ValidationError
from locus_iac.packages import build_package, read_package, render_checksums

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "packages"


def _copy(name: str, dest: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / name, dest / name))


def test_same_content_gives_the_same_bytes_whatever_the_mtimes(tmp_path: Path) -> None:
    first = build_package(_copy("edge_knf", tmp_path / "a"), tmp_path / "one.tar.gz")
    second_src = _copy("edge_knf", tmp_path / "b")
    for path in second_src.rglob("*"):
        os.utime(path, (1_000_000, 1_000_000))
    second = build_package(second_src, tmp_path / "two.tar.gz")
    assert first.read_bytes() == second.read_bytes()


def test_archive_layout_is_normalised(tmp_path: Path) -> None:
    out = build_package(_copy("cloud_vnf", tmp_path), tmp_path / "cloud_vnf.tar.gz")
    with tarfile.open(out) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names[0] == "cloud_vnf"
    dirs = [m.name for m in members if m.isdir()]
    files = [m.name for m in members if m.isfile()]
    assert names == sorted(dirs) + sorted(files)  # folders first, each group sorted
    assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 and m.uname == "" for m in members)
    assert {m.mode for m in members if m.isdir()} == {0o755}
    assert "cloud_vnf/checksums.txt" in names
    assert out.read_bytes()[4:8] == b"\x00\x00\x00\x00"  # gzip header mtime 0


def test_checksums_are_regenerated_and_verified_on_read(tmp_path: Path) -> None:
    src = _copy("cloud_vnf", tmp_path)
    (src / "checksums.txt").write_text("0" * 32 + "  cloud_vnfd.yaml\n")  # stale: ignored
    package = read_package(build_package(src, tmp_path / "out.tar.gz"))
    files = {k: v for k, v in package.files.items() if k != "checksums.txt"}
    assert package.read("checksums.txt") == render_checksums(files)
    assert "cloud_init/cloud_vdu.cfg" in package.read("checksums.txt").decode()


def test_default_output_is_beside_the_folder(tmp_path: Path) -> None:
    out = build_package(_copy("cloud_ns", tmp_path))
    assert out == (tmp_path / "cloud_ns.tar.gz").resolve()
    assert read_package(out).id == "cloud_ns"


def test_invalid_folder_is_not_built(tmp_path: Path) -> None:
    src = _copy("cloud_vnf", tmp_path)
    (src / "cloud_init" / "cloud_vdu.cfg").unlink()
    with pytest.raises(ValidationError) as caught:
        build_package(src, tmp_path / "out.tar.gz")
    assert [i.code for i in caught.value.issues] == ["missing-file"]
    assert not (tmp_path / "out.tar.gz").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["cloud_vnf"]


def test_folder_with_a_symlink_is_not_built(tmp_path: Path) -> None:
    src = _copy("cloud_ns", tmp_path)
    (src / "passwd").symlink_to("/etc/passwd")
    with pytest.raises(UnsafeArchiveError):
        build_package(src, tmp_path / "out.tar.gz")
    assert not (tmp_path / "out.tar.gz").exists()


def test_output_inside_the_folder_is_refused(tmp_path: Path) -> None:
    src = _copy("cloud_ns", tmp_path)
    with pytest.raises(ValidationError) as caught:
        build_package(src, src / "cloud_ns.tar.gz")
    assert caught.value.issues[0].code == "output-inside-package"

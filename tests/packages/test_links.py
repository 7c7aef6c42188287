"""Symbolic links inside a package are followed; every other link is still refused."""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path

import pytest

from locus_iac.errors import UnsafeArchiveError
from locus_iac.packages import PackageLimits, build_package, inspect_package, read_package

from .archives import MINIMAL_VNFD, Member, tar_bytes, zip_bytes

DESCRIPTOR = Member("pkg/tiny.yaml", MINIMAL_VNFD)
CHARM = Member("pkg/charms/c/src/charm.py", b"#!/usr/bin/env python3\n", mode=0o755)


def _link(name: str, target: str) -> Member:
    return Member(name, kind=tarfile.SYMTYPE, linkname=target)


def test_a_charm_hook_linking_into_the_package_is_followed() -> None:
    data = tar_bytes([DESCRIPTOR, CHARM, _link("pkg/charms/c/hooks/install", "../src/charm.py")])
    package = read_package(data)
    assert package.read("charms/c/hooks/install") == CHARM.data
    assert "charms/c/hooks/install" in package.executable


def test_a_link_to_a_folder_inside_copies_its_files() -> None:
    data = tar_bytes([DESCRIPTOR, CHARM, _link("pkg/charms/alias", "c")])
    package = read_package(data)
    assert package.read("charms/alias/src/charm.py") == CHARM.data


def test_extracting_a_package_with_followed_links_writes_regular_files(tmp_path: Path) -> None:
    data = tar_bytes([DESCRIPTOR, CHARM, _link("pkg/charms/c/hooks/install", "../src/charm.py")])
    root = read_package(data).extract(tmp_path / "out")
    hook = root / "charms" / "c" / "hooks" / "install"
    assert not hook.is_symlink() and hook.read_bytes() == CHARM.data


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("/etc/passwd", "absolute"),
        ("../../etc/passwd", "outside the package"),
        ("../../other/file", "outside the package"),  # inside the archive, outside pkg/
        ("C:/windows", "absolute"),
        ("missing.txt", "not in the package"),
        ("", "empty target"),
    ],
)
def test_links_leaving_the_package_or_naming_nothing_are_refused(target: str, why: str) -> None:
    data = tar_bytes([DESCRIPTOR, _link("pkg/scripts/l", target)])
    with pytest.raises(UnsafeArchiveError) as caught:
        read_package(data)
    (issue,) = caught.value.issues
    assert (issue.path, issue.code) == ("/archive/pkg/scripts/l", "link-member")
    assert why in issue.message


def test_chains_and_loops_are_refused() -> None:
    data = tar_bytes(
        [
            DESCRIPTOR,
            CHARM,
            _link("pkg/a", "b"),  # a chain: b is itself a link
            _link("pkg/b", "charms/c/src/charm.py"),
            _link("pkg/loop", "loop"),  # names itself
            _link("pkg/charms/c/up", ".."),  # a folder holding the link itself
        ]
    )
    check = inspect_package(data)
    assert check.package is None and check.unsafe
    refused = sorted(i.path for i in check.issues if i.code == "link-member")
    assert refused == ["/archive/pkg/a", "/archive/pkg/charms/c/up", "/archive/pkg/loop"]


def test_hard_links_devices_and_fifos_stay_refused() -> None:
    data = tar_bytes(
        [
            DESCRIPTOR,
            Member("pkg/hard", kind=tarfile.LNKTYPE, linkname="pkg/tiny.yaml"),
            Member("pkg/dev", kind=tarfile.CHRTYPE),
            Member("pkg/fifo", kind=tarfile.FIFOTYPE),
        ]
    )
    codes = sorted((i.path, i.code) for i in inspect_package(data).issues)
    assert codes == [
        ("/archive/pkg/dev", "special-file"),
        ("/archive/pkg/fifo", "special-file"),
        ("/archive/pkg/hard", "link-member"),
    ]


def test_followed_links_count_against_the_limits() -> None:
    big = Member("pkg/big.bin", b"x" * 600)
    links = [_link(f"pkg/copy{i}", "big.bin") for i in range(3)]
    data = tar_bytes([DESCRIPTOR, big, *links])
    limits = PackageLimits(max_total_bytes=len(MINIMAL_VNFD) + 1500)
    codes = [i.code for i in inspect_package(data, limits=limits).issues]
    assert "archive-too-large" in codes


def test_a_zip_link_inside_is_followed_and_one_outside_refused() -> None:
    link = stat.S_IFLNK | 0o777
    inside = zip_bytes(
        {"tiny.yaml": MINIMAL_VNFD, "scripts/run.sh": b"echo\n", "run": b"scripts/run.sh"},
        modes={"run": link},
    )
    assert read_package(inside).read("run") == b"echo\n"
    outside = zip_bytes(
        {"tiny.yaml": MINIMAL_VNFD, "evil": b"../../etc/passwd"}, modes={"evil": link}
    )
    with pytest.raises(UnsafeArchiveError) as caught:
        read_package(outside)
    assert [(i.path, i.code) for i in caught.value.issues] == [("/archive/evil", "link-member")]


def test_a_folder_package_with_an_inside_link_reads_and_builds(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "scripts").mkdir(parents=True)
    (root / "tiny.yaml").write_bytes(MINIMAL_VNFD)
    (root / "scripts" / "real.sh").write_bytes(b"echo\n")
    (root / "scripts" / "alias.sh").symlink_to("real.sh")
    assert read_package(root).read("scripts/alias.sh") == b"echo\n"
    built = build_package(root, tmp_path / "out.tar.gz")
    assert read_package(built).read("scripts/alias.sh") == b"echo\n"
    os.mkfifo(root / "pipe")
    with pytest.raises(UnsafeArchiveError):
        read_package(root)

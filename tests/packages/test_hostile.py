"""Hostile archives: each is generated here and must be refused with a precise issue."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from locus_iac.errors import UnsafeArchiveError, ValidationError
from locus_iac.packages import PackageLimits, inspect_package, read_package
from locus_iac.packages._collect import StopReading
from locus_iac.packages._tar import BoundedGunzip

from .archives import MINIMAL_VNFD, Member, gzip_bomb_tar, tar_bytes, zip_bytes

DESCRIPTOR = Member("pkg/tiny.yaml", MINIMAL_VNFD)


def _codes(data: bytes, limits: PackageLimits | None = None) -> list[tuple[str, str]]:
    check = inspect_package(data, limits=limits or PackageLimits())
    assert check.package is None or not check.valid
    return [(issue.path, issue.code) for issue in check.issues]


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        (Member("pkg/../../evil.sh", b"x"), ("/archive/pkg/../../evil.sh", "path-traversal")),
        (Member("/etc/cron.d/evil", b"x"), ("/archive/etc/cron.d/evil", "absolute-path")),
        (Member("pkg\\..\\evil", b"x"), ("/archive/pkg\\..\\evil", "unsafe-path")),
        (
            Member("pkg/link", kind=tarfile.SYMTYPE, linkname="/etc/passwd"),
            ("/archive/pkg/link", "link-member"),
        ),
        (
            Member("pkg/hard", kind=tarfile.LNKTYPE, linkname="pkg/tiny.yaml"),
            ("/archive/pkg/hard", "link-member"),
        ),
        (Member("pkg/dev", kind=tarfile.CHRTYPE), ("/archive/pkg/dev", "special-file")),
        (Member("pkg/disk", kind=tarfile.BLKTYPE), ("/archive/pkg/disk", "special-file")),
        (Member("pkg/pipe", kind=tarfile.FIFOTYPE), ("/archive/pkg/pipe", "special-file")),
        (Member("pkg/tiny.yaml", b"again"), ("/archive/pkg/tiny.yaml", "duplicate-member")),
        (Member("pkg/tiny.yaml/x", b"x"), ("/archive/pkg/tiny.yaml/x", "path-conflict")),
    ],
)
def test_unsafe_tar_member_is_refused(member: Member, expected: tuple[str, str]) -> None:
    data = tar_bytes([DESCRIPTOR, member])
    with pytest.raises(UnsafeArchiveError) as caught:
        read_package(data)
    assert expected in [(i.path, i.code) for i in caught.value.issues]


def test_more_than_one_top_folder_is_refused() -> None:
    data = tar_bytes([DESCRIPTOR, Member("other/file.txt", b"x")])
    assert _codes(data) == [("/archive", "multiple-top-folders")]


def test_file_outside_the_top_folder_is_refused() -> None:
    data = tar_bytes([DESCRIPTOR, Member("loose.txt", b"x")])
    assert ("/archive/loose.txt", "file-outside-top-folder") in _codes(data)


def test_too_many_members_stops_reading() -> None:
    members = [DESCRIPTOR, *(Member(f"pkg/f{i}.txt", b"x") for i in range(20))]
    assert _codes(tar_bytes(members), PackageLimits(max_files=10)) == [
        ("/archive", "too-many-files")
    ]


def test_member_over_the_size_limit_is_refused() -> None:
    data = tar_bytes([DESCRIPTOR, Member("pkg/big.bin", os.urandom(4096))])
    assert ("/archive/pkg/big.bin", "member-too-large") in _codes(
        data, PackageLimits(max_member_bytes=2048)
    )


def test_total_size_over_the_limit_stops_reading() -> None:
    members = [DESCRIPTOR, *(Member(f"pkg/f{i}.bin", os.urandom(1000)) for i in range(10))]
    codes = _codes(tar_bytes(members), PackageLimits(max_total_bytes=5000, max_ratio=1000))
    assert ("/archive", "archive-too-large") in codes


def test_path_deeper_than_the_limit_is_refused() -> None:
    deep = "pkg/" + "/".join(["d"] * 20) + "/f.txt"
    data = tar_bytes([DESCRIPTOR, Member(deep, b"x")])
    assert ("path-too-deep") in [code for _, code in _codes(data)]


def test_gzip_bomb_is_stopped_early_by_the_ratio() -> None:
    bomb = gzip_bomb_tar(300 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # 300 MiB of zeros packs into a few hundred KiB
    stream = BoundedGunzip(bomb, PackageLimits())
    with pytest.raises(StopReading) as caught:
        while stream.read(1 << 16):
            pass
    assert caught.value.issue.code == "compression-ratio"
    assert stream.inflated < 2 * 1024 * 1024  # stopped after ~1 MiB, not 300 MiB
    codes = _codes(bomb)
    assert ("/archive/pkg/zeros.bin", "member-too-large") in codes  # declared in the header
    assert codes[-1] == ("/archive", "compression-ratio")  # skipping it inflates: stopped


def test_gzip_bomb_under_the_ratio_is_stopped_by_the_total_size() -> None:
    bomb = gzip_bomb_tar(8 * 1024 * 1024)
    limits = PackageLimits(max_total_bytes=2 * 1024 * 1024, max_ratio=10_000)
    stream = BoundedGunzip(bomb, limits)
    with pytest.raises(StopReading):
        while stream.read(1 << 16):
            pass
    assert stream.inflated <= 2 * 1024 * 1024 + 256 * 1024
    assert _codes(bomb, limits)[-1] == ("/archive", "archive-too-large")


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (gzip.compress(b"not a tar at all" * 100), "not a tar inside"),
        (gzip.compress(tar_bytes([DESCRIPTOR], gz=False))[:-30], "truncated gzip"),
        (b"\x1f\x8b\x08\x00garbage", "broken deflate stream"),
        (b"PK\x03\x04 broken zip", "broken zip"),
    ],
)
def test_corrupt_archive_is_an_issue(data: bytes, why: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read_package(data)
    assert caught.value.issues[0].code == "corrupt-archive", why


def test_truncated_member_is_an_issue() -> None:
    raw = tar_bytes([DESCRIPTOR, Member("pkg/cut.bin", b"x" * 5000)], gz=False)
    data = gzip.compress(raw[: 512 * 4])
    assert _codes(data)[0][1] == "corrupt-archive"


@pytest.mark.parametrize(
    ("name", "mode", "flag", "code"),
    [
        ("../evil.sh", stat.S_IFREG | 0o644, 0, "path-traversal"),
        ("/abs.txt", stat.S_IFREG | 0o644, 0, "absolute-path"),
        ("C:/windows.txt", stat.S_IFREG | 0o644, 0, "absolute-path"),
        ("link", stat.S_IFLNK | 0o777, 0, "link-member"),
        ("pipe", stat.S_IFIFO | 0o644, 0, "special-file"),
        ("secret.txt", stat.S_IFREG | 0o644, 0x1, "encrypted-member"),
    ],
)
def test_unsafe_zip_member_is_refused(name: str, mode: int, flag: int, code: str) -> None:
    data = zip_bytes(
        {"tiny.yaml": MINIMAL_VNFD, name: b"payload"}, modes={name: mode}, flags={name: flag}
    )
    with pytest.raises(UnsafeArchiveError) as caught:
        read_package(data)
    assert code in [i.code for i in caught.value.issues]


def test_zip_member_with_a_bomb_ratio_is_refused_before_inflating() -> None:
    data = zip_bytes({"tiny.yaml": MINIMAL_VNFD, "zeros.bin": bytes(16 * 1024 * 1024)})
    assert ("/archive/zeros.bin", "compression-ratio") in _codes(data)


def test_zip_with_too_many_members_is_refused_from_its_directory() -> None:
    data = zip_bytes({f"f{i}.txt": b"x" for i in range(30)})
    assert _codes(data, PackageLimits(max_files=10)) == [("/archive", "too-many-files")]


def test_folder_with_a_symlink_or_fifo_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "tiny.yaml").write_bytes(MINIMAL_VNFD)
    (root / "passwd").symlink_to("/etc/passwd")
    os.mkfifo(root / "pipe")
    with pytest.raises(UnsafeArchiveError) as caught:
        read_package(root)
    assert sorted((i.path, i.code) for i in caught.value.issues) == [
        ("/archive/pkg/passwd", "link-member"),
        ("/archive/pkg/pipe", "special-file"),
    ]


def test_reading_hostile_archives_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work" / "deeper"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    hostile = [
        tar_bytes([DESCRIPTOR, Member("pkg/../../escaped.txt", b"x")]),
        tar_bytes([DESCRIPTOR, Member("pkg/l", kind=tarfile.SYMTYPE, linkname="../..")]),
        zip_bytes({"tiny.yaml": MINIMAL_VNFD, "../../escaped.txt": b"x"}),
    ]
    for data in hostile:
        assert not inspect_package(data).valid
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["deeper", "work"]


def test_pax_header_cannot_smuggle_a_traversal() -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(tarfile.TarInfo("pkg"), None)
        info = tarfile.TarInfo("pkg/harmless.txt")
        info.pax_headers = {"path": "pkg/../../etc/evil"}
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    assert ("/archive/pkg/../../etc/evil", "path-traversal") in _codes(
        gzip.compress(raw.getvalue())
    )


def test_bounded_gunzip_reads_concatenated_members_and_zero_padding() -> None:
    data = gzip.compress(b"first ", mtime=0) + gzip.compress(b"second", mtime=0) + bytes(512)
    assert BoundedGunzip(data, PackageLimits()).read() == b"first second"


def test_bounded_gunzip_refuses_trailing_garbage() -> None:
    from locus_iac.packages._tar import CorruptArchive

    stream = BoundedGunzip(gzip.compress(b"payload") + b"garbage!", PackageLimits())
    with pytest.raises(CorruptArchive):
        stream.read()


@pytest.mark.parametrize("field", ["max_files", "max_total_bytes", "max_path_depth"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        PackageLimits(**{field: 0})
    with pytest.raises(ValueError, match="max_ratio"):
        PackageLimits(max_ratio=0.5)

"""checksums.txt: verified when present, written by build."""

from __future__ import annotations

import hashlib

import pytest

from locus_iac.errors import ValidationError
from locus_iac.packages import inspect_package, read_package, render_checksums

from .archives import MINIMAL_VNFD, package_tar

CFG = b"#cloud-config\n"


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_rendered_checksums_are_md5sum_lines_sorted_by_path() -> None:
    text = render_checksums({"b.txt": b"b", "a/x.cfg": CFG, "checksums.txt": b"old"})
    assert text.decode() == f"{_md5(CFG)}  a/x.cfg\n{_md5(b'b')}  b.txt\n"


@pytest.mark.parametrize(
    "line",
    [
        f"{_md5(CFG)}  cloud_init/x.cfg",  # md5sum style, relative to the top folder
        f"{_md5(CFG)}\tpkg/cloud_init/x.cfg",  # OSM client style: tab, top folder included
        f"{_md5(CFG)}\t/home/me/pkgs/pkg/cloud_init/x.cfg",  # built from an absolute path
        f"{hashlib.sha256(CFG).hexdigest()}  ./cloud_init/x.cfg",  # SHA-256
        f"{_md5(CFG).upper()} *cloud_init/x.cfg",  # binary-mode marker, upper case
    ],
)
def test_matching_checksums_in_the_usual_formats_are_accepted(line: str) -> None:
    files = {"tiny.yaml": MINIMAL_VNFD, "cloud_init/x.cfg": CFG}
    data = package_tar({**files, "checksums.txt": f"# sums\n\n{line}\n".encode()})
    assert read_package(data).read("cloud_init/x.cfg") == CFG


def test_mismatch_names_the_member() -> None:
    sums = f"{_md5(b'something else')}  cloud_init/x.cfg\n".encode()
    data = package_tar({"tiny.yaml": MINIMAL_VNFD, "cloud_init/x.cfg": CFG, "checksums.txt": sums})
    with pytest.raises(ValidationError) as caught:
        read_package(data, strict=True)
    (issue,) = caught.value.issues
    assert (issue.path, issue.code) == ("/archive/pkg/cloud_init/x.cfg", "checksum-mismatch")
    assert _md5(CFG) in issue.message
    lenient = inspect_package(data)  # OSM does not check checksums.txt: a warning
    assert lenient.valid and lenient.issues == ()
    assert lenient.warnings == (issue,)


@pytest.mark.parametrize(
    ("sums", "code"),
    [
        (f"{_md5(CFG)}  cloud_init/absent.cfg\n", "checksum-missing-file"),
        ("not a checksum line\n", "checksum-malformed"),
        ("abc123  cloud_init/x.cfg\n", "checksum-malformed"),
        (None, "checksum-malformed"),
    ],
)
def test_broken_checksum_lists_are_reported(sums: str | None, code: str) -> None:
    raw = sums.encode() if sums is not None else b"\xff\xfe not utf-8"
    data = package_tar({"tiny.yaml": MINIMAL_VNFD, "cloud_init/x.cfg": CFG, "checksums.txt": raw})
    check = inspect_package(data, strict=True)
    assert [(i.path, i.code) for i in check.issues] == [("/archive/pkg/checksums.txt", code)]
    lenient = inspect_package(data)
    assert lenient.valid
    assert [(i.path, i.code) for i in lenient.warnings] == [("/archive/pkg/checksums.txt", code)]

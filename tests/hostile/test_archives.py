"""Hostile archives read in-process: refused with a precise issue, within hard budgets.

Timing bounds here are generous guards against hang-for-hours defects (issue 14), not
performance measurements; memory is measured in a child process (``ru_maxrss``).
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest

from locus_iac.packages import PackageLimits, inspect_package, read_package

from .corpus import (
    VNFD,
    empty_gzip_members,
    pax_huge_header,
    pax_huge_size,
    valid_package,
    yaml_huge_int,
    zip_lying_sizes,
    zip_overlapping,
)

HANG_GUARD = 10.0  # seconds; the defects took minutes to hours


def _issues(data: bytes, limits: PackageLimits | None = None) -> list[tuple[str, str]]:
    check = inspect_package(data, limits=limits or PackageLimits())
    assert not check.valid
    return [(issue.path, issue.code) for issue in check.issues]


@pytest.mark.timeout(120)
def test_pax_declared_size_is_refused_without_reading_it() -> None:
    """Defect 1: 124 bytes whose PAX header declares 10^15 bytes looped for hours."""
    data = pax_huge_size()
    assert len(data) < 200
    started = time.monotonic()
    issues = _issues(data)
    assert time.monotonic() - started < HANG_GUARD
    assert issues[0] == ("/archive/p/huge", "member-too-large")
    assert issues[-1][1] == "corrupt-archive"  # the declared bytes are not there


@pytest.mark.timeout(120)
def test_pax_record_declaring_a_huge_length_is_refused_before_reading() -> None:
    issues = _issues(pax_huge_header())
    assert issues == [("/archive", "member-too-large")]


@pytest.mark.timeout(120)
def test_many_empty_gzip_members_are_refused_quickly() -> None:
    """Defect 3: 160,000 empty gzip members took 33 s (quadratic) to refuse."""
    data = empty_gzip_members(160_000)
    started = time.monotonic()
    assert _issues(data) == [("/archive", "too-many-gzip-members")]
    assert time.monotonic() - started < HANG_GUARD


@pytest.mark.timeout(120)
def test_multi_member_gzip_is_read_in_linear_time_even_without_the_member_cap() -> None:
    limits = PackageLimits(max_gzip_members=10**7)
    started = time.monotonic()
    issues = _issues(empty_gzip_members(160_000), limits)
    assert time.monotonic() - started < HANG_GUARD
    assert issues == [("/archive", "corrupt-archive")]  # no tar inside: refused, not hung


def test_a_package_split_into_gzip_members_is_still_read() -> None:
    raw = gzip.decompress(valid_package())
    pieces = [raw[i : i + 700] for i in range(0, len(raw), 700)]
    data = b"".join(gzip.compress(piece, mtime=0) for piece in pieces)
    assert len(pieces) > 3
    assert read_package(data).id == "hostile_vnf"


def _peak_rss_mib(builder: str) -> tuple[int, dict[str, object]]:
    """Read the package made by ``corpus.<builder>()`` in a child; (peak RSS MiB, result)."""
    code = f"""
import json, resource, sys
sys.path.insert(0, {str(Path(__file__).parents[1])!r})
from hostile.corpus import {builder}
from locus_iac.packages import inspect_package
data = {builder}()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
check = inspect_package(data)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"valid": check.valid, "codes": [i.code for i in check.issues],
                   "grew_kib": after - before}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return int(result["grew_kib"]) // 1024, result


@pytest.mark.timeout(300)
def test_zip_whose_headers_under_declare_the_ratio_is_refused_by_inflated_bytes() -> None:
    """Defect 5: a 246 KB zip passed the 100:1 check from its headers and cost ~300 MB."""
    data = zip_lying_sizes()
    assert len(data) < 300_000
    assert ("/archive/blob0.bin", "compression-ratio") in _issues(data)
    grew_mib, result = _peak_rss_mib("zip_lying_sizes")
    assert result["valid"] is False and "compression-ratio" in result["codes"]
    assert grew_mib < 64, f"reading the hostile zip raised peak memory by {grew_mib} MiB"


def test_zip_entries_sharing_one_stream_are_refused() -> None:
    assert ("/archive/k0000000.bin", "overlapping-members") in _issues(zip_overlapping())


def test_huge_yaml_integer_is_an_issue_with_its_pointer() -> None:
    """Defect 6: an integer of more than 4,300 digits was a ValueError (500)."""
    assert _issues(yaml_huge_int()) == [
        ("/vnfd/virtual-storage-desc/0/size-of-storage", "number-too-large")
    ]
    assert read_package(VNFD).id == "hostile_vnf"  # the control sample stays valid


def test_a_cancelled_budget_stops_reading() -> None:
    from locus_iac.packages.budget import ReadBudget, reading_budget  # new in issue 14

    cancelled = threading.Event()
    cancelled.set()
    with reading_budget(ReadBudget(60, cancelled)):
        issues = _issues(valid_package())
    assert issues == [("/archive", "read-cancelled")]


def test_an_exhausted_budget_stops_reading() -> None:
    from locus_iac.packages.budget import ReadBudget, reading_budget

    budget = ReadBudget(60)
    budget.deadline = time.monotonic() - 1  # the clock has run out
    with reading_budget(budget):
        assert _issues(empty_gzip_members(100)) == [("/archive", "read-time-exceeded")]


def test_tar_long_names_from_gnu_and_pax_formats_are_read() -> None:
    long = "pkg/" + "d" * 120 + "/" + "f" * 110 + ".txt"
    for fmt in (tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=fmt) as tar:
            for name, content in (("pkg/vnfd.yaml", VNFD), (long, b"x")):
                info = tarfile.TarInfo(name)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
        package = read_package(gzip.compress(raw.getvalue()))
        assert package.read(long.removeprefix("pkg/")) == b"x"

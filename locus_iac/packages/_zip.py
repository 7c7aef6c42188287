"""Reader for SOL004/SOL007 CSAR zip packages.

The central directory is checked before any member is inflated: member count, names, kinds
(Unix mode bits in ``external_attr`` reveal links, devices and FIFOs), encryption, declared
sizes and per-member compression ratio. Each member is then inflated with a read bounded by
its declared size (``zipfile`` never returns more than the declared size) and verified to be
exactly that long.
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib

from locus_iac.errors import Issue
from locus_iac.packages._collect import MemberCollector, StopReading
from locus_iac.packages.limits import PackageLimits

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def _zip_member_kind(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return "link-member", "a symbolic link"
    if kind in (stat.S_IFCHR, stat.S_IFBLK):
        return "special-file", "a device file"
    if kind in (stat.S_IFIFO, stat.S_IFSOCK):
        return "special-file", "a FIFO or socket"
    if info.flag_bits & 0x1:
        return "encrypted-member", "encrypted"
    return None


def _ratio_issue(info: zipfile.ZipInfo, limits: PackageLimits) -> str | None:
    if info.file_size <= limits.ratio_grace_bytes:
        return None
    ratio = info.file_size / max(1, info.compress_size)
    if ratio > limits.max_ratio:
        return f"member {info.filename!r} inflates {ratio:.0f}:1, above {limits.max_ratio:g}:1"
    return None


def read_zip(data: bytes, limits: PackageLimits) -> MemberCollector:
    """Read every member of a zip archive held in ``data``."""
    collector = MemberCollector(limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_files:
                raise StopReading(
                    Issue("/archive", "too-many-files", f"more than {limits.max_files} members")
                )
            for info in infos:
                _read_member(archive, info, collector)
    except StopReading as stop:
        collector.issues.append(stop.issue)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        collector.issues.append(Issue("/archive", "corrupt-archive", f"unreadable archive: {exc}"))
    return collector


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, into: MemberCollector) -> None:
    kind = _zip_member_kind(info)
    if kind is not None:
        into.note(info.filename)
        into.reject(info.filename, kind[0], f"member {info.filename!r} is {kind[1]}")
        return
    ratio = _ratio_issue(info, into.limits)
    if ratio is not None:
        into.note(info.filename)
        into.reject(info.filename, "compression-ratio", ratio)
        return
    parts = into.admit(info.filename, info.file_size, is_dir=info.is_dir())
    if parts is None:
        return
    with archive.open(info) as handle:
        payload = handle.read(info.file_size + 1)
    if len(payload) != info.file_size:
        into.reject(info.filename, "corrupt-archive", f"member {info.filename!r} has a wrong size")
        return
    mode = info.external_attr >> 16
    into.add(parts, payload, executable=bool(mode & 0o111))

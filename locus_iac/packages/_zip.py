"""Reader for SOL004/SOL007 CSAR zip packages.

The central directory (parsed by :mod:`zipfile`) is checked before any member is inflated:
member count, names, kinds (Unix mode bits in ``external_attr`` reveal links, devices and
FIFOs), encryption, compression method, declared sizes and declared ratio. The headers are
then never trusted again: each member's data is located from its own local header, inflated
here with a bounded :func:`zlib.decompressobj` loop, and judged by the bytes actually
consumed and produced - a member that inflates past its declared size, past the member
limit, or beyond the ratio limit (per member and for the whole archive) is stopped at once.
Members whose data overlap (several directory entries sharing one stream, the "overlapping
zip bomb") are refused, and each member's CRC-32 is checked.
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass

from locus_iac.errors import Issue
from locus_iac.packages._collect import MemberCollector, StopReading, member_pointer
from locus_iac.packages.budget import ReadBudget, current_budget
from locus_iac.packages.limits import PackageLimits

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_LOCAL = struct.Struct("<4s5H3L2H")
_CHUNK = 64 * 1024
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_STOPPING = frozenset({"overlapping-members", "compression-ratio"})


class _BadMember(Exception):
    """One member's data is unusable: (code, message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


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
    if info.compress_type not in _METHODS:
        return "unsupported-compression", f"compressed with method {info.compress_type}"
    return None


def _ratio_issue(info: zipfile.ZipInfo, limits: PackageLimits) -> str | None:
    if info.file_size <= limits.ratio_grace_bytes:
        return None
    ratio = info.file_size / max(1, info.compress_size)
    if ratio > limits.max_ratio:
        return f"member {info.filename!r} inflates {ratio:.0f}:1, above {limits.max_ratio:g}:1"
    return None


@dataclass
class _Archive:
    """The archive bytes and what has been inflated from them so far."""

    data: memoryview
    limits: PackageLimits
    budget: ReadBudget
    inflated: int = 0
    used_until: int = 0  # end of the last member's data: the next must start after it

    def check_total(self) -> None:
        limits = self.limits
        if self.inflated > limits.max_total_bytes:
            raise StopReading(
                Issue("/archive", "archive-too-large", f"more than {limits.max_total_bytes} bytes")
            )
        ratio = self.inflated / max(1, len(self.data))
        if self.inflated > limits.ratio_grace_bytes and ratio > limits.max_ratio:
            raise StopReading(
                Issue(
                    "/archive",
                    "compression-ratio",
                    f"the archive inflates above {limits.max_ratio:g}:1; reading stopped",
                )
            )


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
        state = _Archive(memoryview(data), limits, current_budget(limits))
        for info in sorted(infos, key=lambda i: i.header_offset):
            _read_member(state, info, collector)
    except StopReading as stop:
        collector.issues.append(stop.issue)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError) as exc:
        collector.issues.append(Issue("/archive", "corrupt-archive", f"unreadable archive: {exc}"))
    return collector


def _read_member(state: _Archive, info: zipfile.ZipInfo, into: MemberCollector) -> None:
    state.budget.check()
    kind = _zip_member_kind(info)
    if stat.S_IFMT(info.external_attr >> 16) == stat.S_IFLNK:  # followed later (_links)
        _read_link(state, info, into)
        return
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
    try:
        payload = _inflate(state, info)
    except _BadMember as bad:
        if bad.code in _STOPPING:  # the archive is hostile: nothing more is read from it
            raise StopReading(Issue(member_pointer(info.filename), bad.code, str(bad))) from None
        into.reject(info.filename, bad.code, str(bad))
        return
    mode = info.external_attr >> 16
    into.add(parts, payload, executable=bool(mode & 0o111))


def _read_link(state: _Archive, info: zipfile.ZipInfo, into: MemberCollector) -> None:
    """A symbolic link's data is its target path: read it (bounded), resolved later."""
    if info.file_size > into.limits.max_path_length:
        into.note(info.filename)
        into.reject(info.filename, "link-member", f"member {info.filename!r} has a huge target")
        return
    try:
        target = _inflate(state, info)
    except _BadMember as bad:
        into.note(info.filename)
        into.reject(info.filename, bad.code, str(bad))
        return
    into.add_link(info.filename, target.decode("utf-8", "surrogateescape"))


def _data_start(state: _Archive, info: zipfile.ZipInfo) -> int:
    """Where the member's data starts, from its own local header (checked against the
    central directory entry), refusing data that overlaps the previous member's."""
    at = info.header_offset
    if at < state.used_until:
        raise _BadMember(
            "overlapping-members", f"member {info.filename!r} overlaps another member's data"
        )
    header = bytes(state.data[at : at + _LOCAL.size])
    if len(header) != _LOCAL.size or header[:4] != b"PK\x03\x04":
        raise _BadMember("corrupt-archive", f"member {info.filename!r} has no local header")
    name_len: int
    extra_len: int
    name_len, extra_len = struct.unpack_from("<2H", header, 26)
    name = bytes(state.data[at + _LOCAL.size : at + _LOCAL.size + name_len])
    if name.decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace") != info.orig_filename:
        raise _BadMember(
            "corrupt-archive", f"member {info.filename!r}: local and central names differ"
        )
    return at + _LOCAL.size + name_len + extra_len


def _inflate(state: _Archive, info: zipfile.ZipInfo) -> bytes:
    start = _data_start(state, info)
    if info.compress_type == zipfile.ZIP_STORED:
        payload = bytes(state.data[start : start + info.compress_size])
        consumed = len(payload)
    else:
        payload, consumed = _deflate(state, info, start)
    state.used_until = start + consumed
    if len(payload) != info.file_size:
        raise _BadMember("corrupt-archive", f"member {info.filename!r} has a wrong size")
    if zlib.crc32(payload) != info.CRC:
        raise _BadMember("corrupt-archive", f"member {info.filename!r} fails its CRC-32")
    return payload


def _deflate(state: _Archive, info: zipfile.ZipInfo, start: int) -> tuple[bytes, int]:
    """Inflate one raw deflate stream from ``start``; (bytes, compressed bytes consumed)."""
    limits = state.limits
    cap = min(info.file_size, limits.max_member_bytes) + 1  # one byte more reveals a lie
    dec = zlib.decompressobj(-zlib.MAX_WBITS)
    out: list[bytes] = []
    produced = fed = 0
    while not dec.eof and produced < cap:
        state.budget.check()
        chunk: bytes | memoryview = dec.unconsumed_tail
        if not chunk:
            chunk = state.data[start + fed : start + fed + _CHUNK]
            fed += len(chunk)
        if not chunk:
            raise _BadMember("corrupt-archive", f"member {info.filename!r} is truncated")
        try:
            piece = dec.decompress(chunk, min(_CHUNK, cap - produced))
        except zlib.error as exc:
            raise _BadMember("corrupt-archive", f"member {info.filename!r}: {exc}") from None
        produced += len(piece)
        state.inflated += len(piece)
        out.append(piece)
        consumed = fed - len(dec.unconsumed_tail) - len(dec.unused_data)
        _check_ratio(state, info, produced, consumed)
        state.check_total()
    return b"".join(out), fed - len(dec.unconsumed_tail) - len(dec.unused_data)


def _check_ratio(state: _Archive, info: zipfile.ZipInfo, produced: int, consumed: int) -> None:
    limits = state.limits
    if produced > limits.ratio_grace_bytes and produced / max(1, consumed) > limits.max_ratio:
        raise _BadMember(
            "compression-ratio",
            f"member {info.filename!r} really inflates above {limits.max_ratio:g}:1 "
            f"({consumed} bytes to more than {produced}); its headers say otherwise",
        )

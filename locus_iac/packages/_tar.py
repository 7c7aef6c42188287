"""Streaming reader for tar and tar.gz packages (the OSM layout).

The gzip layer is inflated by :class:`BoundedGunzip`, which counts inflated and consumed
bytes as it goes and stops the moment the total size or the compression ratio exceeds the
limits: a gzip bomb is abandoned after a few MiB, never inflated. The tar layer is read in
stream mode (``r|``), one member after another, so nothing is buffered beyond the member
being read, and nothing is ever written to disk.
"""

from __future__ import annotations

import io
import tarfile
import zlib
from typing import TYPE_CHECKING

from locus_iac.errors import Issue
from locus_iac.packages._collect import MemberCollector, StopReading
from locus_iac.packages.limits import PackageLimits

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024


class CorruptArchive(Exception):
    """The container itself cannot be decoded."""


class BoundedGunzip(io.RawIOBase):
    """A read-only gzip decoder over bytes that enforces size and ratio limits."""

    def __init__(self, data: bytes, limits: PackageLimits) -> None:
        super().__init__()
        self._src = memoryview(data)
        self._pos = 0
        self._limits = limits
        self._dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""
        self._done = False
        self.inflated = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        while not self._pending and not self._done:
            self._fill(len(view))
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _next_member(self) -> None:
        """After one gzip member ends: start the next one, accept zero padding, or fail."""
        self._pos -= len(self._dec.unused_data)
        rest = self._src[self._pos :]
        if len(rest) == 0 or not bytes(rest).strip(b"\x00"):
            self._done = True
        elif bytes(rest[:2]) == GZIP_MAGIC:
            self._dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
        else:
            raise CorruptArchive("trailing garbage after the gzip stream")

    def _fill(self, want: int) -> None:
        if self._dec.eof:
            self._next_member()
            return
        if self._dec.unconsumed_tail:
            chunk: bytes | memoryview = self._dec.unconsumed_tail
        else:
            chunk = self._src[self._pos : self._pos + _CHUNK]
            self._pos += len(chunk)
        if not chunk:
            raise CorruptArchive("the gzip stream is truncated")
        try:
            out = self._dec.decompress(chunk, max(want, _CHUNK))
        except zlib.error as exc:
            raise CorruptArchive(f"not a valid gzip stream ({exc})") from None
        self.inflated += len(out)
        self._check_limits()
        self._pending = out

    def _check_limits(self) -> None:
        limits = self._limits
        if self.inflated > limits.max_total_bytes:
            raise StopReading(
                Issue(
                    "/archive",
                    "archive-too-large",
                    f"more than {limits.max_total_bytes} bytes once inflated; reading stopped",
                )
            )
        consumed = max(1, self._pos - len(self._dec.unconsumed_tail))
        if self.inflated > limits.ratio_grace_bytes and self.inflated / consumed > limits.max_ratio:
            raise StopReading(
                Issue(
                    "/archive",
                    "compression-ratio",
                    f"compression ratio above {limits.max_ratio:g}:1 after {consumed} bytes "
                    f"inflated to {self.inflated}; reading stopped (gzip bomb?)",
                )
            )


def _member_kind(member: tarfile.TarInfo) -> tuple[str, str] | None:
    """Return (code, what) for a member that is neither a regular file nor a directory."""
    if member.issym():
        return "link-member", f"a symbolic link to {member.linkname!r}"
    if member.islnk():
        return "link-member", f"a hard link to {member.linkname!r}"
    if member.ischr() or member.isblk():
        return "special-file", "a device file"
    if member.isfifo():
        return "special-file", "a FIFO"
    if member.issparse():
        return "special-file", "a sparse file"
    if not (member.isreg() or member.isdir()):
        return "special-file", f"a member of unsupported type {member.type!r}"
    return None


def read_tar(data: bytes, limits: PackageLimits, *, gzipped: bool) -> MemberCollector:
    """Read every member of a tar (optionally gzip-compressed) held in ``data``."""
    collector = MemberCollector(limits)
    stream: io.BufferedIOBase = (
        io.BufferedReader(BoundedGunzip(data, limits), buffer_size=_CHUNK)
        if gzipped
        else io.BytesIO(data)
    )
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                _read_member(tar, member, collector)
    except StopReading as stop:
        collector.issues.append(stop.issue)
    except (tarfile.TarError, CorruptArchive, EOFError, zlib.error) as exc:
        collector.issues.append(Issue("/archive", "corrupt-archive", f"unreadable archive: {exc}"))
    return collector


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo, collector: MemberCollector) -> None:
    kind = _member_kind(member)
    if kind is not None:
        collector.note(member.name)
        collector.reject(member.name, kind[0], f"member {member.name!r} is {kind[1]}")
        return
    parts = collector.admit(member.name, member.size, is_dir=member.isdir())
    if parts is None:
        return
    handle = tar.extractfile(member)
    if handle is None:  # pragma: no cover - isreg() members always have data
        return
    payload = handle.read(member.size)
    if len(payload) != member.size:
        raise CorruptArchive(f"member {member.name!r} is truncated")
    collector.add(parts, payload, executable=bool(member.mode & 0o111))

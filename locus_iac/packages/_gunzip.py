"""A gzip decoder over bytes in memory that holds hard budgets.

It counts inflated and consumed bytes as it goes and stops the moment the total size or the
compression ratio exceeds the limits (a gzip bomb is abandoned after a few MiB), and it reads
concatenated gzip members (RFC 1952 allows them) in time linear in the input: each member
is fed from a small window that doubles while the member lasts, so the bytes handed to a
member that ends early (and copied back as ``unused_data``) are proportional to that member,
never to the rest of the stream. The number of members is bounded too.
"""

from __future__ import annotations

import io
import zlib
from typing import TYPE_CHECKING

from locus_iac.errors import Issue
from locus_iac.packages._collect import StopReading
from locus_iac.packages.budget import ReadBudget, current_budget
from locus_iac.packages.limits import PackageLimits

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 64 * 1024
_FIRST_WINDOW = 256


class CorruptArchive(Exception):
    """The container itself cannot be decoded."""


class BoundedGunzip(io.RawIOBase):
    """A read-only gzip decoder over bytes that enforces size, ratio and time limits."""

    def __init__(
        self, data: bytes, limits: PackageLimits, budget: ReadBudget | None = None
    ) -> None:
        super().__init__()
        self._src = memoryview(data)
        self._pos = 0
        self._limits = limits
        self._budget = budget or current_budget(limits)
        self._dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._window = CHUNK
        self._pending = b""
        self._offset = 0
        self._done = False
        self.inflated = 0
        self.members = 1

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        while self._offset >= len(self._pending) and not self._done:
            self._fill(len(view))
        n = min(len(view), len(self._pending) - self._offset)
        view[:n] = self._pending[self._offset : self._offset + n]
        self._offset += n
        return n

    def _fill(self, want: int) -> None:
        self._budget.check()
        if self._dec.eof:
            self._next_member()
            return
        if self._dec.unconsumed_tail:
            chunk: bytes | memoryview = self._dec.unconsumed_tail
        else:
            chunk = self._src[self._pos : self._pos + self._window]
            self._pos += len(chunk)
            self._window = min(CHUNK, self._window * 2)
        if not chunk:
            raise CorruptArchive("the gzip stream is truncated")
        try:
            out = self._dec.decompress(chunk, max(want, CHUNK))
        except zlib.error as exc:
            raise CorruptArchive(f"not a valid gzip stream ({exc})") from None
        self.inflated += len(out)
        self._check_limits()
        self._pending, self._offset = out, 0

    def _next_member(self) -> None:
        """After one gzip member ends: start the next one, accept zero padding, or fail."""
        self._pos -= len(self._dec.unused_data)  # those bytes are still in the source
        rest = self._src[self._pos :]
        if len(rest) == 0:
            self._done = True
        elif rest[:2] == GZIP_MAGIC:
            self.members += 1
            if self.members > self._limits.max_gzip_members:
                raise StopReading(
                    Issue(
                        "/archive",
                        "too-many-gzip-members",
                        f"more than {self._limits.max_gzip_members} concatenated gzip members",
                    )
                )
            self._dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self._window = _FIRST_WINDOW
        elif rest.tobytes().count(0) == len(rest):  # once, at the very end
            self._done = True
        else:
            raise CorruptArchive("trailing garbage after the gzip stream")

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

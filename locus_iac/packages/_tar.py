"""Streaming reader for tar and tar.gz packages (the OSM layout).

The tar layer is parsed here, header by header (POSIX ustar, PAX ``x``/``g`` records, GNU
long names), rather than by :mod:`tarfile`, so that every size a header declares is checked
before a byte of it is read: a PAX or long-name record larger than
``limits.max_header_bytes`` is refused outright, a member over ``max_member_bytes`` is
reported and skipped through the bounded gzip stream (which stops at the end of the real
data, at the size or ratio limit, or when the read budget runs out), and nothing is ever
buffered beyond the member being read or written to disk. The gzip layer is
:class:`~locus_iac.packages._gunzip.BoundedGunzip`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

from locus_iac.errors import Issue
from locus_iac.packages._collect import MemberCollector, StopReading
from locus_iac.packages._gunzip import CHUNK, GZIP_MAGIC, BoundedGunzip, CorruptArchive
from locus_iac.packages.budget import ReadBudget, current_budget
from locus_iac.packages.limits import PackageLimits

__all__ = ["GZIP_MAGIC", "BoundedGunzip", "CorruptArchive", "read_tar"]

BLOCK = 512
_REGULAR = frozenset({b"0", b"\x00", b"7"})  # file, old-style file, contiguous file
_NO_DATA = frozenset({b"1", b"2", b"3", b"4", b"5", b"6"})  # links, devices, dir, FIFO
_KINDS = {
    b"1": ("link-member", "a hard link"),
    b"2": ("link-member", "a symbolic link"),
    b"3": ("special-file", "a device file"),
    b"4": ("special-file", "a device file"),
    b"6": ("special-file", "a FIFO"),
    b"S": ("special-file", "a sparse file"),
}


@dataclass(frozen=True, slots=True)
class Header:
    """One tar member as its headers (ustar block plus PAX / GNU records) declare it."""

    name: str
    size: int
    type: bytes
    mode: int
    linkname: str

    @property
    def has_data(self) -> bool:
        return self.type not in _NO_DATA

    @property
    def is_dir(self) -> bool:
        return self.type == b"5" or (self.type in (b"0", b"\x00") and self.name.endswith("/"))

    def kind(self) -> tuple[str, str] | None:
        """(code, what) for a member that is neither a regular file nor a directory."""
        if self.type in _KINDS:
            code, what = _KINDS[self.type]
            if code == "link-member":
                what = f"{what} to {self.linkname!r}"
            return code, what
        if self.is_dir or self.type in _REGULAR:
            return None
        return "special-file", f"a member of unsupported type {self.type!r}"


class _Blocks:
    """Exact reads and bounded skips over the (possibly inflated) tar stream."""

    def __init__(self, stream: io.BufferedIOBase, budget: ReadBudget) -> None:
        self._stream = stream
        self._budget = budget

    def block(self) -> bytes | None:
        """The next 512-byte block, or None at a clean end of the stream."""
        data = self._stream.read(BLOCK)
        if not data:
            return None
        if len(data) != BLOCK:
            data += self.exact(BLOCK - len(data), "a header")
        return data

    def exact(self, size: int, what: str) -> bytes:
        parts: list[bytes] = []
        left = size
        while left > 0:
            self._budget.check()
            chunk = self._stream.read(min(left, CHUNK))
            if not chunk:
                raise CorruptArchive(f"{what} is truncated")
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)

    def skip(self, size: int, what: str) -> None:
        left = size
        while left > 0:
            self._budget.check()
            chunk = self._stream.read(min(left, CHUNK))
            if not chunk:
                raise CorruptArchive(f"{what} is truncated")
            left -= len(chunk)

    def padding(self, size: int, what: str) -> None:
        self.skip(-size % BLOCK, what)

    def drain(self) -> None:
        """Read to the end (the gzip layer checks its trailer and CRC), under the budget."""
        while True:
            self._budget.check()
            if not self._stream.read(CHUNK):
                return


def _field(block: bytes, start: int, length: int) -> str:
    raw = block[start : start + length].split(b"\x00", 1)[0]
    return raw.decode("utf-8", "surrogateescape")


def _number(raw: bytes, what: str) -> int:
    """A numeric header field: octal text, or GNU base-256 (high bit set)."""
    if raw and raw[0] & 0x80:
        if raw[0] == 0xFF:
            raise CorruptArchive(f"negative {what} in a tar header")
        return int.from_bytes(bytes([raw[0] & 0x7F]) + raw[1:], "big")
    text = raw.split(b"\x00", 1)[0].strip(b" ")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise CorruptArchive(f"unreadable {what} in a tar header") from None


def _checksum_ok(block: bytes) -> bool:
    stored = _number(block[148:156], "checksum")
    unsigned = sum(block[:148]) + 8 * 0x20 + sum(block[156:])
    signed = unsigned - 2 * sum(b for b in block[:148] + block[156:] if b > 127)
    return stored in (unsigned, signed)


def _ustar(block: bytes) -> Header:
    if not _checksum_ok(block):
        raise CorruptArchive("not a tar archive (bad header checksum)")
    name = _field(block, 0, 100)
    if block[257:265] == b"ustar\x0000":
        prefix = _field(block, 345, 155)
        if prefix:
            name = f"{prefix}/{name}"
    return Header(
        name=name,
        size=_number(block[124:136], "size"),
        type=block[156:157],
        mode=_number(block[100:108], "mode"),
        linkname=_field(block, 157, 100),
    )


def _pax_records(data: bytes) -> dict[str, str]:
    """Parse ``"<length> <key>=<value>\\n"`` records (POSIX.1-2001 pax format)."""
    records: dict[str, str] = {}
    pos = 0
    while pos < len(data) and data[pos] != 0:
        space = data.find(b" ", pos)
        length_text = data[pos:space] if space > pos else b""
        if not length_text.isdigit() or len(length_text) > 8:
            raise CorruptArchive("malformed PAX header")
        end = pos + int(length_text)
        record = data[space + 1 : end]
        if end > len(data) or not record.endswith(b"\n") or b"=" not in record:
            raise CorruptArchive("malformed PAX header")
        key, _, value = record[:-1].partition(b"=")
        records[key.decode("utf-8", "replace")] = value.decode("utf-8", "surrogateescape")
        pos = end
    return records


def _apply(
    header: Header, pax: dict[str, str], long_name: str | None, long_link: str | None
) -> Header:
    name = pax.get("path", long_name if long_name is not None else header.name)
    link = pax.get("linkpath", long_link if long_link is not None else header.linkname)
    size = header.size
    if "size" in pax:
        if not pax["size"].isdigit() or len(pax["size"]) > 20:
            raise CorruptArchive("malformed size in a PAX header")
        size = int(pax["size"])
    return Header(name=name, size=size, type=header.type, mode=header.mode, linkname=link)


def _headers(blocks: _Blocks, limits: PackageLimits) -> Iterator[Header]:
    """Every member header, with PAX and GNU long-name records applied; stops at the end."""
    global_pax: dict[str, str] = {}
    local_pax: dict[str, str] = {}
    long_name: str | None = None
    long_link: str | None = None
    while (block := blocks.block()) is not None and block.count(0) != BLOCK:
        header = _ustar(block)
        if header.type in (b"x", b"g", b"L", b"K"):
            if header.size > limits.max_header_bytes:
                raise StopReading(
                    Issue(
                        "/archive",
                        "member-too-large",
                        f"a tar metadata record declares {header.size} bytes, "
                        f"over {limits.max_header_bytes}",
                    )
                )
            data = blocks.exact(header.size, "a tar metadata record")
            blocks.padding(header.size, "a tar metadata record")
            if header.type == b"x":
                local_pax = _pax_records(data)
            elif header.type == b"g":
                global_pax.update(_pax_records(data))
            elif header.type == b"L":
                long_name = data.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
            else:
                long_link = data.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
            continue
        yield _apply(header, {**global_pax, **local_pax}, long_name, long_link)
        local_pax, long_name, long_link = {}, None, None


def read_tar(data: bytes, limits: PackageLimits, *, gzipped: bool) -> MemberCollector:
    """Read every member of a tar (optionally gzip-compressed) held in ``data``."""
    collector = MemberCollector(limits)
    budget = current_budget(limits)
    stream: io.BufferedIOBase = (
        io.BufferedReader(BoundedGunzip(data, limits, budget), buffer_size=CHUNK)
        if gzipped
        else io.BytesIO(data)
    )
    blocks = _Blocks(stream, budget)
    try:
        count = 0
        for header in _headers(blocks, limits):
            count += 1
            _read_member(blocks, header, collector)
        if count == 0:
            raise CorruptArchive("not a tar archive (no member)")
        if gzipped:
            blocks.drain()
    except StopReading as stop:
        collector.issues.append(stop.issue)
    except CorruptArchive as exc:
        collector.issues.append(Issue("/archive", "corrupt-archive", f"unreadable archive: {exc}"))
    return collector


def _read_member(blocks: _Blocks, member: Header, collector: MemberCollector) -> None:
    what = f"member {member.name!r}"
    kind = member.kind()
    parts: tuple[str, ...] | None = None
    if member.type == b"2":  # followed later when it stays inside the package (_links)
        collector.add_link(member.name, member.linkname)
    elif kind is not None:
        collector.note(member.name)
        collector.reject(member.name, kind[0], f"{what} is {kind[1]}")
    else:
        parts = collector.admit(member.name, member.size, is_dir=member.is_dir)
    if not member.has_data or member.is_dir:
        return
    if parts is None:  # refused, or too large: skip its data through the bounded stream
        blocks.skip(member.size, what)
    else:
        collector.add(parts, blocks.exact(member.size, what), executable=bool(member.mode & 0o111))
    blocks.padding(member.size, what)

"""Builders of package archives for tests, hostile ones included (generated, never stored)."""

from __future__ import annotations

import gzip
import io
import stat
import struct
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MINIMAL_VNFD = b"""vnfd:
  id: tiny_vnf
  product-name: tiny_vnf
  provider: tests
  version: "1.0"
  mgmt-cp: vnf-mgmt-ext
  vdu:
    - id: tiny_vdu
      name: tiny_vdu
      sw-image-desc: tiny-image
      virtual-compute-desc: tiny-compute
      virtual-storage-desc: [tiny-storage]
      int-cpd:
        - id: eth0-int
  virtual-compute-desc:
    - id: tiny-compute
      virtual-cpu: {num-virtual-cpu: 1}
      virtual-memory: {size: 1.0}
  virtual-storage-desc:
    - id: tiny-storage
      size-of-storage: 10
  sw-image-desc:
    - id: tiny-image
      image: tiny-image
  ext-cpd:
    - id: vnf-mgmt-ext
      int-cpd: {vdu-id: tiny_vdu, cpd: eth0-int}
  df:
    - id: default-df
      vdu-profile:
        - id: tiny_vdu
          min-number-of-instances: 1
"""


@dataclass(frozen=True)
class Member:
    """One tar member to write, possibly hostile."""

    name: str
    data: bytes = b""
    kind: bytes = tarfile.REGTYPE
    linkname: str = ""
    mode: int = 0o644
    size: int | None = None  # declared size, when it must differ from len(data)


def tar_bytes(members: Iterable[Member], *, gz: bool = True) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.type = m.kind
            info.mode = m.mode
            info.linkname = m.linkname
            if m.kind in (tarfile.REGTYPE, tarfile.AREGTYPE):
                info.size = len(m.data) if m.size is None else m.size
                tar.addfile(info, io.BytesIO(m.data))
            else:
                tar.addfile(info)
    data = raw.getvalue()
    return gzip.compress(data, mtime=0) if gz else data


def package_tar(files: Mapping[str, bytes], top: str = "pkg", *, gz: bool = True) -> bytes:
    """An OSM-layout package: every file under one top folder."""
    return tar_bytes([Member(f"{top}/{path}", data) for path, data in files.items()], gz=gz)


def zip_bytes(
    files: Mapping[str, bytes],
    *,
    modes: Mapping[str, int] | None = None,
    flags: Mapping[str, int] | None = None,
) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = (modes or {}).get(name, stat.S_IFREG | 0o644)
            info.create_system = 3
            info.external_attr = mode << 16
            archive.writestr(info, data)
    out = raw.getvalue()
    for name, bits in (flags or {}).items():
        out = _set_zip_flags(out, name, bits)
    return out


def _set_zip_flags(data: bytes, name: str, bits: int) -> bytes:
    """Set general-purpose flag bits of one member in both its headers (zipfile cannot)."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    struct.pack_into("<H", buf, local + 6, struct.unpack_from("<H", buf, local + 6)[0] | bits)
    encoded = name.encode()
    at = buf.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", buf, at + 28)[0]
        if bytes(buf[at + 46 : at + 46 + length]) == encoded:
            flags = struct.unpack_from("<H", buf, at + 8)[0]
            struct.pack_into("<H", buf, at + 8, flags | bits)
        at = buf.find(b"PK\x01\x02", at + 4)
    return bytes(buf)


def gzip_bomb_tar(inflated_bytes: int) -> bytes:
    """A tar.gz whose one member is ``inflated_bytes`` zeros: tiny packed, huge unpacked."""
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        info = tarfile.TarInfo("pkg/zeros.bin")
        info.size = inflated_bytes
        gz.write(info.tobuf(format=tarfile.PAX_FORMAT))
        chunk = bytes(1 << 20)
        left = inflated_bytes
        while left > 0:
            gz.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
        gz.write(bytes(1024))  # end-of-archive blocks
    return raw.getvalue()

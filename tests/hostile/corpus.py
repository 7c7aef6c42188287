"""The hostile-input corpus of issue 14, generated at test time (no binary blobs committed).

Each builder returns the bytes of one hostile upload and says in its docstring which trick
it plays. Builders are deterministic: the same call gives the same bytes.
"""

from __future__ import annotations

import gzip
import io
import random
import struct
import tarfile
import zipfile
import zlib

MIB = 1024 * 1024

VNFD = b"""vnfd:
  id: hostile_vnf
  product-name: hostile_vnf
  provider: tests
  version: "1.0"
  mgmt-cp: vnf-mgmt-ext
  vdu:
    - id: vdu1
      name: vdu1
      sw-image-desc: image
      virtual-compute-desc: compute
      virtual-storage-desc: [storage]
      int-cpd:
        - id: eth0-int
  virtual-compute-desc:
    - id: compute
      virtual-cpu: {num-virtual-cpu: 1}
      virtual-memory: {size: 1.0}
  virtual-storage-desc:
    - id: storage
      size-of-storage: 10
  sw-image-desc:
    - id: image
      image: image
  ext-cpd:
    - id: vnf-mgmt-ext
      int-cpd: {vdu-id: vdu1, cpd: eth0-int}
  df:
    - id: default-df
      vdu-profile:
        - id: vdu1
          min-number-of-instances: 1
"""


def vnfd_with_id(ident: str) -> bytes:
    """The control descriptor under another id (so that uploads do not clash)."""
    return VNFD.replace(b"hostile_vnf", ident.encode())


def valid_zip(vnfd: bytes = VNFD) -> bytes:
    """A small valid CSAR-style zip (descriptor at the root)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vnfd.yaml", vnfd)
    return raw.getvalue()


def valid_package(vnfd: bytes = VNFD, top: str = "pkg") -> bytes:
    """A small valid OSM tar.gz (the control sample)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(f"{top}/vnfd.yaml")
        info.size = len(vnfd)
        tar.addfile(info, io.BytesIO(vnfd))
    return gzip.compress(raw.getvalue(), mtime=0)


def pax_huge_size(size: int = 10**15) -> bytes:
    """Defect 1: a 124-byte gzip of one tar member whose PAX header declares ``size`` bytes
    that are not there (tarfile skipped them in 10 KiB reads of nothing, for hours)."""
    info = tarfile.TarInfo("p/huge")
    info.pax_headers = {"size": str(size)}
    return gzip.compress(info.tobuf(tarfile.PAX_FORMAT) + bytes(1024), mtime=0)


def pax_huge_header(size: int = 4 * 10**9) -> bytes:
    """A PAX extended header record that declares a huge length of its own."""
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = size
    return gzip.compress(info.tobuf(tarfile.USTAR_FORMAT) + bytes(1024), mtime=0)


def empty_gzip_members(count: int = 160_000) -> bytes:
    """Defect 3: ``count`` concatenated empty gzip members (20 bytes each)."""
    return gzip.compress(b"", mtime=0) * count


def zip_lying_sizes(members: int = 4, inflated: int = 60 * MIB) -> bytes:
    """Defect 5: a zip whose entries declare a compressed size 50 times smaller than their
    inflated size (under the 100:1 limit) while the deflate data really packs ~1000:1; the
    declared compressed sizes even run past the end of the archive."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vnfd.yaml", VNFD)
        for i in range(members):
            archive.writestr(f"blob{i}.bin", bytes(inflated))
    data = bytearray(raw.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        infos = [i for i in archive.infolist() if i.filename.startswith("blob")]
    lie = inflated // 50
    for info in infos:
        struct.pack_into("<I", data, info.header_offset + 18, lie)  # local header
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # central directory entries
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_len]).startswith(b"blob"):
            struct.pack_into("<I", data, at + 20, lie)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def zip_overlapping(copies: int = 30) -> bytes:
    """Many central-directory entries that share one local entry (an overlapping zip bomb)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vnfd.yaml", VNFD)
        archive.writestr("kernel.bin", _compressible(2 * MIB))
    data = raw.getvalue()
    cd_at = data.find(b"PK\x01\x02")
    entries = data[cd_at : data.find(b"PK\x05\x06")]
    second = entries.find(b"PK\x01\x02", 4)
    first, kernel = entries[:second], entries[second:]
    clones = []
    for i in range(copies):
        name = f"k{i:07d}.bin".encode()
        clone = bytearray(kernel[:46]) + name + kernel[46 + 10 :]
        struct.pack_into("<H", clone, 28, len(name))
        clones.append(bytes(clone))
    directory = first + kernel + b"".join(clones)
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, copies + 2, copies + 2, len(directory), cd_at, 0
    )
    return data[:cd_at] + directory + end


def _compressible(size: int) -> bytes:
    """Deterministic bytes that deflate about 8:1 (an honest-looking ratio)."""
    return bytes(random.Random(14).choices(b"ab", k=size))


def yaml_huge_int(digits: int = 5000) -> bytes:
    """Defect 6: a descriptor with an integer of more than 4,300 digits."""
    return VNFD.replace(b"size-of-storage: 10", b"size-of-storage: " + b"9" * digits)


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()

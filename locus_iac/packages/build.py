"""Building an OSM-layout package archive from a folder, byte for byte reproducibly.

The folder is read with the same rules as any package (:func:`read_package`), its
``checksums.txt`` is regenerated (see :mod:`locus_iac.packages.checksums`), the result is
validated, and only then is the archive written: one top folder named after the source
folder, members sorted, directories ``0755``, files ``0644`` (``0755`` when executable in
the source), owner ``0:0`` without names, mtime 0, PAX format, and a gzip header without
file name and with mtime 0. The same folder content therefore always gives the same bytes.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import tempfile
from pathlib import Path

from locus_iac.errors import Issue, ValidationError
from locus_iac.packages._collect import raise_for
from locus_iac.packages._dir import read_directory
from locus_iac.packages._links import resolve_links
from locus_iac.packages.checksums import CHECKSUMS_FILE, render_checksums
from locus_iac.packages.limits import DEFAULT_LIMITS, PackageLimits
from locus_iac.packages.reader import Package, read_package

_EPOCH = 0


def build_package(
    src_dir: Path, out: Path | None = None, *, limits: PackageLimits = DEFAULT_LIMITS
) -> Path:
    """Write ``src_dir`` as ``<out>`` (default ``<src_dir>.tar.gz`` beside it); return the path.

    Raises :class:`ValidationError` (or :class:`UnsafeArchiveError`) with every problem of
    the folder's content; nothing is written then.
    """
    src = src_dir.resolve()
    if not src.is_dir():
        raise ValidationError(f"{src_dir}: not a folder", [Issue("", "not-a-folder", str(src_dir))])
    target = (out if out is not None else src.parent / f"{src.name}.tar.gz").resolve()
    if target.is_relative_to(src):
        raise ValidationError(
            f"{target}: the archive cannot be written inside the folder it packs",
            [Issue("", "output-inside-package", f"{target} is inside {src}")],
        )
    package = _checked_content(src, limits)
    data = archive_bytes(package)
    _write_atomically(target, data)
    return target


def _checked_content(src: Path, limits: PackageLimits) -> Package:
    """The folder's files with a fresh checksums.txt, validated as a package."""
    collector = read_directory(src, limits)
    resolve_links(collector)
    files = {"/".join(p[1:]): d for p, d in collector.files.items()}
    files.pop(CHECKSUMS_FILE, None)
    files[CHECKSUMS_FILE] = render_checksums(files)
    executable = frozenset("/".join(p[1:]) for p in collector.executable)
    staged = _tar_gz(src.name, files, executable)
    raise_for(str(src), collector.issues)
    return read_package(staged, name=str(src), limits=limits)


def archive_bytes(package: Package) -> bytes:
    """The deterministic tar.gz of a package read in memory."""
    top = package.top_folder or package.descriptor.id
    return _tar_gz(top, dict(package.files), package.executable)


def _tar_gz(top: str, files: dict[str, bytes], executable: frozenset[str]) -> bytes:
    folders = {top}
    for path in files:
        parts = path.split("/")
        folders.update("/".join([top, *parts[:i]]) for i in range(1, len(parts)))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for folder in sorted(folders):
            tar.addfile(_info(folder, tarfile.DIRTYPE, 0, 0o755))
        for path in sorted(files):
            mode = 0o755 if path in executable else 0o644
            data = files[path]
            tar.addfile(_info(f"{top}/{path}", tarfile.REGTYPE, len(data), mode), io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=_EPOCH, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return packed.getvalue()


def _info(name: str, kind: bytes, size: int, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    info.mode = mode
    info.mtime = _EPOCH
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

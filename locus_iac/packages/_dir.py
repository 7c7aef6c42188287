"""Reader for a package kept as a folder (the source form of ``locus pkg build``).

The same admission rules as for archives apply: symbolic links are followed only when they
name a file or folder inside the package (:mod:`locus_iac.packages._links`), no devices or
FIFOs, the same count and size limits. Paths in issues are
``/archive/<folder name>/<path inside it>``, the same as for the built archive.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from locus_iac.packages._collect import MemberCollector, StopReading
from locus_iac.packages.limits import PackageLimits


def read_directory(root: Path, limits: PackageLimits) -> MemberCollector:
    """Read every regular file below ``root`` (which must be a real directory).

    Member names start with the folder's own name, as they would in the archive that
    ``locus pkg build`` makes of it.
    """
    collector = MemberCollector(limits)
    collector.dirs.add((root.name,))
    try:
        _walk(root, f"{root.name}/", collector)
    except StopReading as stop:
        collector.issues.append(stop.issue)
    return collector


def _walk(folder: Path, prefix: str, into: MemberCollector) -> None:
    with os.scandir(folder) as entries:
        ordered = sorted(entries, key=lambda e: e.name)
    for entry in ordered:
        rel = f"{prefix}{entry.name}"
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISLNK(info.st_mode):  # followed later when it stays inside (_links)
            into.add_link(rel, os.readlink(entry.path))
        elif stat.S_ISDIR(info.st_mode):
            into.admit(rel, 0, is_dir=True)
            _walk(Path(entry.path), f"{rel}/", into)
        elif stat.S_ISREG(info.st_mode):
            parts = into.admit(rel, info.st_size)
            if parts is not None:
                data = _read_bounded(Path(entry.path), info.st_size)
                into.add(parts, data, executable=bool(info.st_mode & 0o111))
        else:
            into.note(rel)
            into.reject(rel, "special-file", f"{rel!r} is not a regular file or folder")


def _read_bounded(path: Path, size: int) -> bytes:
    """Read a file that was admitted with ``size`` bytes, never more (it may grow meanwhile)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        return handle.read(size)

"""Limits applied while a package is read.

Every limit is checked while the bytes stream in, so a hostile archive (a gzip bomb, a tar
with a million entries, a zip whose headers lie about sizes) is rejected after reading at
most a little more than the limit, never after inflating it completely. Sizes that headers
declare are checked before anything is read; what is actually inflated is counted as it comes
(headers are never trusted); and every read runs under a wall-time budget that a caller may
also cancel (:mod:`locus_iac.packages.budget`).
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class PackageLimits:
    """Bounds on what :func:`read_package` accepts.

    ``max_ratio`` is uncompressed bytes over compressed bytes (of the whole gzip stream for
    a tar.gz, of each member and of the whole archive for a zip); it is only enforced once
    more than ``ratio_grace_bytes`` have been inflated, because small text files legitimately
    compress very well.
    """

    max_files: int = 1000
    max_member_bytes: int = 64 * MIB
    max_total_bytes: int = 256 * MIB
    max_archive_bytes: int = 256 * MIB
    max_ratio: float = 100.0
    ratio_grace_bytes: int = 1 * MIB
    max_path_depth: int = 16
    max_path_length: int = 1024
    max_header_bytes: int = 64 * 1024
    """Largest PAX extended header or GNU long-name record read into memory."""
    max_gzip_members: int = 10_000
    """Concatenated gzip members accepted in one stream (bgzip of 256 MiB makes ~4,100)."""
    max_seconds: float = 30.0
    """Wall-time budget of one read (see :mod:`locus_iac.packages.budget`)."""

    def __post_init__(self) -> None:
        for name in (
            "max_files",
            "max_member_bytes",
            "max_total_bytes",
            "max_archive_bytes",
            "max_path_depth",
            "max_path_length",
            "max_header_bytes",
            "max_gzip_members",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"PackageLimits.{name} must be positive")
        if self.max_ratio < 1:
            raise ValueError("PackageLimits.max_ratio must be at least 1")
        if not self.max_seconds > 0:
            raise ValueError("PackageLimits.max_seconds must be positive")


DEFAULT_LIMITS = PackageLimits()

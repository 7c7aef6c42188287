"""Limits applied while a package is read.

Every limit is checked while the bytes stream in, so a hostile archive (a gzip bomb, a tar
with a million entries, a zip whose headers lie about sizes) is rejected after reading at
most a little more than the limit, never after inflating it completely.
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

    def __post_init__(self) -> None:
        for name in (
            "max_files",
            "max_member_bytes",
            "max_total_bytes",
            "max_archive_bytes",
            "max_path_depth",
            "max_path_length",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"PackageLimits.{name} must be positive")
        if self.max_ratio < 1:
            raise ValueError("PackageLimits.max_ratio must be at least 1")


DEFAULT_LIMITS = PackageLimits()

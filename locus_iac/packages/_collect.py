"""Admission of archive members: path safety, member kinds and size limits.

Every reader (tar stream, zip, directory walk) feeds its members through one
:class:`MemberCollector`, so the rules are the same whatever the container. Problems become
:class:`~locus_iac.errors.Issue` objects whose path is ``/archive/<member name>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from locus_iac.errors import Issue, UnsafeArchiveError, ValidationError, json_pointer
from locus_iac.packages.limits import PackageLimits

# Issue codes that mean "this archive must not be unpacked" (UnsafeArchiveError).
UNSAFE_CODES = frozenset(
    {
        "absolute-path",
        "path-traversal",
        "unsafe-path",
        "path-too-deep",
        "link-member",
        "special-file",
        "duplicate-member",
        "path-conflict",
        "too-many-files",
        "member-too-large",
        "archive-too-large",
        "compression-ratio",
        "encrypted-member",
        "too-many-gzip-members",
        "overlapping-members",
        "unsupported-compression",
        "read-time-exceeded",
        "read-cancelled",
    }
)


class StopReading(Exception):
    """Raised inside a reader when a limit makes reading further pointless or dangerous."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def member_pointer(name: str) -> str:
    """JSON pointer of an archive member: ``/archive/<top>/<dir>/<file>``."""
    return json_pointer("archive", *[p for p in name.split("/") if p != ""])


def split_member_name(name: str, limits: PackageLimits) -> tuple[tuple[str, ...], Issue | None]:
    """Normalise a member name into path segments, or say why it is unsafe.

    ``./`` segments and repeated slashes are dropped; an absolute path, a ``..`` segment, a
    backslash, a NUL or a drive letter is refused, as is a path deeper or longer than the
    limits allow.
    """
    where = member_pointer(name)
    if len(name) > limits.max_path_length:
        return (), Issue(where, "unsafe-path", f"member name longer than {limits.max_path_length}")
    if "\x00" in name or "\\" in name:
        return (), Issue(where, "unsafe-path", f"member name {name!r} holds a NUL or a backslash")
    if name.startswith("/"):
        return (), Issue(where, "absolute-path", f"member {name!r} has an absolute path")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        return (), Issue(where, "path-traversal", f"member {name!r} climbs out with '..'")
    if parts and len(parts[0]) == 2 and parts[0][1] == ":":
        return (), Issue(where, "absolute-path", f"member {name!r} starts with a drive letter")
    if len(parts) > limits.max_path_depth:
        return (), Issue(
            where, "path-too-deep", f"member {name!r} is nested deeper than {limits.max_path_depth}"
        )
    return parts, None


@dataclass
class MemberCollector:
    """Accumulates the regular files of a package in memory, enforcing the limits."""

    limits: PackageLimits
    files: dict[tuple[str, ...], bytes] = field(default_factory=dict)
    dirs: set[tuple[str, ...]] = field(default_factory=set)
    executable: set[tuple[str, ...]] = field(default_factory=set)
    issues: list[Issue] = field(default_factory=list)
    links: dict[tuple[str, ...], str] = field(default_factory=dict)
    """Symbolic links seen: segments -> target as written."""
    total_bytes: int = 0
    count: int = 0

    def note(self, name: str) -> tuple[str, ...] | None:
        """Count a member and check its name; return its segments when the name is safe."""
        self.count += 1
        if self.count > self.limits.max_files:
            raise StopReading(
                Issue("/archive", "too-many-files", f"more than {self.limits.max_files} members")
            )
        parts, issue = split_member_name(name, self.limits)
        if issue is not None:
            self.issues.append(issue)
            return None
        return parts

    def admit(self, name: str, size: int, *, is_dir: bool = False) -> tuple[str, ...] | None:
        """Check a member before its data is read; return its segments if it may be read."""
        parts = self.note(name)
        if parts is None:
            return None
        if not parts:
            return None
        if is_dir:
            self.dirs.add(parts)
            return None
        if parts in self.files:
            self.issues.append(
                Issue(member_pointer(name), "duplicate-member", f"member {name!r} appears twice")
            )
            return None
        if size > self.limits.max_member_bytes:
            self.issues.append(
                Issue(
                    member_pointer(name),
                    "member-too-large",
                    f"member {name!r} is {size} bytes, over {self.limits.max_member_bytes}",
                )
            )
            return None
        if self.total_bytes + size > self.limits.max_total_bytes:
            raise StopReading(
                Issue(
                    "/archive",
                    "archive-too-large",
                    f"more than {self.limits.max_total_bytes} bytes once unpacked",
                )
            )
        return parts

    def add(self, parts: tuple[str, ...], data: bytes, *, executable: bool = False) -> None:
        self.total_bytes += len(data)
        self.files[parts] = data
        if executable:
            self.executable.add(parts)

    def conflicts(self) -> list[Issue]:
        """Files that are also used as folders (``a`` and ``a/b``): refused, unpackable."""
        issues = []
        for parts in self.files:
            for depth in range(1, len(parts)):
                if parts[:depth] in self.files:
                    name = "/".join(parts)
                    folder = "/".join(parts[:depth])
                    issues.append(
                        Issue(
                            member_pointer(name),
                            "path-conflict",
                            f"{name!r} lies under {folder!r}, which is a file",
                        )
                    )
                    break
        return issues

    def reject(self, name: str, code: str, message: str) -> None:
        self.issues.append(Issue(member_pointer(name), code, message))

    def add_link(self, name: str, target: str) -> None:
        """Note a symbolic link (followed or refused by :mod:`locus_iac.packages._links`)."""
        parts = self.note(name)
        if not parts:
            return
        if parts in self.links or parts in self.files:
            self.reject(name, "duplicate-member", f"member {name!r} appears twice")
            return
        self.links[parts] = target


def raise_for(name: str, issues: list[Issue]) -> None:
    """Raise every issue at once: :class:`UnsafeArchiveError` if one is a safety problem."""
    if not issues:
        return
    unsafe = any(issue.code in UNSAFE_CODES for issue in issues)
    what = "unsafe package" if unsafe else "invalid package"
    message = f"{name}: {what} ({len(issues)} problem{'s' if len(issues) != 1 else ''})"
    raise (UnsafeArchiveError if unsafe else ValidationError)(message, issues)

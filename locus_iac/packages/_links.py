"""Symbolic links inside a package: followed when they name a file or folder of the package.

Authors' own archives hold links (a charm's ``hooks/install -> ../src/charm.py``), so a link
is replaced, in memory, by a copy of what it names when all of this holds: the target is
relative (no ``/``, drive letter, backslash or NUL), it stays inside the link's own top
folder once ``..`` segments are applied (the package root for a zip without one), it names a
regular file or a folder of regular files already in the package, and it is not itself a
link nor a folder holding one (so no chains and no loops). Anything else is refused with
``link-member``, which makes the archive unsafe. Hard links stay refused. The copies count
against the same limits as other members (files, bytes, depth).
"""

from __future__ import annotations

from locus_iac.errors import Issue
from locus_iac.packages._collect import MemberCollector, StopReading, member_pointer

Parts = tuple[str, ...]


def _target_parts(link: Parts, target: str) -> tuple[Parts | None, str]:
    """The segments a link names, or why it is refused."""
    if not target:
        return None, "is a symbolic link with an empty target"
    absolute = target.startswith("/") or (len(target) > 1 and target[1] == ":")
    if absolute or "\\" in target or "\x00" in target:
        return None, f"is a symbolic link to {target!r}, an absolute or unsafe path"
    parts = list(link[:-1])
    for segment in target.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                return None, f"is a symbolic link to {target!r}, outside the package"
            parts.pop()
        else:
            parts.append(segment)
    resolved = tuple(parts)
    if not resolved or (len(link) > 1 and resolved[0] != link[0]):
        return None, f"is a symbolic link to {target!r}, outside the package"
    return resolved, ""


def _under(folder: Parts, path: Parts) -> bool:
    return len(path) > len(folder) and path[: len(folder)] == folder


def _copies(into: MemberCollector, link: Parts, target: str) -> tuple[dict[Parts, Parts], str]:
    """{new path: source path} that replace the link, or why it is refused."""
    resolved, why = _target_parts(link, target)
    if resolved is None:
        return {}, why
    if resolved in into.links or any(_under(resolved, other) for other in into.links):
        return {}, f"is a symbolic link to {target!r}, which is or holds another link"
    if resolved in into.files:
        return {link: resolved}, ""
    inside = {link + p[len(resolved) :]: p for p in into.files if _under(resolved, p)}
    if inside or resolved in into.dirs:
        return inside, ""
    return {}, f"is a symbolic link to {target!r}, which is not in the package"


def resolve_links(into: MemberCollector) -> None:
    """Follow or refuse every link noted in ``into`` (see the module docstring)."""
    limits = into.limits
    try:
        for link, target in sorted(into.links.items()):
            name = "/".join(link)
            copies, why = _copies(into, link, target)
            if why:
                into.reject(name, "link-member", f"member {name!r} {why}")
                continue
            if not copies:
                into.dirs.add(link)  # a link to an empty folder
            for path, source in sorted(copies.items()):
                _copy(into, path, source, limits.max_path_depth)
    except StopReading as stop:
        into.issues.append(stop.issue)
    into.links.clear()  # resolved once: a second call changes nothing


def _copy(into: MemberCollector, path: Parts, source: Parts, max_depth: int) -> None:
    name = "/".join(path)
    if len(path) > max_depth:
        message = f"member {name!r} (through a link) is nested deeper than {max_depth}"
        into.issues.append(Issue(member_pointer(name), "path-too-deep", message))
        return
    into.count += 1
    if into.count > into.limits.max_files:
        raise StopReading(
            Issue("/archive", "too-many-files", f"more than {into.limits.max_files} members")
        )
    data = into.files[source]
    if into.total_bytes + len(data) > into.limits.max_total_bytes:
        raise StopReading(
            Issue(
                "/archive",
                "archive-too-large",
                f"more than {into.limits.max_total_bytes} bytes once links are followed",
            )
        )
    if path in into.files:
        into.reject(name, "duplicate-member", f"member {name!r} appears twice")
        return
    into.add(path, data, executable=source in into.executable)

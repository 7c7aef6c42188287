"""``checksums.txt``: the OSM package checksum list.

Format read: one ``<hex digest><whitespace><path>`` per line (``#`` comments and blank lines
ignored). OSM's client writes MD5 digests separated by a tab, with paths that start with the
folder the package was built from; ``md5sum`` writes two spaces. The path is matched against
the package's files after dropping leading segments (``./``, the top folder, an absolute build
directory) until it names a file. The digest algorithm follows from the digest length:
32 hex digits MD5, 40 SHA-1, 64 SHA-256, 128 SHA-512.

Format written by :func:`render_checksums`: MD5 (what OSM tools expect), two spaces, the path
relative to the package's top folder, sorted — so ``md5sum -c checksums.txt`` run inside the
top folder checks it. These sums detect corruption, not tampering: the file travels in the
same archive it describes. OSM does not check the file on upload, so its findings are
warnings of :func:`~locus_iac.packages.inspect_package` unless it reads strictly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from locus_iac.errors import Issue
from locus_iac.packages._collect import member_pointer

CHECKSUMS_FILE = "checksums.txt"

_ALGORITHMS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
_LINE = re.compile(r"^(?P<digest>[0-9A-Fa-f]+)\s+\*?(?P<path>\S.*?)\s*$")


def digest(algorithm: str, data: bytes) -> str:
    return hashlib.new(algorithm, data, usedforsecurity=False).hexdigest()


def render_checksums(files: Mapping[str, bytes]) -> bytes:
    """The ``checksums.txt`` content for ``files`` (paths relative to the top folder)."""
    lines = [
        f"{digest('md5', files[path])}  {path}\n"
        for path in sorted(files)
        if path != CHECKSUMS_FILE
    ]
    return "".join(lines).encode()


def _resolve(listed: str, files: Mapping[str, bytes]) -> str | None:
    parts = [p for p in listed.split("/") if p not in ("", ".")]
    for start in range(len(parts)):
        candidate = "/".join(parts[start:])
        if candidate in files:
            return candidate
    return None


def verify_checksums(text: bytes, files: Mapping[str, bytes], prefix: str) -> list[Issue]:
    """Check every line of a ``checksums.txt`` against ``files``.

    ``prefix`` is the archive's top folder (``""`` if none), used to build the
    ``/archive/...`` pointer of each problem.
    """
    listing = member_pointer(f"{prefix}{CHECKSUMS_FILE}")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return [Issue(listing, "checksum-malformed", "checksums.txt is not UTF-8 text")]
    issues: list[Issue] = []
    for number, raw in enumerate(decoded.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        issues.extend(_verify_line(line, number, files, prefix, listing))
    return issues


def _verify_line(
    line: str, number: int, files: Mapping[str, bytes], prefix: str, listing: str
) -> list[Issue]:
    match = _LINE.match(line)
    algorithm = _ALGORITHMS.get(len(match.group("digest"))) if match else None
    if match is None or algorithm is None:
        return [
            Issue(listing, "checksum-malformed", f"line {number} is not '<digest>  <path>': {line}")
        ]
    listed = match.group("path")
    path = _resolve(listed, files)
    if path is None:
        return [
            Issue(
                listing,
                "checksum-missing-file",
                f"line {number} lists {listed!r}, which is not in the package",
            )
        ]
    actual = digest(algorithm, files[path])
    if actual != match.group("digest").lower():
        return [
            Issue(
                member_pointer(f"{prefix}{path}"),
                "checksum-mismatch",
                f"{algorithm.upper()} of {path!r} is {actual}, checksums.txt says "
                f"{match.group('digest').lower()}",
            )
        ]
    return []

"""Reading uploads and negotiating downloads of package content.

Accepted upload media types: ``application/zip`` (SOL004/SOL007 CSAR), ``application/gzip``
or ``application/x-gzip`` (OSM tar.gz), ``application/x-tar``, ``application/octet-stream``
(sniffed), and ``text/plain`` / ``application/yaml`` for a bare descriptor. The body is read
with a hard size limit (413 beyond it) and, when the OSM client sends ``Content-File-MD5``,
checked against it. The bytes are then sniffed (gzip, zip and tar magic numbers; anything
else is taken as YAML text): a declared type the bytes contradict is refused with 415, and
``application/octet-stream`` is stored as the type the bytes have.
"""

from __future__ import annotations

import hashlib

from fastapi import Request

from locus_iac.errors import Issue, ValidationError
from locus_iac.nbi.problems import HttpProblem

ARCHIVE_TYPES = frozenset(
    {
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/octet-stream",
    }
)
YAML_TYPES = frozenset(
    {"text/plain", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}
)
UPLOAD_TYPES = ARCHIVE_TYPES | YAML_TYPES

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("application/zip", "application/gzip", "text/plain", "application/yaml")
        },
    }
}


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


async def read_upload(request: Request, limit: int) -> tuple[bytes, str]:
    """The request body and its media type; 415, 411/413 problems when unacceptable."""
    kind = media_type(request.headers.get("content-type"))
    if kind not in UPLOAD_TYPES:
        raise HttpProblem(
            415,
            "Unsupported Media Type",
            f"upload a package as one of {', '.join(sorted(UPLOAD_TYPES))}; got {kind or 'none'}",
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HttpProblem(413, "Content Too Large", f"uploads are limited to {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpProblem(413, "Content Too Large", f"uploads are limited to {limit} bytes")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise HttpProblem(400, "Bad Request", "the request has no body: send the package")
    expected = request.headers.get("content-file-md5")
    if expected and hashlib.md5(data, usedforsecurity=False).hexdigest() != expected.lower():
        raise ValidationError(
            "the upload does not match its Content-File-MD5",
            [Issue("", "checksum-mismatch", "MD5 of the body differs from Content-File-MD5")],
        )
    return data, sniffed_type(kind, data)


def _actual_type(data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        return "application/gzip"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "application/zip"
    if data[257:262] == b"ustar":
        return "application/x-tar"
    return "text/plain"


_ALIASES = {
    "application/gzip": frozenset({"application/gzip", "application/x-gzip"}),
    "application/zip": frozenset({"application/zip"}),
    "application/x-tar": frozenset({"application/x-tar"}),
    "text/plain": YAML_TYPES,
}


def sniffed_type(declared: str, data: bytes) -> str:
    """The media type to store for ``data`` declared as ``declared``; 415 on a mismatch."""
    actual = _actual_type(data)
    if declared == "application/octet-stream":
        return actual
    if declared not in _ALIASES[actual]:
        what = "YAML text" if actual == "text/plain" else f"{actual} data"
        raise HttpProblem(
            415,
            "Unsupported Media Type",
            f"the body is declared {declared} but its bytes are {what}: send it as "
            f"{' or '.join(sorted(_ALIASES[actual]))} (or application/octet-stream)",
        )
    return declared


def preferred(accept: str | None, offered: tuple[str, ...]) -> str:
    """The first of ``offered`` the ``Accept`` header allows (no header: the first offered)."""
    if not accept:
        return offered[0]
    ranges = [media_type(part) for part in accept.split(",")]
    for wanted in ranges:
        if wanted in ("*/*", ""):
            return offered[0]
        if wanted in offered:
            return wanted
        if wanted.endswith("/*"):
            match = next((o for o in offered if o.startswith(wanted[:-1])), None)
            if match:
                return match
    raise HttpProblem(406, "Not Acceptable", f"this resource is available as {', '.join(offered)}")

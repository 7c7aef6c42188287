"""SOL004/SOL007 manifest (``.mf``) verification for CSAR packages.

ETSI GS NFV-SOL 004 (and SOL 007 for NS packages), the manifest file: a ``metadata:``
block, then for each artifact a ``Source: <path>`` entry followed by
``Algorithm: <SHA-256|SHA-384|SHA-512>`` and ``Hash: <hex>``. The manifest is the file
named by ``ETSI-Entry-Manifest`` in ``TOSCA-Metadata/TOSCA.meta``, or, in a CSAR without
TOSCA-Metadata, the ``.mf`` file at the root with the same base name as the descriptor.
Every listed source must exist and its digest match. A ``Source`` without
``Algorithm``/``Hash`` is accepted (SOL004 allows digests to be omitted when the whole
package is signed); a CMS signature block, if present, is not verified (no trust anchors
are configured).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping

from locus_iac.errors import Issue
from locus_iac.packages._collect import member_pointer
from locus_iac.packages._layout import TOSCA_META, parse_tosca_meta

_ALGORITHMS = {
    "SHA-224": "sha224",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def find_manifest(files: Mapping[str, bytes], descriptor_path: str) -> str | None:
    """The path of the package's manifest, if it has one."""
    if TOSCA_META in files:
        named = parse_tosca_meta(files[TOSCA_META]).get("ETSI-Entry-Manifest")
        if named:
            return "/".join(p for p in named.split("/") if p not in ("", "."))
    stem = descriptor_path.rsplit(".", 1)[0]
    candidate = f"{stem}.mf"
    return candidate if "/" not in candidate and candidate in files else None


def _entries(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {Source, Algorithm, Hash}) for each ``Source:`` block."""
    current: dict[str, str] | None = None
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.startswith("-----BEGIN"):
            break
        key, sep, value = raw.partition(":")
        if not sep:
            continue
        key = key.strip()
        if key == "Source":
            if current is not None:
                yield start, current
            current, start = {"Source": value.strip()}, number
        elif current is not None and key in ("Algorithm", "Hash"):
            current[key] = value.strip()
    if current is not None:
        yield start, current


def verify_manifest(files: Mapping[str, bytes], manifest: str, prefix: str) -> list[Issue]:
    """Every problem of the manifest ``manifest`` against the package's ``files``."""
    where = member_pointer(f"{prefix}{manifest}")
    if manifest not in files:
        return [Issue(where, "missing-file", f"the manifest {manifest} is not in the package")]
    try:
        text = files[manifest].decode("utf-8")
    except UnicodeDecodeError:
        return [Issue(where, "manifest-malformed", "the manifest is not UTF-8 text")]
    issues: list[Issue] = []
    for line, entry in _entries(text):
        source = "/".join(p for p in entry["Source"].split("/") if p not in ("", "."))
        if source not in files:
            message = f"line {line}: Source {entry['Source']!r} is not in the package"
            issues.append(Issue(where, "manifest-missing-file", message))
            continue
        if "Hash" not in entry and "Algorithm" not in entry:
            continue
        algorithm = _ALGORITHMS.get(entry.get("Algorithm", "").upper())
        if algorithm is None or "Hash" not in entry:
            message = f"line {line}: Source {source!r} needs Algorithm (SHA-256/384/512) and Hash"
            issues.append(Issue(where, "manifest-malformed", message))
            continue
        actual = hashlib.new(algorithm, files[source]).hexdigest()
        if actual != entry["Hash"].lower():
            issues.append(
                Issue(
                    member_pointer(f"{prefix}{source}"),
                    "checksum-mismatch",
                    f"{entry['Algorithm']} of {source!r} is {actual}, the manifest says "
                    f"{entry['Hash'].lower()}",
                )
            )
    return issues

"""What SOL005 hands out of an onboarded package: its manifest, artifacts and their signatures.

ETSI GS NFV-SOL 005 v3.7.1 clauses 5.4.4a/5.4.4b (NSD manifest, artifact), 9.4.4b (VNF
package manifest), 9.4.5a (artifacts archive) and 9.4.7 (one artifact), over the SOL004 /
SOL007 package layout:

* the manifest is the file :func:`~locus_iac.packages.manifest.find_manifest` finds; without
  ``include_signatures`` its CMS signature block is removed (``-----BEGIN CMS-----`` to
  ``-----END CMS-----``), with it the manifest comes whole, in a zip together with the
  package certificate when there is one (``ETSI-Entry-Certificate`` in ``TOSCA.meta``, or the
  ``.cert`` beside the manifest);
* an artifact's signature is the file its manifest entry names (``Signature:``), else
  ``<artifact>.sig.cms``; its certificate the ``Certificate:`` entry, else ``<artifact>.cert``;
* non-MANO artifacts are the ones listed under ``non_mano_artifact_sets`` in the manifest;
  everything else except the manifest, ``TOSCA.meta``, certificates and signatures is a MANO
  artifact (the descriptor itself included).

Paths asked for are checked by :func:`artifact_key` before any lookup: only plain relative
paths of the package's own files are served (no ``..``, no absolute path, no backslash, no
control character), so a request cannot name anything outside the package.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from locus_iac.errors import Issue, NotFound, ValidationError
from locus_iac.packages._layout import TOSCA_META, parse_tosca_meta
from locus_iac.packages.manifest import find_manifest
from locus_iac.packages.reader import Package

_CMS_BLOCK = re.compile(rb"-----BEGIN CMS-----.*?-----END CMS-----\r?\n?", re.DOTALL)
_SIGNATURE_SUFFIXES = (".sig.cms", ".cms", ".sig")
_CERT_SUFFIXES = (".cert",)
_ENVELOPED_DATA_OID = bytes.fromhex("06092a864886f70d010703")  # CMS EnvelopedData (RFC 5652)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # reproducible archives


@dataclass(frozen=True)
class ManifestCopy:
    """The manifest of a package as SOL005 returns it: bytes and a media type."""

    data: bytes
    media_type: str  # text/plain, or application/zip with include_signatures


def artifact_key(path: str) -> str:
    """The package key of a requested artifact path; ValidationError when it is unsafe."""
    pointer = "/artifactPath"
    bad = (
        not path
        or path.startswith("/")
        or "\\" in path
        or any(ord(c) < 32 or ord(c) == 127 for c in path)
        or any(part in ("..", ".") for part in path.split("/"))
    )
    if bad:
        raise ValidationError(
            "the artifact path must be a relative path inside the package",
            [Issue(pointer, "unsafe-path", f"{path!r} is not a plain relative path")],
        )
    return "/".join(part for part in path.split("/") if part)


def manifest_path(package: Package) -> str:
    """The manifest's path in ``package``; NotFound when it has none."""
    found = find_manifest(package.files, package.descriptor_path) if package.files else None
    if found is None or found not in package.files:
        raise NotFound(f"{package.name}: the package has no manifest (SOL004/SOL007 .mf)")
    return found


def _meta(package: Package) -> dict[str, str]:
    meta = package.files.get(TOSCA_META)
    return parse_tosca_meta(meta) if meta is not None else {}


def certificate_path(package: Package) -> str | None:
    """The package certificate (``ETSI-Entry-Certificate`` or the manifest's ``.cert``)."""
    named = _meta(package).get("ETSI-Entry-Certificate")
    if named:
        key = "/".join(p for p in named.split("/") if p not in ("", "."))
        return key if key in package.files else None
    stem = manifest_path(package).rsplit(".", 1)[0]
    return f"{stem}.cert" if f"{stem}.cert" in package.files else None


def manifest_copy(package: Package, *, include_signatures: bool) -> ManifestCopy:
    """SOL005 GET ``.../manifest``: the manifest, bare or with its security information."""
    path = manifest_path(package)
    data = package.files[path]
    if not include_signatures:
        return ManifestCopy(_CMS_BLOCK.sub(b"", data), "text/plain")
    members = {path: data}
    cert = certificate_path(package)
    if cert is not None:
        members[cert] = package.files[cert]
    return ManifestCopy(zip_of(members), "application/zip")


def _manifest_entries(package: Package) -> dict[str, dict[str, str]]:
    """Source -> {key: value} of every manifest entry (Signature, Certificate...)."""
    try:
        text = package.files[manifest_path(package)].decode("utf-8")
    except (NotFound, UnicodeDecodeError):
        return {}
    entries: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        if raw.startswith("-----BEGIN"):
            break
        key, sep, value = raw.partition(":")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key == "Source":
            current = entries.setdefault("/".join(p for p in value.split("/") if p), {})
        elif current is not None and key in ("Signature", "Certificate"):
            current[key] = "/".join(p for p in value.split("/") if p not in ("", "."))
    return entries


def non_mano_sets(package: Package) -> dict[str, list[str]]:
    """SOL004 ``non_mano_artifact_sets`` of the manifest: set name -> artifact paths."""
    try:
        text = package.files[manifest_path(package)].decode("utf-8")
    except (NotFound, UnicodeDecodeError):
        return {}
    sets: dict[str, list[str]] = {}
    inside, current = False, None
    for raw in text.splitlines():
        stripped = raw.strip()
        if raw.startswith("-----BEGIN"):
            break
        if not raw[:1].isspace() and stripped:
            inside = stripped.rstrip(":") == "non_mano_artifact_sets"
            current = None
            continue
        if not inside or not stripped:
            continue
        key, _, value = stripped.lstrip("- ").partition(":")
        if key.strip() == "Source" and current is not None:
            sets[current].append("/".join(p for p in value.strip().split("/") if p))
        elif key.strip() != "Source" and not value.strip():
            current = key.strip()
            sets.setdefault(current, [])
    return sets


def _security_files(package: Package) -> set[str]:
    """The manifest, TOSCA.meta, certificates and signatures: not artifacts themselves."""
    found = {TOSCA_META}
    try:
        found.add(manifest_path(package))
        cert = certificate_path(package)
        if cert:
            found.add(cert)
    except NotFound:
        pass
    for entry in _manifest_entries(package).values():
        found.update(entry.values())
    found.update(p for p in package.files if _companion_of(package, p) is not None)
    return found


def _companion_of(package: Package, path: str) -> str | None:
    """The artifact ``path`` signs or certifies (``x.sh.sig.cms`` -> ``x.sh``), if any."""
    for suffix in _SIGNATURE_SUFFIXES + _CERT_SUFFIXES:
        if path.endswith(suffix) and path[: -len(suffix)] in package.files:
            return path[: -len(suffix)]
    return None


def signature_files(package: Package, key: str) -> list[str]:
    """The signature and certificate files of artifact ``key`` that the package has."""
    entry = _manifest_entries(package).get(key, {})
    named = [entry[k] for k in ("Signature", "Certificate") if k in entry]
    guessed = [key + suffix for suffix in _SIGNATURE_SUFFIXES + _CERT_SUFFIXES]
    return [p for p in dict.fromkeys([*named, *guessed]) if p in package.files and p != key]


def artifact(package: Package, path: str) -> bytes:
    """The bytes of one artifact; NotFound for a path that is not an artifact of it."""
    key = artifact_key(path)
    if key not in package.files or key in _security_files(package) - {package.descriptor_path}:
        raise NotFound(f"{package.name}: no artifact {path!r} in the package")
    return package.files[key]


def artifact_with_signatures(package: Package, path: str) -> bytes:
    """SOL005 ``include_signatures`` on one artifact: a zip of it, its signature, certificate."""
    data = artifact(package, path)
    key = artifact_key(path)
    members = {key: data}
    members.update({p: package.files[p] for p in signature_files(package, key)})
    return zip_of(members)


def artifact_paths(
    package: Package,
    *,
    mano: bool = True,
    non_mano: bool = True,
    sets: Iterable[str] | None = None,
) -> list[str]:
    """Artifacts of the package, sorted, filtered as SOL005 clause 9.4.5a.3.2 describes.

    ``sets`` (``select_non_mano_artifact_sets``) keeps only the non-MANO artifacts of those
    sets; an unknown set name is a ValidationError.
    """
    declared = non_mano_sets(package)
    wanted = list(sets) if sets is not None else None
    unknown = [s for s in wanted or () if s not in declared]
    if unknown:
        raise ValidationError(
            "unknown non-MANO artifact set",
            [
                Issue("/select_non_mano_artifact_sets", "unknown-set", f"no set named {s!r}")
                for s in unknown
            ],
        )
    non_mano_all = {p for paths in declared.values() for p in paths}
    chosen = {p for s in wanted for p in declared[s]} if wanted is not None else non_mano_all
    security = _security_files(package) - {package.descriptor_path}
    found: list[str] = []
    for key in sorted(package.files):
        if key in security:
            continue
        is_non_mano = key in non_mano_all
        if (is_non_mano and non_mano and key in chosen) or (not is_non_mano and mano):
            found.append(key)
    return found


def artifacts_archive(package: Package, paths: Iterable[str], *, include_signatures: bool) -> bytes:
    """A zip of ``paths`` in the package's folder structure (+ their signature files)."""
    members: dict[str, bytes] = {}
    for key in paths:
        members[key] = package.files[key]
        if include_signatures:
            members.update({p: package.files[p] for p in signature_files(package, key)})
    return zip_of(members)


def is_encrypted(data: bytes) -> bool:
    """Whether an artifact is CMS EnvelopedData (SOL004 artifact encryption), PEM or DER."""
    head = data[:4096]
    if head.startswith(b"-----BEGIN CMS-----") or head.startswith(b"-----BEGIN PKCS7-----"):
        body = b"".join(head.splitlines()[1:])
        try:
            head = base64.b64decode(body.split(b"-----END")[0][:64] + b"==", validate=False)
        except ValueError:
            return False
    return head[:1] == b"\x30" and _ENVELOPED_DATA_OID in head[:24]


def zip_of(members: Mapping[str, bytes]) -> bytes:
    """A deterministic zip of ``members`` (sorted, fixed timestamps, deflated)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name])
    return buffer.getvalue()

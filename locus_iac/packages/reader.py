"""Reading a package safely: directory, OSM tar.gz, SOL004/SOL007 CSAR zip or bare YAML.

Everything is read into memory under :class:`~locus_iac.packages.limits.PackageLimits`;
nothing is written to disk while reading. All problems are collected in one pass and raised
together: archive problems with ``/archive/<member>`` pointers, descriptor problems with the
descriptor's own JSON pointers, missing artifacts with the pointer of the leaf naming them.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from locus_iac.descriptors import Descriptor, DescriptorKind, parse_descriptor
from locus_iac.descriptors.api import tolerated_findings
from locus_iac.descriptors.envelope import locate_descriptor
from locus_iac.descriptors.loader import load_yaml
from locus_iac.errors import Issue, NotFound, UnsafeArchiveError, ValidationError
from locus_iac.packages._collect import UNSAFE_CODES, MemberCollector, member_pointer, raise_for
from locus_iac.packages._dir import read_directory
from locus_iac.packages._layout import locate_descriptor as locate_in_package
from locus_iac.packages._links import resolve_links
from locus_iac.packages._tar import GZIP_MAGIC, read_tar
from locus_iac.packages._zip import ZIP_MAGICS, read_zip
from locus_iac.packages.artifacts import check_artifacts
from locus_iac.packages.checksums import CHECKSUMS_FILE, verify_checksums
from locus_iac.packages.limits import DEFAULT_LIMITS, PackageLimits
from locus_iac.packages.manifest import find_manifest, verify_manifest

log = logging.getLogger(__name__)

PackageFormat = Literal["directory", "tar.gz", "tar", "zip", "yaml"]


@dataclass(frozen=True)
class Package:
    """A package read into memory: its descriptor and every regular file.

    ``files`` maps paths relative to the package's top folder (``cloud_init/cloud.cfg``) to
    their bytes; ``descriptor_path`` is the descriptor's own entry in it (``""`` when the
    package was a bare descriptor YAML, which has no other files).
    """

    descriptor: Descriptor
    descriptor_path: str
    files: Mapping[str, bytes]
    name: str = "<input>"
    top_folder: str = ""
    format: PackageFormat = "yaml"
    executable: frozenset[str] = field(default_factory=frozenset)

    @property
    def kind(self) -> DescriptorKind:
        return self.descriptor.kind

    @property
    def id(self) -> str:
        return self.descriptor.id

    def read(self, path: str) -> bytes:
        """The bytes of one file of the package (path relative to the top folder)."""
        key = "/".join(p for p in path.split("/") if p not in ("", "."))
        try:
            return self.files[key]
        except KeyError:
            raise NotFound(f"{self.name}: no file {path!r} in the package") from None

    def extract(self, dest: Path) -> Path:
        """Write the package's files under ``dest`` (created if needed) and return it.

        Paths were checked when the package was read. Writing never follows a symbolic
        link found under ``dest`` (a linked folder or file there is refused before anything
        is created through it), so nothing lands outside ``dest``.
        """
        root = dest.resolve()
        root.mkdir(parents=True, exist_ok=True)
        for rel, data in sorted(self.files.items()):
            parts = rel.split("/")
            folder = root
            for part in parts[:-1]:
                folder = folder / part
                if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                    raise self._unsafe_target(rel, folder)
                if not folder.exists():
                    folder.mkdir()
            mode = 0o755 if rel in self.executable else 0o644
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
            try:
                fd = os.open(folder / parts[-1], flags, mode)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise self._unsafe_target(rel, folder / parts[-1]) from None
                raise
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), mode)
                handle.write(data)
        return root

    def _unsafe_target(self, rel: str, where: Path) -> UnsafeArchiveError:
        message = f"{where} is a symbolic link or not a folder; {rel!r} is not written through it"
        return UnsafeArchiveError(
            f"{self.name}: cannot extract safely",
            [Issue(member_pointer(rel), "link-member", message)],
        )


@dataclass(frozen=True)
class PackageCheck:
    """The outcome of :func:`inspect_package`: the package, or every reason it is refused.

    ``kind`` and ``id`` are filled in whenever the descriptor could be parsed, even if the
    package is refused for another reason (a missing artifact, an unsafe archive member).
    ``warnings`` (same shape as ``issues``) are what OSM tolerates: a stale
    ``checksums.txt``, a SOL006-mandatory leaf OSM does not enforce. They never make the
    package invalid; a strict check reports them in ``issues`` instead.
    """

    name: str
    issues: tuple[Issue, ...]
    package: Package | None = None
    kind: DescriptorKind | None = None
    id: str | None = None
    warnings: tuple[Issue, ...] = ()

    @property
    def valid(self) -> bool:
        return self.package is not None and not self.issues

    @property
    def unsafe(self) -> bool:
        return any(issue.code in UNSAFE_CODES for issue in self.issues)

    def raise_for_issues(self) -> Package:
        """Return the package, or raise :class:`UnsafeArchiveError`/:class:`ValidationError`."""
        raise_for(self.name, list(self.issues))
        if self.package is None:  # pragma: no cover - no package always comes with issues
            raise ValidationError(f"{self.name}: invalid package")
        return self.package


def read_package(
    source: Path | bytes,
    *,
    name: str = "<input>",
    limits: PackageLimits = DEFAULT_LIMITS,
    strict: bool = False,
) -> Package:
    """Read and check a package; raise with every problem found, or return it unchanged.

    ``source`` is a package folder, a ``.tar.gz``/``.tar`` in the OSM layout, a CSAR zip
    or a bare descriptor YAML; bytes are recognised by their magic number (gzip, zip, tar),
    anything else is taken as YAML. Raises :class:`UnsafeArchiveError` when the archive
    must not be unpacked, :class:`ValidationError` for any other problem.
    """
    return inspect_package(source, name=name, limits=limits, strict=strict).raise_for_issues()


def inspect_package(
    source: Path | bytes,
    *,
    name: str = "<input>",
    limits: PackageLimits = DEFAULT_LIMITS,
    strict: bool = False,
) -> PackageCheck:
    """Like :func:`read_package`, but return the problems instead of raising them.

    An unreadable path (permissions, a vanished file) is reported as an ``unreadable``
    issue, never raised. With ``strict``, what OSM tolerates (see
    :attr:`PackageCheck.warnings`) is an issue too.
    """
    if isinstance(source, Path):
        if name == "<input>":
            name = str(source)
        try:
            mode = source.stat().st_mode
            if stat.S_ISDIR(mode):
                collector = read_directory(source.resolve(), limits)
                return _assemble(collector, "directory", name, strict)
            if not stat.S_ISREG(mode):
                message = "not a regular file or folder"
                return PackageCheck(name, (Issue("", "not-a-package", message),))
            with source.open("rb") as handle:
                source = handle.read(limits.max_archive_bytes + 1)
        except OSError as exc:
            return PackageCheck(name, (Issue("", "unreadable", f"cannot read: {exc.strerror}"),))
    if len(source) > limits.max_archive_bytes:
        return _too_large(name, len(source), limits)
    if source[:2] == GZIP_MAGIC:
        return _assemble(read_tar(source, limits, gzipped=True), "tar.gz", name, strict)
    if source[:4] in ZIP_MAGICS:
        return _assemble(read_zip(source, limits), "zip", name, strict)
    if source[257:262] == b"ustar":
        return _assemble(read_tar(source, limits, gzipped=False), "tar", name, strict)
    return _bare_descriptor(source, name, limits, strict)


def _too_large(name: str, size: int, limits: PackageLimits) -> PackageCheck:
    message = f"the package is {size} bytes, over the {limits.max_archive_bytes} accepted"
    return PackageCheck(name, (Issue("/archive", "archive-too-large", message),))


def _bare_descriptor(data: bytes, name: str, limits: PackageLimits, strict: bool) -> PackageCheck:
    if len(data) > limits.max_member_bytes:
        message = f"the descriptor is {len(data)} bytes, over {limits.max_member_bytes}"
        return PackageCheck(name, (Issue("", "member-too-large", message),))
    issues: list[Issue] = []
    descriptor = _parse(data, name, issues, strict)
    if descriptor is None:
        return _refused(name, issues, data, () if strict else tolerated_findings(data))
    package = Package(descriptor, "", MappingProxyType({}), name=name, format="yaml")
    return PackageCheck(name, (), package, descriptor.kind, descriptor.id, descriptor.warnings)


def _parse(data: bytes, source: str, issues: list[Issue], strict: bool) -> Descriptor | None:
    try:
        return parse_descriptor(data, source=source, strict=strict)
    except ValidationError as exc:
        issues.extend(exc.issues or [Issue("", "invalid-descriptor", exc.message)])
    except RecursionError:
        issues.append(Issue("", "yaml-too-deep", "the YAML document is nested too deeply"))
    return None


def _identity(data: bytes) -> tuple[DescriptorKind | None, str | None]:
    """Kind and id of a descriptor that failed validation, when its envelope says so."""
    loaded = load_yaml(data)
    located, _ = locate_descriptor(loaded.data) if loaded.data is not None else (None, [])
    if located is None:
        return None, None
    raw_id = located.raw.get("id") if isinstance(located.raw, dict) else None
    return located.kind, raw_id if isinstance(raw_id, str) else None


def _refused(
    name: str, issues: list[Issue], data: bytes, warnings: tuple[Issue, ...] = ()
) -> PackageCheck:
    kind, ident = _identity(data)
    return PackageCheck(name, tuple(issues), kind=kind, id=ident, warnings=warnings)


def _top_folder(collector: MemberCollector, fmt: PackageFormat) -> tuple[str, list[Issue]]:
    """The one top folder of a tar.gz / folder package ("" for a zip rooted at its root)."""
    tops = {parts[0] for parts in collector.files} | {parts[0] for parts in collector.dirs}
    loose = sorted("/".join(p) for p in collector.files if len(p) == 1)
    if fmt == "zip" and (loose or len(tops) != 1):
        return "", []
    issues: list[Issue] = []
    if len(tops) > 1:
        issues.append(
            Issue(
                "/archive",
                "multiple-top-folders",
                f"an OSM package has one top folder; found {', '.join(sorted(tops))}",
            )
        )
    issues.extend(
        Issue(member_pointer(f), "file-outside-top-folder", f"{f!r} is not inside a folder")
        for f in loose
    )
    return (next(iter(tops)) if len(tops) == 1 else ""), issues


def _assemble(
    collector: MemberCollector, fmt: PackageFormat, name: str, strict: bool
) -> PackageCheck:
    """Every finding at once: archive members, layout, checksums, descriptor, artifacts.

    An unsafe or corrupt archive is never handed out as a :class:`Package`, but the
    descriptor among the members that were read is still checked, so its problems are
    reported together with the archive's.
    """
    resolve_links(collector)
    issues = [*collector.issues, *collector.conflicts()]
    refused = any(i.code in UNSAFE_CODES or i.code == "corrupt-archive" for i in issues)
    top, layout_issues = _top_folder(collector, fmt)
    issues.extend(layout_issues)
    if any(i.code == "multiple-top-folders" for i in layout_issues):
        return PackageCheck(name, tuple(issues))  # which folder is the package? not ours to guess
    depth = 1 if top else 0
    files = {"/".join(p[depth:]): d for p, d in sorted(collector.files.items()) if len(p) > depth}
    prefix = f"{top}/" if top else ""
    tolerated = _checksum_findings(files, prefix)
    if strict:
        issues.extend(tolerated)
        tolerated = []
    path, found = locate_in_package(files, prefix)
    issues.extend(found if not refused or path is not None else ())
    if path is None:
        return PackageCheck(name, tuple(issues), warnings=tuple(tolerated))
    manifest = find_manifest(files, path)
    if manifest is not None:
        issues.extend(verify_manifest(files, manifest, prefix))
    descriptor = _parse(files[path], f"{name}:{prefix}{path}", issues, strict)
    if descriptor is None:
        late = () if strict else tolerated_findings(files[path])
        return _refused(name, issues, files[path], (*tolerated, *late))
    tolerated.extend(descriptor.warnings)
    issues.extend(check_artifacts(descriptor, files))
    log.debug("read %s package %s: %s %s", fmt, name, descriptor.kind, descriptor.id)
    package = None if refused else _package(collector, descriptor, path, files, name, top, fmt)
    return PackageCheck(
        name, tuple(issues), package, descriptor.kind, descriptor.id, tuple(tolerated)
    )


def _checksum_findings(files: dict[str, bytes], prefix: str) -> list[Issue]:
    """Problems of ``checksums.txt``: OSM does not check it on upload (warnings)."""
    if CHECKSUMS_FILE not in files:
        return []
    return verify_checksums(files[CHECKSUMS_FILE], files, prefix)


def _package(
    collector: MemberCollector,
    descriptor: Descriptor,
    path: str,
    files: dict[str, bytes],
    name: str,
    top: str,
    fmt: PackageFormat,
) -> Package:
    depth = 1 if top else 0
    return Package(
        descriptor,
        path,
        MappingProxyType(files),
        name=name,
        top_folder=top,
        format=fmt,
        executable=frozenset("/".join(p[depth:]) for p in collector.executable),
    )

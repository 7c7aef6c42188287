"""The product :class:`~locus_iac.catalogue.onboarding.Inspector`: packages + descriptors.

``inspect`` reads the upload with :func:`locus_iac.packages.read_package` (tar.gz, CSAR zip
or bare YAML; hostile archives refused under :class:`PackageLimits`) which validates the
descriptor completely (:func:`locus_iac.descriptors.parse_descriptor`); ``cross_check``
resolves the references to other descriptors with
:func:`locus_iac.descriptors.check_references` against the onboarded ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from locus_iac.catalogue.onboarding import Artifact, Inspected, Reference
from locus_iac.catalogue.states import PackageKind
from locus_iac.descriptors import (
    Descriptor,
    Nsd,
    Nst,
    Pnfd,
    Vnfd,
    check_references,
    parse_descriptor,
)
from locus_iac.errors import Issue, ValidationError, json_pointer
from locus_iac.packages import CHECKSUMS_FILE, DEFAULT_LIMITS, PackageLimits, inspect_package
from locus_iac.packages.contents import is_encrypted


def _references(descriptor: Descriptor) -> tuple[Reference, ...]:
    model, at = descriptor.model, descriptor.pointer
    refs: list[Reference] = []
    if isinstance(model, Nsd):
        refs += [
            Reference(PackageKind.VNFD, ref, at + json_pointer("vnfd-id", i))
            for i, ref in enumerate(model.vnfd_id)
        ]
        refs += [
            Reference(PackageKind.NSD, ref, at + json_pointer("nested-nsd-id", i))
            for i, ref in enumerate(model.nested_nsd_id)
        ]
        refs += [
            Reference(PackageKind.PNFD, ref, at + json_pointer("pnfd-id", i), optional=True)
            for i, ref in enumerate(model.pnfd_id)
        ]
    elif isinstance(model, Nst):
        refs += [
            Reference(
                PackageKind.NSD, s.nsd_ref, at + json_pointer("netslice-subnet", i, "nsd-ref")
            )
            for i, s in enumerate(model.netslice_subnet)
        ]
    return tuple(refs)


GB = 10**9
"""SOL006 sizes are in GB (``units "GB"``), SOL005 ones in bytes."""

_SOL005_MANDATORY = ("name", "provider", "version", "checksum", "minDisk", "size")


def _software_images(vnfd: Vnfd, files: Mapping[str, bytes]) -> tuple[dict[str, Any], ...]:
    """SOL005 v3.7.1 clause 9.5.3.2 VnfPackageSoftwareImageInfo of each ``sw-image-desc``.

    From the SOL006 leaves, with the YANG defaults (``container-format`` bare,
    ``disk-format`` qcow2, ``min-ram`` 0) and sizes converted from GB to bytes. When the
    image is a file of the package (``image``), ``imagePath``, its actual SHA-256 (if the
    descriptor gives no checksum), its size and whether it is encrypted come from the file;
    an ``image`` that is a URI is ``imageUri``; ``provider`` defaults to the VNFD's. An image
    that still lacks a member SOL005 makes mandatory (OSM packages name a VIM image only,
    without version, checksum or sizes) is left out rather than described with made-up
    values.
    """
    images: list[dict[str, Any]] = []
    for desc in vnfd.sw_image_desc:
        key = "/".join(p for p in (desc.image or "").split("/") if p not in ("", "."))
        content = files.get(key) if key else None
        checksum = None
        if desc.checksum and desc.checksum.algorithm and desc.checksum.hash:
            checksum = {"algorithm": desc.checksum.algorithm, "hash": desc.checksum.hash}
        elif content is not None:
            checksum = {"algorithm": "SHA-256", "hash": hashlib.sha256(content).hexdigest()}
        info: dict[str, Any] = {
            "id": desc.id,
            "name": desc.name or desc.image or desc.id,
            "provider": desc.provider or vnfd.provider,
            "version": desc.version,
            "checksum": checksum,
            "isEncrypted": is_encrypted(content) if content is not None else False,
            "containerFormat": (desc.container_format or "bare").upper(),
            "diskFormat": (desc.disk_format or "qcow2").upper(),
            "minDisk": desc.min_disk * GB if desc.min_disk is not None else None,
            "minRam": int((desc.min_ram or 0) * GB),
            "size": len(content) if content is not None else _bytes(desc.size),
            "imagePath": key if content is not None else None,
            "imageUri": desc.image if desc.image and "://" in desc.image else None,
        }
        if all(info[name] is not None for name in _SOL005_MANDATORY):
            images.append({k: v for k, v in info.items() if v is not None})
    return tuple(images)


def _bytes(gigabytes: int | None) -> int | None:
    return gigabytes * GB if gigabytes is not None else None


def _labels(model: Vnfd | Nsd | Nst | Pnfd) -> tuple[str | None, str | None, str | None]:
    """(name, version, provider/designer) as SOL005 copies them into the info resource."""
    if isinstance(model, Vnfd):
        return model.product_name, model.version, model.provider
    if isinstance(model, Pnfd):
        return model.name, model.version, model.provider
    if isinstance(model, Nsd):
        return model.name, model.version, model.designer
    return model.name, None, None


class PackageInspector:
    """Validates uploads with :mod:`locus_iac.packages` and :mod:`locus_iac.descriptors`."""

    def __init__(self, limits: PackageLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits

    def inspect(self, data: bytes, name: str) -> Inspected:
        check = inspect_package(data, name=name, limits=self.limits)
        package = check.raise_for_issues()
        descriptor = package.descriptor
        raw = package.files[package.descriptor_path] if package.descriptor_path else data
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:  # parse_descriptor accepted it, so this is unlikely
            raise ValidationError(
                f"{name}: the descriptor is not UTF-8",
                [Issue("", "yaml-syntax", "the descriptor is not UTF-8 text")],
            ) from exc
        label, version, provider = _labels(descriptor.model)
        model = descriptor.model
        return Inspected(
            kind=PackageKind(descriptor.kind.value),
            descriptor_id=descriptor.id,
            name=label,
            version=version,
            provider=provider,
            descriptor_yaml=text,
            references=_references(descriptor),
            software_version=model.software_version if isinstance(model, Vnfd) else None,
            artifacts=tuple(
                Artifact(path, hashlib.sha256(content).hexdigest(), is_encrypted(content))
                for path, content in sorted(package.files.items())
                if path not in (package.descriptor_path, CHECKSUMS_FILE)
            ),
            software_images=(
                _software_images(model, package.files) if isinstance(model, Vnfd) else ()
            ),
            parsed=descriptor,
            warnings=check.warnings,
        )

    def cross_check(
        self, subject: Inspected, known: Mapping[tuple[PackageKind, str], str]
    ) -> list[Issue]:
        descriptor = subject.parsed
        if not isinstance(descriptor, Descriptor):
            raise TypeError("cross_check needs an Inspected made by PackageInspector.inspect")
        resolved = [
            parse_descriptor(text, source=f"catalogue {kind.value} {ref}")
            for (kind, ref), text in known.items()
        ]
        return check_references(descriptor, resolved)

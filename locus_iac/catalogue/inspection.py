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

from locus_iac.catalogue.onboarding import Artifact, Inspected, Reference
from locus_iac.catalogue.states import PackageKind
from locus_iac.descriptors import Descriptor, Nsd, Nst, Vnfd, check_references, parse_descriptor
from locus_iac.errors import Issue, ValidationError, json_pointer
from locus_iac.packages import CHECKSUMS_FILE, DEFAULT_LIMITS, PackageLimits, inspect_package


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
    elif isinstance(model, Nst):
        refs += [
            Reference(
                PackageKind.NSD, s.nsd_ref, at + json_pointer("netslice-subnet", i, "nsd-ref")
            )
            for i, s in enumerate(model.netslice_subnet)
        ]
    return tuple(refs)


def _labels(model: Vnfd | Nsd | Nst) -> tuple[str | None, str | None, str | None]:
    """(name, version, provider/designer) as SOL005 copies them into the info resource."""
    if isinstance(model, Vnfd):
        return model.product_name, model.version, model.provider
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
                Artifact(path, hashlib.sha256(content).hexdigest())
                for path, content in sorted(package.files.items())
                if path not in (package.descriptor_path, CHECKSUMS_FILE)
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

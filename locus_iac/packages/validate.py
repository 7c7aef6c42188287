"""Validation of several packages together: the cross-descriptor references among them.

An NSD names VNFDs (``vnfd-id``), their external connection points
(``constituent-cpd-id``) and nested NSDs; an NST names NSDs (``nsd-ref``) and their SAPs
(``nsd-connection-point-ref``). Each package is checked against all the others given, with
:func:`locus_iac.descriptors.check_references`; a reference to a descriptor that is not
among them is reported as unresolved, which is the right answer for an NSD validated
without its VNFDs. :func:`check_with` adds the rule of ``--with``: a package given only to
resolve references matters only when the subject references it, so a broken package the
subject never names changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from locus_iac.descriptors import Descriptor, DescriptorKind, Nsd, Nst, check_references
from locus_iac.errors import Issue
from locus_iac.packages.reader import Package, PackageCheck


@dataclass(frozen=True, slots=True)
class PackageReport:
    """The cross-reference problems of one package within a set."""

    package: Package
    issues: tuple[Issue, ...]

    @property
    def valid(self) -> bool:
        return not self.issues


def validate_set(packages: Sequence[Package]) -> list[PackageReport]:
    """One report per package (same order), checking each against all the others.

    Two packages declaring the same kind and id are reported too: references to that id
    would be ambiguous.
    """
    ids = Counter((p.kind, p.id) for p in packages)
    reports = []
    for index, package in enumerate(packages):
        others = [q.descriptor for i, q in enumerate(packages) if i != index]
        issues = list(check_references(package.descriptor, others))
        if ids[(package.kind, package.id)] > 1:
            issues.append(
                Issue(
                    f"{package.descriptor.pointer}/id",
                    "duplicate-descriptor",
                    f"{ids[(package.kind, package.id)]} packages in the set declare "
                    f"{package.kind} {package.id!r}",
                )
            )
        reports.append(PackageReport(package, tuple(issues)))
    return reports


def referenced(descriptor: Descriptor) -> set[tuple[DescriptorKind, str]]:
    """(kind, id) of every other descriptor ``descriptor`` names."""
    model = descriptor.model
    found: set[tuple[DescriptorKind, str]] = set()
    if isinstance(model, Nsd):
        found |= {(DescriptorKind.VNFD, ref) for ref in model.vnfd_id}
        found |= {(DescriptorKind.NSD, ref) for ref in model.nested_nsd_id}
        for df in model.df:
            found |= {(DescriptorKind.VNFD, p.vnfd_id) for p in df.vnf_profile}
            found |= {(DescriptorKind.NSD, p.nsd_id) for p in df.ns_profile}
    elif isinstance(model, Nst):
        found |= {(DescriptorKind.NSD, s.nsd_ref) for s in model.netslice_subnet}
    return found


def check_with(subject: PackageCheck, others: Sequence[PackageCheck]) -> list[Issue]:
    """The subject's cross-reference issues against ``others`` (the ``--with`` packages).

    A problem of another package is reported (as ``invalid-with-package``) only when the
    subject references that package; every other package that could be read still serves
    to resolve references. Nothing is checked when the subject itself could not be read.
    """
    if subject.package is None:
        return []
    wanted = referenced(subject.package.descriptor)
    issues: list[Issue] = []
    for other in others:
        if other.issues and other.kind is not None and (other.kind, other.id) in wanted:
            issues.extend(
                Issue("", "invalid-with-package", f"--with {other.name}: {problem}")
                for problem in other.issues
            )
    usable = [other.package for other in others if other.package is not None]
    issues.extend(validate_set([subject.package, *usable])[0].issues)
    return issues

"""Validation of several packages together: the cross-descriptor references among them.

An NSD names VNFDs (``vnfd-id``), their external connection points
(``constituent-cpd-id``) and nested NSDs; an NST names NSDs (``nsd-ref``) and their SAPs
(``nsd-connection-point-ref``). Each package is checked against all the others given, with
:func:`locus_iac.descriptors.check_references`; a reference to a descriptor that is not
among them is reported as unresolved, which is the right answer for an NSD validated
without its VNFDs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from locus_iac.descriptors import check_references
from locus_iac.errors import Issue
from locus_iac.packages.reader import Package


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

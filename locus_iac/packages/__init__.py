"""SOL004/SOL007 packages: safe reading, checksums, artifact checks and reproducible builds.

A package is read entirely into memory under :class:`PackageLimits` (nothing is unpacked
to disk), from a folder, an OSM-layout ``.tar.gz`` (one top folder holding the descriptor
YAML and ``cloud_init/``, ``ansible/``, ``helm-charts/``, ``icons/``, ``scripts/``, optional
``checksums.txt``), a SOL004/SOL007 CSAR zip (``TOSCA-Metadata/TOSCA.meta`` ->
``Entry-Definitions``) or a bare descriptor YAML. Every problem is reported at once in a
:class:`~locus_iac.errors.ValidationError` (or :class:`~locus_iac.errors.UnsafeArchiveError`
for archives that must not be unpacked). See :mod:`locus_iac.packages.artifacts` for the
files a descriptor may name (the Day-1/2 playbook convention is
``ansible/<execution-environment-id>/<primitive>.yml``) and
:mod:`locus_iac.packages.checksums` for ``checksums.txt`` (and
:mod:`locus_iac.packages.manifest` for the SOL004 ``.mf`` manifest of a CSAR).
"""

from locus_iac.packages.artifacts import PlaybookRef, check_artifacts, day12_playbooks
from locus_iac.packages.build import archive_bytes, build_package
from locus_iac.packages.checksums import CHECKSUMS_FILE, render_checksums, verify_checksums
from locus_iac.packages.limits import DEFAULT_LIMITS, PackageLimits
from locus_iac.packages.reader import (
    Package,
    PackageCheck,
    PackageFormat,
    inspect_package,
    read_package,
)
from locus_iac.packages.validate import PackageReport, check_with, referenced, validate_set

__all__ = [
    "CHECKSUMS_FILE",
    "DEFAULT_LIMITS",
    "Package",
    "PackageCheck",
    "PackageFormat",
    "PackageLimits",
    "PackageReport",
    "PlaybookRef",
    "archive_bytes",
    "build_package",
    "check_artifacts",
    "check_with",
    "day12_playbooks",
    "inspect_package",
    "read_package",
    "referenced",
    "render_checksums",
    "validate_set",
    "verify_checksums",
]

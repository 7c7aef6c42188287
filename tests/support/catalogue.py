"""Packages onboarded into a real catalogue database the way the NBI does it."""

from __future__ import annotations

from pathlib import Path

from locus_iac.catalogue import Database, PackageInspector, PackageKind, onboard_new
from locus_iac.packages import archive_bytes, read_package


def onboard(db: Database, project: str, kind: PackageKind, folder: Path) -> str:
    """Build the package of ``folder``, onboard it into ``project``; its package id."""
    row = onboard_new(
        db,
        PackageInspector(),
        project_id=project,
        kind=kind,
        data=archive_bytes(read_package(folder)),
        content_type="application/gzip",
    )
    return row.id

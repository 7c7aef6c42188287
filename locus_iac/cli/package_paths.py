"""Package paths given on the command line: ``--with`` folders of packages.

Every command that takes ``--with`` (``pkg validate``, ``place``, ``plan``, ``ns export``)
expands it the same way: a package (folder with a descriptor, archive, YAML) stands for
itself; any other folder stands for the packages directly inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

PACKAGE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip", ".csar", ".yaml", ".yml")


def is_package_folder(folder: Path) -> bool:
    return (folder / "TOSCA-Metadata").is_dir() or any(
        child.is_file() and child.suffix in (".yaml", ".yml") for child in folder.iterdir()
    )


def expand_with(path: Path, subject: Path) -> list[Path]:
    """A ``--with`` folder that is not a package stands for the packages directly inside it."""
    if not path.is_dir() or is_package_folder(path):
        return [path]
    inside = sorted(
        child
        for child in path.iterdir()
        if (child.is_dir() and is_package_folder(child))
        or (child.is_file() and child.name.endswith(PACKAGE_SUFFIXES))
    )
    return [child for child in inside if child.resolve() != subject.resolve()]


def expand_all(paths: Iterable[Path], subject: Path) -> list[Path]:
    """Every ``--with`` path expanded, in order, without the subject itself."""
    return [found for given in paths for found in expand_with(given, subject)]

"""``locus pkg``: validate, build and show VNF/NS packages and netslice templates.

Contracts (DESIGN.md): ``validate`` exits 0 when valid, 1 when invalid, 2 on a usage error
(Typer's own, e.g. a path that does not exist); ``--json`` prints one object
``{"valid", "kind", "id", "errors": [{"path", "code", "message"}], "warnings": [...]}``.
Warnings are what OSM tolerates (a stale ``checksums.txt``, a SOL006-mandatory leaf OSM
does not enforce); ``--strict`` makes them errors, as they were before OSM's tolerance.
``build`` writes a reproducible OSM tar.gz with ``checksums.txt``. ``show`` prints a
readable summary.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import typer

from locus_iac.cli import _pkg_show
from locus_iac.cli.output import EXIT_FAILED, emit, emit_json, fail
from locus_iac.cli.package_paths import expand_all
from locus_iac.errors import Issue, LocusError, ValidationError
from locus_iac.packages import PackageCheck, build_package, check_with, inspect_package

app = typer.Typer(
    help="VNF/NS packages and netslice templates: validate, build, show.",
    no_args_is_help=True,
)

_PATH_HELP = "A package folder, a .tar.gz package, a CSAR zip or a descriptor YAML."


def _validation_result(
    path: Path, with_paths: list[Path], strict: bool
) -> tuple[PackageCheck, list[Issue]]:
    """The subject's own check and all its problems, cross-references included."""
    subject = inspect_package(path, strict=strict)
    others = [inspect_package(p, strict=strict) for p in expand_all(with_paths, path)]
    return subject, [*subject.issues, *check_with(subject, others)]


@app.command()
def validate(
    path: Path = typer.Argument(..., exists=True, help=_PATH_HELP),
    with_: list[Path] = typer.Option(
        [],
        "--with",
        exists=True,
        help="A package or descriptor that cross-references resolve against (repeatable); "
        "a folder of packages stands for each package in it.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Also refuse what OSM tolerates: checksums.txt mismatches and SOL006-mandatory "
        "leaves OSM does not enforce (warnings otherwise).",
    ),
) -> None:
    """Check a package or descriptor; list every problem with its JSON pointer."""
    subject, issues = _validation_result(path, with_, strict)
    warnings = list(subject.warnings)
    valid = subject.package is not None and not issues
    if as_json:
        emit_json(
            {
                "valid": valid,
                "kind": subject.kind.value if subject.kind is not None else None,
                "id": subject.id,
                "errors": [issue.as_dict() for issue in issues],
                "warnings": [issue.as_dict() for issue in warnings],
            }
        )
    else:
        what = f"{subject.kind.value} {subject.id!r}" if subject.kind is not None else "package"
        if valid:
            emit(f"{path}: valid {what}")
        else:
            count = f"{len(issues)} error{'s' if len(issues) != 1 else ''}"
            emit(f"{path}: invalid {what} ({count})")
            for issue in issues:
                emit(f"  {issue}")
        for warning in warnings:
            emit(f"  warning: {warning}")
    if not valid:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def build(
    directory: Path = typer.Argument(
        ..., exists=True, file_okay=False, dir_okay=True, help="The package's source folder."
    ),
    output: Path | None = typer.Option(
        None, "-o", "--output", dir_okay=False, help="Archive to write (default <DIR>.tar.gz)."
    ),
) -> None:
    """Build a reproducible OSM tar.gz package (with checksums.txt) from a folder."""
    try:
        written = build_package(directory, output)
    except LocusError as error:
        raise fail(error) from None
    except OSError as error:
        raise fail(LocusError(f"cannot write the package: {error}")) from None
    data = written.read_bytes()
    emit(f"{written}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


@app.command()
def show(
    path: Path = typer.Argument(..., exists=True, help=_PATH_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Summarise a package: identity, VDUs/KDUs and resources, connection points, links."""
    check = inspect_package(path)
    if check.package is None or check.issues:
        error = ValidationError(f"{path}: invalid package", check.issues)
        raise fail(error, as_json=as_json)
    summary = _pkg_show.summarise(check.package)
    if as_json:
        payload: dict[str, Any] = {
            "header": dict(summary.header),
            "tables": [
                {"title": t.title, "columns": list(t.columns), "rows": [list(r) for r in t.rows]}
                for t in summary.tables
            ],
        }
        emit_json(payload)
    else:
        emit(_pkg_show.render(summary))

"""Public OSM descriptors (a corpus nobody here wrote) are classified as the table says.

``LOCUS_OSM_CORPUS`` names a folder holding ``manifest.tsv`` (file, repo, path, commit: where
each descriptor was taken from) and ``descriptors/<file>``. Each descriptor is read as OSM's
NBI would read an upload of it (:func:`inspect_package`, not strict), then cross-checked
against the other corpus descriptors it references when all of them are in the corpus and
valid. The expected outcome of every file is ``osm_corpus_table.yaml`` beside this test
(our own writing: verdict, reason, and the JSON pointer and code of each defect). The table
must name every corpus file, no accepted descriptor may have a finding, and every refused
one must list the pointer of its defect.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from locus_iac.descriptors import Descriptor, DescriptorKind, check_references
from locus_iac.packages import inspect_package, referenced

CORPUS = Path(os.environ.get("LOCUS_OSM_CORPUS", "/nonexistent"))
TABLE = Path(__file__).with_name("osm_corpus_table.yaml")


def _manifest() -> list[dict[str, str]]:
    with (CORPUS / "manifest.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _table() -> dict[str, dict[str, Any]]:
    rows = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    return {row["file"]: row for row in rows}


def _valid_descriptors() -> dict[tuple[DescriptorKind, str], Descriptor]:
    found = {}
    for row in _manifest():
        check = inspect_package(CORPUS / "descriptors" / row["file"])
        if check.valid and check.package is not None:
            found[(check.package.kind, check.package.id)] = check.package.descriptor
    return found


def classify(file: str, known: dict[tuple[DescriptorKind, str], Descriptor]) -> dict[str, Any]:
    """Verdict and findings of one corpus file, in the table's shape."""
    check = inspect_package(CORPUS / "descriptors" / file)
    findings = list(check.issues)
    if check.package is not None and not check.issues:
        subject = check.package.descriptor
        wanted = referenced(subject)
        if wanted <= set(known):
            findings += check_references(subject, [known[key] for key in wanted])
    return {
        "verdict": "accepted" if not findings else "refused",
        "defects": sorted({(i.path, i.code) for i in findings}),
        "warnings": sorted({(i.path, i.code) for i in check.warnings}),
    }


def test_the_corpus_is_there_and_large_enough() -> None:
    rows = _manifest()
    assert len(rows) >= 30
    for row in rows:
        assert (CORPUS / "descriptors" / row["file"]).is_file(), row
        assert row["repo"] and row["path"] and len(row["commit"]) == 40, row
    kinds = Counter(inspect_package(CORPUS / "descriptors" / r["file"]).kind for r in rows)
    assert kinds[DescriptorKind.VNFD] >= 10 and kinds[DescriptorKind.NSD] >= 10
    assert kinds[None] >= 1  # and some in the pre-SOL006 OSM IM format


def test_the_table_names_every_corpus_file_and_is_well_formed() -> None:
    table = _table()
    assert set(table) == {row["file"] for row in _manifest()}
    for file, row in table.items():
        assert row["verdict"] in ("accepted", "refused"), file
        assert row["reason"], file
        if row["verdict"] == "accepted":
            assert row.get("defects", []) == [], file
        else:
            assert row["defects"], f"{file}: a refusal must point at its defect"
            assert all(d["path"] == "" or d["path"].startswith("/") for d in row["defects"])


@pytest.mark.parametrize("file", sorted(_table()) if TABLE.is_file() else [])
def test_each_descriptor_is_classified_as_the_table_says(file: str) -> None:
    expected = _table()[file]
    got = classify(file, _valid_descriptors())
    assert got["verdict"] == expected["verdict"], (file, got)
    wanted = sorted((d["path"], d["code"]) for d in expected.get("defects", []))
    assert got["defects"] == wanted, (file, got)
    warned = sorted((w["path"], w["code"]) for w in expected.get("warnings", []))
    assert got["warnings"] == warned, (file, got)

"""SOL004 manifest files of CSAR packages are verified."""

from __future__ import annotations

import hashlib

import pytest

from locus_iac.errors import ValidationError
from locus_iac.packages import inspect_package, read_package

from .archives import MINIMAL_VNFD, zip_bytes

SCRIPT = b"#!/bin/sh\necho configured\n"
META = (
    b"TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nCreated-By: tests\n"
    b"Entry-Definitions: Definitions/tiny.yaml\nETSI-Entry-Manifest: tiny.mf\n"
)


def _manifest(script_hash: str, algorithm: str = "SHA-256") -> bytes:
    return (
        "metadata:\n"
        "vnf_provider_id: tests\nvnf_product_name: tiny\n"
        "vnf_release_date_time: 2026-11-26T12:00:00+00:00\nvnf_package_version: 1.0\n\n"
        f"Source: Definitions/tiny.yaml\nAlgorithm: SHA-256\n"
        f"Hash: {hashlib.sha256(MINIMAL_VNFD).hexdigest()}\n\n"
        f"Source: Scripts/configure.sh\nAlgorithm: {algorithm}\nHash: {script_hash}\n\n"
        "Source: Files/notes.txt\n"
    ).encode()


def _csar(manifest: bytes, meta: bytes = META, manifest_name: str = "tiny.mf") -> bytes:
    return zip_bytes(
        {
            "TOSCA-Metadata/TOSCA.meta": meta,
            "Definitions/tiny.yaml": MINIMAL_VNFD,
            "Scripts/configure.sh": SCRIPT,
            "Files/notes.txt": b"notes",
            manifest_name: manifest,
        }
    )


def test_matching_manifest_is_accepted() -> None:
    good = hashlib.sha512(SCRIPT).hexdigest()
    assert read_package(_csar(_manifest(good, "SHA-512"))).id == "tiny_vnf"


def test_digest_mismatch_names_the_artifact() -> None:
    with pytest.raises(ValidationError) as caught:
        read_package(_csar(_manifest(hashlib.sha256(b"other").hexdigest())))
    assert [(i.path, i.code) for i in caught.value.issues] == [
        ("/archive/Scripts/configure.sh", "checksum-mismatch")
    ]


def test_manifest_beside_a_descriptor_without_tosca_metadata_is_found() -> None:
    manifest = b"Source: tiny.yaml\nAlgorithm: SHA-256\nHash: " + b"0" * 64 + b"\n"
    data = zip_bytes({"tiny.yaml": MINIMAL_VNFD, "tiny.mf": manifest})
    check = inspect_package(data)
    assert [(i.path, i.code) for i in check.issues] == [("/archive/tiny.yaml", "checksum-mismatch")]


@pytest.mark.parametrize(
    ("manifest", "code"),
    [
        (b"Source: Scripts/absent.sh\nAlgorithm: SHA-256\nHash: 00\n", "manifest-missing-file"),
        (b"Source: Scripts/configure.sh\nAlgorithm: MD5\nHash: 00\n", "manifest-malformed"),
        (b"Source: Scripts/configure.sh\nHash: 00\n", "manifest-malformed"),
        (b"\xff\xfe", "manifest-malformed"),
    ],
)
def test_broken_manifests_are_reported(manifest: bytes, code: str) -> None:
    check = inspect_package(_csar(manifest))
    assert [(i.path, i.code) for i in check.issues] == [("/archive/tiny.mf", code)]


def test_manifest_named_but_absent_is_reported() -> None:
    data = zip_bytes({"TOSCA-Metadata/TOSCA.meta": META, "Definitions/tiny.yaml": MINIMAL_VNFD})
    check = inspect_package(data)
    assert [(i.path, i.code) for i in check.issues] == [("/archive/tiny.mf", "missing-file")]

"""What SOL005 hands out of a package: manifest copies, artifacts, signatures (issue 16)."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

from locus_iac.descriptors import DescriptorKind
from locus_iac.errors import NotFound, ValidationError
from locus_iac.packages import Package, read_package
from locus_iac.packages.contents import (
    artifact,
    artifact_key,
    artifact_paths,
    artifacts_archive,
    is_encrypted,
    manifest_copy,
    non_mano_sets,
    zip_of,
)

from .archives import MINIMAL_VNFD, package_tar, zip_bytes

META = (
    b"TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nCreated-By: tests\n"
    b"Entry-Definitions: Definitions/tiny.yaml\nETSI-Entry-Manifest: tiny.mf\n"
)
MANIFEST = (
    b"metadata:\nvnf_provider_id: tests\n\n"
    b"Source: Definitions/tiny.yaml\n\n"
    b"Source: Scripts/run.sh\nSignature: Scripts/run.sh.sig.cms\nCertificate: Scripts/run.cert\n\n"
    b"non_mano_artifact_sets:\n"
    b"  onap_ves_events:\n"
    b"    Source: Files/ves/events.yaml\n"
    b"  prv.docs:\n"
    b"    Source: Files/docs/a.txt\n"
    b"    Source: Files/docs/b.txt\n"
    b"-----BEGIN CMS-----\nMIIB\n-----END CMS-----\n"
)
ENVELOPED_DER = bytes.fromhex("3082010006092a864886f70d010703a0") + bytes(32)
SIGNED_DER = bytes.fromhex("3082010006092a864886f70d010702a0") + bytes(32)


@pytest.fixture(scope="module")
def csar() -> Package:
    return read_package(
        zip_bytes(
            {
                "TOSCA-Metadata/TOSCA.meta": META,
                "Definitions/tiny.yaml": MINIMAL_VNFD,
                "Scripts/run.sh": b"#!/bin/sh\n",
                "Scripts/run.sh.sig.cms": b"sig",
                "Scripts/run.cert": b"cert",
                "Files/ves/events.yaml": b"events: []\n",
                "Files/docs/a.txt": b"a",
                "Files/docs/b.txt": b"b",
                "tiny.mf": MANIFEST,
            }
        )
    )


@pytest.mark.parametrize(
    "path",
    ["", "/etc/passwd", "../x", "a/../../x", "a/./b", "a\\..\\b", "a\x00b", "a\nb", ".."],
)
def test_unsafe_artifact_paths_are_refused(path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        artifact_key(path)
    assert caught.value.issues[0].path == "/artifactPath"
    assert caught.value.issues[0].code == "unsafe-path"


def test_plain_paths_are_keys() -> None:
    assert artifact_key("Scripts//run.sh") == "Scripts/run.sh"
    assert artifact_key("cloud_init/a.cfg") == "cloud_init/a.cfg"


def test_manifest_copy_drops_the_signature_unless_asked(csar: Package) -> None:
    bare = manifest_copy(csar, include_signatures=False)
    assert bare.media_type == "text/plain"
    assert b"BEGIN CMS" not in bare.data
    assert bare.data.startswith(b"metadata:")
    signed = manifest_copy(csar, include_signatures=True)
    with zipfile.ZipFile(io.BytesIO(signed.data)) as archive:
        assert archive.namelist() == ["tiny.mf"]  # no package certificate in this one
        assert archive.read("tiny.mf") == MANIFEST


def test_package_without_manifest_has_none() -> None:
    package = read_package(package_tar({"tiny.yaml": MINIMAL_VNFD}))
    with pytest.raises(NotFound):
        manifest_copy(package, include_signatures=False)
    assert artifact(package, "tiny.yaml") == MINIMAL_VNFD


def test_non_mano_sets_and_filters(csar: Package) -> None:
    assert non_mano_sets(csar) == {
        "onap_ves_events": ["Files/ves/events.yaml"],
        "prv.docs": ["Files/docs/a.txt", "Files/docs/b.txt"],
    }
    every = artifact_paths(csar)
    assert "tiny.mf" not in every and "Scripts/run.sh.sig.cms" not in every
    assert "Scripts/run.cert" not in every and "TOSCA-Metadata/TOSCA.meta" not in every
    assert artifact_paths(csar, mano=False, sets=["prv.docs"]) == [
        "Files/docs/a.txt",
        "Files/docs/b.txt",
    ]
    assert artifact_paths(csar, non_mano=False) == [
        "Definitions/tiny.yaml",
        "Scripts/run.sh",
    ]
    with pytest.raises(ValidationError):
        artifact_paths(csar, sets=["missing"])


def test_security_files_are_not_artifacts(csar: Package) -> None:
    for path in ("tiny.mf", "Scripts/run.sh.sig.cms", "TOSCA-Metadata/TOSCA.meta"):
        with pytest.raises(NotFound):
            artifact(csar, path)


def test_archive_carries_signatures_when_asked(csar: Package) -> None:
    data = artifacts_archive(csar, ["Scripts/run.sh"], include_signatures=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == [
            "Scripts/run.cert",
            "Scripts/run.sh",
            "Scripts/run.sh.sig.cms",
        ]


def test_zip_is_reproducible() -> None:
    assert zip_of({"b": b"2", "a": b"1"}) == zip_of({"a": b"1", "b": b"2"})


def test_encrypted_artifacts_are_recognised() -> None:
    assert is_encrypted(ENVELOPED_DER)
    pem = b"-----BEGIN CMS-----\n" + base64.b64encode(ENVELOPED_DER) + b"\n-----END CMS-----\n"
    assert is_encrypted(pem)
    assert not is_encrypted(SIGNED_DER)  # signed, not encrypted
    assert not is_encrypted(b"#!/bin/sh\n")
    assert not is_encrypted(b"")


def test_pnfd_package_reads_as_a_pnfd() -> None:
    pnfd = b"pnfd:\n  id: dpi\n  version: '1'\n  ext-cpd: [{id: outside}]\n"
    package = read_package(package_tar({"dpi.yaml": pnfd, "Files/notes.txt": b"n"}))
    assert (package.kind, package.id) == (DescriptorKind.PNFD, "dpi")
    assert artifact(package, "Files/notes.txt") == b"n"

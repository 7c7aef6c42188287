"""Reading packages from every accepted source form."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from locus_iac.descriptors import DescriptorKind
from locus_iac.errors import NotFound, ValidationError
from locus_iac.packages import archive_bytes, inspect_package, read_package

from .archives import MINIMAL_VNFD, package_tar, zip_bytes

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "packages"


def test_folder_package_reads_every_file_relative_to_its_top_folder() -> None:
    package = read_package(EXAMPLES / "cloud_vnf")
    assert package.kind is DescriptorKind.VNFD
    assert package.id == "cloud_vnf"
    assert package.format == "directory"
    assert package.top_folder == "cloud_vnf"
    assert package.descriptor_path == "cloud_vnfd.yaml"
    assert "cloud_init/cloud_vdu.cfg" in package.files
    assert package.read("./cloud_init/cloud_vdu.cfg").startswith(b"#cloud-config")


def test_tar_gz_package_gives_the_same_files_as_its_folder() -> None:
    folder = read_package(EXAMPLES / "edge_knf")
    archived = read_package(archive_bytes(folder), name="edge_knf.tar.gz")
    assert archived.format == "tar.gz"
    assert dict(archived.files) == dict(folder.files)
    assert archived.descriptor.model == folder.descriptor.model


def test_plain_tar_is_accepted() -> None:
    package = read_package(package_tar({"tiny.yaml": MINIMAL_VNFD}, gz=False))
    assert package.format == "tar"
    assert package.id == "tiny_vnf"


def test_bare_descriptor_yaml_has_no_files(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_bytes(MINIMAL_VNFD)
    package = read_package(path)
    assert package.format == "yaml"
    assert package.descriptor_path == ""
    assert dict(package.files) == {}


def test_csar_zip_entry_definitions_names_the_descriptor() -> None:
    meta = (
        b"TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nCreated-By: tests\n"
        b"Entry-Definitions: Definitions/tiny_vnfd.yaml\n"
    )
    data = zip_bytes(
        {
            "TOSCA-Metadata/TOSCA.meta": meta,
            "Definitions/tiny_vnfd.yaml": MINIMAL_VNFD,
            "Files/readme.txt": b"hello",
        }
    )
    package = read_package(data, name="tiny.csar")
    assert package.format == "zip"
    assert package.top_folder == ""
    assert package.descriptor_path == "Definitions/tiny_vnfd.yaml"
    assert package.read("Files/readme.txt") == b"hello"


def test_csar_entry_definitions_naming_a_missing_file_is_reported() -> None:
    meta = b"TOSCA-Meta-File-Version: 1.0\nEntry-Definitions: Definitions/absent.yaml\n"
    check = inspect_package(zip_bytes({"TOSCA-Metadata/TOSCA.meta": meta, "x.txt": b""}))
    assert [(i.path, i.code) for i in check.issues] == [
        ("/archive/TOSCA-Metadata/TOSCA.meta", "missing-descriptor")
    ]


def test_zip_holding_one_folder_is_read_like_the_osm_layout() -> None:
    package = read_package(zip_bytes({"tiny/tiny.yaml": MINIMAL_VNFD}))
    assert package.top_folder == "tiny"
    assert package.descriptor_path == "tiny.yaml"


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ({"notes.txt": b"no descriptor"}, "missing-descriptor"),
        ({"a.yaml": MINIMAL_VNFD, "b.yml": MINIMAL_VNFD}, "multiple-descriptors"),
    ],
)
def test_descriptor_must_be_the_one_yaml_of_the_top_folder(
    files: dict[str, bytes], code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        read_package(package_tar(files))
    assert [(i.path, i.code) for i in caught.value.issues] == [("/archive/pkg", code)]


def test_descriptor_problems_keep_their_json_pointers() -> None:
    broken = MINIMAL_VNFD.replace(b"num-virtual-cpu: 1", b"num-virtual-cpus: 1")
    check = inspect_package(package_tar({"tiny.yaml": broken}))
    assert not check.valid
    assert any(
        i.path.startswith("/vnfd/virtual-compute-desc/0/virtual-cpu") and i.code == "unknown-field"
        for i in check.issues
    )


def test_read_of_a_missing_file_is_not_found() -> None:
    package = read_package(EXAMPLES / "cloud_ns")
    with pytest.raises(NotFound):
        package.read("cloud_init/nothing.cfg")


def test_extract_writes_the_files_and_keeps_executable_bits(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "scripts").mkdir(parents=True)
    (source / "tiny.yaml").write_bytes(MINIMAL_VNFD)
    (source / "scripts" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(source / "scripts" / "run.sh", 0o755)
    package = read_package(archive_bytes(read_package(source)))
    dest = package.extract(tmp_path / "out")
    assert (dest / "tiny.yaml").read_bytes() == MINIMAL_VNFD
    assert stat.S_IMODE((dest / "scripts" / "run.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "tiny.yaml").stat().st_mode) == 0o644


def test_extract_refuses_a_destination_subfolder_that_links_outside(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "scripts").mkdir(parents=True)
    (source / "tiny.yaml").write_bytes(MINIMAL_VNFD)
    (source / "scripts" / "run.sh").write_text("echo hi\n")
    package = read_package(source)
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "scripts").symlink_to(outside)
    with pytest.raises(ValidationError):
        package.extract(dest)
    assert list(outside.iterdir()) == []
    (dest / "scripts").unlink()
    (source / "scripts" / "deeper").mkdir()
    (source / "scripts" / "deeper" / "x.sh").write_text("echo\n")
    (dest / "scripts").mkdir()
    (dest / "scripts" / "deeper").symlink_to(outside)  # a link two levels down
    with pytest.raises(ValidationError):
        read_package(source).extract(dest)
    assert list(outside.iterdir()) == []


def test_unreadable_path_is_an_issue_not_a_crash(tmp_path: Path) -> None:
    check = inspect_package(tmp_path / "vanished.tar.gz")
    assert [i.code for i in check.issues] == ["unreadable"]


def test_extract_never_writes_through_a_linked_file(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "tiny.yaml").write_bytes(MINIMAL_VNFD)
    package = read_package(source)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "tiny.yaml").symlink_to(victim)
    with pytest.raises(ValidationError) as caught:
        package.extract(dest)
    assert caught.value.issues[0].code == "link-member"
    assert victim.read_text() == "keep me"

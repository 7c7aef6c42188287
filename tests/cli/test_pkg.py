"""``locus pkg``: exit codes, JSON contract, human output, no traceback on bad input."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest
from packages.archives import MINIMAL_VNFD, Member, gzip_bomb_tar, tar_bytes
from typer.testing import CliRunner

from locus_iac.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "packages"
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["pkg", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def _json(*args: str) -> tuple[int, dict[str, object]]:
    code, output = _run("validate", *args, "--json")
    return code, json.loads(output)


def test_valid_package_exits_0() -> None:
    code, output = _run("validate", str(EXAMPLES / "cloud_vnf"))
    assert code == 0
    assert "valid vnfd 'cloud_vnf'" in output


def test_json_contract_for_a_valid_package() -> None:
    code, body = _json(str(EXAMPLES / "edge_knf"))
    assert code == 0
    assert body == {
        "valid": True,
        "kind": "vnfd",
        "id": "edge_knf",
        "errors": [],
        "warnings": [],
    }


def test_nsd_without_with_reports_unresolved_references_and_exits_1() -> None:
    code, body = _json(str(EXAMPLES / "edge_ns"))
    assert code == 1
    assert body["valid"] is False and body["kind"] == "nsd" and body["id"] == "edge_ns"
    errors = body["errors"]
    assert isinstance(errors, list)
    assert {"path": "/nsd/nsd/0/vnfd-id/0", "code": "unresolved-reference"}.items() <= errors[
        0
    ].items()


def test_with_resolves_cross_references() -> None:
    code, body = _json(
        str(EXAMPLES / "locus_nst"),
        "--with",
        str(EXAMPLES / "cloud_ns"),
        "--with",
        str(EXAMPLES / "edge_ns"),
    )
    assert (code, body["valid"], body["errors"]) == (0, True, [])


def test_with_a_folder_of_packages_uses_each_but_the_subject() -> None:
    code, body = _json(str(EXAMPLES / "cloud_ns"), "--with", str(EXAMPLES))
    assert (code, body["errors"]) == (0, [])


def test_human_output_lists_path_message_and_code() -> None:
    code, output = _run("validate", str(EXAMPLES / "cloud_ns"))
    assert code == 1
    assert "invalid nsd 'cloud_ns' (1 error)" in output
    assert "/nsd/nsd/0/vnfd-id/0: " in output and "[unresolved-reference]" in output


def test_invalid_with_package_is_reported_when_referenced(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"  # the VNFD cloud_ns names, broken
    bad.write_text("vnfd:\n  id: cloud_vnf\n  vdu: not-a-list\n")
    code, body = _json(str(EXAMPLES / "cloud_ns"), "--with", str(bad))
    assert code == 1
    codes = [e["code"] for e in body["errors"]]  # type: ignore[union-attr]
    assert "invalid-with-package" in codes and "unresolved-reference" in codes


def test_an_unreferenced_broken_with_package_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("vnfd: [not, a, mapping]\n")
    other = tmp_path / "other.yaml"
    other.write_text("vnfd:\n  id: nobody_uses_me\n  vdu: not-a-list\n")
    code, body = _json(str(EXAMPLES / "edge_knf"), "--with", str(bad), "--with", str(other))
    assert (code, body["valid"], body["errors"]) == (0, True, [])


def test_missing_path_is_a_usage_error() -> None:
    code, _ = _run("validate", "/nonexistent/package.tar.gz")
    assert code == 2


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("vnfd: {id: x\n  broken: [", "yaml-syntax"),
        ('a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nvnfd: [*c,*c]\n', "yaml-alias"),
        ("[" * 100 + "]" * 100, "too-large"),
        ("[" * 50000 + "]" * 50000, "yaml-syntax"),
        ("nsd: {}\n", "missing-field"),
        ("just a string\n", "unknown-envelope"),
    ],
)
def test_bad_yaml_exits_1_with_a_located_error(tmp_path: Path, text: str, code: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    exit_code, body = _json(str(path))
    assert exit_code == 1
    assert body["valid"] is False
    assert code in [e["code"] for e in body["errors"]]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("archive", "code"),
    [
        (
            tar_bytes([Member("pkg/t.yaml", MINIMAL_VNFD), Member("pkg/../x", b"x")]),
            "path-traversal",
        ),
        (
            tar_bytes(
                [
                    Member("pkg/t.yaml", MINIMAL_VNFD),
                    Member("pkg/l", kind=tarfile.SYMTYPE, linkname="/"),
                ]
            ),
            "link-member",
        ),
        (gzip_bomb_tar(64 * 1024 * 1024), "compression-ratio"),
        (b"\x1f\x8b\x08\x00 not deflate", "corrupt-archive"),
    ],
)
def test_hostile_archive_exits_1_without_traceback(
    tmp_path: Path, archive: bytes, code: str
) -> None:
    path = tmp_path / "hostile.tar.gz"
    path.write_bytes(archive)
    exit_code, output = _run("validate", str(path))
    assert exit_code == 1
    assert "Traceback" not in output
    assert f"[{code}]" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.tar.gz"]


def test_build_twice_gives_identical_bytes(tmp_path: Path) -> None:
    src = Path(shutil.copytree(EXAMPLES / "edge_knf", tmp_path / "edge_knf"))
    first, second = tmp_path / "1.tar.gz", tmp_path / "2.tar.gz"
    assert _run("build", str(src), "-o", str(first))[0] == 0
    code, output = _run("build", str(src), "-o", str(second))
    assert code == 0 and "sha256" in output
    assert first.read_bytes() == second.read_bytes()
    assert _run("validate", str(first))[0] == 0


def test_build_of_an_invalid_folder_exits_1(tmp_path: Path) -> None:
    src = Path(shutil.copytree(EXAMPLES / "cloud_vnf", tmp_path / "cloud_vnf"))
    (src / "ansible" / "cloud-config" / "health-check.yml").unlink()
    code, output = _run("build", str(src))
    assert code == 1
    assert "health-check" in output and "[missing-file]" in output
    assert not (tmp_path / "cloud_vnf.tar.gz").exists()


def test_show_summarises_a_vnf() -> None:
    code, output = _run("show", str(EXAMPLES / "cloud_vnf"))
    assert code == 0
    for expected in (
        "cloud_vdu  4     8       20       ubuntu-22.04",
        "cp_cache-ext",
        "cloud_vdu_autoscale",
        "set-edge-endpoint",
        "default-instantiation-level",
    ):
        assert expected in output


def test_show_summarises_knf_nsd_and_nst() -> None:
    assert "edge-cache  edge-cache" in _run("show", str(EXAMPLES / "edge_knf"))[1]
    nsd = _run("show", str(EXAMPLES / "edge_ns"))[1]
    assert "cache_net     1:cp_cache-ext" in nsd
    nst = _run("show", str(EXAMPLES / "locus_nst"))[1]
    assert "cloud_nss:cp_cache, edge_nss:cp_cache" in nst


def test_show_json_and_show_of_an_invalid_package(tmp_path: Path) -> None:
    code, output = _run("show", str(EXAMPLES / "locus_nst"), "--json")
    assert code == 0
    body = json.loads(output)
    assert dict(body["header"])["id"] == "locus_nst"
    assert [t["title"] for t in body["tables"]] == ["Netslice subnets", "Netslice VLDs"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("nst: 3\n")
    code, output = _run("show", str(bad), "--json")
    assert code == 1 and json.loads(output)["errors"][0]["path"] == "/nst"


SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed"


def test_seed_printed_nsd_is_rejected_naming_the_fields() -> None:
    code, body = _json(str(SEED / "cloud_nsd.yaml"))
    assert (code, body["valid"], body["kind"]) == (1, False, "nsd")
    found = {(e["path"], e["code"]) for e in body["errors"]}  # type: ignore[union-attr]
    assert ("/nsd/nsd/0/vnf-id", "unknown-field") in found
    assert ("/nsd/nsd/0/df/0/vnf-profile/0/vnf-id", "unknown-field") in found


def test_invalid_descriptor_still_reports_its_kind_and_id(tmp_path: Path) -> None:
    path = tmp_path / "nsd.yaml"
    path.write_text("nsd:\n  nsd:\n    - id: broken_ns\n      vnf-id: [x]\n")
    code, body = _json(str(path))
    assert (code, body["kind"], body["id"]) == (1, "nsd", "broken_ns")


def test_a_device_is_not_read() -> None:
    code, body = _json("/dev/zero")
    assert code == 1
    assert body["errors"] == [
        {"path": "", "code": "not-a-package", "message": "not a regular file or folder"}
    ]


def test_build_to_an_unwritable_place_exits_1_without_traceback(tmp_path: Path) -> None:
    src = Path(shutil.copytree(EXAMPLES / "cloud_ns", tmp_path / "cloud_ns"))
    code, output = _run("build", str(src), "-o", "/proc/locus-cannot-write/x.tar.gz")
    assert code == 1
    assert "cannot write the package" in output and "Traceback" not in output

"""``locus function ...`` end to end through the real CLI app."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from locus_iac.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
POI_TEMPLATE = ROOT / "examples" / "functions" / "poi-identification.yaml"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_package_then_pkg_validate(tmp_path: Path) -> None:
    code, out = _run("function", "package", str(POI_TEMPLATE), "-o", str(tmp_path))
    assert code == 0, out
    assert "KNF package poi_knf" in out
    code, out = _run("pkg", "validate", str(tmp_path / "poi_knf"), "--json")
    assert code == 0, out
    assert json.loads(out) == {
        "valid": True,
        "kind": "vnfd",
        "id": "poi_knf",
        "errors": [],
        "warnings": [],
    }
    code, out = _run("function", "package", str(POI_TEMPLATE), "-o", str(tmp_path))
    assert code == 1 and "already exists" in out


def test_validate_reports_template_errors_as_json(tmp_path: Path) -> None:
    doc = yaml.safe_load(POI_TEMPLATE.read_text())
    doc["status"]["state"] = "done"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc))
    code, out = _run("function", "validate", str(bad), "--json")
    assert code == 1
    assert json.loads(out)["errors"][0]["path"] == "/status/state"
    code, out = _run("function", "validate", str(POI_TEMPLATE))
    assert code == 0 and "valid function template poi-identification" in out


def test_schema_is_printed() -> None:
    code, out = _run("function", "schema", "--json")
    assert code == 0
    assert json.loads(out)["title"].startswith("LOCUS function template")


def test_synth_then_run_finds_the_pois(tmp_path: Path) -> None:
    data, truth = tmp_path / "ues.csv", tmp_path / "truth.json"
    code, out = _run(
        "function",
        "poi",
        "synth",
        "-o",
        str(data),
        "-n",
        "2000",
        "--ues",
        "10",
        "--pois",
        "4",
        "--seed",
        "5",
        "--truth",
        str(truth),
    )
    assert code == 0, out
    result_file = tmp_path / "pois.geojson"
    code, out = _run(
        "function",
        "poi",
        "run",
        "--input",
        str(data),
        "--method",
        "hca",
        "-p",
        "distance_threshold_m=150",
        "--store",
        str(tmp_path / "store"),
        "-o",
        str(result_file),
    )
    assert code == 0, out
    assert "saved as file://" in out
    result = json.loads(result_file.read_text())
    assert len(result["features"]) >= 4 and result["id"]
    assert len(json.loads(truth.read_text())) == 4


def test_run_errors_are_clear(tmp_path: Path) -> None:
    data = tmp_path / "ues.json"
    data.write_text(
        json.dumps(
            {"records": [{"ue_id": "a", "timestamp": "noon", "latitude": 1, "longitude": 2}]}
        )
    )
    code, out = _run("function", "poi", "run", "--input", str(data))
    assert code == 1
    assert "/records/0/timestamp" in out
    code, out = _run("function", "poi", "run", "--input", str(data), "--method", "kmeans")
    assert code == 1 and "hca, dbscan, optics" in out
    code, out = _run("function", "poi", "run", "--input", str(data), "--area", "1,2,x")
    assert code == 1 and "/area" in out
    code, out = _run("function", "poi", "synth", "-o", str(data), "-n", "0")
    assert code == 1 and "/n_records" in out

"""`locus plan --with FOLDER` takes the packages inside the folder, as `pkg validate` does."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from locus_iac.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "packages"
SITES = ROOT / "examples" / "sites" / "locus-poc.yaml"


def test_plan_with_a_folder_of_packages_equals_naming_each() -> None:
    runner = CliRunner()
    base = ["plan", str(EXAMPLES / "locus_nst"), "--sites", str(SITES), "--json"]
    named = [
        arg
        for name in ("cloud_ns", "edge_ns", "cloud_vnf", "edge_knf")
        for arg in ("--with", str(EXAMPLES / name))
    ]
    by_folder = runner.invoke(app, [*base, "--with", str(EXAMPLES)])
    by_name = runner.invoke(app, [*base, *named])
    assert by_folder.exit_code == 0, by_folder.output
    assert by_name.exit_code == 0, by_name.output
    folder_plan = json.loads(by_folder.output)
    assert folder_plan["counts"] == json.loads(by_name.output)["counts"]
    assert folder_plan["counts"]["openstack:compute/instance:Instance"] == 1
    assert folder_plan["counts"]["kubernetes:helm.sh/v3:Release"] == 1

"""CLI start-up: ``locus --help`` and light commands import no heavy module (issue 19).

Each check runs the CLI in a fresh interpreter (``sys.modules`` of the test process already
holds everything) and reads which modules were imported. The listing must still show
every command with the one-line help of its real command. (Times: benchmarks/bench_cli_startup.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from locus_iac.cli import ns
from locus_iac.cli.lazy import LazyCommand, LazyEntry
from locus_iac.cli.main import COMMANDS, app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "packages"
HEAVY = ("pulumi", "locus_iac.infra", "sqlalchemy", "fastapi")
NS_ENTRIES = ns.LAZY_COMMANDS

# Runs the real entry point with the given arguments, then writes the imported module names.
_PROBE = """
import json, sys
from locus_iac.cli.main import main
out, sys.argv = sys.argv[1], ["locus", *sys.argv[2:]]
try:
    main()
except SystemExit as done:
    code = done.code
else:
    code = 0
with open(out, "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def _run_fresh(tmp_path: Path, *args: str) -> tuple[int, str, set[str]]:
    """Exit code, stdout and imported modules of ``locus ARGS`` in a new interpreter."""
    report = tmp_path / "modules.json"
    env = {**os.environ, "COLUMNS": "200", "TERMINAL_WIDTH": "200", "NO_COLOR": "1"}
    env["LOCUS_CONFIG_DIR"] = str(tmp_path / "config")  # no session: client commands stop early
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(report), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    result = json.loads(report.read_text())
    return result["code"], done.stdout, set(result["modules"])


def _heavy(modules: set[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in heavy))


def test_help_lists_every_command_without_importing_any(tmp_path: Path) -> None:
    code, output, modules = _run_fresh(tmp_path, "--help")
    assert code == 0
    assert _heavy(modules) == []
    command_modules = {e.target.partition(":")[0] for e in COMMANDS}
    assert sorted(command_modules & modules) == []
    for entry in COMMANDS:
        assert any(
            entry.name in line.split() and entry.help in line for line in output.splitlines()
        ), f"{entry.name} missing from: {output}"


def test_pkg_validate_imports_no_heavy_module(tmp_path: Path) -> None:
    code, output, modules = _run_fresh(tmp_path, "pkg", "validate", str(EXAMPLES / "cloud_vnf"))
    assert (code, output.strip()) == (0, f"{EXAMPLES / 'cloud_vnf'}: valid vnfd 'cloud_vnf'")
    assert _heavy(modules, (*HEAVY, "httpx")) == []


def test_ns_commands_over_the_nbi_do_not_load_the_pulumi_programs(tmp_path: Path) -> None:
    code, output, modules = _run_fresh(tmp_path, "ns", "--help")
    assert code == 0
    assert "export" in output and NS_ENTRIES[0].help in output
    assert _heavy(modules) == []


@pytest.mark.parametrize("entry", [*COMMANDS, *NS_ENTRIES], ids=lambda e: e.name)
def test_registry_help_is_the_commands_own(entry: LazyEntry) -> None:
    command = LazyCommand(entry).load()
    own = (command.short_help or command.help or "").strip().split("\n\n")[0]
    assert " ".join(own.split()) == entry.help


@pytest.mark.parametrize("entry", COMMANDS, ids=lambda e: e.name)
def test_each_command_help_works(entry: LazyEntry) -> None:
    result = CliRunner().invoke(app, [entry.name, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"Usage: locus {entry.name} [OPTIONS]" in result.output
    assert entry.help in " ".join(result.output.split())


def test_a_mistyped_command_is_still_suggested() -> None:
    result = CliRunner().invoke(app, ["pkgg"])
    assert result.exit_code == 2
    assert "Did you mean 'pkg'" in result.output

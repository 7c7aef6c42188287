"""The ``helm`` CLI for the chart tests: the one ``scripts/bootstrap-tools`` builds (helm v4,
from the Go module proxy) into ``${LOCUS_TOOLS_DIR:-~/.cache/locus-iac/tools}/bin``, else one
on ``PATH``. Without either the ``helm`` fixture skips and says how to get it (in CI, where
``LOCUS_STRICT_SKIPS=1``, that skip is a failure)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from locus_iac.engine.settings import default_tools_dir


def find_helm() -> Path | None:
    built = default_tools_dir() / "bin" / "helm"
    if built.is_file() and os.access(built, os.X_OK):
        return built
    on_path = shutil.which("helm")
    return Path(on_path) if on_path else None


def run_helm(helm: Path, *args: str) -> str:
    """``helm <args>``; fails the test with helm's output when it fails."""
    done = subprocess.run(
        [str(helm), *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"helm {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def helm() -> Path:
    found = find_helm()
    if found is None:
        pytest.skip(
            f"no helm in {default_tools_dir() / 'bin'} nor on PATH: "
            "run scripts/bootstrap-tools (it builds helm v4)"
        )
    return found

"""The committed plan files of ``stacks/ns/plans`` are what ``locus ns export`` writes now.

``stacks/ns/plans/regenerate.sh`` (the real script, with the real ``locus`` CLI) runs in a
fresh folder holding a copy of ``examples/`` and an empty ``stacks/ns/plans``: the plan files
it writes must be byte for byte the committed ones, and it must write every one of them.
When this fails, run the script from the repository root and commit what it wrote.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLANS = REPO / "stacks" / "ns" / "plans"
COMMITTED = sorted(PLANS.glob("*.yaml"))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plans folder the script filled in a copy of the repository's examples."""
    root = tmp_path_factory.mktemp("regenerate")
    shutil.copytree(REPO / "examples", root / "examples")
    plans = root / "stacks" / "ns" / "plans"
    plans.mkdir(parents=True)
    bin_dir = Path(sys.executable).parent  # the venv's, where `locus` is installed
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        ["bash", str(PLANS / "regenerate.sh")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return plans


def test_the_script_writes_every_committed_plan_and_no_other(regenerated: Path) -> None:
    assert len(COMMITTED) == 4
    assert sorted(p.name for p in regenerated.iterdir()) == [p.name for p in COMMITTED]


@pytest.mark.parametrize("committed", COMMITTED, ids=lambda p: p.name)
def test_the_committed_plan_is_what_export_writes_now(regenerated: Path, committed: Path) -> None:
    fresh = (regenerated / committed.name).read_text(encoding="utf-8")
    assert fresh == committed.read_text(encoding="utf-8"), (
        f"{committed.relative_to(REPO)} is stale: run stacks/ns/plans/regenerate.sh"
    )

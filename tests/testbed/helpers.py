"""Helpers shared by the testbed integration tests."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS_DIR = Path(os.environ.get("LOCUS_TOOLS_DIR", Path.home() / ".cache/locus-iac/tools"))
TESTBED_DIR = Path(os.environ.get("LOCUS_TESTBED_DIR", Path.home() / ".cache/locus-iac/testbed"))


def wait_for(
    what: str, probe: Callable[[], Any], timeout: float = 180.0, interval: float = 1.0
) -> Any:
    """Poll ``probe`` until it returns a truthy value; fail the test with ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def pulumi(env: dict[str, str], cwd: Path, *args: str) -> str:
    """Run the built pulumi CLI in ``cwd``; fail the test with its output when it fails."""
    done = subprocess.run(
        [str(TOOLS_DIR / "bin" / "pulumi"), *args, "--non-interactive"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, f"pulumi {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout

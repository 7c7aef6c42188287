"""Helpers shared by the testbed integration tests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS_DIR = Path(os.environ.get("LOCUS_TOOLS_DIR", Path.home() / ".cache/locus-iac/tools"))
TESTBED_DIR = Path(os.environ.get("LOCUS_TESTBED_DIR", Path.home() / ".cache/locus-iac/testbed"))


def wait_for(
    what: str, probe: Callable[[], Any], timeout: float = 90.0, interval: float = 1.0
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

"""A serving process freezes its start-up heap once (``gc.freeze``), after collecting
start-up's garbage: full collections then walk only what requests made (they took 100-175 ms
each, the p99 tail of a list at 50 clients). Run in a fresh interpreter: the test process's
own heap must not be frozen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc, sys, weakref
from pathlib import Path
from fastapi.testclient import TestClient
from locus_iac.nbi import Settings, create_app

class Node:
    pass

def settings(name):
    data = Path(sys.argv[1]) / name
    return Settings(data_dir=data, admin_password="heap-test-pw", vim_check=False)

garbage = Node()
garbage.self = garbage  # a cycle: only a collection frees it
dead = weakref.ref(garbage)
del garbage
assert gc.get_freeze_count() == 0
with TestClient(create_app(settings("first"))):
    frozen = gc.get_freeze_count()
assert frozen > 10_000, frozen  # modules, routes, schemas
assert dead() is None, "start-up garbage was frozen, not collected"
with TestClient(create_app(settings("second"))):
    pass
# freed objects leave the permanent generation; a second freeze would add thousands
assert gc.get_freeze_count() <= frozen, "a second app in the process froze again"
print("ok", frozen)
"""


def test_a_served_app_freezes_its_start_up_heap_once(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("ok ")

"""Imported last by the process that forks workers (:mod:`locus_iac.lcm.launch`), never
elsewhere.

1. It runs the server's main script there once, as ``__mp_main__`` (what preloading
   ``"__main__"`` is meant to do; ``LOCUS_LCM_MAIN_SCRIPT`` names it, set by the server). A forked
   worker then finds the script already run and does not run it again: ``multiprocessing``
   re-runs a script main module in every child whose parent has not, and the fork server's
   own ``"__main__"`` preload never does (``forkserver`` looks for a ``main_path`` that the
   preparation data does not carry; Python 3.11). Re-run per worker, the main script's
   imports cost up to 2 s of CPU (``benchmarks/bench_testbed_lcm.py``, whose main imports
   the NBI; ``locus serve``'s imports the CLI). The script's folder goes first on
   ``sys.path``, as when Python runs a script: without it a script importing a module beside
   it (``bench_testbed_lcm.py`` imports ``_testbed_edge``) failed here, and each worker ran
   it again (about 1 s before each operation's first step on the testbed).
2. It moves every object imported so far out of the garbage collector's reach. A forked
   worker shares the pre-started process's memory until it writes to it; its first garbage
   collection would otherwise visit (and so copy) the whole imported heap: about 0.1 s of
   CPU and 45 MB per worker for the product's runner, measured with
   ``benchmarks/bench_lcm.py``.
"""

from __future__ import annotations

import gc
import os
import sys
from multiprocessing import spawn

from locus_iac.lcm.launch import MAIN_SCRIPT_ENV

_main = os.environ.get(MAIN_SCRIPT_ENV)
if _main and os.path.isfile(_main):
    # as ``python script.py`` does: the script's folder first, so its sibling imports work
    # here too (else this import fails, silently, and every forked worker runs the script)
    sys.path.insert(0, os.path.dirname(os.path.abspath(_main)))
    spawn.import_main_path(_main)

gc.freeze()

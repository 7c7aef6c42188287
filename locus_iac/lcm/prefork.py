"""Imported last by the process that forks workers (:mod:`locus_iac.lcm.launch`), never
elsewhere: it moves every object imported so far out of the garbage collector's reach.

A forked worker shares the pre-started process's memory until it writes to it; its first
garbage collection would otherwise visit (and so copy) the whole imported heap: about
0.1 s of CPU and 45 MB per worker for the product's runner, measured with
``benchmarks/bench_lcm.py``.
"""

from __future__ import annotations

import gc

gc.freeze()

"""The NBI with the file-controlled test runner, as a server process for HTTP client tests.

``python -m tests.support.lcm_server --port P --data-dir D`` serves what ``locus serve`` serves,
except that the app factory is given :data:`tests.lcm.runners.FILE_RUNNER` (its workers run
``python -m tests.lcm.runners file``): the product never loads a runner named in its
environment. Needs the repository on ``PYTHONPATH`` and ``LOCUS_TEST_RUNNER_DIR`` set.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import uvicorn

from locus_iac.nbi import create_app

#: The command line that starts this server (followed by ``--port`` and ``--data-dir``).
COMMAND = (sys.executable, "-m", "tests.support.lcm_server")


def main() -> None:
    from tests.lcm.runners import FILE_RUNNER  # the server process has the repo on its path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    os.environ["LOCUS_DATA_DIR"] = str(args.data_dir)
    app = create_app(runner=FILE_RUNNER)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

"""The NBI over TLS with the file-controlled test runner, for OSM-client lifecycle tests.

``python -m tests.osmclient.file_runner_server --port P --data-dir D --tls-cert C --tls-key K``
serves what ``locus serve --tls-cert C --tls-key K`` serves, except that operations run with
:data:`tests.lcm.runners.FILE_RUNNER` (a test double: it completes them without a cloud), so
the client's view of a whole NS lifecycle can be checked without the testbed. Needs the
repository on ``PYTHONPATH`` and ``LOCUS_TEST_RUNNER_DIR`` set.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn

from locus_iac.nbi import create_app


def main() -> None:
    from tests.lcm.runners import FILE_RUNNER  # the server process has the repo on its path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--tls-cert", type=Path, required=True)
    parser.add_argument("--tls-key", type=Path, required=True)
    args = parser.parse_args()
    os.environ["LOCUS_DATA_DIR"] = str(args.data_dir)
    app = create_app(runner=FILE_RUNNER)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
    )


if __name__ == "__main__":
    main()

"""The process that forks workers runs the server's main script once, so that no forked
worker runs it again (its imports would cost every operation)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SERVER = """
import multiprocessing
import os
import sys

with open(os.environ["RUNS_LOG"], "a") as log:
    log.write(f"{__name__} {os.getpid()}\\n")

if __name__ == "__main__":
    from pathlib import Path

    from locus_iac.lcm import launch
    from locus_iac.lcm.runner import PRODUCT_RUNNER, RunnerFactory
    from locus_iac.lcm.settings import LcmSettings

    settings = LcmSettings(database_url="sqlite://", data_dir=Path(sys.argv[1]))
    launch.prestart(settings, RunnerFactory(PRODUCT_RUNNER.build, PRODUCT_RUNNER.worker))
    context = multiprocessing.get_context("forkserver")
    for _ in range(3):
        worker = context.Process(target=os.getpid)
        worker.start()
        worker.join()
        assert worker.exitcode == 0
"""


def test_forked_workers_do_not_run_the_main_script_again(tmp_path: Path) -> None:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    log = tmp_path / "runs.log"
    env = {"RUNS_LOG": str(log), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, str(script), str(tmp_path)], env=env, check=True, timeout=60)
    runs = [line.split() for line in log.read_text().splitlines()]
    # the server itself, and the fork server once (as __mp_main__); none of the 3 workers
    assert [name for name, _ in runs] == ["__main__", "__mp_main__"], runs


CHECKER = """
import multiprocessing
import os
import sys


def dialect_imported() -> None:
    with open(os.environ["RUNS_LOG"], "a") as log:
        log.write(f"{'sqlalchemy.dialects.sqlite.pysqlite' in sys.modules}\\n")


if __name__ == "__main__":
    from pathlib import Path

    from locus_iac.lcm import launch
    from locus_iac.lcm.runner import PRODUCT_RUNNER, RunnerFactory
    from locus_iac.lcm.settings import LcmSettings

    db = Path(sys.argv[1]) / "queue.db"
    settings = LcmSettings(database_url=f"sqlite:///{db}", data_dir=Path(sys.argv[1]))
    launch.prestart(settings, RunnerFactory(PRODUCT_RUNNER.build, PRODUCT_RUNNER.worker))
    worker = multiprocessing.get_context("forkserver").Process(target=dialect_imported)
    worker.start()
    worker.join()
    assert worker.exitcode == 0
"""


def test_forked_workers_find_the_queue_database_dialect_imported(tmp_path: Path) -> None:
    """Each worker's first engine would import it (about 0.05 s of CPU per operation)."""
    script = tmp_path / "server.py"
    script.write_text(CHECKER)
    log = tmp_path / "runs.log"
    env = {"RUNS_LOG": str(log), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, str(script), str(tmp_path)], env=env, check=True, timeout=60)
    assert log.read_text().split() == ["True"]


def test_database_modules_name_the_dialect_and_driver_or_nothing() -> None:
    from locus_iac.lcm.launch import database_modules

    assert database_modules("sqlite:////tmp/queue.db") == (
        "sqlalchemy.dialects.sqlite.pysqlite",
        "sqlite3.dbapi2",
    )
    assert database_modules("no-such-dialect://host/db") == ()


def test_a_main_script_importing_a_module_beside_it_still_runs_once(tmp_path: Path) -> None:
    """As ``python script.py``: the script's folder is on ``sys.path`` in the process that
    forks workers too; else the script failed to import there and every worker ran it."""
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "beside.py").write_text("VALUE = 1\n")
    script = folder / "server.py"
    script.write_text("import beside\n" + SERVER)
    log = tmp_path / "runs.log"
    env = {"RUNS_LOG": str(log), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, str(script), str(tmp_path)], env=env, check=True, timeout=60, cwd="/"
    )
    runs = [line.split() for line in log.read_text().splitlines()]
    assert [name for name, _ in runs] == ["__main__", "__mp_main__"], runs


DECOY = """
import os

with open(os.environ["RUNS_LOG"], "a") as log:
    log.write("decoy imported\\n")
raise ImportError("the decoy locus_iac of the current folder")
"""

WHERE = """
import multiprocessing
import os
import sys


def where() -> None:
    import locus_iac

    with open(os.environ["RUNS_LOG"], "a") as log:
        log.write(f"worker {locus_iac.__file__}\\n")


if __name__ == "__main__":
    from pathlib import Path

    from locus_iac.lcm import launch
    from locus_iac.lcm.runner import PRODUCT_RUNNER, RunnerFactory
    from locus_iac.lcm.settings import LcmSettings

    settings = LcmSettings(database_url="sqlite://", data_dir=Path(sys.argv[1]))
    launch.prestart(settings, RunnerFactory(PRODUCT_RUNNER.build, PRODUCT_RUNNER.worker))
    worker = multiprocessing.get_context("forkserver").Process(target=where)
    worker.start()
    worker.join()
    assert worker.exitcode == 0
    assert "PYTHONSAFEPATH" not in os.environ
"""


def test_workers_never_import_the_package_of_the_current_folder(tmp_path: Path) -> None:
    """``python -c`` (how the fork server starts) puts the current folder first on its path:
    run from a folder holding another ``locus_iac``, every worker imported that one."""
    import locus_iac

    decoy = tmp_path / "cwd" / "locus_iac"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text(DECOY)
    script = tmp_path / "server.py"
    script.write_text(WHERE)
    log = tmp_path / "runs.log"
    env = {"RUNS_LOG": str(log), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        env=env,
        check=True,
        timeout=60,
        cwd=decoy.parent,
    )
    assert log.read_text().splitlines() == [f"worker {locus_iac.__file__}"]

"""The pulumi CLI's home for the engine runs of one data dir: ``<data-dir>/pulumi-home``.

Since Pulumi 3.274 every CLI run keeps an automatic debug log in ``$PULUMI_HOME/logs``: all
of the engine's verbose messages (``-v=9`` and below: every gRPC call, every marshalled
property), gzipped and encrypted with the stack's secrets manager, plus a listing of the
whole folder at each start to rotate it (7 days, 500 MB: tens of thousands of files on a busy
MANO, each CLI start reading them all). Nothing reads these logs here (operations keep the
engine's events and the tail of its stderr), so the engine runs with a home of its own whose
``logs`` is a file, not a folder: the CLI finds no log folder, says so only at ``-v`` levels
and runs without the log (Pulumi has no switch for it). The home's ``plugins`` is a link to
the plugins folder the engine would use otherwise, so the same plugins are found; what else
the CLI keeps in its home (the selected stack of each workspace) stays per data dir.

Only for a local ``file://`` backend: another backend may need the credentials of a
``pulumi login`` in the usual home.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

HOME_DIR = "pulumi-home"
_LOGS_NOTE = (
    "locus-iac: not a folder on purpose, so that the pulumi CLI writes no automatic debug "
    "log for the MANO's engine runs (see locus_iac/engine/home.py)\n"
)


def engine_home(data_dir: Path, plugins: Path) -> Path:
    """``<data-dir>/pulumi-home`` with ``plugins`` linked to ``plugins`` and ``logs`` a file;
    created or repaired (a link to another plugins folder is replaced; a real ``plugins``
    folder put there by hand is kept). Private to the user, as the rest of the data dir."""
    home = data_dir / HOME_DIR
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    home.chmod(0o700)
    link = home / "plugins"
    linked = Path(os.readlink(link)) if link.is_symlink() else None
    if linked != plugins and (linked is not None or not link.exists()):
        _replace(link, lambda partial: partial.symlink_to(plugins, target_is_directory=True))
    logs = home / "logs"
    if not logs.is_file():
        if logs.is_dir():  # written by a CLI run before this home had its file
            shutil.rmtree(logs, ignore_errors=True)
        _replace(logs, _write_logs_note)
    return home


def _write_logs_note(path: Path) -> None:
    path.write_text(_LOGS_NOTE, encoding="utf-8")
    path.chmod(0o600)


def _replace(path: Path, make: Callable[[Path], object]) -> None:
    """Make ``path`` beside it and rename it into place (concurrent workers may race)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.unlink(missing_ok=True)
    make(partial)
    os.replace(partial, path)

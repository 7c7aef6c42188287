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
    folder put there by hand is kept)."""
    home = data_dir / HOME_DIR
    home.mkdir(parents=True, exist_ok=True)
    link = home / "plugins"
    linked = Path(os.readlink(link)) if link.is_symlink() else None
    if linked != plugins and (linked is not None or not link.exists()):
        _replace(link, lambda partial: partial.symlink_to(plugins, target_is_directory=True))
    logs = home / "logs"
    if not logs.is_file():
        if logs.is_dir():  # written by a CLI run before this home had its file
            shutil.rmtree(logs, ignore_errors=True)
        _replace(logs, lambda partial: partial.write_text(_LOGS_NOTE, encoding="utf-8"))
    return home


def _replace(path: Path, make: Callable[[Path], object]) -> None:
    """Make ``path`` beside it and rename it into place (concurrent workers may race)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.unlink(missing_ok=True)
    make(partial)
    os.replace(partial, path)

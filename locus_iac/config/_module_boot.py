"""The Python that Ansible modules of KDU runs start on this host (``ansible_connection: local``,
see :mod:`locus_iac.config.kube_inventory`): this very interpreter, fronted by this script.

Why: a module arrives as an AnsiballZ payload, a zip of the module and of every
``module_utils`` file it needs, imported from the zip on each run. Python keeps no bytecode
for code imported from a zip, so each run compiles those files again from source: for a
``kubernetes.core`` module about 0.18 of its 0.45 CPU seconds (``benchmarks`` figures in
the commit that added this). The same files are installed, byte-compiled, beside this
interpreter (the controller that built the payload is this installation).

What: before the payload runs, a finder goes first on ``sys.meta_path``. For a module (not a
package) under ``ansible.`` or ``ansible_collections.`` it takes the installed copy only
when its source is byte for byte the payload's copy; anything else (packages, whose
``__init__`` the payload replaces with stubs; a file that differs, e.g. a collection found
elsewhere by the controller; a file the installation lacks) is imported from the payload as
before. So a module runs exactly the code Ansible sent it, only from compiled files.

How it is run: ``python -P <this file> [AnsiballZ file]``; without a file the payload comes
on stdin (pipelining). The payload runs as ``__main__`` with the ``sys.argv`` and
``__main__.__file__`` plain ``python`` would give it. It imports nothing of locus-iac.
"""

from __future__ import annotations

import os
import sys
import types
import zipfile
from collections.abc import Sequence
from importlib.machinery import ModuleSpec, PathFinder, SourceFileLoader

_PREFIXES = ("ansible.", "ansible_collections.")
_PAYLOAD_SUFFIX = "_payload.zip"


class InstalledFirst:
    """Meta path finder: identical installed module sources before the payload's."""

    def __init__(self, installed: Sequence[str]) -> None:
        self._installed = list(installed)
        self._zips: dict[str, zipfile.ZipFile] = {}

    def _payload(self) -> zipfile.ZipFile | None:
        for entry in sys.path:
            if entry.endswith(_PAYLOAD_SUFFIX):
                if entry not in self._zips:
                    try:
                        self._zips[entry] = zipfile.ZipFile(entry)
                    except (OSError, zipfile.BadZipFile):
                        return None
                return self._zips[entry]
        return None

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: types.ModuleType | None = None
    ) -> ModuleSpec | None:
        if not name.startswith(_PREFIXES):
            return None
        payload = self._payload()
        if payload is None:
            return None
        parent, _, leaf = name.rpartition(".")
        folder = parent.replace(".", "/")
        spec = PathFinder.find_spec(name, [os.path.join(e, folder) for e in self._installed])
        if (
            spec is None
            or spec.submodule_search_locations is not None
            or not isinstance(spec.loader, SourceFileLoader)
            or spec.origin is None
        ):
            return None
        try:
            sent = payload.read(f"{folder}/{leaf}.py")
            with open(spec.origin, "rb") as installed:
                same = installed.read() == sent
        except (KeyError, OSError):
            return None
        return spec if same else None


def main(argv: Sequence[str]) -> None:
    """Run the AnsiballZ payload named by ``argv`` (or read from stdin) as ``__main__``."""
    installed = [entry for entry in sys.path if entry and os.path.isdir(entry)]
    module = types.ModuleType("__main__")
    if argv:
        filename = argv[0]
        with open(filename, "rb") as script:
            source = script.read()
        module.__file__ = filename
        sys.argv = list(argv)
    else:
        filename = "<stdin>"
        source = sys.stdin.buffer.read()
        sys.argv = [""]
    sys.modules["__main__"] = module
    sys.meta_path.insert(0, InstalledFirst(installed))
    exec(compile(source, filename, "exec"), module.__dict__)  # the module Ansible sent


if __name__ == "__main__":
    main(sys.argv[1:])

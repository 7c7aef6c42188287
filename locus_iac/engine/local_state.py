"""What the driver can learn without running the Pulumi CLI (each run is a Go process start,
~0.1-0.2 CPU s, several per operation).

* :func:`stack_recorded`: whether a stack exists, read from a local ``file://`` backend's
  folder. Pulumi's self-managed backend in its project layout (``.pulumi/meta.yaml`` says
  ``version: 1``) keeps the checkpoint of stack ``S`` of project ``P`` at
  ``.pulumi/stacks/P/S.json`` (``.json.gz`` when compression is on); ``stack init`` writes
  it, ``stack rm`` deletes it (leaving ``.json.bak``). Any other backend or layout is not
  read here: the answer is ``None`` and the caller asks the CLI.
* :func:`cli_command`: the CLI with its version, kept in a small file beside the engine's
  data (keyed by the binary's path, size and modification time), so that a fresh worker
  process does not run ``pulumi version`` before every operation.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pulumi import automation as auto
from semver import VersionInfo

logger = logging.getLogger(__name__)

_PROJECT_LAYOUT = 1
_SUFFIXES = (".json", ".json.gz")


def _file_backend_root(backend_url: str) -> Path | None:
    """The folder of a plain ``file:///absolute/path`` backend; ``None`` for anything else
    (other schemes, ``file://~``, query options, escaped characters)."""
    parts = urlsplit(backend_url)
    if parts.scheme != "file" or parts.netloc or parts.query or "%" in backend_url:
        return None
    return Path(parts.path) if parts.path.startswith("/") else None


def stack_recorded(backend_url: str, project: str, stack: str) -> bool | None:
    """Whether the local backend holds ``project``/``stack``; ``None`` when this cannot be
    read from its files (see the module docstring)."""
    root = _file_backend_root(backend_url)
    if root is None:
        return None
    try:
        meta = yaml.safe_load((root / ".pulumi" / "meta.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(meta, dict) or meta.get("version") != _PROJECT_LAYOUT:
        return None
    folder = root / ".pulumi" / "stacks" / project
    return any((folder / f"{stack}{suffix}").is_file() for suffix in _SUFFIXES)


class _KnownCommand(auto.PulumiCommand):
    """The CLI at ``command`` whose version is already known (no ``pulumi version`` run)."""

    def __init__(self, command: str, version: VersionInfo) -> None:
        # deliberately not calling the base __init__: all it does is run the CLI for these two
        self.command = command
        self.version = version


def _binary_key(binary: Path) -> dict[str, object]:
    stat = binary.stat()
    return {"binary": str(binary), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def cli_command(binary: Path, cache_file: Path) -> auto.PulumiCommand:
    """The CLI ``binary`` (``<root>/bin/pulumi``) with its version, from ``cache_file`` when
    that file describes this very binary, else asked once and written there."""
    key = _binary_key(binary)
    try:
        cached = json.loads(cache_file.read_text(encoding="utf-8"))
        if isinstance(cached, dict) and {k: cached.get(k) for k in key} == key:
            return _KnownCommand(str(binary), VersionInfo.parse(str(cached["version"])))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing, stale or unreadable: ask the CLI
    command = auto.PulumiCommand(root=str(binary.parent.parent), skip_version_check=True)
    if command.version is not None:
        _write(cache_file, {**key, "version": str(command.version)})
    return command


def _write(path: Path, document: dict[str, object]) -> None:
    """Replace ``path`` atomically (concurrent workers may write it at the same time)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(document), encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:  # a cache only: the next process asks the CLI again
        logger.warning("could not keep the pulumi CLI version in %s: %s", path, exc)

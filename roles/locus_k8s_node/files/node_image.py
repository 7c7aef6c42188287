#!/usr/bin/env python3
"""Build a container image archive from files installed on this machine by Debian packages.

No image registry is reachable from the testbed, so the node's images are assembled here:
the files of the named Debian packages and of their installed dependencies (``Depends`` and
``Pre-Depends``, minus ``--exclude``), plus single files (``--file SRC=DEST``), become one
layer of an archive in the ``docker save`` layout, which ``ctr images import`` reads.

The archive is deterministic (sorted entries, mtime 0, root owner): rebuilding the same
inputs gives the same bytes, and the file is only replaced when its content changes. The
script prints one JSON object: ``{"changed": bool, "image": ..., "archive": ..., "digest": ...}``.

    node_image.py --name locus.local/debian-python:3.11 --package python3-minimal \
        --exclude debconf --cmd python3 --out python.tar
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path


def _installed(package: str) -> bool:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f", "${db:Status-Status}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and result.stdout.strip() == "installed"


def _depends(package: str) -> list[str]:
    fields = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Pre-Depends}, ${Depends}", package],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: list[str] = []
    for clause in fields.split(","):
        # an alternative "a | b": the first one that is installed
        for alternative in clause.split("|"):
            name = re.sub(r"\(.*?\)|:any|:\w+$", "", alternative).strip()
            if name and _installed(name):
                found.append(name)
                break
    return found


def closure(packages: list[str], exclude: set[str]) -> list[str]:
    """The named packages and every installed dependency, minus ``exclude``."""
    seen: set[str] = set()
    todo = list(packages)
    while todo:
        package = todo.pop()
        if package in seen or package in exclude:
            continue
        if not _installed(package):
            raise SystemExit(f"node_image: Debian package {package!r} is not installed")
        seen.add(package)
        todo.extend(_depends(package))
    return sorted(seen)


def package_files(package: str) -> list[Path]:
    listed = subprocess.run(
        ["dpkg-query", "-L", package], capture_output=True, text=True, check=True
    ).stdout
    return [Path(line) for line in listed.splitlines() if line.startswith("/")]


def _add(layer: tarfile.TarFile, src: Path, dest: str, added: set[str]) -> None:
    if dest in added or not os.path.lexists(src):
        return
    parent = str(Path(dest).parent)
    if parent not in ("", ".", "/"):
        _add(layer, Path("/" + parent), parent, added)
    info = layer.gettarinfo(str(src), arcname=dest)
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = 0
    added.add(dest)
    if info.isfile():
        with src.open("rb") as handle:
            layer.addfile(info, handle)
    elif info.isdir() or info.issym():
        layer.addfile(info)


def build_layer(files: list[tuple[Path, str]]) -> bytes:
    buffer = io.BytesIO()
    added: set[str] = set()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as layer:
        for src, dest in sorted(files, key=lambda item: item[1]):
            _add(layer, src, dest.lstrip("/"), added)
    return buffer.getvalue()


def _entry(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def build_archive(image: str, layer: bytes, cmd: list[str], env: list[str]) -> bytes:
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": cmd, "Env": env, "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "locus_k8s_node node_image.py"}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    layer_name = diff_id.removeprefix("sha256:") + "/layer.tar"
    manifest = [{"Config": config_name, "RepoTags": [image], "Layers": [layer_name]}]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        _entry(archive, config_name, config_bytes)
        _entry(archive, layer_name, layer)
        _entry(archive, "manifest.json", json.dumps(manifest).encode())
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", required=True, help="image reference, e.g. locus.local/x:1")
    parser.add_argument("--package", action="append", default=[], help="Debian package")
    parser.add_argument("--exclude", action="append", default=[], help="package left out")
    parser.add_argument("--file", action="append", default=[], help="SRC=DEST single file")
    parser.add_argument("--cmd", action="append", default=[], help="command word")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE")
    parser.add_argument("--out", required=True, type=Path, help="archive to write")
    args = parser.parse_args(argv)
    files: list[tuple[Path, str]] = []
    for package in closure(args.package, set(args.exclude)):
        files += [(path, str(path)) for path in package_files(package)]
    for spec in args.file:
        src, _, dest = spec.partition("=")
        if not dest or not Path(src).is_file():
            raise SystemExit(f"node_image: --file {spec!r}: SRC must be a file and DEST given")
        files.append((Path(src), dest))
    env = args.env or ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    data = build_archive(args.name, build_layer(files), args.cmd, env)
    digest = hashlib.sha256(data).hexdigest()
    changed = not args.out.is_file() or hashlib.sha256(args.out.read_bytes()).hexdigest() != digest
    if changed:
        partial = args.out.with_suffix(".partial")
        partial.write_bytes(data)
        partial.replace(args.out)
    report = {"changed": changed, "image": args.name, "archive": str(args.out), "digest": digest}
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Benchmark of package validation (issue 2): median and p95 wall time, printed only.

For each package it times, side by side in one process:

* ``descriptor``: :func:`parse_descriptor` on the descriptor text alone;
* ``folder``: :func:`read_package` on the source folder (walk + read + checks);
* ``archive``: :func:`read_package` on the built tar.gz bytes (gunzip + tar stream + checks);

for the five example packages of the exemplary service and for a generated large VNF
(50 VDUs, 4 ports each = 200 ext-cpds, a cloud-init file per VDU, 50 Day-1/2 primitives with
their playbooks). It also times ``validate_set`` on the whole exemplary service and how long
rejecting a 256 MiB gzip bomb takes (it must be stopped early, so it should be about as fast
as reading a small package). Run ``python benchmarks/bench_packages.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import gzip
import io
import platform
import statistics
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from locus_iac.descriptors import parse_descriptor
from locus_iac.packages import archive_bytes, inspect_package, read_package, validate_set

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "packages"
NAMES = ("cloud_vnf", "edge_knf", "cloud_ns", "edge_ns", "locus_nst")


def _times(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples) * 1e3, p95 * 1e3


def _large_vnf(root: Path, vdus: int = 50, ports: int = 4) -> Path:
    folder = root / "large_vnf"
    (folder / "cloud_init").mkdir(parents=True)
    (folder / "ansible" / "cfg").mkdir(parents=True)
    lines = [
        "vnfd:",
        "  id: large_vnf",
        "  product-name: large_vnf",
        "  provider: bench",
        '  version: "1.0"',
        "  mgmt-cp: vdu0-p0-ext",
        "  vdu:",
    ]
    for v in range(vdus):
        lines += [
            f"    - id: vdu{v}",
            f"      name: vdu{v}",
            "      sw-image-desc: img",
            "      virtual-compute-desc: compute",
            "      virtual-storage-desc: [storage]",
            f"      cloud-init-file: vdu{v}.cfg",
            "      int-cpd:",
        ]
        lines += [f"        - id: vdu{v}-p{p}" for p in range(ports)]
        (folder / "cloud_init" / f"vdu{v}.cfg").write_text(f"#cloud-config\nhostname: vdu{v}\n")
    lines += [
        "  virtual-compute-desc:",
        "    - id: compute",
        "      virtual-cpu: {num-virtual-cpu: 2}",
        "      virtual-memory: {size: 4.0}",
        "  virtual-storage-desc:",
        "    - id: storage",
        "      size-of-storage: 10",
        "  sw-image-desc:",
        "    - id: img",
        "      image: img",
        "  ext-cpd:",
    ]
    for v in range(vdus):
        for p in range(ports):
            lines += [
                f"    - id: vdu{v}-p{p}-ext",
                f"      int-cpd: {{vdu-id: vdu{v}, cpd: vdu{v}-p{p}}}",
            ]
    lines += ["  df:", "    - id: default-df", "      vdu-profile:"]
    lines += [f"        - id: vdu{v}" for v in range(vdus)]
    lines += [
        "      lcm-operations-configuration:",
        "        operate-vnf-op-config:",
        "          day1-2:",
        "            - id: large_vnf",
        "              execution-environment-list:",
        "                - id: cfg",
        "              config-primitive:",
    ]
    for v in range(vdus):
        lines += [
            f"                - name: action{v}",
            "                  execution-environment-ref: cfg",
        ]
        (folder / "ansible" / "cfg" / f"action{v}.yml").write_text(
            f"- name: Action {v}.\n  hosts: all\n  tasks: []\n"
        )
    (folder / "large_vnfd.yaml").write_text("\n".join(lines) + "\n")
    return folder


def _bomb(inflated: int) -> bytes:
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        info = tarfile.TarInfo("pkg/zeros.bin")
        info.size = inflated
        gz.write(info.tobuf())
        chunk = bytes(1 << 20)
        for _ in range(inflated // len(chunk)):
            gz.write(chunk)
    return raw.getvalue()


def _row(label: str, fn: Callable[[], object], runs: int, base: float | None = None) -> float:
    median, p95 = _times(fn, runs)
    ratio = f"  x{median / base:5.2f} of descriptor" if base else ""
    print(f"  {label:<12} median {median:8.2f} ms   p95 {p95:8.2f} ms{ratio}")
    return median


def _bench_package(folder: Path, runs: int) -> None:
    package = read_package(folder)
    archive = archive_bytes(package)
    text = package.read(package.descriptor_path)
    print(
        f"{package.id} ({len(package.files)} files, {len(text)} B descriptor, "
        f"{len(archive)} B archive)"
    )
    base = _row("descriptor", lambda: parse_descriptor(text), runs)
    _row("folder", lambda: read_package(folder), runs, base)
    _row("archive", lambda: read_package(archive), runs, base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    print(f"Python {platform.python_version()} on {platform.machine()}, {runs} runs each\n")
    for name in NAMES:
        _bench_package(EXAMPLES / name, runs)
    packages = [read_package(EXAMPLES / n) for n in NAMES]
    print("exemplary service, cross-references of the 5 packages")
    _row("validate_set", lambda: validate_set(packages), runs)
    with tempfile.TemporaryDirectory() as tmp:
        _bench_package(_large_vnf(Path(tmp)), max(5, runs // 3))
    bomb = _bomb(256 * 1024 * 1024)
    print(f"gzip bomb: {len(bomb)} B packed, 256 MiB inflated")
    check = inspect_package(bomb)
    print(f"  rejected with {[i.code for i in check.issues]}")
    _row("reject bomb", lambda: inspect_package(bomb), max(5, runs // 3))


if __name__ == "__main__":
    main()

"""Descriptor validation time: parse_descriptor + check_references, small vs large.

Generates a small VNFD (1 VDU, 3 ext-cpds), a large one (50 VDUs, 200 ext-cpds, with
day1-2 primitives and scaling aspects), an NSD using the large VNFD through 200 connection
points, and a YAML bomb; prints median and p95 per descriptor. Not a test: nothing is
asserted. Run: ``.venv/bin/python benchmarks/bench_validation.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import yaml

from locus_iac.descriptors import Descriptor, check_references, parse_descriptor
from locus_iac.descriptors.loader import load_yaml
from locus_iac.errors import ValidationError

C_LOADER = yaml.CSafeLoader


def make_vnfd(vdus: int, ext_cpds: int, name: str) -> str:
    """A valid OSM-style VNFD with ``vdus`` VDUs and ``ext_cpds`` external CPs."""
    ports = max(1, -(-ext_cpds // vdus))
    vdu_list, ext = [], []
    for v in range(vdus):
        cpds = [
            {
                "id": f"vdu{v}-eth{p}",
                "virtual-network-interface-requirement": [
                    {
                        "name": f"eth{p}",
                        "position": p + 1,
                        "virtual-interface": {"type": "PARAVIRT"},
                    }
                ],
            }
            for p in range(ports)
        ]
        vdu_list.append(
            {
                "id": f"vdu{v}",
                "name": f"vdu{v}",
                "int-cpd": cpds,
                "sw-image-desc": "img",
                "virtual-compute-desc": f"compute{v % 5}",
                "virtual-storage-desc": ["disk"],
                "cloud-init-file": "cloud-init.cfg",
                "monitoring-parameter": [{"id": f"vdu{v}-cpu", "performance-metric": "cpu"}],
            }
        )
    for e in range(ext_cpds):
        v, p = divmod(e, ports)
        ext.append(
            {
                "id": f"ext{e}",
                "int-cpd": {"vdu-id": f"vdu{v % vdus}", "cpd": f"vdu{v % vdus}-eth{p}"},
            }
        )
    day12 = [
        {
            "id": name,
            "execution-environment-list": [{"id": "ee", "juju": {"charm": "c", "proxy": True}}],
            "config-primitive": [
                {
                    "name": f"p{i}",
                    "execution-environment-ref": "ee",
                    "parameter": [{"name": "x", "data-type": "STRING"}],
                }
                for i in range(20)
            ],
            "initial-config-primitive": [
                {"seq": i, "name": f"p{i}", "execution-environment-ref": "ee"} for i in range(5)
            ],
        }
    ]
    df = {
        "id": "default-df",
        "vdu-profile": [
            {"id": f"vdu{v}", "min-number-of-instances": 1, "max-number-of-instances": 5}
            for v in range(vdus)
        ],
        "instantiation-level": [
            {
                "id": "default",
                "vdu-level": [{"vdu-id": f"vdu{v}", "number-of-instances": 1} for v in range(vdus)],
            }
        ],
        "scaling-aspect": [
            {
                "id": f"scale{v}",
                "aspect-delta-details": {
                    "deltas": [
                        {"id": "d", "vdu-delta": [{"id": f"vdu{v}", "number-of-instances": 1}]}
                    ]
                },
            }
            for v in range(vdus)
        ],
        "lcm-operations-configuration": {"operate-vnf-op-config": {"day1-2": day12}},
    }
    vnfd: dict[str, Any] = {
        "id": name,
        "product-name": name,
        "version": "1.0",
        "mgmt-cp": "ext0",
        "vdu": vdu_list,
        "ext-cpd": ext,
        "df": [df],
        "virtual-compute-desc": [
            {
                "id": f"compute{i}",
                "virtual-cpu": {"num-virtual-cpu": 2},
                "virtual-memory": {"size": 4},
            }
            for i in range(5)
        ],
        "virtual-storage-desc": [{"id": "disk", "size-of-storage": 20}],
        "sw-image-desc": [{"id": "img", "image": "ubuntu22.04"}],
    }
    return yaml.safe_dump({"vnfd": vnfd}, sort_keys=False)


def make_nsd(vnfd_id: str, ext_cpds: int) -> str:
    """A valid NSD connecting every ext-cpd of ``vnfd_id`` to one of ten VLs."""
    vlc = [
        {
            "virtual-link-profile-id": f"vl{vl}",
            "constituent-cpd-id": [
                {"constituent-base-element-id": "1", "constituent-cpd-id": f"ext{e}"}
            ],
        }
        for vl, e in ((e % 10, e) for e in range(ext_cpds))
        if e < 10
    ]
    nsd = {
        "id": "ns",
        "vnfd-id": [vnfd_id],
        "virtual-link-desc": [{"id": f"vl{i}"} for i in range(10)],
        "df": [
            {
                "id": "df",
                "vnf-profile": [{"id": "1", "vnfd-id": vnfd_id, "virtual-link-connectivity": vlc}],
            }
        ],
    }
    return yaml.safe_dump({"nsd": {"nsd": [nsd]}}, sort_keys=False)


BOMB = (
    "".join(
        f"{chr(97 + i)}: &{chr(97 + i)} [{','.join([f'*{chr(96 + i)}'] * 9) if i else '1'}]\n"
        for i in range(9)
    )
    + "vnfd: {id: x, description: *i}\n"
)


def timed(action: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _reject(text: str) -> None:
    try:
        parse_descriptor(text)
    except ValidationError:
        return
    raise SystemExit("the bomb was accepted")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    small = make_vnfd(1, 3, "small-vnf")
    large = make_vnfd(50, 200, "large-vnf")
    large_vnfd = parse_descriptor(large)
    nsd_text = make_nsd("large-vnf", 200)
    nsd = parse_descriptor(nsd_text)
    known: list[Descriptor] = [large_vnfd]
    cases: list[tuple[str, int, Callable[[], object]]] = [
        ("bare yaml.load(CSafeLoader), large", len(large), lambda: yaml.load(large, C_LOADER)),
        ("checked load_yaml, large", len(large), lambda: load_yaml(large)),
        ("small VNFD (1 VDU, 3 ext-cpd)", len(small), lambda: parse_descriptor(small)),
        ("large VNFD (50 VDU, 200 ext-cpd)", len(large), lambda: parse_descriptor(large)),
        (
            "NSD + check_references",
            len(nsd_text),
            lambda: check_references(parse_descriptor(nsd_text), known),
        ),
        ("check_references only (NSD)", 0, lambda: check_references(nsd, known)),
        ("YAML bomb (rejected)", len(BOMB), lambda: _reject(BOMB)),
    ]
    print(f"{'case':36} {'bytes':>8} {'median ms':>10} {'p95 ms':>8}")
    medians = {}
    for label, size, action in cases:
        action()  # warm-up
        samples = sorted(timed(action, args.rounds))
        p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
        medians[label] = statistics.median(samples)
        print(f"{label:36} {size:>8} {medians[label]:>10.2f} {p95:>8.2f}")
    bare = medians["bare yaml.load(CSafeLoader), large"]
    checked = medians["checked load_yaml, large"] / bare
    whole = medians["large VNFD (50 VDU, 200 ext-cpd)"] / bare
    print(f"checked YAML loading / bare C loader: {checked:.2f}x (goal <= 1.2x, issue 19)")
    print(f"whole parse_descriptor (YAML + model) / bare C loader: {whole:.2f}x")
    ratio = medians["large VNFD (50 VDU, 200 ext-cpd)"] / medians["small VNFD (1 VDU, 3 ext-cpd)"]
    print(f"large/small median ratio: {ratio:.1f}x for {len(large) / len(small):.1f}x the bytes")
    # refusing the bomb must cost about as much as reading a small descriptor, not its 9**9
    # expansion (tests/descriptors/test_loading.py checks the refusal, this its cost)
    bomb = medians["YAML bomb (rejected)"] / medians["small VNFD (1 VDU, 3 ext-cpd)"]
    print(f"YAML bomb refusal / small VNFD median ratio: {bomb:.3f}x")


if __name__ == "__main__":
    main()

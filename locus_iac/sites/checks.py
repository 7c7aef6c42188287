"""Cross-field checks of a site catalogue: names and the latency matrix.

Kept apart from the models so that :func:`locus_iac.sites.load_sites` can run them on the
parts of a file that did parse, and report every problem of a file in one pass.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from ipaddress import IPv4Network

from locus_iac.errors import Issue, json_pointer

LatencyMatrix = Mapping[str, Mapping[str, float]]


def catalog_issues(names: Sequence[str], latency: LatencyMatrix) -> list[Issue]:
    """Every problem with the site names and the latency matrix, each with a JSON pointer.

    Checks: duplicate site names; latencies naming unknown sites; negative or non-finite
    latencies; ``a->b`` and ``b->a`` given with different values; pairs of distinct sites
    without a latency (the matrix must be square once made symmetric).
    """
    issues = _duplicate_names(names)
    known = set(names)
    for a, row in latency.items():
        if a not in known:
            issues.append(Issue(json_pointer("latency_ms", a), "unknown-site", _unknown(a, names)))
            continue
        for b, value in row.items():
            issue = _cell_issue(a, b, value, latency, names)
            if issue is not None:
                issues.append(issue)
    issues.extend(_missing_pairs(names, latency))
    return issues


def symmetric_closure(names: Sequence[str], latency: LatencyMatrix) -> dict[str, dict[str, float]]:
    """The full symmetric matrix over ``names`` (0 on the diagonal unless stated).

    Pairs missing from ``latency`` in both directions are left out; :func:`catalog_issues`
    reports them.
    """
    full: dict[str, dict[str, float]] = {name: {name: 0.0} for name in names}
    for a, row in latency.items():
        for b, value in row.items():
            if a in full and b in full:
                full[a][b] = float(value)
                full[b][a] = float(value)
    return full


def vpn_subnet_issues(subnets: Sequence[tuple[int, str, IPv4Network]]) -> list[Issue]:
    """Sites whose VPN subnets overlap: routes over the VPN would be ambiguous.

    ``subnets`` holds ``(index in the sites list, site name, subnet)``.
    """
    issues: list[Issue] = []
    for i, (index, name, subnet) in enumerate(subnets):
        for _, other_name, other in subnets[:i]:
            if subnet.overlaps(other):
                issues.append(
                    Issue(
                        json_pointer("sites", index, "vpn", "subnet"),
                        "overlapping-vpn-subnet",
                        f"VPN subnet {subnet} of {name} overlaps {other} of {other_name}; "
                        "each site must announce its own address range",
                    )
                )
    return issues


def _cell_issue(
    a: str, b: str, value: float, latency: LatencyMatrix, names: Sequence[str]
) -> Issue | None:
    path = json_pointer("latency_ms", a, b)
    if b not in names:
        return Issue(path, "unknown-site", _unknown(b, names))
    if not math.isfinite(value) or value < 0:
        return Issue(path, "negative-latency", f"latency {a}->{b} must be >= 0 ms")
    reverse = latency.get(b, {}).get(a)
    # report each conflicting pair once, at its lexically first direction
    if a < b and reverse is not None and reverse != value:
        return Issue(
            path,
            "asymmetric-latency",
            f"latency {a}->{b} is {value:g} ms but {b}->{a} is {reverse:g} ms; "
            "the matrix must be symmetric",
        )
    return None


def _duplicate_names(names: Sequence[str]) -> list[Issue]:
    counts = Counter(names)
    seen: set[str] = set()
    issues: list[Issue] = []
    for index, name in enumerate(names):
        if counts[name] > 1 and name in seen:
            issues.append(
                Issue(
                    json_pointer("sites", index, "name"),
                    "duplicate-site",
                    f"site name {name!r} is used {counts[name]} times; names must be unique",
                )
            )
        seen.add(name)
    return issues


def _missing_pairs(names: Sequence[str], latency: LatencyMatrix) -> list[Issue]:
    unique = list(dict.fromkeys(names))
    issues: list[Issue] = []
    for i, a in enumerate(unique):
        for b in unique[i + 1 :]:
            if b not in latency.get(a, {}) and a not in latency.get(b, {}):
                issues.append(
                    Issue(
                        json_pointer("latency_ms", a, b),
                        "missing-latency",
                        f"no latency between {a} and {b}; state it in either direction "
                        "(the matrix must cover every pair of sites)",
                    )
                )
    return issues


def _unknown(name: str, names: Sequence[str]) -> str:
    known = ", ".join(dict.fromkeys(names)) or "none"
    return f"unknown site {name!r} in the latency matrix (known sites: {known})"

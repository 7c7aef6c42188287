"""References inside one descriptor (YANG ``leafref`` and OSM's naming rules).

Each rule is written like a YANG leafref: a *source* pattern (where the referring leaves
are) and one or more *target* patterns (where the values they may take live), over the
descriptor's raw data so that reference problems are reported in the same pass as schema
problems, even when the model cannot be built. Pattern segments are YANG names, ``*`` (every
entry of a list, captured as ``$1``, ``$2``... in source order), a captured index ``$n``,
or a filter ``[key=@a.b.$1.c]`` that keeps the list entry whose ``key`` equals the value
found at ``a/b/<$1>/c`` (SOL006's ``deref()``). A referring value that no target holds is a
``broken-reference`` issue. Values that are not scalars are left to schema validation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from locus_iac.descriptors.envelope import DescriptorKind
from locus_iac.errors import Issue, json_pointer

_DAY12 = "df/*/lcm-operations-configuration/operate-vnf-op-config/day1-2/*"
_DAY12_TARGET = "df/$1/lcm-operations-configuration/operate-vnf-op-config/day1-2/$2"
_ALL_VDU_PARAMS = "vdu/*/monitoring-parameter/*/id"
_CAPTURE = re.compile(r"\$(\d+)")


@dataclass(frozen=True)
class LeafRef:
    """A referring leaf (``source``) and where its value must be found (``targets``)."""

    source: str
    targets: tuple[str, ...]
    what: str


def _ref(source: str, *targets: str, what: str) -> LeafRef:
    return LeafRef(source, targets, what)


VNFD_RULES: tuple[LeafRef, ...] = (
    _ref("vdu/*/virtual-compute-desc", "virtual-compute-desc/*/id", what="virtual-compute-desc"),
    _ref("vdu/*/virtual-storage-desc/*", "virtual-storage-desc/*/id", what="virtual-storage-desc"),
    _ref("vdu/*/sw-image-desc", "sw-image-desc/*/id", what="sw-image-desc"),
    _ref("vdu/*/alternative-sw-image-desc/*", "sw-image-desc/*/id", what="sw-image-desc"),
    _ref(
        "vdu/*/int-cpd/*/int-virtual-link-desc",
        "int-virtual-link-desc/*/id",
        what="int-virtual-link-desc",
    ),
    _ref(
        "vdu/*/int-cpd/*/security-group-rule-id",
        "security-group-rule/*/id",
        what="security-group-rule",
    ),
    _ref(
        "vdu/*/alarm/*/vnf-monitoring-param-ref",
        "vdu/$1/monitoring-parameter/*/id",
        what="monitoring-parameter of this VDU",
    ),
    _ref(
        "virtual-compute-desc/*/virtual-disk/*/sw-image-desc",
        "sw-image-desc/*/id",
        what="sw-image-desc",
    ),
    _ref("virtual-storage-desc/*/sw-image-desc", "sw-image-desc/*/id", what="sw-image-desc"),
    _ref(
        "virtual-storage-desc/*/block-storage-data/sw-image-desc",
        "sw-image-desc/*/id",
        what="sw-image-desc",
    ),
    _ref("ext-cpd/*/int-cpd/vdu-id", "vdu/*/id", what="vdu"),
    _ref(
        "ext-cpd/*/int-cpd/cpd",
        "vdu/[id=@ext-cpd.$1.int-cpd.vdu-id]/int-cpd/*/id",
        what="int-cpd of that VDU",
    ),
    _ref(
        "ext-cpd/*/int-virtual-link-desc",
        "int-virtual-link-desc/*/id",
        what="int-virtual-link-desc",
    ),
    _ref("ext-cpd/*/k8s-cluster-net", "k8s-cluster/nets/*/id", what="k8s-cluster net"),
    _ref("ext-cpd/*/vip-cpd", "vip-cpd/*/id", what="vip-cpd"),
    _ref(
        "ext-cpd/*/security-group-rule-id", "security-group-rule/*/id", what="security-group-rule"
    ),
    _ref("vip-cpd/*/vnf-ext-cpd/*", "ext-cpd/*/id", what="ext-cpd"),
    _ref("mgmt-cp", "ext-cpd/*/id", what="ext-cpd"),
    _ref("kdu/*/service/*/external-connection-point-ref", "ext-cpd/*/id", what="ext-cpd"),
    _ref("element-group/*/vdu/*", "vdu/*/id", what="vdu"),
    _ref("df/*/vdu-profile/*/id", "vdu/*/id", what="vdu"),
    _ref(
        "df/*/vdu-profile/*/affinity-or-anti-affinity-group-id/*",
        "df/$1/affinity-or-anti-affinity-group/*/id",
        what="affinity-or-anti-affinity-group of this flavour",
    ),
    _ref(
        "df/*/virtual-link-profile/*/id", "int-virtual-link-desc/*/id", what="int-virtual-link-desc"
    ),
    _ref("df/*/instantiation-level/*/vdu-level/*/vdu-id", "vdu/*/id", what="vdu"),
    _ref(
        "df/*/instantiation-level/*/scaling-info/*/scaling-aspect-id",
        "df/$1/scaling-aspect/*/id",
        what="scaling-aspect of this flavour",
    ),
    _ref(
        "df/*/default-instantiation-level",
        "df/$1/instantiation-level/*/id",
        what="instantiation-level of this flavour",
    ),
    _ref("df/*/supported-vnf-interfaces/*/cpd-id/*", "ext-cpd/*/id", what="ext-cpd"),
    _ref(
        "df/*/scaling-aspect/*/aspect-delta-details/deltas/*/vdu-delta/*/id",
        "vdu/*/id",
        what="vdu",
    ),
    _ref(
        "df/*/scaling-aspect/*/aspect-delta-details/step-deltas",
        "df/$1/scaling-aspect/$2/aspect-delta-details/deltas/*/id",
        what="delta of this scaling aspect",
    ),
    _ref(
        "df/*/scaling-aspect/*/scaling-policy/*/scaling-criteria/*/vnf-monitoring-param-ref",
        _ALL_VDU_PARAMS,
        "df/$1/monitoring-parameter/*/id",
        what="monitoring-parameter",
    ),
    _ref(
        "df/*/scaling-aspect/*/scaling-config-action/*/vnf-config-primitive-name-ref",
        "df/$1/lcm-operations-configuration/operate-vnf-op-config/day1-2/*/config-primitive/*/name",
        what="config-primitive of this flavour's day1-2",
    ),
    _ref(
        "df/*/scaling-aspect/*/aspect-delta-details/deltas/*/kdu-resource-delta/*/id",
        "df/$1/kdu-resource-profile/*/id",
        what="kdu-resource-profile of this flavour",
    ),
    _ref("df/*/kdu-resource-profile/*/kdu-name", "kdu/*/name", what="kdu"),
    _ref("df/*/healing-aspect/*/healing-policy/*/vdu-id", "vdu/*/id", what="vdu"),
    _ref(f"{_DAY12}/id", "id", "vdu/*/id", "kdu/*/name", what="VNFD id, vdu or kdu"),
    *(
        _ref(
            f"{_DAY12}/{primitives}/*/execution-environment-ref",
            f"{_DAY12_TARGET}/execution-environment-list/*/id",
            what="execution environment of this day1-2 entry",
        )
        for primitives in (
            "config-primitive",
            "initial-config-primitive",
            "terminate-config-primitive",
        )
    ),
    _ref(
        f"{_DAY12}/execution-environment-list/*/external-connection-point-ref",
        "ext-cpd/*/id",
        what="ext-cpd",
    ),
)

_VLC = "virtual-link-connectivity/*"
NSD_RULES: tuple[LeafRef, ...] = (
    _ref("df/*/vnf-profile/*/vnfd-id", "vnfd-id/*", what="entry of this NSD's vnfd-id list"),
    _ref(
        f"df/*/vnf-profile/*/{_VLC}/virtual-link-profile-id",
        "df/$1/virtual-link-profile/*/id",
        "virtual-link-desc/*/id",
        what="virtual-link-profile of this flavour (or virtual-link-desc, as OSM allows)",
    ),
    _ref(
        f"df/*/vnf-profile/*/{_VLC}/constituent-cpd-id/*/constituent-base-element-id",
        "df/$1/vnf-profile/$2/id",
        what="id of the enclosing vnf-profile",
    ),
    _ref(
        "df/*/vnf-profile/*/affinity-or-anti-affinity-group-id/*",
        "df/$1/affinity-or-anti-affinity-group/*/id",
        what="affinity-or-anti-affinity-group of this flavour",
    ),
    _ref("df/*/pnf-profile/*/pnfd-id", "pnfd-id/*", what="entry of this NSD's pnfd-id list"),
    _ref(
        f"df/*/ns-profile/*/{_VLC}/constituent-cpd-id/*/constituent-base-element-id",
        "df/$1/ns-profile/$2/id",
        what="id of the enclosing ns-profile",
    ),
    _ref(
        f"df/*/pnf-profile/*/{_VLC}/virtual-link-profile-id",
        "df/$1/virtual-link-profile/*/id",
        "virtual-link-desc/*/id",
        what="virtual-link-profile of this flavour",
    ),
    _ref(
        "df/*/virtual-link-profile/*/virtual-link-desc-id",
        "virtual-link-desc/*/id",
        what="virtual-link-desc",
    ),
    _ref(
        "df/*/virtual-link-profile/*/flavour-id",
        "virtual-link-desc/[id=@df.$1.virtual-link-profile.$2.virtual-link-desc-id]/df/*/id",
        what="df of that virtual-link-desc",
    ),
    _ref("df/*/ns-profile/*/nsd-id", "nested-nsd-id/*", what="entry of nested-nsd-id"),
    _ref(
        f"df/*/ns-profile/*/{_VLC}/virtual-link-profile-id",
        "df/$1/virtual-link-profile/*/id",
        "virtual-link-desc/*/id",
        what="virtual-link-profile of this flavour",
    ),
    _ref(
        "df/*/ns-instantiation-level/*/vnf-to-level-mapping/*/vnf-profile-id",
        "df/$1/vnf-profile/*/id",
        what="vnf-profile of this flavour",
    ),
    _ref(
        "df/*/ns-instantiation-level/*/virtual-link-to-level-mapping/*/virtual-link-profile-id",
        "df/$1/virtual-link-profile/*/id",
        what="virtual-link-profile of this flavour",
    ),
    _ref(
        "df/*/ns-instantiation-level/*/ns-to-level-mapping/*/ns-profile-id",
        "df/$1/ns-profile/*/id",
        what="ns-profile of this flavour",
    ),
    _ref(
        "df/*/default-instantiation-level",
        "df/$1/ns-instantiation-level/*/id",
        what="ns-instantiation-level of this flavour",
    ),
    _ref(
        "df/*/scaling-aspect/*/scaling-level",
        "df/$1/ns-instantiation-level/*/id",
        what="ns-instantiation-level of this flavour",
    ),
    _ref("vnffgd/*/vnf-profile-id/*", "df/*/vnf-profile/*/id", what="vnf-profile"),
    _ref("vnffgd/*/pnf-profile-id/*", "df/*/pnf-profile/*/id", what="pnf-profile"),
    _ref("vnffgd/*/nested-ns-profile-id/*", "df/*/ns-profile/*/id", what="ns-profile"),
    _ref(
        "vnffgd/*/virtual-link-profile-id",
        "df/*/virtual-link-profile/*/id",
        what="virtual-link-profile",
    ),
    _ref(
        "vnffgd/*/nfpd/*/position-desc/*/nfp-position-element-id/*",
        "vnffgd/$1/nfp-position-element/*/id",
        what="nfp-position-element of this vnffgd",
    ),
    _ref("sapd/*/virtual-link-desc", "virtual-link-desc/*/id", what="virtual-link-desc"),
    _ref("sapd/*/vnf/vnfd-id", "vnfd-id/*", what="entry of this NSD's vnfd-id list"),
    _ref("sapd/*/ns/nsd-id", "nested-nsd-id/*", what="entry of nested-nsd-id"),
    _ref("sapd/*/pnf/pnfd-id", "pnfd-id/*", what="entry of this NSD's pnfd-id list"),
)

NST_RULES: tuple[LeafRef, ...] = (
    _ref(
        "netslice-vld/*/nss-connection-point-ref/*/nss-ref",
        "netslice-subnet/*/id",
        what="netslice-subnet",
    ),
    _ref(
        "netslice-connection-point/*/netslice-vld-id-ref",
        "netslice-vld/*/id",
        what="netslice-vld",
    ),
)

RULES: dict[DescriptorKind, tuple[LeafRef, ...]] = {
    DescriptorKind.VNFD: VNFD_RULES,
    DescriptorKind.NSD: NSD_RULES,
    DescriptorKind.NST: NST_RULES,
    DescriptorKind.PNFD: (),  # a PNFD's ext-cpd (SOL006 cpd grouping) names nothing else
}

Path = tuple[str | int, ...]


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _match(
    node: Any, segments: Sequence[str], path: Path, caps: tuple[int, ...], root: Any
) -> Iterator[tuple[Path, Any, tuple[int, ...]]]:
    """Every node at ``segments`` below ``node``, with its path and captured list indices."""
    if not segments:
        yield path, node, caps
        return
    head, rest = segments[0], segments[1:]
    if head == "*":
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from _match(item, rest, (*path, index), (*caps, index), root)
    elif head.startswith("$"):
        index = caps[int(head[1:]) - 1]
        if isinstance(node, list) and index < len(node):
            yield from _match(node[index], rest, (*path, index), caps, root)
    elif head.startswith("["):
        key, _, ref = head[1:-1].partition("=@")
        wanted = _first_value(root, ref.split("."), caps)
        if wanted is None or not isinstance(node, list):
            return
        for index, item in enumerate(node):
            if isinstance(item, dict) and _scalar(item.get(key)) == wanted:
                yield from _match(item, rest, (*path, index), caps, root)
    elif isinstance(node, dict) and head in node:
        yield from _match(node[head], rest, (*path, head), caps, root)


def _first_value(root: Any, segments: Sequence[str], caps: tuple[int, ...]) -> str | None:
    for _, value, _ in _match(root, segments, (), caps, root):
        return _scalar(value)
    return None


def _filter_resolves(root: Any, target: str, caps: tuple[int, ...]) -> bool:
    """False when a ``[key=@ref]`` filter of ``target`` selects no entry (a broken deref)."""
    segments = target.split("/")
    for position, segment in enumerate(segments):
        if segment.startswith("["):
            head = segments[: position + 1]
            return next(_match(root, head, (), caps, root), None) is not None
    return True


def _cache_key(root: Any, target: str, caps: tuple[int, ...]) -> tuple[Any, ...]:
    """Targets only depend on the captures they use, and filters on the value they select."""
    segments = target.split("/")
    selected = tuple(
        _first_value(root, segment[1:-1].partition("=@")[2].split("."), caps)
        for segment in segments
        if segment.startswith("[")
    )
    used = [int(n) for s in segments if not s.startswith("[") for n in _CAPTURE.findall(s)]
    return target, selected, caps[: max(used, default=0)]


def _resolve(root: Any, target: str, caps: tuple[int, ...]) -> set[str] | None:
    """The values at ``target``, or None when a filter of it selects nothing."""
    if not _filter_resolves(root, target, caps):
        return None
    return _target_values(root, target, caps)


def _target_values(root: Any, target: str, caps: tuple[int, ...]) -> set[str]:
    return {
        value
        for _, raw, _ in _match(root, target.split("/"), (), caps, root)
        if (value := _scalar(raw)) is not None
    }


def _known_list(values: set[str]) -> str:
    if not values:
        return "none is declared"
    shown = sorted(values)
    more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
    return "declared: " + ", ".join(f"'{v}'" for v in shown[:5]) + more


def check_rule(root: Any, rule: LeafRef, prefix: str) -> Iterator[Issue]:
    """Issues for every value at ``rule.source`` that no ``rule.targets`` entry holds."""
    cache: dict[tuple[Any, ...], set[str] | None] = {}
    for path, raw, caps in _match(root, rule.source.split("/"), (), (), root):
        value = _scalar(raw)
        if value is None:
            continue
        known: set[str] = set()
        checkable = False
        for target in rule.targets:
            key = _cache_key(root, target, caps)
            if key not in cache:
                cache[key] = _resolve(root, target, caps)
            values = cache[key]
            if values is None:
                continue  # the entry it depends on is itself broken; reported elsewhere
            checkable = True
            known |= values
        if checkable and value not in known:
            yield Issue(
                prefix + json_pointer(*path),
                "broken-reference",
                f"'{value}' names no {rule.what} ({_known_list(known)})",
            )


def check_internal_references(kind: DescriptorKind, raw: Any, prefix: str) -> list[Issue]:
    """Every broken in-descriptor reference of a raw descriptor of ``kind``."""
    if not isinstance(raw, dict):
        return []
    issues: list[Issue] = []
    for rule in RULES[kind]:
        issues.extend(check_rule(raw, rule, prefix))
    if kind is DescriptorKind.VNFD:
        issues.extend(_vnfd_requirements(raw, prefix))
    return issues


def _vnfd_requirements(raw: dict[str, Any], prefix: str) -> Iterator[Issue]:
    """OSM's VNFD rules that are not leafrefs: a VNF with VDUs names its management CP."""
    if raw.get("vdu") and "mgmt-cp" not in raw:
        yield Issue(
            prefix + json_pointer("mgmt-cp"),
            "missing-field",
            "a VNFD with VDUs must name its management connection point in 'mgmt-cp' "
            "(one of its ext-cpd ids), as OSM requires",
        )

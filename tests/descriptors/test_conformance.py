"""Cheap conformance checks against the YANG and example data in ../shared/conformance.

* every YANG name the models use exists in the ETSI SOL006 v3.3.1 modules, in the OSM IM
  (legacy release, which defines kdu, k8s-cluster, nst, primitives...) or in the short list
  below of OSM's SOL006 augmentations, whose YANG is not in the conformance folder;
* the ETSI SOL006 v3.3.1 example data (XML) validates, and its NSDs resolve against its
  VNFDs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from locus_iac.descriptors import Vnfd, check_references, parse_descriptor
from locus_iac.descriptors._base import YangModel
from locus_iac.descriptors.api import MODELS
from locus_iac.descriptors.schema import yang_children

from .conftest import to_text
from .sol006_xml import element_to_data

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
SOL006 = CONFORMANCE / "sol006" / "v3.3.1"
OSM_IM = CONFORMANCE / "osm-im-legacy" / "models" / "yang"
#: OSM's generated bindings of its SOL006-based IM (SOL006 v2.6.1 + OSM augments).
OSM_IM_SOL006 = CONFORMANCE / "osmclient" / "osm_im_generated" / "osm_im"

pytestmark = pytest.mark.skipif(
    not SOL006.is_dir() or not OSM_IM.is_dir(),
    reason="../shared/conformance (SOL006 YANG, OSM IM) is not present",
)

#: Names OSM's SOL006-based IM (Release NINE+) adds and the legacy OSM IM lacks, as used in
#: OSM's public SOL006 packages: management CP, KNF bindings, Day-1/2 execution
#: environments, healing. Each must be absent from both YANG sets (checked below).
OSM_SOL006_AUGMENTS = {
    "mgmt-cp",  # vnfd: the management ext-cpd
    "k8s-cluster-net",  # ext-cpd: the k8s-cluster net it binds to
    "alternative-sw-image-desc",  # vdu: images for other VIM types
    "service",  # kdu: Kubernetes services of the KDU
    "mgmt-service",  # kdu/service
    "helm-version",  # kdu and execution environment: v2 | v3
    "day1-2",  # df/lcm-operations-configuration/operate-vnf-op-config
    "execution-environment-list",  # day1-2
    "execution-environment-ref",  # day1-2 primitives
    "execution-environment-primitive",  # day1-2 primitives
    "cloud",  # execution-environment-list/juju: lxd | k8s
    "healing-aspect",  # df
    "healing-policy",  # healing-aspect
    "event-name",  # healing-policy
    "recovery-type",  # healing-policy
    "action-on-recovery",  # healing-policy
    "day1",  # healing-policy: rerun Day-1 after recovery
    "port-security-disable-strategy",  # int-cpd / ext-cpd
    "kdu-resource-profile",  # df: a scalable resource of a KDU
    "kdu-name",  # kdu-resource-profile
    "resource-name",  # kdu-resource-profile
    "kdu-resource-delta",  # scaling-aspect deltas
}

_NODE = re.compile(r"^\s*(?:leaf|leaf-list|container|list)\s+([\w.-]+)\s*\{", re.M)


def _yang_names(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.yang"):
        names |= set(_NODE.findall(path.read_text(encoding="utf-8")))
    return names


_BOUND_NAME = re.compile(r'yang_name="([\w.-]+)"')


def _bound_names(folder: Path) -> set[str]:
    """Node names in OSM's generated SOL006 bindings (empty when they are absent)."""
    names: set[str] = set()
    for path in sorted(folder.glob("etsi_nfv_*.py")):
        names |= set(_BOUND_NAME.findall(path.read_text(encoding="utf-8")))
    return names


def _model_aliases() -> dict[str, set[str]]:
    seen: set[type[YangModel]] = set()
    aliases: dict[str, set[str]] = {}

    def walk(model: type[YangModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, info in model.model_fields.items():
            aliases.setdefault(info.alias or name, set()).add(model.__name__)
        for _, child, _ in yang_children(model):
            walk(child)

    for model in MODELS.values():
        walk(model)
    return aliases


def test_every_model_name_exists_in_sol006_or_osm_yang() -> None:
    known = (
        _yang_names(SOL006)
        | _yang_names(OSM_IM)
        | _bound_names(OSM_IM_SOL006)
        | OSM_SOL006_AUGMENTS
    )
    unknown = {alias: models for alias, models in _model_aliases().items() if alias not in known}
    assert unknown == {}


def test_the_osm_augment_list_only_holds_names_the_yang_lacks() -> None:
    defined = _yang_names(SOL006) | _yang_names(OSM_IM)
    assert OSM_SOL006_AUGMENTS & defined == set()
    assert set(_model_aliases()) >= OSM_SOL006_AUGMENTS


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _example_descriptors() -> list[tuple[str, str, Any]]:
    found = []
    for path in sorted((SOL006 / "example-data").glob("*.xml")):
        root = ET.parse(path).getroot()
        elements = [root] if _local(root.tag) in ("vnfd", "nsd") else list(root)
        for element in elements:
            kind = _local(element.tag)
            if kind in ("vnfd", "nsd"):
                found.append((path.name, kind, element))
    return found


def _as_document(kind: str, element: Any) -> dict[str, Any]:
    data = element_to_data(element, MODELS[kind])  # type: ignore[index]
    if kind == "vnfd":
        # OSM requires a management CP on VNFs with VDUs; ETSI's examples do not name one.
        assert "mgmt-cp" not in data
        data["mgmt-cp"] = data["ext-cpd"][0]["id"]
        return {"etsi-nfv-vnfd:vnfd": data}
    return {"etsi-nfv-nsd:nsd": {"nsd": [data]}}


EXAMPLES = _example_descriptors() if SOL006.is_dir() else []


@pytest.mark.parametrize(
    ("file", "kind", "element"),
    EXAMPLES,
    ids=[f"{f}:{k}:{e.findtext('{*}id')}" for f, k, e in EXAMPLES],
)
def test_etsi_example_data_validates(file: str, kind: str, element: Any) -> None:
    descriptor = parse_descriptor(to_text(_as_document(kind, element)), source=file)
    assert descriptor.kind == kind


def test_etsi_example_nsds_resolve_against_their_vnfds() -> None:
    by_file: dict[str, list[Any]] = {}
    for file, kind, element in EXAMPLES:
        by_file.setdefault(file, []).append(parse_descriptor(to_text(_as_document(kind, element))))
    nfv = by_file["nfv.xml"]
    assert sum(isinstance(d.model, Vnfd) for d in nfv) == 2
    for descriptor in nfv:
        assert check_references(descriptor, nfv) == [], descriptor.id

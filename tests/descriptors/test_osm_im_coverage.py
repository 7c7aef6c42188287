"""Every node OSM's own SOL006 bindings accept is known to the models, at the same place.

OSM validates SOL006 descriptors with bindings generated from SOL006 v2.6.1 plus its augment
modules (``../shared/conformance/osmclient/osm_im_generated``). A leaf those bindings accept
and our models do not would make a real OSM package fail here with ``unknown-field``
(issue 15: ``vdu/pdu-type``, the EPA leaves, ``vnffgd``...). The bindings are read as text:
each generated class names its schema path in its docstring and declares its children with
``yang_name=...`` in its constructor.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from locus_iac.descriptors import Nsd, Vnfd
from locus_iac.descriptors._base import YangModel
from locus_iac.descriptors.schema import field_annotation, model_of

BINDINGS = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "conformance"
    / "osmclient"
    / "osm_im_generated"
    / "osm_im"
)

pytestmark = pytest.mark.skipif(
    not BINDINGS.is_dir(), reason="../shared/conformance/osmclient (OSM's bindings) is absent"
)

_CLASS = re.compile(
    r"\nclass \w+\(PybindBase\):\n  \"\"\"\n.*?based on the path (\S+?)\. Each", re.S
)
_CHILD = re.compile(r"^    self\.__\w+ = YANGDynClass\(.*?yang_name=\"([^\"]+)\"", re.M)


def bound_tree(path: Path) -> dict[str, set[str]]:
    """{schema path: names of its children} of one generated bindings module."""
    text = path.read_text(encoding="utf-8")
    tree: dict[str, set[str]] = {}
    for match in _CLASS.finditer(text):
        end = text.find("\nclass ", match.end())
        body = text[match.end() : end if end > 0 else len(text)]
        constructor = body[: body.find("load = kwargs.pop")]
        tree[match.group(1)] = set(_CHILD.findall(constructor))
    return tree


def _model_at(root: type[YangModel], steps: list[str]) -> type[YangModel] | None:
    model: type[YangModel] | None = root
    for step in steps:
        if model is None:
            return None
        model = model_of(field_annotation(model, step))
    return model


def _aliases(model: type[YangModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


@pytest.mark.parametrize(
    ("module", "root", "top"),
    [("etsi_nfv_vnfd.py", Vnfd, "/vnfd"), ("etsi_nfv_nsd.py", Nsd, "/nsd/nsd")],
)
def test_every_node_of_osm_bindings_is_modelled(
    module: str, root: type[YangModel], top: str
) -> None:
    tree = bound_tree(BINDINGS / module)
    paths = [p for p in tree if p == top or p.startswith(top + "/")]
    assert len(paths) > 50  # the bindings were read: a parser slip would make this vacuous
    missing = {}
    for path in paths:
        steps = [s for s in path[len(top) :].split("/") if s]
        model = _model_at(root, steps)
        if model is None:
            missing[path] = {"<container itself>"}
            continue
        absent = tree[path] - _aliases(model)
        if absent:
            missing[path] = absent
    assert missing == {}

"""Read the ETSI SOL006 example data (XML) as the YAML/JSON tree the models read.

XML does not say which elements are lists; the models do: an element whose model field is
a tuple becomes a list even when it occurs once. Leaf text stays text (YANG JSON encodes
64-bit numbers and decimals as strings too), so the models' own coercion is exercised.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from locus_iac.descriptors._base import YangModel
from locus_iac.descriptors.schema import field_annotation, is_list, model_of


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def element_to_data(element: ET.Element, model: type[YangModel] | None) -> Any:
    """The JSON-like data of ``element`` read as an instance of ``model``."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    data: dict[str, Any] = {}
    for child in children:
        name = _local(child.tag)
        annotation = field_annotation(model, name) if model is not None else None
        value = element_to_data(child, model_of(annotation) if annotation else None)
        if annotation is not None and is_list(annotation):
            data.setdefault(name, []).append(value)
        elif name in data:
            existing = data[name]
            data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[name] = value
    return data

"""Parse, validate and serve back one descriptor document."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from locus_iac.descriptors._base import YangModel
from locus_iac.descriptors.envelope import DescriptorKind, locate_descriptor
from locus_iac.descriptors.loader import load_yaml
from locus_iac.descriptors.nsd import Nsd
from locus_iac.descriptors.nst import Nst
from locus_iac.descriptors.pnfd import Pnfd
from locus_iac.descriptors.references import check_internal_references
from locus_iac.descriptors.schema import duplicate_list_keys, relaxed_mandatory, validate_model
from locus_iac.descriptors.vnfd import Vnfd
from locus_iac.errors import Issue, ValidationError

logger = logging.getLogger(__name__)

MODELS: dict[DescriptorKind, type[YangModel]] = {
    DescriptorKind.VNFD: Vnfd,
    DescriptorKind.NSD: Nsd,
    DescriptorKind.NST: Nst,
    DescriptorKind.PNFD: Pnfd,
}


@dataclass(frozen=True)
class Descriptor:
    """A validated descriptor, its typed model and the document it came from.

    ``pointer`` is the JSON pointer of the descriptor inside ``document`` (``/vnfd``,
    ``/nsd/nsd/0``...); ``source`` names the input in messages; ``document`` is the YAML
    document as written, a plain JSON-compatible mapping (read it, do not change it: it is
    served back as is). ``warnings`` lists what OSM tolerates and SOL006 does not (a
    mandatory leaf OSM does not enforce); a strict parse reports those as errors instead.
    """

    kind: DescriptorKind
    id: str
    model: Vnfd | Nsd | Nst | Pnfd
    pointer: str
    source: str
    document: Mapping[str, Any] = field(compare=False, hash=False, repr=False)
    warnings: tuple[Issue, ...] = field(default=(), compare=False)


def _fail(source: str, issues: list[Issue]) -> ValidationError:
    count = len(issues)
    noun = "problem" if count == 1 else "problems"
    return ValidationError(f"{source}: invalid descriptor, {count} {noun} found", issues)


def parse_descriptor(
    text: str | bytes, source: str = "<input>", *, strict: bool = False
) -> Descriptor:
    """Read one VNFD, NSD, NST or PNFD document and validate it completely.

    Runs, in one pass: safe YAML loading (aliases, size, duplicate keys), envelope
    detection, schema validation against the typed model, repeated list keys and every
    in-descriptor reference (on the raw data, so they are reported together with schema
    problems). Raises :class:`~locus_iac.errors.ValidationError` carrying all the issues,
    each with a JSON pointer into the document as written. Leaves SOL006 makes mandatory
    and OSM does not enforce are ``warnings`` of the result, or errors when ``strict``.
    """
    loaded = load_yaml(text)
    issues = list(loaded.issues)
    if issues and loaded.data is None:
        raise _fail(source, issues)
    located, envelope_issues = locate_descriptor(loaded.data)
    issues += envelope_issues
    if located is None:
        raise _fail(source, issues)
    model_cls = MODELS[located.kind]
    model, schema_issues = validate_model(model_cls, located.raw, located.pointer)
    issues += schema_issues
    issues += duplicate_list_keys(model_cls, located.raw, located.path)
    issues += check_internal_references(located.kind, located.raw, located.pointer)
    relaxed = list(relaxed_mandatory(model_cls, located.raw, located.path))
    if strict:
        issues += relaxed
    if issues or model is None:
        raise _fail(source, issues)
    assert isinstance(model, Vnfd | Nsd | Nst | Pnfd)
    logger.debug("parsed %s %s from %s", located.kind, model.id, source)
    return Descriptor(
        kind=located.kind,
        id=model.id,
        model=model,
        pointer=located.pointer,
        source=source,
        document=loaded.data,
        warnings=tuple(relaxed),
    )


def tolerated_findings(text: str | bytes) -> tuple[Issue, ...]:
    """What OSM tolerates in a document (see :func:`parse_descriptor`), even an invalid one.

    Lets a caller report the warnings of a descriptor that is refused for other reasons.
    """
    loaded = load_yaml(text)
    located, _ = locate_descriptor(loaded.data) if loaded.data is not None else (None, [])
    if located is None:
        return ()
    return tuple(relaxed_mandatory(MODELS[located.kind], located.raw, located.path))


class _BlockDumper(yaml.SafeDumper):
    """Block-style YAML with list items indented under their key, as OSM writes them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def dump_descriptor(descriptor: Descriptor) -> str:
    """The YAML text of the descriptor's document, keys in the order they were written."""
    return yaml.dump(
        _plain(descriptor.document),
        Dumper=_BlockDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )

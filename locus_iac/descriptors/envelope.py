"""Find the one descriptor inside a document's envelope.

Accepted envelopes (the descriptor's JSON pointer in brackets):

* VNFD: ``vnfd: {...}`` [``/vnfd``] (OSM SOL006) and ``etsi-nfv-vnfd:vnfd: {...}``
  [``/etsi-nfv-vnfd:vnfd``] (SOL006 YANG JSON encoding, RFC 7951 module-qualified name);
* NSD: ``nsd: {nsd: [...]}`` [``/nsd/nsd/0``] (OSM), ``etsi-nfv-nsd:nsd: {nsd: [...]}``
  [``/etsi-nfv-nsd:nsd/nsd/0``] or ``etsi-nfv-nsd:nsd: [...]`` [``/etsi-nfv-nsd:nsd/0``];
* NST: ``nst: [...]`` [``/nst/0``] or ``nst: {...}`` [``/nst``] (OSM);
* PNFD: ``pnfd: {...}`` [``/pnfd``] or ``etsi-nfv-pnfd:pnfd: {...}`` (SOL006 container ``pnfd``;
  a list of one is accepted too).

A document holds exactly one descriptor; the pre-SOL006 OSM catalogues
(``vnfd:vnfd-catalog``...) are recognised only to say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from locus_iac.errors import Issue, json_pointer


class DescriptorKind(StrEnum):
    """The kinds of descriptor locus-iac reads."""

    VNFD = "vnfd"
    NSD = "nsd"
    NST = "nst"
    PNFD = "pnfd"


_VNFD_KEYS = ("vnfd", "etsi-nfv-vnfd:vnfd")
_NSD_KEYS = ("nsd", "etsi-nfv-nsd:nsd")
_NST_KEYS = ("nst",)
_PNFD_KEYS = ("pnfd", "etsi-nfv-pnfd:pnfd")
_KIND_OF_KEY = {
    **dict.fromkeys(_VNFD_KEYS, DescriptorKind.VNFD),
    **dict.fromkeys(_NSD_KEYS, DescriptorKind.NSD),
    **dict.fromkeys(_NST_KEYS, DescriptorKind.NST),
    **dict.fromkeys(_PNFD_KEYS, DescriptorKind.PNFD),
}
_LEGACY_KEYS = ("vnfd:vnfd-catalog", "nsd:nsd-catalog", "vnfd-catalog", "nsd-catalog")


@dataclass(frozen=True)
class Located:
    """The raw descriptor found in a document, where it is, and what kind it is."""

    kind: DescriptorKind
    path: tuple[str | int, ...]
    raw: Any

    @property
    def pointer(self) -> str:
        """The JSON pointer of the descriptor in its document (``/nsd/nsd/0``)."""
        return json_pointer(*self.path)


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"a {type(value).__name__}"


def _one_of_list(items: list[Any], path: tuple[str, ...], what: str) -> tuple[int, list[Issue]]:
    if not items:
        return -1, [Issue(json_pointer(*path), "missing-field", f"the {what} list is empty")]
    extra = [
        Issue(
            json_pointer(*path, index),
            "multiple-descriptors",
            f"only one {what} per document is accepted; this is number {index + 1}",
        )
        for index in range(1, len(items))
    ]
    return 0, extra


def _locate_list_or_object(
    kind: DescriptorKind, value: Any, path: tuple[str, ...]
) -> tuple[Located | None, list[Issue]]:
    what = kind.value.upper()
    if isinstance(value, list):
        index, issues = _one_of_list(value, path, what)
        if index < 0:
            return None, issues
        return Located(kind, (*path, index), value[index]), issues
    if isinstance(value, dict):
        return Located(kind, path, value), []
    message = f"expected the {what} (a mapping or a list of one), found {_type_name(value)}"
    return None, [Issue(json_pointer(*path), "wrong-type", message)]


def _locate_nsd(key: str, value: Any) -> tuple[Located | None, list[Issue]]:
    if isinstance(value, list) and key != "nsd":
        return _locate_list_or_object(DescriptorKind.NSD, value, (key,))
    if not isinstance(value, dict):
        message = f"expected a mapping holding an 'nsd' list, found {_type_name(value)}"
        return None, [Issue(json_pointer(key), "wrong-type", message)]
    issues = [
        Issue(json_pointer(key, other), "unknown-field", f"unknown field '{other}' beside 'nsd'")
        for other in value
        if other != "nsd"
    ]
    if "nsd" not in value:
        issues.append(Issue(json_pointer(key, "nsd"), "missing-field", "the 'nsd' list is missing"))
        return None, issues
    inner = value["nsd"]
    if not isinstance(inner, list):
        message = f"expected a list of one NSD, found {_type_name(inner)}"
        return None, [*issues, Issue(json_pointer(key, "nsd"), "wrong-type", message)]
    located, more = _locate_list_or_object(DescriptorKind.NSD, inner, (key, "nsd"))
    return located, issues + more


def locate_descriptor(document: Any) -> tuple[Located | None, list[Issue]]:
    """Find the single descriptor of ``document``; issues say why it cannot be found."""
    if not isinstance(document, dict):
        message = (
            f"expected a mapping with a 'vnfd', 'nsd' or 'nst' envelope, found "
            f"{_type_name(document)}"
        )
        return None, [Issue("", "unknown-envelope", message)]
    envelopes = [key for key in document if key in _KIND_OF_KEY]
    if not envelopes:
        legacy = [key for key in document if key in _LEGACY_KEYS]
        hint = (
            f" ('{legacy[0]}' is the pre-SOL006 OSM format; convert it to SOL006 first)"
            if legacy
            else ""
        )
        keys = ", ".join(f"'{k}'" for k in list(document)[:5]) or "none"
        message = f"no 'vnfd', 'nsd' or 'nst' envelope found (top-level keys: {keys}){hint}"
        # a legacy catalogue: the pointer names its key (else the whole document is at fault)
        where = json_pointer(legacy[0]) if legacy else ""
        return None, [Issue(where, "unknown-envelope", message)]
    issues = [
        Issue(
            json_pointer(key),
            "multiple-descriptors",
            f"a second descriptor envelope '{key}' (after '{envelopes[0]}'); "
            "give one descriptor per document",
        )
        for key in envelopes[1:]
    ]
    issues += [
        Issue(json_pointer(key), "unknown-field", f"unknown top-level field '{key}'")
        for key in document
        if key not in _KIND_OF_KEY
    ]
    key = envelopes[0]
    kind = _KIND_OF_KEY[key]
    value = document[key]
    if kind is DescriptorKind.NSD:
        located, more = _locate_nsd(key, value)
    elif kind is DescriptorKind.VNFD:
        if isinstance(value, dict):
            located, more = Located(kind, (key,), value), []
        else:
            message = f"expected the VNFD as a mapping, found {_type_name(value)}"
            located, more = None, [Issue(json_pointer(key), "wrong-type", message)]
    else:
        located, more = _locate_list_or_object(kind, value, (key,))
    return located, issues + more

"""Safe YAML loading of descriptor documents.

Only the YAML safe schema is used (no Python objects). Aliases are refused outright
(``yaml-alias``): descriptors never need them and they are how "billion laughs" documents
explode; the check runs on the parser's event stream, before anything is built, so a bomb is
rejected in time proportional to its text. Documents larger than :data:`MAX_DOCUMENT_BYTES`
or nested deeper than :data:`MAX_DEPTH` are refused (``too-large``). A key repeated in one
mapping is an issue (``duplicate-key``) at the JSON pointer of its second occurrence, since
YAML loaders silently keep the last value.

Speed: an alias needs a ``*`` in the text, so a text without one skips the event pass (a
second parse of the whole text); with libyaml the composer itself stops at 1,000 levels, so
depth and the other checks are done in one walk of the composed tree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import yaml

from locus_iac.errors import Issue, json_pointer

logger = logging.getLogger(__name__)

#: Largest document accepted, in bytes (the largest real VNFDs are a few hundred KiB).
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
#: Deepest nesting of mappings and sequences accepted (SOL006 trees are ~15 deep).
MAX_DEPTH = 64
#: Longest integer literal accepted (Python refuses to convert more than 4,300 digits).
MAX_INT_CHARS = 1000
_INT_TAG = "tag:yaml.org,2002:int"

_C_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
# libyaml is much faster; fall back to the pure-Python parser when PyYAML was built without it
_Loader: type[yaml.SafeLoader] = _C_LOADER or yaml.SafeLoader


@dataclass
class LoadedYaml:
    """The data of a YAML document (``None`` when it could not be read) and its issues."""

    data: Any = None
    issues: list[Issue] = field(default_factory=list)


def _where(mark: Any) -> str:
    if mark is None:
        return ""
    return f" at line {mark.line + 1}, column {mark.column + 1}"


def _syntax_issue(exc: yaml.YAMLError) -> Issue:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        return Issue("", "yaml-syntax", f"invalid YAML{_where(mark)}: {problem}")
    return Issue("", "yaml-syntax", f"invalid YAML: {exc}")


def _scan_events(text: str) -> Issue | None:
    """Refuse aliases, over-deep nesting and multi-document streams from the event stream."""
    depth = 0
    documents = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            return Issue(
                "",
                "yaml-alias",
                f"YAML aliases are not allowed in descriptors (alias *{event.anchor}"
                f"{_where(event.start_mark)})",
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return Issue(
                    "",
                    "too-large",
                    f"the document is nested deeper than {MAX_DEPTH} levels"
                    f"{_where(event.start_mark)}",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                return Issue(
                    "",
                    "multiple-descriptors",
                    f"the file holds several YAML documents{_where(event.start_mark)};"
                    " give one descriptor per file",
                )
    return None


def _key_text(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else f"<{node.tag}>"


@dataclass
class _TreeFindings:
    """What one walk of the composed tree found: refusals first, then plain issues."""

    refusals: list[Issue] = field(default_factory=list)
    duplicates: list[Issue] = field(default_factory=list)


def _walk(node: yaml.Node, found: _TreeFindings, path: list[str | int]) -> None:
    """Depth, repeated keys and over-long integers in one pass over an alias-free tree.

    ``path`` is the JSON pointer of ``node`` as a stack (appended and popped, not copied).
    """
    if len(path) > MAX_DEPTH:
        message = f"the document is nested deeper than {MAX_DEPTH} levels{_where(node.start_mark)}"
        found.refusals.append(Issue("", "too-large", message))
    elif isinstance(node, yaml.ScalarNode):
        if node.tag == _INT_TAG and len(str(node.value)) > MAX_INT_CHARS:
            found.refusals.append(
                Issue(
                    json_pointer(*path),
                    "number-too-large",
                    f"an integer of {len(str(node.value))} characters"
                    f"{_where(node.start_mark)}; at most {MAX_INT_CHARS} are accepted",
                )
            )
    elif isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            _walk(key_node, found, path)
            key = _key_text(key_node)
            first = seen.setdefault(key, key_node)
            if first is not key_node:
                found.duplicates.append(_duplicate(path, key, first, key_node))
            path.append(key)
            _walk(value_node, found, path)
            path.pop()
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path.append(index)
            _walk(item, found, path)
            path.pop()


def _duplicate(path: list[str | int], key: str, first: yaml.Node, again: yaml.Node) -> Issue:
    return Issue(
        json_pointer(*path, key),
        "duplicate-key",
        f"key '{key}' appears twice in the same mapping (lines "
        f"{first.start_mark.line + 1} and {again.start_mark.line + 1}); "
        "YAML would silently keep the last one",
    )


def _needs_event_scan(text: str) -> bool:
    """Whether the text may hold an alias, or the composer does not bound depth itself."""
    return _Loader is not _C_LOADER or "*" in text


def _multiple_documents(exc: yaml.MarkedYAMLError) -> Issue | None:
    if exc.context != "expected a single document in the stream":
        return None
    return Issue(
        "",
        "multiple-descriptors",
        f"the file holds several YAML documents{_where(exc.problem_mark)};"
        " give one descriptor per file",
    )


def load_yaml(text: str | bytes) -> LoadedYaml:
    """Read one YAML document safely; problems are returned as issues, never raised."""
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    if size > MAX_DOCUMENT_BYTES:
        message = f"the document is {size} bytes, more than the {MAX_DOCUMENT_BYTES} accepted"
        return LoadedYaml(issues=[Issue("", "too-large", message)])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            message = f"the document is not UTF-8 text (byte {exc.start} is invalid)"
            return LoadedYaml(issues=[Issue("", "yaml-syntax", message)])
    try:
        refused = _scan_events(text) if _needs_event_scan(text) else None
        if refused is not None:
            return LoadedYaml(issues=[refused])
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return LoadedYaml(data=None)
            found = _TreeFindings()
            _walk(node, found, [])
            if found.refusals:
                return LoadedYaml(issues=found.refusals)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        logger.debug("YAML rejected: %s", exc)
        return LoadedYaml(issues=[_multiple_documents(exc) or _syntax_issue(exc)])
    except yaml.YAMLError as exc:
        logger.debug("YAML rejected: %s", exc)
        return LoadedYaml(issues=[_syntax_issue(exc)])
    return LoadedYaml(data=data, issues=found.duplicates)

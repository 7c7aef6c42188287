"""Safe YAML loading of descriptor documents.

Only the YAML safe schema is used (no Python objects). Aliases are refused outright
(``yaml-alias``): descriptors never need them and they are how "billion laughs" documents
explode; the check runs on the parser's event stream, before anything is built, so a bomb is
rejected in time proportional to its text. Documents larger than :data:`MAX_DOCUMENT_BYTES`
or nested deeper than :data:`MAX_DEPTH` are refused (``too-large``). A key repeated in one
mapping is an issue (``duplicate-key``) at the JSON pointer of its second occurrence, since
YAML loaders silently keep the last value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
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

try:  # libyaml is much faster; fall back to the pure-Python parser when it is missing
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


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


def _duplicate_keys(node: yaml.Node, path: tuple[str | int, ...] = ()) -> Iterator[Issue]:
    """Walk the composed node tree (alias-free, so a tree) for keys repeated in a mapping."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = _key_text(key_node)
            first = seen.get(key)
            if first is not None:
                yield Issue(
                    json_pointer(*path, key),
                    "duplicate-key",
                    f"key '{key}' appears twice in the same mapping (lines "
                    f"{first.start_mark.line + 1} and {key_node.start_mark.line + 1}); "
                    "YAML would silently keep the last one",
                )
            else:
                seen[key] = key_node
            yield from _duplicate_keys(value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*path, index))


def _huge_ints(node: yaml.Node, path: tuple[str | int, ...] = ()) -> Iterator[Issue]:
    """Integer literals too long to convert (and too long to mean anything in a descriptor)."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _INT_TAG and len(str(node.value)) > MAX_INT_CHARS:
            yield Issue(
                json_pointer(*path),
                "number-too-large",
                f"an integer of {len(str(node.value))} characters"
                f"{_where(node.start_mark)}; at most {MAX_INT_CHARS} are accepted",
            )
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            yield from _huge_ints(key_node, path)
            yield from _huge_ints(value_node, (*path, _key_text(key_node)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _huge_ints(item, (*path, index))


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
        refused = _scan_events(text)
        if refused is not None:
            return LoadedYaml(issues=[refused])
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return LoadedYaml(data=None)
            issues = list(_duplicate_keys(node))
            huge = list(_huge_ints(node))
            if huge:
                return LoadedYaml(issues=huge)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        logger.debug("YAML rejected: %s", exc)
        return LoadedYaml(issues=[_syntax_issue(exc)])
    return LoadedYaml(data=data, issues=issues)

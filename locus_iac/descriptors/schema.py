"""Schema validation of a raw descriptor against its model, as :class:`Issue` objects.

pydantic errors become issues whose path is a JSON pointer into the document as written
(the envelope prefix plus the YANG names of the error location). Codes:
``extra_forbidden`` -> ``unknown-field`` (with a close YANG name suggested when there is
one), ``missing`` -> ``missing-field``, type and parsing errors -> ``wrong-type``, range,
enumeration and consistency errors -> ``invalid-value``. Repeated YANG list keys are found
on the raw data, guided by the models' ``yang_key`` (``duplicate-key-value``), so they are
reported even when the model cannot be built.
"""

from __future__ import annotations

import difflib
import functools
import types
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, Union, get_args, get_origin

import pydantic
from pydantic import BaseModel

from locus_iac.descriptors._base import SolMandatory, YangModel
from locus_iac.errors import Issue, json_pointer

M = TypeVar("M", bound=YangModel)

_WRONG_TYPE_HINTS = {
    "tuple_type": "a list",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
    "string_type": "a string",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean (true or false)",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "decimal_type": "a number",
    "decimal_parsing": "a number",
    "float_type": "a number",
    "float_parsing": "a number",
}


def model_of(annotation: Any) -> type[YangModel] | None:
    """The YangModel inside ``X``, ``X | None`` or ``tuple[X, ...]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, YangModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, tuple):
        for arg in get_args(annotation):
            found = model_of(arg)
            if found is not None:
                return found
    return None


def is_list(annotation: Any) -> bool:
    if get_origin(annotation) is tuple:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(is_list(arg) for arg in get_args(annotation))
    return False


def field_annotation(model: type[BaseModel], name: str) -> Any:
    for field_name, info in model.model_fields.items():
        if (info.alias or field_name) == name or field_name == name:
            return info.annotation
    return None


def _aliases(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_at(root: type[YangModel], loc: Sequence[int | str]) -> type[YangModel] | None:
    """The model class that holds the node at ``loc`` (a pydantic error location)."""
    model: type[YangModel] | None = root
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        model = model_of(field_annotation(model, part))
    return model


def _unknown_field_message(root: type[YangModel], loc: Sequence[int | str]) -> str:
    name = str(loc[-1])
    message = f"unknown field '{name}'"
    holder = _model_at(root, loc[:-1])
    if holder is not None:
        close = difflib.get_close_matches(name, _aliases(holder), n=1, cutoff=0.6)
        if close:
            message += f"; did you mean '{close[0]}'?"
    return message


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value) if not isinstance(value, str) else f"'{value}'"


def _issue_from_error(root: type[YangModel], prefix: str, error: Any) -> Issue:
    loc = tuple(error["loc"])
    path = prefix + json_pointer(*loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        return Issue(path, "unknown-field", _unknown_field_message(root, loc))
    if kind == "missing":
        return Issue(path, "missing-field", f"required field '{loc[-1]}' is missing")
    if kind in _WRONG_TYPE_HINTS:
        found = _describe(error.get("input"))
        return Issue(path, "wrong-type", f"expected {_WRONG_TYPE_HINTS[kind]}, found {found}")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return Issue(path, "wrong-type", str(error["msg"]))
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        message = f"{_describe(error.get('input'))} is not allowed: {message}"
    return Issue(path, "invalid-value", message)


def validate_model(model: type[M], raw: Any, prefix: str) -> tuple[M | None, list[Issue]]:
    """Build ``model`` from ``raw``; on failure return every schema issue instead."""
    try:
        return model.model_validate(raw), []
    except pydantic.ValidationError as exc:
        issues = [_issue_from_error(model, prefix, error) for error in exc.errors()]
        return None, issues


def _key_of(item: dict[str, Any], key_aliases: Sequence[str]) -> tuple[str, ...] | None:
    values = []
    for alias in key_aliases:
        value = item.get(alias)
        if value is None or isinstance(value, dict | list):
            if alias == key_aliases[0]:
                return None
            value = ""
        values.append(str(value))
    return tuple(values)


@functools.cache
def yang_children(model: type[YangModel]) -> tuple[tuple[str, type[YangModel], bool], ...]:
    """The (YANG name, child model, is a list) of every container or list field of ``model``."""
    found = []
    for field_name, info in model.model_fields.items():
        child = model_of(info.annotation)
        if child is not None:
            found.append((info.alias or field_name, child, is_list(info.annotation)))
    return tuple(found)


def relaxed_mandatory(
    model: type[YangModel], raw: Any, path: tuple[str | int, ...] = ()
) -> Iterator[Issue]:
    """Leaves SOL006 makes mandatory and OSM does not enforce, absent here (on raw data).

    Such leaves are optional in the models and carry the
    :data:`~locus_iac.descriptors._base.SOL_MANDATORY` marker; the caller decides whether
    their absence is a warning (as OSM has it) or an error (strict validation).
    """
    if not isinstance(raw, dict):
        return
    for alias in _relaxed_fields(model):
        if alias not in raw:
            yield Issue(
                json_pointer(*path, alias),
                "missing-field",
                f"field '{alias}' is mandatory in SOL006 but missing (OSM does not enforce it)",
            )
    for alias, child, is_list in yang_children(model):
        value = raw.get(alias)
        if is_list and isinstance(value, list):
            for index, item in enumerate(value):
                yield from relaxed_mandatory(child, item, (*path, alias, index))
        elif value is not None:
            yield from relaxed_mandatory(child, value, (*path, alias))


@functools.cache
def _relaxed_fields(model: type[YangModel]) -> tuple[str, ...]:
    return tuple(
        info.alias or name
        for name, info in model.model_fields.items()
        if any(isinstance(meta, SolMandatory) for meta in info.metadata)
    )


def duplicate_list_keys(
    model: type[YangModel], raw: Any, path: tuple[str | int, ...] = ()
) -> Iterator[Issue]:
    """Report YANG list entries whose key repeats an earlier entry's (on raw data)."""
    if not isinstance(raw, dict):
        return
    for alias, child, is_list in yang_children(model):
        value = raw.get(alias)
        if value is None:
            continue
        if is_list and isinstance(value, list):
            yield from _duplicates_in_list(child, value, (*path, alias))
            for index, item in enumerate(value):
                yield from duplicate_list_keys(child, item, (*path, alias, index))
        else:
            yield from duplicate_list_keys(child, value, (*path, alias))


def _duplicates_in_list(
    child: type[YangModel], items: list[Any], path: tuple[str | int, ...]
) -> Iterator[Issue]:
    if not child.yang_key:
        return
    key_aliases = [(child.model_fields[k].alias or k) for k in child.yang_key]
    seen: dict[tuple[str, ...], int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        key = _key_of(item, key_aliases)
        if key is None:
            continue
        if key in seen:
            shown = " / ".join(key)
            yield Issue(
                json_pointer(*path, index, key_aliases[0]),
                "duplicate-key-value",
                f"{'/'.join(key_aliases)} '{shown}' is already used by entry {seen[key]} "
                f"of '{path[-1]}'",
            )
        else:
            seen[key] = index

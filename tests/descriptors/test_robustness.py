"""Hostile or mangled input never escapes as anything but a ValidationError."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from locus_iac.descriptors import parse_descriptor
from locus_iac.errors import ValidationError

from .conftest import VALID, fixture_data, to_text

ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    "",
    "x",
    [],
    {},
    [None],
    {"k": [1]},
    {1: "int key"},
    ["a", {"b": None}],
]


def _nodes(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _nodes(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _nodes(value, (*path, index))
    return found


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize("path", sorted(VALID.glob("*.yaml")), ids=lambda p: p.name)
def test_random_mutations_give_issues_not_crashes(path: Path) -> None:
    rng = random.Random(path.name)
    for _ in range(20):
        data = fixture_data(path.name)
        target = rng.choice(_nodes(data))
        data = _replace(data, target, rng.choice(ODD_VALUES))
        try:
            parse_descriptor(to_text(data))
        except ValidationError as exc:
            assert exc.issues, "a rejection must say why"
            for issue in exc.issues:
                assert issue.path == "" or issue.path.startswith("/")
                assert issue.code and issue.message


@pytest.mark.parametrize(
    "text",
    [
        "\x00",
        "vnfd: !!binary aGVsbG8=\n",
        "? [a, b]\n: c\n",
        "vnfd: {? [a]: b}\n",
        "vnfd:\n  id: 2020-01-01\n",
        "nst: [[[]]]\n",
        "nsd: {nsd: [1]}\n",
        "\ufeffvnfd: {id: x}\n",
    ],
)
def test_odd_documents(text: str) -> None:
    try:
        parse_descriptor(text)
    except ValidationError as exc:
        assert exc.issues

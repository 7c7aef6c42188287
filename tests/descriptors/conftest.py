"""Shared helpers for the descriptor tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from locus_iac.descriptors import Descriptor, parse_descriptor
from locus_iac.errors import Issue, ValidationError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VALID = FIXTURES / "descriptors"
SEED = FIXTURES / "seed"


def load(path: Path) -> Descriptor:
    return parse_descriptor(path.read_bytes(), source=path.name)


def issues_of(text: str | bytes) -> list[Issue]:
    """The issues parse_descriptor raises for ``text`` (fails the test if it parses)."""
    with pytest.raises(ValidationError) as caught:
        parse_descriptor(text)
    return list(caught.value.issues)


def pairs(issues: list[Issue]) -> set[tuple[str, str]]:
    return {(issue.path, issue.code) for issue in issues}


def fixture_data(name: str) -> Any:
    """A valid fixture's YAML data, to be changed by a test."""
    return yaml.safe_load((VALID / name).read_text())


def set_at(data: Any, path: Sequence[str | int], value: Any) -> Any:
    """Set (or, with DELETE, remove) the node at ``path``; returns ``data``."""
    node = data
    for part in path[:-1]:
        node = node[part]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


DELETE = object()


def to_text(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False)

"""Shared helpers for the descriptor tests."""

from __future__ import annotations

from pathlib import Path

import pytest

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

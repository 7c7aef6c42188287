"""Parsing of repeated ``KEY=VALUE`` command-line options into plain text pairs."""

from __future__ import annotations

from locus_iac.errors import Issue, ValidationError


def text_pairs(values: list[str], option: str) -> dict[str, str]:
    """``KEY=VALUE`` items of ``--OPTION`` as a mapping; a malformed item is reported at
    ``/OPTION/INDEX``. (Values stay text; ``locus ns``/``nsi`` parse JSON values instead.)"""
    pairs: dict[str, str] = {}
    for i, value in enumerate(values):
        key, sep, target = value.partition("=")
        if not sep or not key or not target:
            raise ValidationError(
                f"--{option} takes KEY=VALUE", [Issue(f"/{option}/{i}", "bad-option", value)]
            )
        pairs[key] = target
    return pairs

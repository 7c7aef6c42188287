"""The error components raise for arguments that cannot be declared."""

from __future__ import annotations

from locus_iac.errors import Issue, ValidationError


def invalid(message: str, path: str = "") -> ValidationError:
    """A :class:`ValidationError` for inconsistent component arguments (a hand-edited or
    stale plan: resolve never produces them)."""
    return ValidationError(message, [Issue(path, "invalid-plan", message)])

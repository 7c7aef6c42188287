"""The one error tree of locus-iac.

Every error the product raises on purpose is a :class:`LocusError`. Domain errors carry no
HTTP status: the NBI maps them to SOL013 ProblemDetails in one handler, the CLI maps them to
exit codes in one place. Errors of third-party libraries (Pulumi, ansible-runner, SQLAlchemy,
httpx) are translated into this tree once, at the boundary that calls them.

::

    LocusError
    ├── ValidationError        input is wrong; carries every problem found, each with a
    │   │                      JSON pointer, a stable code and a plain message
    │   └── UnsafeArchiveError an archive that must not be extracted (traversal, links, bombs)
    ├── NotFound               a named thing does not exist (or is invisible to the caller)
    ├── Conflict               the request clashes with the current state (in use, duplicate,
    │                          another operation running, forbidden state transition)
    ├── AuthError              missing, wrong, expired or revoked credentials
    │   └── Forbidden          authenticated, but not allowed
    ├── RetryableError         a transient failure; ``delay`` says when to try again
    └── PermanentError         a failure that retrying will not fix
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in some input.

    ``path`` is an RFC 6901 JSON pointer into the document (``""`` is the whole document),
    ``code`` a stable machine-readable identifier (e.g. ``unknown-field``,
    ``broken-reference``), ``message`` a sentence for a person.
    """

    path: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        where = self.path or "/"
        return f"{where}: {self.message} [{self.code}]"


def json_pointer(*parts: str | int) -> str:
    """Build an RFC 6901 JSON pointer from path segments (escaping ``~`` and ``/``)."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "".join("/" + p for p in escaped)


class LocusError(Exception):
    """Root of every error locus-iac raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(LocusError):
    """The input is invalid; ``issues`` lists every problem found in one pass."""

    def __init__(self, message: str, issues: Iterable[Issue] = ()) -> None:
        super().__init__(message)
        self.issues: Sequence[Issue] = tuple(issues)

    def __str__(self) -> str:
        if not self.issues:
            return self.message
        lines = [self.message, *(f"  {issue}" for issue in self.issues)]
        return "\n".join(lines)


class UnsafeArchiveError(ValidationError):
    """An archive that must not be extracted: traversal, links, devices, bombs."""


class NotFound(LocusError):
    """A named thing does not exist, or is not visible to the caller."""


class Conflict(LocusError):
    """The request clashes with the current state of a resource."""


class AuthError(LocusError):
    """Missing, wrong, expired or revoked credentials."""


class Forbidden(AuthError):
    """The caller is known but not allowed to do this."""


class RetryableError(LocusError):
    """A transient failure: the same request may succeed after ``delay`` seconds."""

    def __init__(self, message: str, delay: float = 1.0) -> None:
        super().__init__(message)
        self.delay = delay


class PermanentError(LocusError):
    """A failure that retrying will not fix."""

"""Strict skips: in CI a skipped test is a failure unless the allow-list says why it may skip.

With ``LOCUS_STRICT_SKIPS=1`` (``.ci/run`` sets it) every test outcome that did not run the
test to a verdict fails, unless an entry of the allow-list matches both the test's node id and
the reason:

- ``skip`` / ``skipif`` markers, ``pytest.skip()`` in a test or a fixture (reported as an
  error at setup), ``pytest.importorskip`` and module-level skips (reported as a collection
  error);
- ``xfail`` in every form (marker with or without ``strict``, ``pytest.xfail()``): an expected
  failure hides a test that does not pass, and an unexpected pass (XPASS) hides that the mark
  is stale, so both fail unless allowed. The reason matched is the xfail reason.

The allow-list (``tests/skip-allowlist.txt``, or the file ``LOCUS_SKIP_ALLOWLIST`` names) has
one entry a line, three fields separated by `` | `` (space, bar, space)::

    <node id glob> | <reason regular expression> | <why CI may skip it>

The node id glob is matched with :func:`fnmatch.fnmatchcase` against the whole node id
(``*`` also crosses ``/`` and ``::``); the reason expression is searched (:func:`re.search`) in
the skip reason without pytest's ``Skipped:`` prefix. The third field is mandatory. Blank lines
and lines starting with ``#`` are comments. A malformed file stops the run (usage error).

The terminal summary lists the skips the allow-list let through, with their why, and the
number of skips turned into failures. Without the variable nothing changes.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ENV = "LOCUS_STRICT_SKIPS"
ALLOWLIST_ENV = "LOCUS_SKIP_ALLOWLIST"
DEFAULT_ALLOWLIST = Path(__file__).resolve().parents[1] / "skip-allowlist.txt"
_SEPARATOR = " | "
_SKIPPED_PREFIX = "Skipped: "


@dataclass(frozen=True)
class Entry:
    """One allow-list line: which tests, which reason, and why CI may skip them."""

    node_glob: str
    reason: re.Pattern[str]
    why: str
    line: int

    def matches(self, nodeid: str, reason: str) -> bool:
        return fnmatch.fnmatchcase(nodeid, self.node_glob) and bool(self.reason.search(reason))


@dataclass(frozen=True)
class Allowed:
    nodeid: str
    reason: str
    entry: Entry


@dataclass
class StrictSkips:
    """The allow-list of this run and what it decided."""

    path: Path
    entries: list[Entry]
    allowed: list[Allowed] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def judge(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        """Leave an allowed skip as it is; turn any other skip or xfail into a failure."""
        found = _not_run_reason(report)
        if found is None:
            return
        kind, reason = found
        for entry in self.entries:
            if entry.matches(report.nodeid, reason):
                self.allowed.append(Allowed(report.nodeid, f"{kind}: {reason}", entry))
                return
        self.refused.append(report.nodeid)
        where = _skip_location(report)
        report.outcome = "failed"
        if hasattr(report, "wasxfail"):
            del report.wasxfail
        report.longrepr = (
            f"{ENV}=1: this test was not run to a verdict ({kind}{where}) and no entry of "
            f"{self.path} allows it.\n  reason: {reason}\n"
            f"Make the condition hold (CI has every tool and service), or add "
            f"'<node id glob>{_SEPARATOR}<reason regex>{_SEPARATOR}<why CI may skip it>'."
        )


def _not_run_reason(report: pytest.TestReport | pytest.CollectReport) -> tuple[str, str] | None:
    """``(kind, reason)`` for a skip, an xfail or an xpass; ``None`` for a real verdict."""
    wasxfail = getattr(report, "wasxfail", None)
    if wasxfail is not None:
        if report.skipped:
            return "xfail", str(wasxfail)
        if report.passed:
            return "xpass", str(wasxfail)
        return None
    if not report.skipped:
        return None
    longrepr = report.longrepr
    message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return "skip", message.removeprefix(_SKIPPED_PREFIX)


def _skip_location(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        return f" at {longrepr[0]}:{longrepr[1]}"
    return ""


def parse_allowlist(text: str, path: Path) -> list[Entry]:
    """The entries of an allow-list; a malformed line is a usage error naming ``path:line``."""
    entries: list[Entry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [part.strip() for part in line.split(_SEPARATOR, 2)]
        if len(fields) != 3 or not all(fields):
            raise pytest.UsageError(
                f"{path}:{number}: an entry is '<node id glob>{_SEPARATOR}<reason regex>"
                f"{_SEPARATOR}<why CI may skip it>', all three non-empty; got {raw!r}"
            )
        try:
            reason = re.compile(fields[1])
        except re.error as exc:
            raise pytest.UsageError(f"{path}:{number}: bad reason expression: {exc}") from exc
        entries.append(Entry(fields[0], reason, fields[2], number))
    return entries


def _enabled() -> bool:
    return os.environ.get(ENV, "").strip().lower() in {"1", "true", "yes"}


_STATE = pytest.StashKey[StrictSkips]()


def pytest_configure(config: pytest.Config) -> None:
    if not _enabled():
        return
    path = Path(os.environ.get(ALLOWLIST_ENV) or DEFAULT_ALLOWLIST)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise pytest.UsageError(f"{ENV}=1 but the allow-list cannot be read: {exc}") from exc
    config.stash[_STATE] = StrictSkips(path, parse_allowlist(text, path))


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return None
    return f"strict skips: on ({len(state.entries)} allow-list entries in {state.path})"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    state = item.config.stash.get(_STATE, None)
    if state is not None:
        state.judge(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    state = collector.config.stash.get(_STATE, None)
    if state is not None:
        state.judge(report)
    return report


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    write = terminalreporter.write_line
    terminalreporter.section("strict skips")
    write(
        f"{len(state.allowed)} skip(s) allowed by {state.path}, "
        f"{len(state.refused)} turned into failures"
    )
    for allowed in state.allowed:
        write(f"ALLOWED {allowed.nodeid}: {allowed.reason}")
        write(f"    why (line {allowed.entry.line}): {allowed.entry.why}")
    for nodeid in state.refused:
        write(f"REFUSED {nodeid}")

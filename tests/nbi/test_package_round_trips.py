"""Database statements per package request (issue 19: every statement is a round trip on a
server database): a get reads one row and its usage in one statement, a VNF package list reads
a page and its usage in one (no references query), a one-shot onboarding writes the new
package with one INSERT."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .harness import Api

VNF = "/vnfpkgm/v1/vnf_packages"
_PACKAGES = re.compile(r"\b(packages|package_refs)\b")


@contextmanager
def _statements() -> Iterator[list[str]]:
    """The statements on the package tables run meanwhile (any thread: the handler's)."""
    seen: list[str] = []

    def note(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        if _PACKAGES.search(statement):
            seen.append(" ".join(statement.split()[:4]))

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def test_package_reads_and_one_shot_onboarding_statements(
    api: Api, example_packages: dict[str, bytes]
) -> None:
    gz = {"Content-Type": "application/gzip"}
    with _statements() as onboarding:
        made = api.post(f"{VNF}_content", content=example_packages["cloud_vnf"], headers=gz)
    assert made.status_code == 201, made.text
    writes = [s for s in onboarding if not s.startswith("SELECT")]
    assert [s.split()[0] for s in writes] == ["INSERT"], onboarding  # no INSERT then UPDATE
    ident = made.json()["id"]
    with _statements() as got:
        one = api.get(f"{VNF}/{ident}")
    assert one.status_code == 200 and one.json()["usageState"] == "NOT_IN_USE"
    assert len(got) == 1, got  # the row and whether it is in use together
    with _statements() as listed:
        page = api.get(VNF)
    assert [p["id"] for p in page.json()] == [ident]
    assert len(listed) == 1, listed  # the page with its usage; VNF packages reference nothing

"""Fixtures of the function tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .httpservers import StaticFiles


@pytest.fixture
def static_files() -> Iterator[StaticFiles]:
    files = StaticFiles()
    files.thread.start()
    yield files
    files.httpd.shutdown()
    files.httpd.server_close()

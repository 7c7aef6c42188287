"""Fixtures of the notification tests: a real subscriber on 127.0.0.1, a catalogue database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.databases import database_url, db
from support.subscriber import Subscriber, running_subscriber

__all__ = ["database_url", "db"]


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    with running_subscriber() as sub:
        yield sub
